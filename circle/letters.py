"""The mails notices go out in: one notice, or a person's digest of a day, each with its direct links.

A mail is written when it is sent, from what is stored then, in the
person's language (their choice, else Kring's default): a meeting's mail
shows its agenda as it stands at that moment, however long ago it was
planned. A notice whose moment has passed (the meeting began, the person
left the circle) is not written at all (`tell` answers None), and is
dropped rather than sent.

Every mail has a plain-text part, which any mail program reads, and an HTML
part with the same words; a planned meeting brings a calendar invitation
(iCalendar, METHOD:REQUEST, one UID per meeting, so a second mail about the
same meeting updates the same calendar entry). Links point at
`KRING_BASE_URL`, never at the host a request named: a member who acted
cannot make Kring mail the others a link to somewhere else. People's text
is isolated for direction (U+2068 … U+2069) in the plain text, the HTML and
the calendar alike, as in Kring's exports (docs/exports.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _

from circle import clock, mail
from circle.extensions import db
from circle.method import MeetingStatus, Phase, RoundKind, TaskStatus
from circle.models import (
    Circle,
    Meeting,
    Notice,
    NoticeDigest,
    NoticeKind,
    Person,
    Proposal,
    Round,
    RoundStatus,
    Task,
)
from circle.read.exports import ics_fold, ics_text
from circle.text import CONTROL, isolate
from circle.words import ROUND_KINDS, word


@dataclass
class Told:
    """What one notice says: its headline, its sentences, where to read on, and its invitation."""

    circle: str
    headline: str
    lines: list[str]
    link: str
    link_label: str
    invitation: mail.Attachment | None = None
    #: Lines shown as a list under the sentences (a meeting's agenda).
    items: list[str] = field(default_factory=list)


# --- Where and in which language ---------------------------------------------------------------


def base_url() -> str:
    """Where Kring is reached from outside: KRING_BASE_URL, else the server's name, else this machine."""
    config = current_app.config
    if config.get("BASE_URL"):
        return config["BASE_URL"].rstrip("/") + "/"
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}/"
    current_app.logger.warning("KRING_BASE_URL is not set: mailed links point at this machine")
    return "http://127.0.0.1:5000/"


def language(person: Person) -> str:
    """The language a person reads Kring in: their choice, else the installation's default."""
    languages = current_app.config["LANGUAGES"]
    return person.language if person.language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def writing_to(person: Person) -> Iterator[None]:
    """Links on Kring's own address, words in the person's language."""
    with current_app.test_request_context(base_url=base_url()), force_locale(language(person)):
        yield


def long_date(day: dt.date) -> str:
    """A day as a person reads it in a letter: "maandag 7 december 2026"."""
    return format_date(day, "full")


def deadline(moment: dt.datetime) -> str:
    """A moment (UTC) as the wall clock where the circles live shows it: "maandag 7 december 2026 20:00"."""
    return f"{format_date(clock.local(moment).date(), 'full')} {format_time(moment, 'short')}"


# --- What each kind of notice says ------------------------------------------------------------


def _meeting(notice: Notice) -> Told | None:
    """A meeting was planned: its day, its agenda as it stands now, and an invitation."""
    meeting = db.session.get(Meeting, notice.subject)
    if meeting is None or meeting.circle_id != notice.circle_id or meeting.status != MeetingStatus.PLANNED:
        return None
    circle, title = isolate(meeting.circle.name), isolate(meeting.title)
    link = url_for("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id, _external=True)
    items = [_("%(title)s (review)", title=isolate(i.proposal.latest.title)) if i.review
             else isolate(i.proposal.latest.title) for i in meeting.agenda]
    return Told(
        circle=circle,
        headline=_("Meeting on %(date)s: %(title)s", date=format_date(meeting.date, "medium"), title=title),
        lines=[_("%(circle)s meets on %(date)s: %(title)s.", circle=circle, date=long_date(meeting.date),
                 title=title),
               _("On the agenda:") if items else _("Nothing is on the agenda yet.")],
        items=items,
        link=link, link_label=_("See the meeting and its agenda:"),
        invitation=mail.Attachment(f"meeting-{meeting.id}.ics", invitation(meeting, notice.person, link)
                                   .encode("utf-8"), "text", "calendar",
                                   (("method", "REQUEST"), ("charset", "utf-8"))),
    )


def _decision(notice: Notice) -> Told | None:
    """A proposal was adopted: what was decided, and where to read how it came about."""
    proposal = db.session.get(Proposal, notice.subject)
    if proposal is None or proposal.circle_id != notice.circle_id or proposal.phase not in (
            Phase.ADOPTED, Phase.REVIEW):
        return None
    latest, circle = proposal.latest, _circle_name(proposal.circle_id)
    lines = [_("%(circle)s decided on %(date)s: %(title)s.", circle=circle,
               date=long_date(clock.local(proposal.decided_at or clock.now()).date()),
               title=isolate(latest.title)), isolate(latest.text)]
    if latest.review_date:
        lines.append(_("The circle looks back at it on %(date)s.", date=long_date(latest.review_date)))
    return Told(circle=circle, headline=_("Decided: %(title)s", title=isolate(latest.title)), lines=lines,
                link=_decision_link(proposal),
                link_label=_("Read the decision and how it came about:"))


def _review(notice: Notice) -> Told | None:
    """A decision's review date comes near: time to look back at whether it works."""
    proposal = db.session.get(Proposal, notice.subject)
    if proposal is None or proposal.circle_id != notice.circle_id or not proposal.latest.review_date:
        return None
    latest, circle = proposal.latest, _circle_name(proposal.circle_id)
    lines = [_("%(circle)s looks back on %(date)s at the decision %(title)s: does it work?", circle=circle,
               date=long_date(latest.review_date), title=isolate(latest.title))]
    if latest.success_criteria:
        lines += [_("How we would see that it works:"), isolate(latest.success_criteria)]
    return Told(circle=circle, headline=_("Review due: %(title)s", title=isolate(latest.title)), lines=lines,
                link=_decision_link(proposal), link_label=_("Read the decision:"))


def _circle_name(circle_id: int) -> str:
    return isolate(db.session.get(Circle, circle_id).name)


def _decision_link(proposal: Proposal) -> str:
    return url_for("decisions.decision", circle_id=proposal.circle_id, proposal_id=proposal.id, _external=True)


def _round(notice: Notice) -> Told | None:
    """A round between meetings waits for the person's answer (or, a day before it closes, still does)."""
    rnd = db.session.get(Round, notice.subject)
    me = notice.person.membership(notice.circle_id)
    if (rnd is None or rnd.circle_id != notice.circle_id or rnd.status != RoundStatus.OPEN or rnd.deadline is None
            or me is None or all(s.member_id != me.id for s in rnd.seats)
            or any(c.member_id == me.id for c in rnd.contributions)):
        return None  # closed, not theirs to answer, or answered already
    circle, title = _circle_name(rnd.circle_id), isolate(rnd.proposal.latest.title)
    kind, until = word(ROUND_KINDS, rnd.kind.value), deadline(rnd.deadline)
    if notice.kind == NoticeKind.ROUND_REMINDER:
        headline = _("Reminder: your answer on %(title)s, before %(deadline)s", title=title, deadline=until)
        lines = [_("The %(round)s on %(title)s closes on %(deadline)s, and your answer is not in yet.",
                   round=kind.lower(), title=title, deadline=until)]
    else:
        headline = _("Your answer is asked: %(title)s", title=title)
        lines = [_("%(circle)s holds a %(round)s on %(title)s between meetings. Answer before %(deadline)s.",
                   circle=circle, round=kind.lower(), title=title, deadline=until)]
    if rnd.kind == RoundKind.CONSENT:
        lines.append(_("If you do not answer, the circle counts it as consent.") if rnd.silence_counts
                     else _("Not answering is not consent: without every answer the proposal goes to the "
                            "next meeting."))
    return Told(circle=circle, headline=headline, lines=lines, link=url_for(
        "proposals.proposal", circle_id=rnd.circle_id, proposal_id=rnd.proposal_id, _external=True),
        link_label=_("Read the proposal and give your answer:"))


def _task(notice: Notice) -> Told | None:
    """A task of a decision is past its day and not done."""
    task = db.session.get(Task, notice.subject)
    if task is None or task.circle_id != notice.circle_id or task.status == TaskStatus.DONE:
        return None
    circle, what = _circle_name(task.circle_id), isolate(task.what)
    lines = [_("The task %(what)s, of the decision %(title)s, was to be done by %(date)s.", what=what,
               title=isolate(task.proposal.latest.title), date=long_date(task.due_on))]
    lines.append(_("You carry it out: say how it stands, also when you are stuck.")
                 if task.carrier.person_id == notice.person_id
                 else _("%(name)s carries it out.", name=isolate(task.carrier.name)))
    return Told(circle=circle, headline=_("Task overdue: %(what)s", what=what), lines=lines,
                link=_decision_link(task.proposal) + f"#task-{task.id}",
                link_label=_("See the task and how it stands:"))


#: What each kind of notice says.
TELLERS: dict[NoticeKind, Callable[[Notice], Told | None]] = {
    NoticeKind.MEETING_PLANNED: _meeting,
    NoticeKind.ROUND_OPEN: _round,
    NoticeKind.ROUND_REMINDER: _round,
    NoticeKind.DECISION_MADE: _decision,
    NoticeKind.REVIEW_DUE: _review,
    NoticeKind.TASK_OVERDUE: _task,
}


def tell(notice: Notice) -> Told | None:
    """What the notice says now, or None when there is nothing left to tell (or nobody to tell it)."""
    membership = notice.person.membership(notice.circle_id)
    if membership is None or not membership.active:
        return None
    return TELLERS[notice.kind](notice)


def still_to_tell(notice: Notice) -> bool:
    """Whether the notice still has something to say to its person."""
    with writing_to(notice.person):
        return tell(notice) is not None


# --- The mails ---------------------------------------------------------------------------------


def _message_id(what: str, row_id: int) -> str:
    """The same Message-ID every time this notice or digest is written."""
    return f"<kring-{what}-{row_id}@{urlsplit(base_url()).hostname or 'kring'}>"


def one(notice: Notice) -> EmailMessage | None:
    """The mail of one notice sent on its own, or None when it has nothing left to tell."""
    person = notice.person
    with writing_to(person):
        told = tell(notice)
        if told is None:
            return None
        context = {"person": person, "told": [told], "digest": False, "preferences": _preferences_link()}
        subject = f"{told.circle}: {told.headline}"
        text, html = render_template("notices/mail.txt", **context), render_template("notices/mail.html", **context)
    return mail.message(person.email, subject, text, html,
                        tuple(a for a in [told.invitation] if a), _message_id("notice", notice.id))


def digest(d: NoticeDigest) -> EmailMessage | None:
    """A person's notices of a day in one mail; what has nothing left to tell is left out (None: all of it)."""
    person = d.person
    with writing_to(person):
        told = [t for t in (tell(n) for n in d.notices) if t is not None]
        if not told:
            return None
        context = {"person": person, "told": told, "digest": True, "preferences": _preferences_link()}
        subject = _("Kring: what happened in your circles, %(date)s", date=format_date(d.day, "medium"))
        text, html = render_template("notices/mail.txt", **context), render_template("notices/mail.html", **context)
    return mail.message(person.email, subject, text, html,
                        tuple(t.invitation for t in told if t.invitation), _message_id("digest", d.id))


def _preferences_link() -> str:
    return url_for("notices.preferences", _external=True)


# --- The calendar invitation -------------------------------------------------------------------


def invitation(meeting: Meeting, person: Person, link: str) -> str:
    """A meeting as an iCalendar invitation (RFC 5545, iTIP METHOD:REQUEST): a whole day, CRLF, folded.

    The UID is the meeting's, so the calendar keeps one entry for it; Kring's sender address is
    the organiser and the person the one attendee, asked for no reply (Kring reads none).
    """
    sender = parseaddr(current_app.config.get("MAIL_FROM") or "Kring <kring@localhost>")[1] or "kring@localhost"
    host = urlsplit(base_url()).hostname or "kring"
    agenda = [_("On the agenda:")] + [f"- {isolate(i.proposal.latest.title)}" for i in meeting.agenda]
    description = "\n".join((agenda if meeting.agenda else []) + [link])
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kring//Meetings//EN", "CALSCALE:GREGORIAN",
        "METHOD:REQUEST", "BEGIN:VEVENT",
        f"UID:kring-meeting-{meeting.id}@{host}",
        f"DTSTAMP:{clock.now().strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{meeting.date.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(meeting.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
        "SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:TRANSPARENT",
        f"SUMMARY:{ics_text(isolate(meeting.circle.name) + ': ' + isolate(meeting.title))}",
        f"DESCRIPTION:{ics_text(description)}",
        f"URL:{link}",
        f'ORGANIZER;CN="{_param(meeting.circle.name)}":mailto:{sender}',
        f'ATTENDEE;CN="{_param(person.name)}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:'
        f"mailto:{person.email}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def _param(value: str) -> str:
    """A quoted parameter value (RFC 5545, 3.2): no double quote or control character can stand in it."""
    return isolate(" ".join(CONTROL.sub("", value).replace('"', "'").split()))
