from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.candidates.models import CandidacyState
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow


class Outcome(TitledEnum):
    advance = "advance", "Advance"
    hold = "hold", "Hold"
    reject = "reject", "Reject"
    offer = "offer", "Make an offer"

    @property
    def state(self) -> CandidacyState:
        """The candidacy state a decision moves to."""
        return {
            Outcome.advance: CandidacyState.shortlisted,
            Outcome.hold: CandidacyState.active,
            Outcome.reject: CandidacyState.rejected,
            Outcome.offer: CandidacyState.offer,
        }[self]


class Decision(db.Model):
    """An append-only recorded call on a candidacy, with its reason and actor."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint("length(reason) > 0", name="reason_not_empty"),
        sa.CheckConstraint("missing_assessments >= 0", name="missing_not_negative"),
        sa.Index("ix_decisions_candidacy", "candidacy_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(sa.ForeignKey("candidacies.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "decision_outcome"))
    reason: Mapped[str] = mapped_column(sa.String(4000))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Assessments still missing when the decision was made (the decider confirmed them).
    missing_assessments: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = orm.relationship()
