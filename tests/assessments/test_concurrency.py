"""An interviewer submitting the same assessment from several tabs at once: one submission wins;
saving a first draft from several tabs at once: every tab saves the one draft.

These tests need real commits from parallel transactions, so they run on a database of their own
(as tests/scheduling/test_concurrency_pg.py does): on PostgreSQL a scratch database per worker
(only when COORDINATOR_TEST_DATABASE_URL is set), on SQLite a file in a temporary folder.

PostgreSQL serialises them with the assessment's row lock: the others wait, then find it
submitted (``409 already_submitted``). SQLite's single writer refuses a concurrent write as busy
(``503``) or lets it through after the winner (``409``). Never two submissions.

Tabs saving the first draft at once all reach the one draft: the first creates it, the others
(whose check found none) update it instead of tripping over its uniqueness (a ``409``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.assessments import operations
from coordinator.assessments.models import Assessment
from coordinator.audit.models import AuditEvent
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from tests.conftest import committed_app

TABS = 6


@dataclass
class World:
    app: Flask
    interview_id: int
    token: str
    body: dict[str, Any]


@pytest.fixture(params=["postgresql", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with committed_app(request.param, "assessing", tmp_path) as app, app.app_context():
        yield _seed(app)


@pytest.fixture(params=["postgresql", "sqlite"])
def unstarted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """As ``world``, but the interviewer has not started an assessment; the body is a draft."""
    with committed_app(request.param, "drafting", tmp_path) as app, app.app_context():
        yield _seed(app, draft=False)


def _seed(app: Flask, *, draft: bool = True) -> World:
    recruiter = accounts.create_user(
        actor=None, email="rita@example.com", name="Rita", roles={Role.recruiter}
    )
    peer = accounts.create_user(
        actor=None, email="priya@example.com", name="Priya", roles={Role.interviewer}
    )
    job = jobs.create_job(
        actor=recruiter,
        title="Backend Engineer",
        department="Platform",
        location="Berlin",
        pay_band_min="70000",
        pay_band_max="90000",
        pay_band_currency="EUR",
    )
    planned = jobs.add_planned_round(
        job,
        PlannedRoundInput(
            title="Team interview",
            duration_minutes=60,
            relationships=["peer"],
            criteria=[CriterionInput("Design")],
        ),
        actor=recruiter,
    )
    candidate = candidates.create_candidate(
        actor=recruiter, name="Cleo", email="cleo@example.com", phone="", time_zone="Europe/Berlin"
    )
    candidacy = candidates.open_candidacy(job, candidate, actor=recruiter)
    round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
    interview = scheduling.schedule_interview(
        round_,
        actor=recruiter,
        starts_at=datetime.now(UTC) - timedelta(days=1),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        panel=[scheduling.Seat(peer.id, "peer")],
        record_past=True,
    ).interview
    if draft:
        operations.save_assessment(
            interview, actor=peer, ratings={}, recommendation=None, notes="Draft"
        )
    token = accounts.create_token(peer, actor=peer)[1]
    body = {"ratings": {str(planned.criteria[0].id): 3}, "recommendation": "yes", "submit": draft}
    world = World(app, interview.id, token, body)
    db.session.commit()
    db.session.close()
    return world


def _put_from_every_tab(world: World) -> list[Any]:
    barrier = threading.Barrier(TABS)
    results: list[Any] = [None] * TABS

    def submit(n: int) -> None:
        client = world.app.test_client()
        try:
            barrier.wait(timeout=30)
            response = client.put(
                f"/api/v1/interviews/{world.interview_id}/assessments/mine",
                json={**world.body, "notes": f"tab {n}"},
                headers={"Authorization": f"Bearer {world.token}"},
            )
            results[n] = (response.status_code, response.get_json())
        except Exception as err:  # recorded and asserted on below, never swallowed
            results[n] = err

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_submissions_submit_once(world: World):
    results = _put_from_every_tab(world)
    assert all(isinstance(r, tuple) for r in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1, results
    dialect = sa.engine.make_url(str(world.app.config["SQLALCHEMY_DATABASE_URI"])).get_dialect()
    allowed = {409} if dialect.name == "postgresql" else {409, 503}
    assert set(statuses) - {200} <= allowed, results
    for status, body in results:
        if status == 409:
            assert body["conflicts"][0]["kind"] == "already_submitted"
    [winner] = [body for status, body in results if status == 200]
    with world.app.app_context():
        saved = db.session.scalar(sa.select(Assessment))
        assert saved.is_submitted
        assert saved.notes == winner["notes"]
        submitted_events = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "assessment.submitted")
        )
        assert submitted_events == 1


def test_simultaneous_first_draft_saves_save_one_draft(unstarted: World):
    results = _put_from_every_tab(unstarted)
    assert all(isinstance(r, tuple) for r in results), results
    statuses = [status for status, _ in results]
    dialect = sa.engine.make_url(str(unstarted.app.config["SQLALCHEMY_DATABASE_URI"])).get_dialect()
    allowed = {200} if dialect.name == "postgresql" else {200, 503}
    assert set(statuses) <= allowed, results
    saved_by = {body["notes"] for status, body in results if status == 200}
    assert saved_by, results
    assert len({body["id"] for status, body in results if status == 200}) == 1, results
    with unstarted.app.app_context():
        [saved] = db.session.scalars(sa.select(Assessment)).all()
        assert saved.state.value == "draft"
        assert saved.notes in saved_by
        assert [r.score for r in saved.ratings] == [3]
        saved_events = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "assessment.saved")
        )
        assert saved_events == statuses.count(200)
