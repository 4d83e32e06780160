from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.jobs.models import MONEY
from coordinator.timeutil import utcnow


class StageState(TitledEnum):
    open = "open", "Open"
    agreed = "agreed", "Agreed"
    declined = "declined", "Declined"
    withdrawn = "withdrawn", "Withdrawn"


class Period(TitledEnum):
    year = "year", "per year"
    month = "month", "per month"
    hour = "hour", "per hour"


class Approval(TitledEnum):
    not_needed = "not_needed", "Inside the band, no approval needed"
    pending = "pending", "Waiting for approval"
    approved = "approved", "Approved"
    refused = "refused", "Refused"


class CompensationStage(db.Model):
    __tablename__ = "compensation_stages"
    __table_args__ = (
        sa.CheckConstraint("(state = 'open') = (closed_at IS NULL)", name="closed_has_time"),
        sa.CheckConstraint(
            "expected_amount IS NULL OR expected_amount >= 0", name="expected_not_negative"
        ),
        sa.CheckConstraint(
            "(expected_amount IS NULL) = (expected_currency IS NULL)", name="expected_has_currency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidacies.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[StageState] = mapped_column(
        enum_column(StageState, "compensation_state"), default=StageState.open
    )
    expected_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    expected_currency: Mapped[str | None] = mapped_column(sa.String(3))
    expected_period: Mapped[Period] = mapped_column(
        enum_column(Period, "expected_period"), default=Period.year
    )
    bonus_notes: Mapped[str] = mapped_column(sa.String(2000), default="")
    equity_notes: Mapped[str] = mapped_column(sa.String(2000), default="")
    earliest_start: Mapped[date | None]
    notice_period: Mapped[str] = mapped_column(sa.String(200), default="")
    expected_notes: Mapped[str] = mapped_column(sa.String(4000), default="")
    #: Required when the expectation's currency differs from the band's.
    conversion_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    outcome_reason: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    candidacy: Mapped[Candidacy] = orm.relationship()
    proposals: Mapped[list[Proposal]] = orm.relationship(
        back_populates="stage",
        order_by="Proposal.position",
        cascade="all, delete-orphan",
    )

    @property
    def current_proposal(self) -> Proposal | None:
        return self.proposals[-1] if self.proposals else None


class Proposal(db.Model):
    __tablename__ = "compensation_proposals"
    __table_args__ = (
        sa.UniqueConstraint("stage_id", "position"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint(
            "(approval IN ('approved', 'refused')) = (decided_at IS NOT NULL)",
            name="decided_has_time",
        ),
        # Nobody approves their own proposal, whatever the code does.
        sa.CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id != proposed_by_id", name="not_self_approved"
        ),
        # A decision is recorded with its reason, and only a decision names who decided.
        sa.CheckConstraint(
            "approval NOT IN ('approved', 'refused') OR length(decision_reason) > 0",
            name="decided_has_reason",
        ),
        sa.CheckConstraint(
            "decided_by_id IS NULL OR approval IN ('approved', 'refused')",
            name="decider_only_when_decided",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("compensation_stages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(sa.String(3))
    period: Mapped[Period] = mapped_column(
        enum_column(Period, "proposal_period"), default=Period.year
    )
    notes: Mapped[str] = mapped_column(sa.String(4000), default="")
    conversion_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approval: Mapped[Approval] = mapped_column(enum_column(Approval, "proposal_approval"))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.String(2000), default="")

    stage: Mapped[CompensationStage] = orm.relationship(back_populates="proposals")
    proposed_by: Mapped[User | None] = orm.relationship(
        foreign_keys=[proposed_by_id]
    )
    decided_by: Mapped[User | None] = orm.relationship(foreign_keys=[decided_by_id])
