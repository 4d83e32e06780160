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


class ShortlistCache(db.Model):
    """A job's computed shortlist rows (what every viewer sees alike), kept until a change.

    ``generation`` rises in the transaction of every change the rows show (which also clears
    ``payload``, or notes the candidacies changed in ``changed`` when the change touches only
    some candidacies); a read that computed the rows stores them only while the generation is still
    the one it read first, so rows computed before a concurrent change never land after it.
    The rows hold figures that move with the clock (rounds done, missing assessments): they
    serve from ``computed_at`` until ``valid_until`` (the next interview start or end).
    """

    __tablename__ = "shortlist_caches"
    __table_args__ = (
        sa.CheckConstraint("generation >= 0", name="generation_not_negative"),
        sa.CheckConstraint("(payload IS NULL) = (computed_at IS NULL)", name="payload_has_time"),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > computed_at", name="valid_after_computed"
        ),
        sa.CheckConstraint(
            "scope IS NULL OR scope IN ('job', 'organisation', 'none')", name="scope_known"
        ),
    )

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    generation: Mapped[int] = mapped_column(default=0)
    #: Where the stored rows' leniencies came from ("organisation": any submission anywhere
    #: changes them).
    scope: Mapped[str | None] = mapped_column(sa.String(20))
    #: The rows as JSON (see :mod:`coordinator.shortlist.cache`); None until computed. On
    #: PostgreSQL built with lz4 the column is compressed with it (a migration sets it): a 300 kB
    #: payload is written in a fraction of pglz's time.
    payload: Mapped[str | None] = mapped_column(sa.Text)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What changed since ``payload`` was computed, separated by spaces (see
    #: ``cache.due``): candidacy ids (the next read computes only their rows again, and every
    #: calibrated score), ``0`` for the plan, ``-1`` for the organisation's leniencies, and
    #: ``id@seconds`` for an interview booked ahead (due when it starts). None or empty:
    #: the stored rows hold as they are.
    changed: Mapped[str | None] = mapped_column(sa.Text)
