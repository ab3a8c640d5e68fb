"""Proposals, their numbered versions, and objections to them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.extensions import db
from circle.method import ObjectionStatus, Phase, ProposalKind
from circle.models.base import enum_type, utcnow

if TYPE_CHECKING:
    from circle.models.meetings import Contribution
    from circle.models.people import Member
    from circle.models.roles import CircleRole


class Proposal(db.Model):
    """A proposal (voorstel): its versions, its rounds, its outcome."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The circle that decides on it.
    circle_id: Mapped[int] = mapped_column(sa.ForeignKey("circle.id"), index=True)
    #: Who brought it in.
    proposer_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: Where it stands in the method.
    phase: Mapped[Phase] = mapped_column(enum_type(Phase), default=Phase.DRAFT)
    #: A proposal to decide on, or a topic to talk about (method/agenda.py).
    kind: Mapped[ProposalKind] = mapped_column(
        enum_type(ProposalKind), default=ProposalKind.PROPOSAL, server_default=ProposalKind.PROPOSAL.value
    )
    #: In an election: the role it fills.
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("circle_role.id"))
    #: When it was put forward for the next meeting (a topic is, as it is written); None: not put forward.
    put_forward_at: Mapped[dt.datetime | None]
    #: Number of its latest version (versions count from 1).
    current_version: Mapped[int] = mapped_column(default=1)
    #: When it was adopted, postponed or withdrawn last (UTC).
    decided_at: Mapped[dt.datetime | None]
    #: When it was first written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposer: Mapped[Member] = relationship()
    role: Mapped[CircleRole | None] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    objections: Mapped[list[Objection]] = relationship(
        back_populates="proposal", order_by="Objection.id"
    )

    @property
    def latest(self) -> ProposalVersion:
        """The version now under discussion (or adopted)."""
        return self.versions[-1]


class ProposalVersion(db.Model):
    """One numbered version of a proposal; never overwritten."""

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: 1, 2, 3, ...
    number: Mapped[int]
    #: A short title.
    title: Mapped[str] = mapped_column(sa.String(200))
    #: What we would do: the proposal itself.
    text: Mapped[str] = mapped_column(sa.Text)
    #: Why: background to the proposal.
    background: Mapped[str] = mapped_column(sa.Text, default="")
    #: When the circle looks back at this decision (evaluatiedatum).
    review_date: Mapped[dt.date | None]
    #: How we will see that it works.
    success_criteria: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who carries it out.
    carried_out_by: Mapped[str] = mapped_column(sa.String(200), default="")
    #: In an election: the person the facilitator proposes for the role; None until someone is proposed.
    nominee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    #: In an election: the term the person would hold the role, from and until (inclusive).
    term_from: Mapped[dt.date | None]
    term_until: Mapped[dt.date | None]
    #: Why this version differs from the one before (empty for version 1).
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who wrote this version.
    written_by_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: When it was written (UTC).
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    written_by: Mapped[Member] = relationship(foreign_keys=[written_by_id])
    nominee: Mapped[Member | None] = relationship(foreign_keys=[nominee_id])



class Objection(db.Model):
    """A reasoned objection to one version of a proposal, and how it ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal objected to.
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    #: The consent answer that raised it; its text is the reason (what it harms in our aim).
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contribution.id"), unique=True)
    #: Who objected.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    #: The version objected to.
    version: Mapped[int]
    #: What would make it workable for the maker.
    workable: Mapped[str] = mapped_column(sa.Text, default="")
    #: Standing, withdrawn or met.
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus), default=ObjectionStatus.STANDING
    )
    #: The facilitator tested it (getoetst): it is reasoned and about our aim.
    tested: Mapped[bool] = mapped_column(default=False)
    #: The version its maker consented to, when it was met.
    met_by_version: Mapped[int | None]
    #: When it ended (UTC).
    ended_at: Mapped[dt.datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="objections")
    contribution: Mapped[Contribution] = relationship()
    member: Mapped[Member] = relationship()
