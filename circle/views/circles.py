"""The circle's home page: who is in it, its meetings, its agenda pool and its decisions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from circle import circles, clock, meetings
from circle.auth import member_of, sign_in_url
from circle.extensions import db
from circle.forms import LeaveForm, MeetingForm, MemberForm
from circle.method import FINAL_PHASES, Action, MeetingStatus, Phase, Role, may
from circle.models import AgendaItem, Meeting, Member, Proposal, ProposalVersion
from circle.text import say
from circle.views.common import act, back
from circle.views import agenda, roles, tasks
from circle.views.links import may_hand_out
from circle.views.minutes import review_context

bp = Blueprint("circles", __name__)

#: Proposals waiting for a meeting: the agenda pool.
POOL = (Phase.DRAFT, Phase.POSTPONED)
#: Proposals that reached an outcome, for the list of decisions.
DECIDED = (Phase.ADOPTED, Phase.POSTPONED, Phase.WITHDRAWN)
#: Proposals in the middle of being discussed in a meeting.
IN_DISCUSSION = tuple(p for p in Phase if p not in FINAL_PHASES and p not in POOL)

_MEETING_RANK = {MeetingStatus.OPEN: 0, MeetingStatus.PLANNED: 1, MeetingStatus.CLOSED: 2}
#: How many closed meetings and decisions the home page shows; the logbook holds them all.
RECENT = 5
#: How many waiting proposals and due reviews the home page lists before "and N more".
SHOWN = 10


def sorted_meetings(circle_id: int) -> list[Meeting]:
    """Open meetings first, then planned ones (soonest first), then closed ones (newest first).

    What a member needs next is at the top.
    """
    coming = db.session.scalars(sa.select(Meeting).where(
        Meeting.circle_id == circle_id, Meeting.status != MeetingStatus.CLOSED)).all()
    closed = db.session.scalars(sa.select(Meeting).where(
        Meeting.circle_id == circle_id, Meeting.status == MeetingStatus.CLOSED)
        .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(RECENT)).all()
    rows = [*coming, *closed]

    def key(m: Meeting) -> tuple[int, int, int]:
        sign = -1 if m.status == MeetingStatus.CLOSED else 1
        return (_MEETING_RANK[m.status], sign * m.date.toordinal(), sign * m.id)

    return sorted(rows, key=key)


def proposals_in(circle_id: int, phases: tuple[Phase, ...], newest: int | None = None,
                 ) -> list[tuple[Proposal, ProposalVersion, Meeting | None]]:
    """Proposals in these phases, each with its latest version and the meeting whose agenda it is on.

    One query however many proposals there are; with `newest`, only that many, last decided first.
    """
    stmt = (
        sa.select(Proposal, ProposalVersion, Meeting)
        .join(ProposalVersion, sa.and_(ProposalVersion.proposal_id == Proposal.id,
                                       ProposalVersion.number == Proposal.current_version))
        .outerjoin(AgendaItem, sa.and_(AgendaItem.proposal_id == Proposal.id,
                                       AgendaItem.outcome.is_(None)))
        .outerjoin(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Proposal.circle_id == circle_id, Proposal.phase.in_(phases))
    )
    if newest is not None:
        stmt = stmt.order_by(Proposal.decided_at.desc().nulls_last(), Proposal.id.desc()).limit(newest)
    return [tuple(row) for row in db.session.execute(stmt)]


@bp.get("/c/<int:circle_id>/")
def home(circle_id: int):
    """The circle at a glance, with the forms the reader's role may use."""
    me = member_of(circle_id)
    return _render_home(me)


def _render_home(me: Member, meeting_form: MeetingForm | None = None,
                 member_form: MemberForm | None = None):
    """The home page; failed forms are passed back in to show their errors and input."""
    circle = me.circle
    members = [m for m in circle.members if m.active]  # loads the ring once: names below come from it
    # Guests of a past meeting are not former members: the meeting's record lists them (docs/membership.md).
    former = [m for m in circle.members if m.left_on is not None and not m.active and m.role != Role.GUEST]
    pool = sorted(proposals_in(circle.id, POOL), key=lambda r: r[0].id)
    reviews = review_context(me)
    reviews["reviews_more"] = max(0, len(reviews["reviews_due"]) - SHOWN)
    reviews["reviews_due"] = reviews["reviews_due"][:SHOWN]
    discussed = sorted(proposals_in(circle.id, IN_DISCUSSION), key=lambda r: r[0].id)
    decisions = proposals_in(circle.id, DECIDED, newest=RECENT)
    return render_template(
        "circles/home.html",
        **reviews,
        **agenda.home_context(me),
        **tasks.home_context(me),
        **roles.home_context(me),
        circle=circle,
        me=me,
        members=members,
        former=former,
        leave_form=LeaveForm() if may(me.role, Action.END_MEMBERSHIP) else None,
        today=clock.today(),
        meetings=sorted_meetings(circle.id),
        pool=pool[:SHOWN],
        pool_more=max(0, len(pool) - SHOWN),
        discussed=discussed,
        decisions=decisions,
        meeting_form=(meeting_form or MeetingForm()) if may(me.role, Action.PLAN_MEETING) else None,
        member_form=(member_form or MemberForm()) if may(me.role, Action.ADD_MEMBER) else None,
        may_write=may(me.role, Action.WRITE_DRAFT),
        hands_out_to={m.id for m in members if may_hand_out(me.role, m.role)},
    )


@bp.post("/c/<int:circle_id>/plan-meeting")
def plan_meeting(circle_id: int):
    """Plan a meeting (facilitator or secretary); the action checks the role again."""
    me = member_of(circle_id)
    form = MeetingForm()
    done = act(form, lambda: meetings.plan_meeting(me, form.title.data, form.date.data))
    if done is None:
        return _render_home(me, meeting_form=form), 422
    flash(say(_("Meeting planned: %(title)s."), title=form.title.data), "success")
    return back(url_for(".home", circle_id=circle_id, _anchor="meetings"))


@bp.post("/c/<int:circle_id>/members")
def add_member(circle_id: int):
    """Add a person to the circle (facilitator), then show their personal link to pass on."""
    me = member_of(circle_id)
    form = MemberForm()
    done = act(form, lambda: circles.add_member(me, circle_id, form.name.data, Role(form.role.data),
                                                since=form.since.data))
    if done is None:
        return _render_home(me, member_form=form), 422
    added = db.session.get(Member, done.subject)
    flash(say(_("%(name)s is now in the circle."), name=added.name), "success")
    flash(say(_("Give %(name)s this personal link to sign in. Only for them: %(link)s"),
              name=added.name, link=sign_in_url(added)), "link")
    return back(url_for(".home", circle_id=circle_id, _anchor="members"))


@bp.post("/c/<int:circle_id>/members/<int:member_id>/leave")
def end_membership(circle_id: int, member_id: int):
    """Record that someone left the circle (facilitator); they stay in the record as a former member."""
    me = member_of(circle_id)
    form = LeaveForm()
    done = act(form, lambda: circles.end_membership(me, circle_id, member_id, on=form.on.data))
    if done is not None:
        left = db.session.get(Member, member_id)
        flash(say(_("%(name)s leaves the circle on %(day)s."), name=left.name, day=format_date(left.left_on)),
              "success")
    return back(url_for(".home", circle_id=circle_id, _anchor="members"))
