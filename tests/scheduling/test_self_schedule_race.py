"""Candidates racing through their self-scheduling links for slots that share an interviewer:
exactly one wins, the others get ``409`` kind ``slot_taken`` with a fresh list (on PostgreSQL and
SQLite alike; the house pattern of test_concurrency_pg.py: a committed database, a barrier)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.scheduling import operations, selfschedule
from tests.conftest import committed_app
from tests.scheduling.conftest import NOW, at
from tests.scheduling.races import (
    assert_booked_once,
    assert_one_wins,
    post_all_at_once,
    seed_job_with_interviewer,
)

CANDIDATES = 6
START = at(2, 10)  # Tuesday 2 March 2027, 11:00 in Berlin


@dataclass
class World:
    app: Flask
    kind: str
    interviewer_id: int
    paths: list[str]


@pytest.fixture(params=["postgresql", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with committed_app(request.param, "selfsched_race", tmp_path) as app, app.app_context():
        yield _seed(app, request.param)


def _seed(app: Flask, kind: str) -> World:
    """One interviewer; N candidacies, each offered the same round with that interviewer."""
    interviewer, owner, job, planned = seed_job_with_interviewer()
    paths = []
    for n in range(CANDIDATES):
        candidate = candidates.create_candidate(actor=owner, name=f"Candidate {n}",
                                                email=f"cand{n}@example.com", phone="",
                                                time_zone="Europe/Berlin")
        candidacy = candidates.open_candidacy(job, candidate, actor=owner)
        round_ = operations.open_round(candidacy, planned, actor=owner)
        request = selfschedule.offer(round_, selfschedule.Offer(
            duration_minutes=60, interviewer_ids=[interviewer.id], pool_ids=[], pool_size=0,
            starts_after=at(2, 0), ends_before=at(6, 0), expires_at=NOW + timedelta(hours=12),
        ), actor=owner)
        db.session.flush()
        paths.append(f"/s/{selfschedule.token_for(request)}")
    world = World(app, kind, interviewer.id, paths)
    db.session.commit()
    db.session.close()  # hold no read transaction (on SQLite: no SHARED lock) while they book
    return world


def _book_all_at_once(world: World) -> list[Any]:
    return post_all_at_once(world.app, [(path + "/book", {"starts_at": START.isoformat()}, {})
                                        for path in world.paths])


def test_exactly_one_candidate_wins_a_slot_shared_by_an_interviewer(world: World):
    results = _book_all_at_once(world)

    assert_one_wins(results, 201)
    for status, body in results:
        if status == 409:
            assert [c["kind"] for c in body["conflicts"]] == ["slot_taken"], body
            fresh = [s["starts_at"] for s in body["slots"]]
            assert fresh, body
            if world.kind == "postgresql":
                # The loser waited for the winner's locks, so its fresh list already lacks it
                # (SQLite refuses at once while the winner is still writing).
                assert "2027-03-02T10:00:00Z" not in fresh
    loser = next(n for n, (status, _) in enumerate(results) if status == 409)
    later = world.app.test_client().get(world.paths[loser] + "/slots").get_json()["slots"]
    assert "2027-03-02T10:00:00Z" not in [s["starts_at"] for s in later]
    assert_booked_once(world.app, world.interviewer_id)

