from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow

MONEY = sa.Numeric(14, 2)


class JobState(TitledEnum):
    open = "open", "Open"
    closed = "closed", "Closed"


class RoundKind(TitledEnum):
    interview = "interview", "Interview"
    compensation_discussion = "compensation_discussion", "Compensation discussion"


class Relationship(TitledEnum):
    """An interviewer's relationship to the role being filled."""

    colleague = "colleague", "Colleague"
    peer = "peer", "Peer"
    supervisor = "supervisor", "Supervisor"
    hiring_manager = "hiring_manager", "Hiring manager"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
        sa.CheckConstraint("pay_band_min >= 0", name="pay_band_min_not_negative"),
        sa.CheckConstraint("pay_band_min <= pay_band_max", name="pay_band_ordered"),
        sa.CheckConstraint("length(pay_band_currency) = 3", name="pay_band_currency_code"),
        sa.CheckConstraint("assessment_due_hours > 0", name="assessment_due_hours_positive"),
        sa.Index("ix_jobs_state_title", "state", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    hiring_manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    pay_band_min: Mapped[Decimal] = mapped_column(MONEY)
    pay_band_max: Mapped[Decimal] = mapped_column(MONEY)
    pay_band_currency: Mapped[str] = mapped_column(sa.String(3))
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, "job_state"), default=JobState.open
    )
    #: Hours after an interview ends by which its assessments are due.
    assessment_due_hours: Mapped[int] = mapped_column(default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hiring_manager: Mapped[User | None] = orm.relationship()
    planned_rounds: Mapped[list[PlannedRound]] = orm.relationship(
        back_populates="job", order_by="PlannedRound.position", cascade="all, delete-orphan"
    )


class PlannedRound(db.Model):
    """One round of a job's interview plan: the template a candidacy's round is made from."""

    __tablename__ = "planned_rounds"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "position"),
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="duration_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[RoundKind] = mapped_column(
        enum_column(RoundKind, "round_kind"), default=RoundKind.interview
    )
    duration_minutes: Mapped[int] = mapped_column(default=60)
    description: Mapped[str] = mapped_column(sa.String(2000), default="")

    job: Mapped[Job] = orm.relationship(back_populates="planned_rounds")
    required_relationships: Mapped[list[RequiredRelationship]] = orm.relationship(
        back_populates="planned_round",
        cascade="all, delete-orphan",
        order_by="RequiredRelationship.id",
    )
    criteria: Mapped[list[Criterion]] = orm.relationship(
        back_populates="planned_round",
        cascade="all, delete-orphan",
        order_by="Criterion.position",
    )

    @property
    def relationships(self) -> list[Relationship]:
        """Seats the panel must fill, a relationship repeated once per seat."""
        seats: list[Relationship] = []
        for row in self.required_relationships:
            seats.extend([row.relationship] * row.minimum)
        return seats


class RequiredRelationship(db.Model):
    """A planned round needs at least ``minimum`` panel members in this relationship to the role."""

    __tablename__ = "required_relationships"
    __table_args__ = (
        sa.UniqueConstraint("planned_round_id", "relationship"),
        sa.CheckConstraint("minimum >= 1 AND minimum <= 10", name="minimum_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_rounds.id", ondelete="CASCADE"), index=True
    )
    relationship: Mapped[Relationship] = mapped_column(enum_column(Relationship, "relationship"))
    minimum: Mapped[int] = mapped_column(default=1)

    planned_round: Mapped[PlannedRound] = orm.relationship(back_populates="required_relationships")


class Criterion(db.Model):
    """One thing a planned round's scorecard rates, on the 1–4 scale."""

    __tablename__ = "criteria"
    __table_args__ = (
        sa.UniqueConstraint("planned_round_id", "position"),
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_rounds.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    guidance: Mapped[str] = mapped_column(sa.String(2000), default="")
    is_required: Mapped[bool] = mapped_column(default=True)
    #: Which relationship should cover it, when it matters (e.g. a supervisor rates leadership).
    relationship: Mapped[Relationship | None] = mapped_column(
        enum_column(Relationship, "criterion_relationship")
    )
    #: Retired criteria keep their id for assessments that rated them, but leave the scorecard.
    is_retired: Mapped[bool] = mapped_column(default=False)

    planned_round: Mapped[PlannedRound] = orm.relationship(back_populates="criteria")
