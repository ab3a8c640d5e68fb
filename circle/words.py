"""The method's words as people read them, in their language: one list for pages, scripts and exports."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from circle.method import RoleKind, role_display

#: Where a proposal stands.
PHASES = {
    "draft": _l("Draft"), "explanation": _l("Explanation"),
    "picture_forming": _l("Picture-forming round"), "opinion_forming": _l("Opinion round"),
    "amending": _l("Being amended"), "consent": _l("Consent round"),
    "integrating": _l("Integrating objections"), "adopted": _l("Adopted"),
    "review": _l("Under review"), "postponed": _l("Postponed"), "withdrawn": _l("Withdrawn"),
    "nomination": _l("Nomination round"), "change_nomination": _l("Change round"),
}
#: The rounds of a meeting.
ROUND_KINDS = {
    "opening": _l("Opening round"), "picture_forming": _l("Picture-forming round"),
    "opinion_forming": _l("Opinion round"), "consent": _l("Consent round"),
    "closing": _l("Closing round"), "nomination": _l("Nomination round"),
    "change_nomination": _l("Change round"),
}
#: What someone gave in a round.
ANSWERS = {
    "speak": _l("Spoke"), "pass": _l("Passed"), "consent": _l("Consent"), "objection": _l("Objection"),
    "nominate": _l("Nominated"),
}


def word(words: dict, key: str | None) -> str:
    """The word for a key, in the reader's language; the key itself if it has none."""
    return str(words[key]) if key in words else (key or "")


#: What the method's roles do, as an election shows them when the circle wrote nothing of its own
#: (`CircleRole.description`): the usual tasks of each (docs/roles-and-elections.md).
ROLE_TASKS = {
    "facilitator": _l("Leads the circle's meetings: prepares the agenda with the secretary, holds the rounds, "
                      "tests objections and keeps the circle to its aim and its time."),
    "secretary": _l("Keeps the circle's record: plans its meetings and their agenda, records answers for members "
                    "without a phone, and sees that the minutes are complete."),
    "leader": _l("Chosen by the parent circle: leads this circle's work and sits in both circles, bringing the "
                 "parent's aim into this circle."),
    "delegate": _l("Chosen by this circle: sits in the parent circle too and brings this circle's view into its "
                   "decisions."),
}


def role_tasks(kind: RoleKind | str, description: str = "") -> str:
    """What a role does: the circle's own description, else the method's usual tasks for it."""
    return description or word(ROLE_TASKS, str(kind) if kind != RoleKind.OWN else None)


def role_word(kind: RoleKind | str, name: str = "", in_sentence: bool = False) -> str:
    """A role's name in the reader's language: the method's roles translated (in lower case inside a
    sentence: "chosen as facilitator"), a circle's own role as the circle named it."""
    if kind == RoleKind.OWN:
        return name
    found = gettext(role_display(RoleKind(kind), name))
    return found.lower() if in_sentence else found


def init_app(app: Flask) -> None:
    """Let every template name phases, rounds and answers the same way."""
    app.jinja_env.globals.update(
        phase_word=lambda key: word(PHASES, key),
        kind_word=lambda key: word(ROUND_KINDS, key),
        answer_word=lambda key: word(ANSWERS, key),
        role_word=role_word,
        role_tasks=role_tasks,
    )
