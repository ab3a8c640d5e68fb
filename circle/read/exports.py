"""The record as files: minutes as Markdown and JSON, decisions as CSV, review dates as iCalendar.

All of them are written from the plain data of circle/read/minutes.py. Moments
are UTC in the record; JSON and CSV give them as ISO 8601 with "Z", dates as
YYYY-MM-DD, so a tool reads them back exactly. Markdown is for people: it
uses the reader's language and time zone.

In Markdown, CSV and iCalendar every person's text is isolated for direction
(each line between U+2068 and U+2069, circle/text.py), so a right-to-left
override in a name reverses nothing of Kring's words beside it; JSON holds
the texts exactly as written (docs/exports.md).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from circle.read.minutes_entries import ContributionEntry, DecisionRow, Minutes, RoundEntry
from circle.text import CONTROL, isolate
from circle.words import ANSWERS, ROUND_KINDS, role_word

#: Version of the JSON layout; raised when a key changes meaning or goes away.
JSON_FORMAT = "kring.minutes/1"

LABELS = {
    **ROUND_KINDS,
    **{k: v for k, v in ANSWERS.items() if k != "consent"},
    "answer_consent": ANSWERS["consent"],
    # outcomes
    "adopted": _l("Adopted"), "postponed": _l("Postponed"), "withdrawn": _l("Withdrawn"),
    "open": _l("Not decided yet"),
    # meeting status
    "planned": _l("Planned"), "status_open": _l("Open"), "closed": _l("Closed"),
    # how an objection ended
    "standing": _l("Still standing."), "obj_withdrawn": _l("Withdrawn by its maker."),
}


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


# --- JSON ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Dates as YYYY-MM-DD, moments (UTC) as ISO 8601 with Z; the rest as it is."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def minutes_json(minutes: Minutes) -> str:
    """The whole minutes as JSON: the same keys every time, in the same order."""
    data = {"format": JSON_FORMAT, **_plain(dataclasses.asdict(minutes))}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- CSV ---------------------------------------------------------------------------------

#: The columns of a decisions CSV, in order; names stay the same in every language.
CSV_COLUMNS = ("meeting_id", "meeting", "date", "proposal_id", "title", "review", "outcome",
               "version", "decided_at", "review_date", "success_criteria", "carried_out_by",
               "objections", "concerns")
#: The columns people wrote: isolated for direction.
CSV_WRITTEN = frozenset({"meeting", "title", "success_criteria", "carried_out_by"})
#: A cell starting with one of these is a formula to a spreadsheet: it gets a leading "'".
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, written: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = _plain(value) if isinstance(value, dt.date) else str(value)
    shown = isolate(text) if written else text
    return "'" + shown if text.startswith(_FORMULA) else shown


def decisions_csv(rows: Iterable[DecisionRow]) -> str:
    """One row per decision; UTF-8 with a byte-order mark, so spreadsheets read the accents."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, c), c in CSV_WRITTEN) for c in CSV_COLUMNS])
    return out.getvalue()


# --- Markdown ----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
#: What would start a list at the start of a line: "- ", "+ ", "12. ".
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)\.)", re.MULTILINE)


def _no_list(match: re.Match) -> str:
    lead, bullet, number = match.groups()
    return lead + ("\\" + bullet if bullet else number + "\\.")


def md_text(text: str) -> str:
    """A person's text inside Markdown: special characters escaped, lines kept, each line isolated."""
    text = _MD_LINE_START.sub(_no_list, _MD_SPECIAL.sub(r"\\\1", text.replace("\r\n", "\n")))
    return "  \n   ".join(isolate(line) for line in text.split("\n"))


def _moment(value: dt.datetime | None) -> str:
    """A moment in the reader's time zone, e.g. 2026-11-23 20:15."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def _names(names: list[str], former: list[str] = ()) -> str:
    """Names in a line; who has left the circle since is marked so."""
    return ", ".join(md_text(n) + (f" ({_('left the circle')})" if n in former else "")
                     for n in names) or _("Nobody")


def _contribution_lines(c: ContributionEntry) -> list[str]:
    answer = _label("answer_consent" if c.answer == "consent" else c.answer)
    if c.nominee:
        answer += " " + md_text(c.nominee)
    line = f"{c.position}. **" + md_text(c.who) + "** (" + answer + ", " + _moment(c.at) + ")"
    lines = [line + (": " + md_text(c.text) if c.text else "")]
    if c.recorded_by:
        lines.append("   - " + _("Recorded by %(by)s for %(member)s", by=md_text(c.recorded_by),
                                   member=md_text(c.who)))
    for fix in c.corrections:
        lines.append("   - " + _("Correction by %(by)s (%(at)s): %(text)s", by=md_text(fix.by),
                                   at=_moment(fix.at), text=md_text(fix.text)))
        if fix.note:
            lines.append("     " + _("Why: %(note)s", note=md_text(fix.note)))
    return lines


def _round_lines(r: RoundEntry) -> list[str]:
    title = "### " + _label(r.kind) + " · " + _("round %(number)s", number=r.number)
    if r.version:
        title += " · " + _("version %(n)s", n=r.version)
    mode = _("In turn") if r.mode == "in_turn" else _("Open: all at once")
    facts = [mode] + ([_("Simultaneous reveal")] if r.reveal else [])
    facts.append(_("Started by %(name)s", name=md_text(r.started_by)) + " (" + _moment(r.started_at) + ")")
    if r.status == "abandoned":
        facts.append(_("Ended unfinished: the proposal was postponed."))
    elif r.status == "open":
        facts.append(_("This round is still open."))
    lines = [title, "", " · ".join(facts), "",
             (_("Speaking order:") if r.mode == "in_turn" else _("In this round:")) + " "
             + _names(r.seats), ""]
    if r.hidden:
        lines += [_("The answers show when everyone has answered."), ""]
    for c in r.contributions:
        lines += _contribution_lines(c)
    if r.contributions:
        lines.append("")
    if r.unanswered:
        lines += [_("Did not answer:") + " " + _names(r.unanswered), ""]
    return lines


def _ended(o) -> str:
    if o.status == "met":
        text = _("Met by version %(number)s: its maker consented to it.", number=o.met_by_version)
    elif o.status == "withdrawn" and o.withdrawal_recorded_by:
        text = _("Withdrawn by its maker, recorded by %(name)s.", name=md_text(o.withdrawal_recorded_by))
    else:
        text = _label("obj_withdrawn" if o.status == "withdrawn" else "standing")
    return text + (" (" + _moment(o.ended_at) + ")" if o.ended_at else "")


def _chosen_lines(i) -> list[str]:
    """An election adopted here: who is chosen for which role, from when until when."""
    e = i.election
    if e is None or i.outcome != "adopted" or e.nominee is None:
        return []
    return ["- " + _("%(name)s is chosen as %(role)s from %(from)s until %(until)s.", name=md_text(e.nominee),
                     role=role_word(e.role, e.role_name, True), **{"from": format_date(e.term_from, "long"),
                                                                   "until": format_date(e.term_until, "long")})]


def _heading(level: int, text: str) -> list[str]:
    return ["#" * level + " " + text, ""]


def _item_lines(i) -> list[str]:
    """An agenda item: what was proposed, what became of it, its rounds, objections, concerns."""
    kind = _("Review") if i.review else _("Agenda item %(n)s", n=i.position)
    outcome = _label(i.outcome) + (" (" + _moment(i.decided_at) + ")" if i.decided_at else "")
    not_set = _("Not set")
    lines = _heading(2, kind + ": " + md_text(i.title)) + [
        "- " + _("Outcome:") + " " + outcome, *_chosen_lines(i),
        "- " + _("Proposal") + f": #{i.proposal_id}, " + _("version %(n)s", n=i.version),
        "- " + _("Proposed by %(name)s", name=md_text(i.proposer)),
        "- " + _("Review date") + ": " + (i.review_date.isoformat() if i.review_date else not_set),
        "- " + _("How will we see that it works?") + " " + (md_text(i.success_criteria) or not_set),
        "- " + _("Who carries it out?") + " " + (md_text(i.carried_out_by) or not_set), "",
        "> " + md_text(i.text).replace("  \n   ", "  \n> "), ""]
    for r in i.rounds:
        lines += _round_lines(r)
    if i.objections:
        lines += _heading(3, _("Objections"))
        for o in i.objections:
            lines.append("- **" + md_text(o.who) + "** · " + _("On version %(number)s", number=o.version)
                         + ": " + md_text(o.reason))
            if o.workable:
                lines.append("  - " + _("What would make it workable?") + " " + md_text(o.workable))
            if o.tested:
                lines.append("  - " + _("Yes, the facilitator tested this objection."))
            lines.append("  - " + _("How it ended") + ": " + _ended(o))
        lines.append("")
    if i.concerns:
        lines += _heading(3, _("Concerns given with consent"))
        lines += ["- **" + md_text(c.who) + "**: " + md_text(c.text) for c in i.concerns] + [""]
    if i.tasks:
        status = {"open": _("Not started"), "started": _("Started"), "done": _("Done"), "stuck": _("Stuck")}
        lines += _heading(3, _("Tasks"))
        lines += ["- " + md_text(t.what) + " · **" + md_text(t.who) + "** · "
                  + _("done by %(day)s", day=t.due_on.isoformat()) + " · " + status[t.status]
                  for t in i.tasks] + [""]
    return lines


def _between_lines(i) -> list[str]:
    """A proposal's rounds between meetings since the meeting before, as the minutes report them."""
    outcome = _label(i.outcome) + (" (" + _moment(i.decided_at) + ")" if i.decided_at else "")
    lines = _heading(3, md_text(i.title)) + [
        "- " + _("Outcome:") + " " + outcome, *_chosen_lines(i),
        "- " + _("Proposal") + f": #{i.proposal_id}, " + _("version %(n)s", n=i.version),
        "- " + _("Proposed by %(name)s", name=md_text(i.proposer)), ""]
    ended = {"complete": _("Closed when everyone had answered."), "deadline": _("Closed at its deadline."),
             "early": _("Closed early by the facilitator.")}
    for r in i.rounds:
        said = [_("Answers until %(moment)s", moment=_moment(r.deadline)), ended.get(r.ended or "", "")]
        if r.silence_as_consent:
            said.append(_("Silence was counted as consent, as the circle decided for this kind of decision."))
        lines += [" · ".join(s for s in said if s), ""] + _round_lines(r)
    return lines


def minutes_markdown(minutes: Minutes) -> str:
    """The minutes as a Markdown document people can read, mail and archive."""
    m, a = minutes.meeting, minutes.attendance
    status = _label("status_open" if m["status"] == "open" else m["status"])
    lines = _heading(1, _("Minutes") + ": " + md_text(m["title"]))
    lines += [md_text(minutes.circle["name"]) + " · " + m["date"].isoformat() + " · " + status, ""]
    lines += _heading(2, _("Attendance")) + [
        "- " + _("Present:") + " " + _names(a["present"], a["former"]),
        "- " + _("Late:") + " " + _names(a["late"], a["former"]),
        "- " + _("Absent:") + " " + _names(a["absent"], a["former"])]
    if a["guests"]:
        lines.append("- " + _("Guests:") + " " + _names(a["guests"]))
    lines.append("")
    if minutes.opening:
        lines += _heading(2, _("Opening"))
        for r in minutes.opening:
            lines += _round_lines(r)
    for i in minutes.items:
        lines += _item_lines(i)
    if minutes.between:
        lines += _heading(2, _("Between meetings"))
        for i in minutes.between:
            lines += _between_lines(i)
    if minutes.closing:
        lines += _heading(2, _("Closing"))
        for r in minutes.closing:
            lines += _round_lines(r)
    if minutes.title_corrections:
        lines += _heading(2, _("Corrections to these minutes"))
        lines.append("- " + _("Title as first recorded:") + " " + md_text(m["recorded_title"]))
        for fix in minutes.title_corrections:
            lines.append("- " + _("Correction by %(by)s (%(at)s): %(text)s", by=md_text(fix.by),
                                  at=_moment(fix.at), text=md_text(fix.text))
                         + (" · " + _("Why: %(note)s", note=md_text(fix.note)) if fix.note else ""))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- iCalendar (RFC 5545), written by hand ---------------------------------------------------


def ics_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545, 3.3.11).

    Control characters have no place in TEXT; none are stored since Kring refuses them at the
    input, and any an older database holds are left out here.
    """
    value = CONTROL.sub("", value)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def ics_fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    data = line.encode("utf-8")
    pieces, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while end > start and (data[end] & 0xC0) == 0x80:  # a continuation byte: step back
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, 74  # later lines start with a space, which counts
    pieces.append(data[start:])
    return "\r\n ".join(p.decode("utf-8") for p in pieces)


@dataclasses.dataclass(frozen=True)
class ReviewEvent:
    """A decision's review day, as a calendar event."""

    uid: str
    stamp: dt.datetime
    day: dt.date
    summary: str
    description: str
    url: str


def reviews_ics(calendar_name: str, events: Iterable[ReviewEvent]) -> str:
    """An iCalendar feed of all-day events; CRLF line ends, folded lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kring//Reviews//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{ics_text(calendar_name)}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}",
                  f"DTSTAMP:{e.stamp.strftime('%Y%m%dT%H%M%SZ')}",
                  f"DTSTART;VALUE=DATE:{e.day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(e.day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{ics_text(e.summary)}", f"DESCRIPTION:{ics_text(e.description)}",
                  f"URL:{e.url}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)
