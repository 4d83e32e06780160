"""Two app servers on one database: a change made through one shows in the other's next
shortlist read (the cache lives in the database, never in a process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import User
from coordinator.assessments import operations as assessments
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import update_candidate
from coordinator.db import db
from coordinator.scheduling.models import Interview
from coordinator.shortlist import operations
from coordinator.shortlist.models import ShortlistCache
from coordinator.timeutil import freeze
from tests.conftest import committed_app, make_app, seed_booked_interview
from tests.shortlist.conftest import NOW, at


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    with committed_app(request.param, "shortlist_servers", tmp_path) as first:
        second = make_app(first.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "second")
        try:
            yield first, second
        finally:
            with second.app_context():
                db.session.remove()
                db.engine.dispose()


def _seed(app: Flask) -> tuple[int, str]:
    """A recruiter (with a token) who interviewed Cara and submitted an assessment."""
    with app.app_context():
        freeze(at(1, 8))
        interview = seed_booked_interview(at(2, 9))
        db.session.commit()
        freeze(NOW)
        recruiter = db.session.get(User, interview.scheduled_by_id)
        assessments.save_assessment(interview, actor=recruiter, ratings={},
                                    recommendation="yes", submit=True)
        _, token = accounts.create_token(recruiter, actor=recruiter, name="servers")
        job_id = interview.round.candidacy.job_id
        db.session.commit()
        return job_id, token


def _rows(app: Flask, job_id: int, token: str) -> list[dict[str, Any]]:
    response = app.test_client().get(
        f"/api/v1/jobs/{job_id}/shortlist", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def _payload_stored(app: Flask, job_id: int) -> bool:
    with app.app_context():
        return db.session.scalar(
            sa.select(ShortlistCache.payload.is_not(None)).where(ShortlistCache.job_id == job_id)
        ) is True


def test_a_change_through_a_second_server_shows_in_the_first_servers_next_read(servers):
    first, second = servers
    job_id, token = _seed(first)
    before = _rows(first, job_id, token)
    assert [(r["candidate"]["name"], r["last_decision"]) for r in before] == [("Cara", None)]
    assert before[0]["recommendations"]["yes"] == 1
    assert _payload_stored(first, job_id)
    assert _rows(first, job_id, token) == before  # served from the stored rows

    with second.app_context():
        candidacy = db.session.scalar(sa.select(Candidacy).where(Candidacy.job_id == job_id))
        recruiter = db.session.scalar(
            sa.select(User).join(Interview, Interview.scheduled_by_id == User.id)
        )
        update_candidate(candidacy.candidate, actor=recruiter, name="Cara Changed")
        operations.record_decision(candidacy, actor=recruiter, outcome="advance",
                                   reason="Strong panel")
        db.session.commit()

    after = _rows(first, job_id, token)
    assert after[0]["candidate"]["name"] == "Cara Changed"
    assert after[0]["last_decision"]["outcome"] == "advance"
    assert after[0]["state"] == "shortlisted"
