"""A proposal added while another request agrees on the current one cannot slip in between.

Otherwise the stage would end ``agreed`` with an unapproved proposal outside the band as its
current (agreed) one. The conclusion runs in a thread that holds its transaction open; a proposal
sent meanwhile must wait and then be refused (PostgreSQL: the stage's row lock, then ``409``
``stage_closed``), or be refused as busy (SQLite's single writer: ``503``) — never saved.

These tests need real commits from parallel transactions, so they run on a database of their own
(see ``tests/conftest.py::committed_app``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.compensation import operations
from coordinator.compensation.models import CompensationStage, Proposal
from coordinator.db import db
from coordinator.jobs import operations as jobs
from tests.conftest import committed_app


@dataclass
class World:
    app: Flask
    candidacy_id: int
    recruiter_id: int
    token: str


@pytest.fixture(params=["postgresql", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with committed_app(request.param, "compensating", tmp_path) as app, app.app_context():
        yield _seed(app)


def _seed(app: Flask) -> World:
    recruiter = accounts.create_user(
        actor=None, email="rita@example.com", name="Rita", roles={Role.recruiter}
    )
    manager = accounts.create_user(
        actor=None, email="hugo@example.com", name="Hugo", roles={Role.hiring_manager}
    )
    job = jobs.create_job(
        actor=recruiter,
        title="Backend Engineer",
        hiring_manager_id=manager.id,
        pay_band_min="70000",
        pay_band_max="90000",
        pay_band_currency="EUR",
    )
    candidate = candidates.create_candidate(
        actor=recruiter, name="Cleo", email="cleo@example.com", phone="", time_zone="Europe/Berlin"
    )
    candidacy = candidates.open_candidacy(job, candidate, actor=recruiter)
    stage = operations.open_stage(candidacy, actor=recruiter)
    operations.propose(stage, actor=recruiter, amount="80000", currency="EUR")
    token = accounts.create_token(recruiter, actor=recruiter)[1]
    world = World(app, candidacy.id, recruiter.id, token)
    db.session.commit()
    db.session.close()
    return world


def test_a_proposal_sent_while_the_current_one_is_agreed_is_not_saved(world: World):
    concluded, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def conclude() -> None:
        try:
            with world.app.app_context():
                stage = db.session.scalar(
                    sa.select(CompensationStage).where(
                        CompensationStage.candidacy_id == world.candidacy_id
                    )
                )
                recruiter = accounts.get_user(world.recruiter_id)
                operations.conclude(stage, actor=recruiter, outcome="agreed")
                concluded.set()
                release.wait(timeout=30)
                db.session.commit()
        except BaseException as err:  # asserted on below, never swallowed
            failures.append(err)
            concluded.set()

    answer: list[Any] = []

    def propose() -> None:
        response = world.app.test_client().put(
            f"/api/v1/candidacies/{world.candidacy_id}/compensation",
            json={"proposal": {"amount": "250000", "currency": "EUR"}},
            headers={"Authorization": f"Bearer {world.token}"},
        )
        answer.append((response.status_code, response.get_json()))

    agreeing = threading.Thread(target=conclude)
    agreeing.start()
    assert concluded.wait(timeout=30)
    proposing = threading.Thread(target=propose)
    proposing.start()
    proposing.join(timeout=2)  # a proposal that does not wait for the agreement lands here
    release.set()
    agreeing.join(timeout=30)
    proposing.join(timeout=30)
    assert failures == []
    [(status, body)] = answer
    assert status in (409, 503), body
    with world.app.app_context():
        amounts = db.session.scalars(sa.select(Proposal.amount)).all()
        stage = db.session.scalar(sa.select(CompensationStage))
        assert ([str(a) for a in amounts], stage.state.value) == (["80000.00"], "agreed")
