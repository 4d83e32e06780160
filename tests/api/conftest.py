"""Fixtures for API tests: the OpenAPI document and a small world of objects to act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from coordinator.accounts.models import User
from coordinator.api.openapi import build
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.jobs.models import Job, PlannedRound

ROLES: tuple[str | None, ...] = ("admin", "recruiter", "hiring_manager", "interviewer", None)


@pytest.fixture
def make_user(make_user: Callable[..., User]) -> Callable[..., User]:
    """API tests authenticate with tokens: users get no password unless a test gives one, which
    saves hashing one (a tenth of a second) per user."""

    def make(roles: tuple[str, ...] | list[str] = ("interviewer",), **overrides: Any) -> User:
        overrides.setdefault("password", None)
        return make_user(roles, **overrides)

    return make


@pytest.fixture(scope="session")
def openapi_document(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return build(app)


@dataclass
class World:
    """One of each thing, with the hiring manager fixture as the job's hiring manager."""

    users: dict[str | None, User | None]
    other_user: User
    job: Job
    other_job: Job
    planned_rounds: list[PlannedRound]
    other_job_round: PlannedRound
    candidate: Candidate
    free_candidate: Candidate
    candidacy: Candidacy


@pytest.fixture
def world(make_user: Callable[..., User], make_job: Callable[..., Job],
          make_planned_round: Callable[..., PlannedRound],
          make_candidate: Callable[..., Candidate],
          make_candidacy: Callable[..., Candidacy]) -> World:
    users: dict[str | None, User | None] = {role: make_user((role,)) for role in ROLES if role}
    users[None] = None
    recruiter = users["recruiter"]
    job = make_job(actor=recruiter, hiring_manager_id=users["hiring_manager"].id)
    other_job = make_job(actor=recruiter)
    rounds = [make_planned_round(job, actor=recruiter), make_planned_round(job, actor=recruiter)]
    candidate = make_candidate(actor=recruiter)
    return World(
        users=users,
        other_user=make_user(("interviewer",), name="Olga Other"),
        job=job,
        other_job=other_job,
        planned_rounds=rounds,
        other_job_round=make_planned_round(other_job, actor=recruiter),
        candidate=candidate,
        free_candidate=make_candidate(actor=recruiter),
        candidacy=make_candidacy(job=job, candidate=candidate, actor=recruiter),
    )
