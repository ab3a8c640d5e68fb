"""A ready-to-send message for the group's chat: a meeting planned, a round waiting for answers, a decision.

Resident groups live in WhatsApp. The meeting page (planned), the proposal
page (a round between meetings is open) and the decision page (adopted)
offer one short message, written here by the server in the page's language,
with the page's direct link. The page draws it (templates/_share.html) as a
WhatsApp link and a text to copy, which work without JavaScript; where the
phone has a share sheet (the Web Share API), static/share.js offers that
instead. Nothing is loaded from another host: wa.me is only a link the person
may follow. The link in the message uses KRING_BASE_URL when set, so it
works for the group outside the local network too.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from circle.extensions import db
from circle.letters import deadline
from circle.method import MeetingStatus, Phase
from circle.models import Circle, Meeting, Proposal, Round, RoundStatus
from circle.text import isolate
from circle.words import ROUND_KINDS, word

bp = Blueprint("share", __name__)


@dataclass(frozen=True)
class Share:
    """One message to share: a title (for the share sheet), its words, and the link."""

    title: str
    text: str
    url: str

    @property
    def message(self) -> str:
        """What is copied, or sent through WhatsApp: the words, then the link on a line of its own."""
        return f"{self.text}\n{self.url}"

    @property
    def whatsapp(self) -> str:
        """WhatsApp's link that opens a chat with the message typed in (https://wa.me/?text=...)."""
        return "https://wa.me/?text=" + quote(self.message, safe="")


def _link(endpoint: str, **values) -> str:
    """The page's address as the group reaches it: on KRING_BASE_URL when set, else the one the page was asked at."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _circle(circle_id: int) -> str:
    return isolate(db.session.get(Circle, circle_id).name)


@bp.app_template_global()
def share_meeting(meeting: Meeting) -> Share | None:
    """For a planned meeting: when, what, and where the agenda is."""
    if meeting.status != MeetingStatus.PLANNED:
        return None
    title = isolate(meeting.title)
    return Share(title, _("%(circle)s meets on %(date)s: %(title)s. The agenda is here:",
                          circle=_circle(meeting.circle_id), date=format_date(meeting.date, "full"), title=title),
                 _link("meetings.meeting", circle_id=meeting.circle_id, meeting_id=meeting.id))


@bp.app_template_global()
def share_round(proposal: Proposal) -> Share | None:
    """For a proposal with a round between meetings open: which round, and until when to answer."""
    rnd = db.session.scalar(sa.select(Round).where(
        Round.proposal_id == proposal.id, Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN,
        Round.deadline.is_not(None)).limit(1))
    if rnd is None:
        return None
    title = isolate(proposal.latest.title)
    return Share(title, _("%(round)s on %(title)s: give your answer before %(deadline)s, here:",
                          round=word(ROUND_KINDS, rnd.kind.value), title=title, deadline=deadline(rnd.deadline)),
                 _link("proposals.proposal", circle_id=proposal.circle_id, proposal_id=proposal.id))


@bp.app_template_global()
def share_decision(proposal: Proposal) -> Share | None:
    """For an adopted decision: what was decided, and where to read how it came about."""
    if proposal.phase != Phase.ADOPTED or proposal.decided_at is None:
        return None
    title = isolate(proposal.latest.title)
    return Share(title, _("%(circle)s decided on %(date)s: %(title)s. Read how it came about:",
                          circle=_circle(proposal.circle_id), date=format_date(proposal.decided_at, "long"),
                          title=title),
                 _link("decisions.decision", circle_id=proposal.circle_id, proposal_id=proposal.id))
