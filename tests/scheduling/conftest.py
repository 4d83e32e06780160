"""Scheduling fixtures: a frozen clock, a candidacy with a plan, and a booking helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from coordinator.db import db
from coordinator.scheduling import operations
from coordinator.scheduling.models import Round
from coordinator.timeutil import freeze

#: Monday 1 March 2027, 08:00 UTC — "now" in scheduling tests.
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2027, UTC."""
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(app) -> datetime:
    freeze(NOW)
    return NOW


@pytest.fixture
def plan(make_job, make_planned_round, recruiter):
    """A job whose plan has a first interview and a peer + supervisor team round."""
    job = make_job(actor=recruiter)
    first = make_planned_round(job, actor=recruiter, title="First interview",
                               relationships=["hiring_manager"])
    team = make_planned_round(job, actor=recruiter, title="Team interview",
                              relationships=["peer", "supervisor"])
    return job, first, team


@pytest.fixture
def make_round(make_candidacy, plan, recruiter) -> Callable[..., Round]:
    def make(candidacy=None, planned=None) -> Round:
        job, _first, team = plan
        candidacy = candidacy or make_candidacy(job=job, actor=recruiter)
        round_ = operations.open_round(candidacy, planned or team, actor=recruiter)
        db.session.commit()
        return round_

    return make


@pytest.fixture
def panelists(make_user):
    """A peer and a supervisor, both interviewers in Berlin."""
    peer = make_user(("interviewer",), name="Priya Peer", job_title="Senior engineer")
    supervisor = make_user(("interviewer",), name="Sofia Supervisor", job_title="Eng manager")
    return peer, supervisor


@pytest.fixture
def book(recruiter) -> Callable[..., operations.InterviewChange]:
    def do(round_: Round, starts_at: datetime, seats: list[tuple[Any, str]],
           minutes: int = 60, **kwargs: Any) -> operations.InterviewChange:
        change = operations.schedule_interview(
            round_, actor=recruiter, starts_at=starts_at, duration_minutes=minutes,
            time_zone=kwargs.pop("time_zone", "Europe/Berlin"),
            panel=[operations.Seat(u.id, r) for u, r in seats], **kwargs,
        )
        db.session.commit()
        return change

    return do


def one_hour(start: datetime) -> tuple[datetime, datetime]:
    return start, start + timedelta(hours=1)
