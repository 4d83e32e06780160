from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.accounts.models import User
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.jobs.models import Job
from coordinator.timeutil import utcnow


class CandidacyState(TitledEnum):
    active = "active", "Active"
    shortlisted = "shortlisted", "Shortlisted"
    offer = "offer", "Offer"
    hired = "hired", "Hired"
    rejected = "rejected", "Rejected"
    withdrawn = "withdrawn", "Withdrawn"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATES


CLOSED_STATES = frozenset({CandidacyState.hired, CandidacyState.rejected, CandidacyState.withdrawn})


class Candidate(db.Model):
    __tablename__ = "candidates"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.Index("ix_candidates_name", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidacies: Mapped[list[Candidacy]] = relationship(back_populates="candidate")


class Candidacy(db.Model):
    __tablename__ = "candidacies"
    __table_args__ = (
        sa.UniqueConstraint("candidate_id", "job_id"),
        # Covering on PostgreSQL: a shortlist reads a job's candidacies from the index alone.
        sa.Index(
            "ix_candidacies_job_state",
            "job_id",
            "state",
            postgresql_include=["id", "candidate_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"))
    state: Mapped[CandidacyState] = mapped_column(
        enum_column(CandidacyState, "candidacy_state"), default=CandidacyState.active
    )
    #: The recruiter who owns the candidacy: candidates hear from them and reply to them.
    recruiter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="candidacies")
    job: Mapped[Job] = relationship()
    recruiter: Mapped[User | None] = relationship(foreign_keys=[recruiter_id])

    @property
    def is_closed(self) -> bool:
        return self.state.is_closed
