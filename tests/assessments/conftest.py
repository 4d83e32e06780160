"""Assessment fixtures: a frozen clock, a job whose rounds have scorecards, booked interviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments import operations
from coordinator.assessments.models import Assessment
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import PlannedRound
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import freeze

#: Monday 1 March 2027, 08:00 UTC — "now" when interviews are booked.
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(app) -> datetime:
    freeze(NOW)
    return NOW


def scorecard_input(title: str, criteria: list[CriterionInput]) -> PlannedRoundInput:
    return PlannedRoundInput(
        title=title, duration_minutes=60, relationships=["peer"], criteria=criteria
    )


@pytest.fixture
def job(make_job, recruiter, hiring_manager) -> SimpleNamespace:
    """A job (hiring_manager hires for it) whose two rounds have scorecards.

    The first round rates two required criteria and an optional one; the second rates one.
    """
    job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id)
    first = jobs.add_planned_round(
        job,
        scorecard_input(
            "First interview",
            [
                CriterionInput("Problem solving", guidance="Breaks the problem down; tests ideas."),
                CriterionInput("Communication", guidance="Explains trade-offs clearly."),
                CriterionInput("Curiosity", is_required=False, relationship="supervisor"),
            ],
        ),
        actor=recruiter,
    )
    second = jobs.add_planned_round(
        job,
        scorecard_input(
            "Team interview",
            [
                CriterionInput("Collaboration", guidance="Builds on others' ideas."),
            ],
        ),
        actor=recruiter,
    )
    db.session.commit()
    return SimpleNamespace(job=job, first=first, second=second)


@pytest.fixture
def panelists(make_user) -> tuple[User, User]:
    peer = make_user(("interviewer",), name="Priya Peer", job_title="Senior engineer")
    other = make_user(("interviewer",), name="Omar Other", job_title="Staff engineer")
    return peer, other


@pytest.fixture
def candidacy(make_candidacy, make_candidate, job, recruiter):
    candidate = make_candidate(actor=recruiter, name="Cleo Candidate")
    return make_candidacy(job=job.job, candidate=candidate, actor=recruiter)


@pytest.fixture
def book(recruiter) -> Callable[..., Interview]:
    """Book an interview of a planned round for a candidacy (opening the round when needed)."""

    def do(
        candidacy: Any, planned: PlannedRound, starts_at: datetime, users: list[User], **kwargs: Any
    ) -> Interview:
        round_ = db.session.scalar(
            sa.select(Round).where(
                Round.candidacy_id == candidacy.id, Round.planned_round_id == planned.id
            )
        )
        if round_ is None:
            round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
        relationship = kwargs.pop("relationship", "peer")
        change = scheduling.schedule_interview(
            round_,
            actor=kwargs.pop("actor", recruiter),
            starts_at=starts_at,
            duration_minutes=kwargs.pop("minutes", 60),
            time_zone="Europe/Berlin",
            panel=[scheduling.Seat(u.id, relationship) for u in users],
            **kwargs,
        )
        db.session.commit()
        return change.interview

    return do


@pytest.fixture
def interview(book, candidacy, job, panelists) -> Interview:
    """Tomorrow 10:00–11:00 UTC, first round, both panelists."""
    return book(candidacy, job.first, NOW + timedelta(days=1, hours=2), list(panelists))


def after(interview: Interview, delta: timedelta = timedelta(hours=1)) -> datetime:
    """Move the clock to ``delta`` after the interview ends; returns the new now."""
    now = interview.ends_at + delta
    freeze(now)
    return now


def ratings(interview: Interview, score: int = 3) -> dict[int, int | None]:
    return {c.id: score for c in operations.scorecard(interview)}


@pytest.fixture
def submit() -> Callable[..., Assessment]:
    """Submit a user's complete assessment of an interview (the clock must be past its start)."""

    def do(
        interview: Interview, user: User, score: int = 3, recommendation: str = "yes", **kwargs: Any
    ) -> Assessment:
        assessment = operations.save_assessment(
            interview,
            actor=user,
            ratings=kwargs.pop("ratings", None) or ratings(interview, score),
            recommendation=recommendation,
            submit=True,
            **kwargs,
        )
        db.session.commit()
        return assessment

    return do


@pytest.fixture
def draft() -> Callable[..., Assessment]:
    def do(interview: Interview, user: User, **kwargs: Any) -> Assessment:
        kwargs.setdefault("ratings", {})
        kwargs.setdefault("recommendation", None)
        assessment = operations.save_assessment(interview, actor=user, **kwargs)
        db.session.commit()
        return assessment

    return do
