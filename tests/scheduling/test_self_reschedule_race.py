"""Candidates racing through their self-scheduling links to *move* their bookings to one time
that shares an interviewer: exactly one wins, the others get ``409`` kind ``slot_taken`` with a
fresh list, and their own bookings stay where they were (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling import selfschedule
from coordinator.scheduling.models import Interview
from tests.conftest import committed_app
from tests.scheduling.conftest import at
from tests.scheduling.races import assert_one_wins, post_all_at_once
from tests.scheduling.test_self_schedule_race import CANDIDATES, START, World, _seed


@pytest.fixture(params=["postgresql", "sqlite"])
def booked_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """Each candidate has booked their own hour on Wednesday 3 March with the one interviewer."""
    with committed_app(request.param, "selfsched_reraces", tmp_path) as app, app.app_context():
        world = _seed(app, request.param)
        for n, path in enumerate(world.paths):
            request_ = selfschedule.resolve(path.removeprefix("/s/"))
            selfschedule.book(request_, at(3, 8 + n))
            db.session.commit()
        db.session.close()
        yield world


def _move_all_at_once(world: World) -> list[Any]:
    return post_all_at_once(world.app, [
        (path + "/reschedule", {"starts_at": START.isoformat()}, {}) for path in world.paths
    ])


def test_exactly_one_candidate_moves_to_a_time_shared_by_an_interviewer(booked_world: World):
    results = _move_all_at_once(booked_world)

    assert_one_wins(results, 200)
    for status, body in results:
        if status == 409:
            assert [c["kind"] for c in body["conflicts"]] == ["slot_taken"], body
            assert body["slots"], body
    with booked_world.app.app_context():
        starts = sorted(db.session.scalars(sa.select(Interview.starts_at)))
        winner = next(n for n, (status, _) in enumerate(results) if status == 200)
        expected = sorted([START] + [at(3, 8 + n) for n in range(CANDIDATES) if n != winner])
        assert starts == expected
