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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.scheduling import operations
from tests.conftest import committed_app
from tests.scheduling.conftest import at
from tests.scheduling.races import (
    assert_booked_once,
    assert_one_wins,
    post_all_at_once,
    seed_job_with_interviewer,
)

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
    interviewer, owner, job, planned = seed_job_with_interviewer()
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
    return post_all_at_once(world.app, [
        (f"/api/v1/rounds/{world.round_ids[n]}/interviews",
         {"starts_at": (START + timedelta(minutes=5 * n)).isoformat(),
          "duration_minutes": 60,
          "time_zone": "Europe/Berlin",
          "panel": [{"user_id": world.interviewer_id, "relationship": "peer"}]},
         {"Authorization": f"Bearer {world.tokens[n]}"})
        for n in range(COORDINATORS)
    ])


def test_only_one_of_many_simultaneous_bookings_of_one_interviewer_succeeds(world: World):
    results = _book_all_at_once(world)

    assert_one_wins(results, 201)
    for status, body in results:
        if status == 409:
            assert body["conflicts"], body
            assert {c["kind"] for c in body["conflicts"]} <= {"interviewer_overlap",
                                                              "concurrent_booking"}
    assert_booked_once(world.app, world.interviewer_id)
