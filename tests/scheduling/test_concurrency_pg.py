"""Two coordinators booking the same interviewer at once cannot both succeed (DESIGN.md).

These tests need real commits from parallel transactions, so they run on a database of their own
(not the rolled-back connection of the other tests): on PostgreSQL a scratch database per worker
(only when COORDINATOR_TEST_DATABASE_URL is set), on SQLite a file in a temporary folder. Each
thread is one coordinator with their own token, booking the same interviewer for a different
candidate at overlapping times, all released at the same moment by a barrier.

PostgreSQL serialises them with row locks (``conflicts.lock_people``): the losers wait, then see
the winner's interview (``interviewer_overlap``). SQLite refuses a second writer at once rather
than wait (waiting could deadlock): the losers get ``concurrent_booking``, also a 409.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations
from coordinator.scheduling.models import Interview, PanelMember
from tests.conftest import committed_app
from tests.scheduling.conftest import at

COORDINATORS = 8
START = at(2, 10)


@dataclass
class World:
    app: Flask
    interviewer_id: int
    round_ids: list[int]
    tokens: list[str]


@pytest.fixture(params=["postgresql", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A migrated database: one interviewer, N candidacies with a round, N recruiters' tokens."""
    with committed_app(request.param, "concurrency", tmp_path) as app, app.app_context():
        yield _seed(app)


def _seed(app: Flask) -> World:
    interviewer = accounts.create_user(actor=None, email="ivan@example.com", name="Ivan",
                                       roles={Role.interviewer}, time_zone="Europe/Berlin")
    owner = accounts.create_user(actor=None, email="owner@example.com", name="Owner",
                                 roles={Role.recruiter})
    job = jobs.create_job(actor=owner, title="Backend Engineer", department="Platform",
                          location="Berlin", pay_band_min="70000", pay_band_max="90000",
                          pay_band_currency="EUR")
    planned = jobs.add_planned_round(
        job, PlannedRoundInput(title="Team interview", duration_minutes=60,
                               relationships=["peer"], criteria=[CriterionInput("Design")]),
        actor=owner)
    round_ids, tokens = [], []
    for n in range(COORDINATORS):
        recruiter = accounts.create_user(actor=None, email=f"rita{n}@example.com",
                                         name=f"Recruiter {n}", roles={Role.recruiter})
        candidate = candidates.create_candidate(actor=owner, name=f"Candidate {n}",
                                                email=f"cand{n}@example.com", phone="",
                                                time_zone="Europe/Berlin")
        candidacy = candidates.open_candidacy(job, candidate, actor=owner)
        round_ids.append(operations.open_round(candidacy, planned, actor=owner).id)
        tokens.append(accounts.create_token(recruiter, actor=recruiter)[1])
    world = World(app, interviewer.id, round_ids, tokens)
    db.session.commit()
    db.session.close()  # hold no read transaction (on SQLite: no SHARED lock) while they book
    return world


def _book_all_at_once(world: World) -> list[Any]:
    """Each coordinator posts an overlapping booking; returns status codes or exceptions."""
    barrier = threading.Barrier(COORDINATORS)
    results: list[Any] = [None] * COORDINATORS

    def book(n: int) -> None:
        client = world.app.test_client()
        body = {
            "starts_at": (START + timedelta(minutes=5 * n)).isoformat(),
            "duration_minutes": 60,
            "time_zone": "Europe/Berlin",
            "panel": [{"user_id": world.interviewer_id, "relationship": "peer"}],
        }
        headers = {"Authorization": f"Bearer {world.tokens[n]}"}
        try:
            barrier.wait(timeout=30)
            response = client.post(f"/api/v1/rounds/{world.round_ids[n]}/interviews",
                                   json=body, headers=headers)
            results[n] = (response.status_code, response.get_json())
        except Exception as err:  # recorded and asserted on below, never swallowed
            results[n] = err

    threads = [threading.Thread(target=book, args=(n,)) for n in range(COORDINATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_only_one_of_many_simultaneous_bookings_of_one_interviewer_succeeds(world: World):
    results = _book_all_at_once(world)

    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, "".join(traceback.format_exception(errors[0]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (COORDINATORS - 1), results
    for status, body in results:
        if status == 409:
            assert body["conflicts"], body
            assert {c["kind"] for c in body["conflicts"]} <= {"interviewer_overlap",
                                                              "concurrent_booking"}
    with world.app.app_context():
        booked = db.session.scalar(
            sa.select(sa.func.count()).select_from(PanelMember)
            .where(PanelMember.user_id == world.interviewer_id)
        )
        assert booked == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 1
