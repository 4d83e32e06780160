from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.scheduling.models import Interview
from coordinator.timeutil import utcnow

#: The rating scale: four levels, no neutral middle.
SCALE: dict[int, str] = {
    1: "Well below the bar",
    2: "Below the bar",
    3: "Meets the bar",
    4: "Well above the bar",
}


class AssessmentState(TitledEnum):
    draft = "draft", "Draft"
    submitted = "submitted", "Submitted"


class Recommendation(TitledEnum):
    strong_no = "strong_no", "Strong no"
    no = "no", "No"
    yes = "yes", "Yes"
    strong_yes = "strong_yes", "Strong yes"


class Assessment(db.Model):
    """One interviewer's filled scorecard for one interview."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("interview_id", "interviewer_id"),
        sa.CheckConstraint(
            "(state = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_time"
        ),
        sa.CheckConstraint(
            "state != 'submitted' OR recommendation IS NOT NULL",
            name="submitted_has_recommendation",
        ),
        sa.Index("ix_assessments_interviewer_state", "interviewer_id", "state"),
        # What the shortlist needs of a submitted assessment, stored when it is submitted.
        sa.CheckConstraint(
            "(state = 'submitted') = (rating_count IS NOT NULL)", name="submitted_has_sums"
        ),
        sa.CheckConstraint(
            "(rating_sum IS NULL) = (rating_count IS NULL)", name="sum_has_count"
        ),
        sa.CheckConstraint(
            "(rating_scores IS NULL) = (rating_count IS NULL)", name="scores_have_count"
        ),
        sa.CheckConstraint(
            "rating_sum >= rating_count AND rating_sum <= 4 * rating_count",
            name="sum_on_scale",
        ),
        # Covering on PostgreSQL: a shortlist reads its interviews' assessments (their stored
        # sums) from the index alone.
        sa.Index(
            "ix_assessments_interview_id",
            "interview_id",
            postgresql_include=[
                "state",
                "interviewer_id",
                "recommendation",
                "rating_sum",
                "rating_count",
                "rating_scores",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(sa.ForeignKey("interviews.id", ondelete="CASCADE"))
    interviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    state: Mapped[AssessmentState] = mapped_column(
        enum_column(AssessmentState, "assessment_state"), default=AssessmentState.draft
    )
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation")
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: Notes the interviewer marked for later interviewers (shown in their brief).
    notes_for_later: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Sum and number of the ratings, set when submitted (None while a draft): the shortlist
    #: reads them instead of every rating.
    rating_sum: Mapped[int | None]
    rating_count: Mapped[int | None]
    #: The ratings as ``criterion:score`` pairs separated by spaces, set when submitted (the
    #: shortlist's criterion means and chart read them instead of every rating row).
    rating_scores: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    interview: Mapped[Interview] = orm.relationship()
    interviewer: Mapped[User] = orm.relationship()
    ratings: Mapped[list[Rating]] = orm.relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="Rating.position",
    )

    @property
    def is_submitted(self) -> bool:
        return self.state is AssessmentState.submitted

    def store_sums(self) -> None:
        """Store the ratings' sum and count while submitted, clear them otherwise."""
        if self.is_submitted:
            scores = [r.score for r in self.ratings]
            self.rating_sum, self.rating_count = sum(scores), len(scores)
            self.rating_scores = " ".join(f"{r.criterion_id}:{r.score}" for r in self.ratings)
        else:
            self.rating_sum = self.rating_count = None
            self.rating_scores = None


class Rating(db.Model):
    """One criterion's score in an assessment.

    The criterion's title and position are copied when rated, so later edits of the scorecard
    never change what was submitted.
    """

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "criterion_id"),
        sa.CheckConstraint("score >= 1 AND score <= 4", name="score_on_scale"),
        sa.Index("ix_ratings_criterion", "criterion_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="RESTRICT"))
    criterion_title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int]
    score: Mapped[int]

    assessment: Mapped[Assessment] = orm.relationship(back_populates="ratings")
