"""The meeting live in the browser: what kring.js reads from the page, the projector, joining.

The meeting page stays a server-drawn page with one form per step; kring.js
makes it live. It reads two JSON blocks the page carries: the settings
(`live_settings`: who is looking, what their role may do, the method's rules
it draws controls by, the step URLs for posting without a connection) and the
labels (`LABELS`: every word it shows, in the reader's language, so the
script holds no Dutch or English of its own).

The projector view shows the meeting large for the room, with a QR code to
the join page, where a signed-in member says "I am here" with one button.
"""

from __future__ import annotations

import segno
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from circle import meetings, method
from circle.auth import sign_in_then
from circle.live import EVENTS
from circle.method import Action, Phase, RoundKind
from circle.models import Meeting, Member
from circle.views.common import act
from circle.forms import KringForm
from circle.views.meetings import PREFIX, RING_RADIUS, RING_SIZE, _meeting, bp, page_context
from circle.words import PHASES, ROUND_KINDS

#: A number no row has; kring.js puts the real id in its place in a URL.
ID_SLOT = 999_999_999

_QUESTIONS = {
    "opening": _l("How are you today?"), "picture_forming": _l("What are we talking about?"),
    "opinion_forming": _l("What do you think of the proposal?"),
    "consent": _l("Can you work with this proposal?"), "closing": _l("How did this meeting go?"),
}

#: Every word kring.js shows, by the key it uses; {name} and {n} are filled in by the script.
LABELS = {
    **{f"phase_{k}": v for k, v in PHASES.items()},
    **{f"kind_{k}": v for k, v in ROUND_KINDS.items()},
    **{f"q_{k}": v for k, v in _QUESTIONS.items()},
    "status_planned": _l("Planned"), "status_open": _l("Open"), "status_closed": _l("Closed"),
    "round_open": _l("Open"), "round_closed": _l("Closed"), "round_abandoned": _l("Stopped"),
    "mode_in_turn": _l("In turn"), "mode_open": _l("Open: all at once"),
    "not_started": _l("The meeting has not started yet."),
    "meeting_closed": _l("This meeting is closed."),
    "now_about": _l("Now about:"),
    "explains": _l("%(name)s explains the proposal.", name="{name}"),
    "no_round": _l("No round yet."),
    "version_n": _l("version %(n)s", n="{n}"),
    "version_cap": _l("Version %(n)s", n="{n}"),
    "reveal_note": _l("Answers show when everyone has answered."),
    "your_turn": _l("Your turn!"),
    "now_speaking": _l("Now speaking:"),
    "n_answered": _l("%(done)s of %(all)s have answered.", done="{done}", all="{all}"),
    # the ring: what a screen reader says about each seat, and the legend
    "s_current": _l("speaking now"), "s_waiting": _l("waiting"), "s_answered": _l("answered"),
    "s_speak": _l("spoke"), "s_pass": _l("pass"), "s_consent": _l("consent"), "s_objection": _l("objection"),
    "speaking_order": _l("Speaking order"), "in_round": _l("Who is in this round"),
    # what was said
    "hidden_answers": _l("The answers are hidden until everyone has answered."),
    "answer_speak": _l("Spoke"), "answer_pass": _l("Passed"),
    "answer_consent": _l("Consent"), "answer_objection": _l("Objection"),
    "recorded_by": _l("recorded by %(name)s", name="{name}"),
    # the answer box
    "your_answer": _l("Your answer"), "answer": _l("Answer"),
    "record_for": _l("Record for"), "you": _l("you"),
    "answered_thanks": _l("You have answered. Thank you."), "wait_turn": _l("Wait for your turn."),
    "read_first": _l("Read the proposal first (version %(n)s).", n="{n}"),
    "remark": _l("Remark (optional)"), "consent": _l("Consent"), "objection": _l("Objection"),
    "harm": _l("What does this harm in our aim?"),
    "workable": _l("What would make it workable for you?"),
    "workable_short": _l("What would make it workable?"),
    "send_objection": _l("Send objection"), "send": _l("Send"), "pass": _l("Pass"),
    # the proposal and its objections
    "fact_why": _l("Why"), "fact_success": _l("How will we see that it works?"),
    "fact_carried": _l("Who carries it out?"), "fact_review": _l("Review date"),
    "proposed_by": _l("proposed by %(name)s", name="{name}"), "what_changed": _l("What changed:"),
    "withdraw_proposal": _l("Withdraw this proposal"), "objections": _l("Objections"),
    "on_version": _l("on version %(n)s", n="{n}"),
    "objection_standing": _l("Standing"), "objection_withdrawn": _l("Withdrawn by its maker"),
    "objection_met": _l("Met"), "tested": _l("tested"),
    "withdraw_objection": _l("Withdraw objection"), "mark_tested": _l("Mark tested"),
    "agenda": _l("Agenda"), "decision": _l("Decision"),
    # who is here
    "who_here": _l("Who is here"),
    "n_present": _l("%(n)s present; %(q)s needed for a consent round.", n="{n}", q="{q}"),
    "i_am_here": _l("I am here"),
    "role_facilitator": _l("Facilitator"), "role_secretary": _l("Secretary"), "role_guest": _l("Guest"),
    "present": _l("present"), "late": _l("late"), "absent": _l("absent"), "not_marked": _l("not marked"),
    "mark_absent": _l("Mark absent"), "mark_present": _l("Mark present"),
    # whose phone is connected now ("connected" is this page's own connection, below)
    "phone_connected": _l("Connected"), "phone_not_connected": _l("Not connected"),
    # steering
    "steer": _l("Steer"), "open_meeting": _l("Open meeting"), "close_meeting": _l("Close meeting"),
    "skip": _l("Skip %(name)s", name="{name}"), "close_round": _l("Close round"),
    "add_late": _l("Add a late arrival to this round"), "add": _l("Add"),
    "mark_present_first": _l("Mark who is present first."), "explain": _l("The proposer explains"),
    "round": _l("Round"), "how": _l("How"),
    "reveal_option": _l("Consent: answers show when everyone has answered (needs an open round)"),
    "who_starts": _l("Who starts"), "which_way": _l("Which way round"),
    "clockwise": _l("Clockwise"), "anticlockwise": _l("Anticlockwise"), "start_round": _l("Start round"),
    "amend": _l("Amend the proposal"), "adopt": _l("Adopt"),
    "opening_closing": _l("Opening or closing round"), "postpone": _l("Postpone this proposal"),
    # the connection and sending
    "connected": _l("Live"),
    "reconnecting": _l("Connection lost. Reconnecting…"),
    "offline": _l("Not live. The buttons still work; reload the page to see what changed."),
    "sending": _l("Sending…"), "saved": _l("Saved"),
    "not_sent": _l("Not sent yet. It goes as soon as the connection is back."),
    "no_reply": _l("No reply from Kring. Please try again."),
}


#: Labels only someone who may take an action needs (the rest is for everyone who looks).
NEEDS = {
    **dict.fromkeys(("steer", "mark_present_first", "round", "how", "reveal_option", "who_starts",
                     "which_way", "clockwise", "anticlockwise", "start_round", "opening_closing"),
                    Action.START_ROUND),
    "open_meeting": Action.OPEN_MEETING, "close_meeting": Action.CLOSE_MEETING,
    "skip": Action.SKIP_SPEAKER, "close_round": Action.CLOSE_ROUND,
    "add_late": Action.ADD_SEAT, "add": Action.ADD_SEAT, "explain": Action.START_EXPLANATION,
    "amend": Action.AMEND, "adopt": Action.ADOPT, "postpone": Action.POSTPONE,
    "mark_absent": Action.MARK_ATTENDANCE, "mark_present": Action.MARK_ATTENDANCE,
    "mark_tested": Action.MARK_TESTED, "withdraw_objection": Action.WITHDRAW_OBJECTION,
    "withdraw_proposal": Action.WITHDRAW,
    **dict.fromkeys(("your_answer", "answer", "answered_thanks", "wait_turn", "read_first", "remark",
                     "workable", "send_objection", "send", "pass", "i_am_here", "record_for", "you",
                     "sending", "saved", "not_sent"), Action.CONTRIBUTE),
}


def labels(me: Member | None, meeting: Meeting) -> dict[str, str]:
    """The words this viewer's page can show from now on, in the reader's language.

    A guest gets no words for answering, a member none for steering, and a
    meeting that is already open no "Open meeting": the page carries only what it may draw.
    """
    role = me.role if me is not None and me.active else None

    def needed(key: str) -> bool:
        if key == "open_meeting" and meeting.status != method.MeetingStatus.PLANNED:
            return False
        if key in ("record_for", "you") and role not in method.RECORDING_ROLES:
            return False
        return key not in NEEDS or (role is not None and method.may(role, NEEDS[key]))

    return {key: str(value) for key, value in LABELS.items() if needed(key)}


def step_urls(meeting: Meeting, allowed: set[str]) -> dict[str, str]:
    """Where each `allowed` step posts without a connection (ids in ID_SLOT), and the pages kring.js links to."""
    ids = {"circle_id": meeting.circle_id, "meeting_id": meeting.id}
    endpoints = {
        "open_meeting": "open", "close_meeting": "close", "mark_attendance": "attendance",
        "start_explanation": "explanation", "start_round": "start_round", "skip_speaker": "skip",
        "add_seat": "seat", "close_round": "close_round", "contribute": "contribute",
        "adopt": "adopt", "postpone": "postpone", "withdraw": "withdraw",
    }
    urls = {event: url_for(f"meetings.{endpoint}", **ids) for event, endpoint in endpoints.items()}
    urls["mark_tested"] = url_for("meetings.tested", objection_id=ID_SLOT, **ids)
    urls["withdraw_objection"] = url_for("meetings.withdraw_objection", objection_id=ID_SLOT, **ids)
    urls["amend"] = url_for("meetings.amend", proposal_id=ID_SLOT, **ids)
    urls = {event: url for event, url in urls.items() if event in allowed}
    urls["page"] = url_for("meetings.meeting", **ids)
    urls["decision"] = url_for("decisions.decision", circle_id=meeting.circle_id, proposal_id=ID_SLOT)
    return urls


def live_settings(meeting: Meeting, me: Member | None, focus_id: int | None, view: str) -> dict:
    """Who is looking and by which rules kring.js draws the controls (the server checks anyway)."""
    role = me.role if me is not None and me.active and view != "projector" else None
    may = {a.value for a in Action if role and method.may(role, a)}
    return {
        "view": view,
        "me": me.id if role else None,
        "role": role.value if role else None,
        "may": sorted(may),
        "seated": sorted(r.value for r in method.SEATED_ROLES),
        "recording": sorted(r.value for r in method.RECORDING_ROLES),
        "starts": {p.value: [k.value for k, phases in method.ROUND_STARTS.items() if p in phases]
                   for p in Phase},
        "amendable": sorted(p.value for p in method.AMENDABLE),
        "postponable": sorted(p.value for p in method.POSTPONABLE),
        "meeting_kinds": [RoundKind.OPENING.value, RoundKind.CLOSING.value],
        "focus": focus_id,
        "events": sorted(EVENTS),
        # anyone seated may say "I am here" for themselves
        "urls": step_urls(meeting, may | ({"mark_attendance"} if role in method.SEATED_ROLES else set())),
        "csrf": generate_csrf() if role else "",
        "ring": {"size": RING_SIZE, "radius": RING_RADIUS},
    }


def join_url(meeting: Meeting) -> str:
    """The address the projector's QR code points to."""
    return url_for("meetings.join", circle_id=meeting.circle_id, meeting_id=meeting.id, _external=True)


def qr_svg(url: str) -> str:
    """A QR code of `url` as inline SVG, sized by its container."""
    return segno.make(url, error="m").svg_inline(
        scale=1, border=2, dark="#000", light="#fff", omitsize=True, svgclass="qr",
        title=str(_l("Scan to join")),
    )


class _Projector:
    """Who the projector shows the meeting as: nobody in particular, who may do nothing."""

    id = None
    role = None
    active = False


@bp.get(PREFIX + "/projector")
def projector(circle_id: int, meeting_id: int):
    """The meeting large for the room: phase, speaker, the ring, what is said, and how to join."""
    me, mtg = _meeting(circle_id, meeting_id)
    if me.role not in method.SEATED_ROLES:
        abort(403)
    context = page_context(mtg, me)
    context.update(me=_Projector(), may=lambda action: False)
    url = join_url(mtg)
    return render_template(
        "meetings/projector.html", **context, join_url=url, qr=qr_svg(url),
        labels=labels(None, mtg), settings=live_settings(mtg, None, None, "projector"),
    )


@bp.route(PREFIX + "/join", methods=["GET", "POST"])
def join(circle_id: int, meeting_id: int):
    """Where the QR code leads: one big "I am here" button, then the meeting page."""
    if not current_user.is_authenticated:
        return sign_in_then(request.path)  # and back here after signing in
    me, mtg = _meeting(circle_id, meeting_id)
    page = url_for("meetings.meeting", circle_id=circle_id, meeting_id=meeting_id)
    form = KringForm()
    seated = me.role in method.SEATED_ROLES
    if form.is_submitted() and seated:
        done = act(form, lambda: meetings.mark_attendance(me, mtg.id, me.id, True))
        return redirect(page if done else url_for("meetings.join", circle_id=circle_id,
                                                    meeting_id=meeting_id), code=303)
    present = any(a.member_id == me.id and a.present for a in mtg.attendance)
    return render_template("meetings/join.html", meeting=mtg, me=me, page=page, form=form,
                           seated=seated, present=present,
                           is_open=mtg.status == method.MeetingStatus.OPEN)
