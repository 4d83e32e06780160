"""Factories: ``make_<thing>(**overrides)`` with sensible defaults, plus sign-in helpers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Job, PlannedRound
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import utcnow

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
#: Interviews made by ``make_interview`` start an hour apart, wrapping within a year so that a long
#: run never reaches the two-year booking horizon.
_interview_hours = itertools.count(1)


def _n() -> int:
    return next(_counter)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(roles: tuple[str, ...] | list[str] = ("interviewer",), **overrides: Any) -> User:
        n = _n()
        values: dict[str, Any] = {
            "email": f"user{n}@example.com",
            "name": f"User {n}",
            "job_title": "Engineer",
            "time_zone": "Europe/Berlin",
            "password": PASSWORD,
        }
        values.update(overrides)
        user = accounts.create_user(actor=None, roles={Role(r) for r in roles}, **values)
        db.session.commit()
        return user

    return make


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(("admin",), name="Ada Admin")


@pytest.fixture
def recruiter(make_user: Callable[..., User]) -> User:
    return make_user(("recruiter",), name="Rita Recruiter")


@pytest.fixture
def hiring_manager(make_user: Callable[..., User]) -> User:
    return make_user(("hiring_manager",), name="Hugo Manager")


@pytest.fixture
def interviewer(make_user: Callable[..., User]) -> User:
    return make_user(("interviewer",), name="Ivan Interviewer")


@pytest.fixture
def make_job(app: Flask, make_user: Callable[..., User]) -> Callable[..., Job]:
    def make(actor: User | None = None, **overrides: Any) -> Job:
        actor = actor or make_user(("recruiter",))
        values: dict[str, Any] = {
            "title": f"Backend Engineer {_n()}",
            "department": "Platform",
            "location": "Berlin",
            "pay_band_min": "70000",
            "pay_band_max": "90000",
            "pay_band_currency": "EUR",
        }
        values.update(overrides)
        job = jobs.create_job(actor=actor, **values)
        db.session.commit()
        return job

    return make


@pytest.fixture
def make_planned_round(app: Flask, make_user: Callable[..., User]) -> Callable[..., PlannedRound]:
    def make(job: Job, actor: User | None = None, criteria: list[str] | None = None,
             **overrides: Any) -> PlannedRound:
        actor = actor or make_user(("recruiter",))
        values: dict[str, Any] = {"title": f"Round {_n()}", "duration_minutes": 60,
                                  "relationships": ["peer"]}
        values.update(overrides)
        titles = criteria if criteria is not None else ["Problem solving", "Communication"]
        planned = jobs.add_planned_round(
            job, PlannedRoundInput(criteria=[CriterionInput(t) for t in titles], **values),
            actor=actor,
        )
        db.session.commit()
        return planned

    return make


@pytest.fixture
def make_candidate(app: Flask, make_user: Callable[..., User]) -> Callable[..., Candidate]:
    def make(actor: User | None = None, **overrides: Any) -> Candidate:
        actor = actor or make_user(("recruiter",))
        n = _n()
        values: dict[str, Any] = {"name": f"Candidate {n}", "email": f"cand{n}@example.com",
                                  "phone": "+49 30 1234567", "time_zone": "America/New_York"}
        values.update(overrides)
        candidate = candidates.create_candidate(actor=actor, **values)
        db.session.commit()
        return candidate

    return make


@pytest.fixture
def make_candidacy(
    app: Flask,
    make_job: Callable[..., Job],
    make_candidate: Callable[..., Candidate],
    make_user: Callable[..., User],
) -> Callable[..., Candidacy]:
    def make(job: Job | None = None, candidate: Candidate | None = None,
             actor: User | None = None) -> Candidacy:
        actor = actor or make_user(("recruiter",))
        candidacy = candidates.open_candidacy(job or make_job(), candidate or make_candidate(),
                                              actor=actor)
        db.session.commit()
        return candidacy

    return make


@pytest.fixture
def make_interview(app: Flask, make_user: Callable[..., User],
                   make_planned_round: Callable[..., PlannedRound]) -> Callable[..., Interview]:
    """``make_interview(candidacy, panel=[users])``: an interview of the job's first planned round
    (one is added when the plan is empty), a week ahead, each user seated as a peer."""

    def make(candidacy: Candidacy, panel: list[User], actor: User | None = None) -> Interview:
        actor = actor or make_user(("recruiter",))
        job = candidacy.job
        planned = job.planned_rounds[0] if job.planned_rounds else make_planned_round(job)
        round_ = db.session.scalar(sa.select(Round).where(
            Round.candidacy_id == candidacy.id, Round.planned_round_id == planned.id
        )) or scheduling.open_round(candidacy, planned, actor=actor)
        start = (utcnow() + timedelta(days=7, hours=next(_interview_hours) % 8000)).replace(
            microsecond=0)
        change = scheduling.schedule_interview(
            round_, actor=actor, starts_at=start, duration_minutes=30, time_zone="UTC",
            panel=[scheduling.Seat(u.id, "peer") for u in panel],
        )
        db.session.commit()
        return change.interview

    return make


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def do(user: User) -> FlaskClient:
        sign_in(client, user)
        return client

    return do


class ApiClient:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def open(self, method: str, path: str, *, headers: dict[str, str] | None = None,
             **kwargs: Any) -> Any:
        return self.client.open("/api/v1" + path, method=method, headers=self._headers(headers),
                                **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open("DELETE", path, **kwargs)


@pytest.fixture
def api_as(client: FlaskClient) -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(client, None)
        _, secret = accounts.create_token(user, actor=user)
        db.session.commit()
        return ApiClient(client, secret)

    return make
