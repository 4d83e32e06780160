"""Candidates racing through their self-scheduling links for slots that share an interviewer:
exactly one wins, the others get ``409`` kind ``slot_taken`` with a fresh list (on PostgreSQL and
SQLite alike; the house pattern of test_concurrency_pg.py: a committed database, a barrier)."""

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
from coordinator.scheduling import operations, selfschedule
from coordinator.scheduling.models import Interview, PanelMember
from tests.conftest import committed_app
from tests.scheduling.conftest import NOW, at

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
    barrier = threading.Barrier(CANDIDATES)
    results: list[Any] = [None] * CANDIDATES

    def book(n: int) -> None:
        client = world.app.test_client()
        try:
            barrier.wait(timeout=30)
            response = client.post(world.paths[n] + "/book",
                                   json={"starts_at": START.isoformat()})
            results[n] = (response.status_code, response.get_json())
        except Exception as err:  # recorded and asserted on below, never swallowed
            results[n] = err

    threads = [threading.Thread(target=book, args=(n,)) for n in range(CANDIDATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_exactly_one_candidate_wins_a_slot_shared_by_an_interviewer(world: World):
    results = _book_all_at_once(world)

    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, "".join(traceback.format_exception(errors[0]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CANDIDATES - 1), results
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
    with world.app.app_context():
        booked = db.session.scalar(
            sa.select(sa.func.count()).select_from(PanelMember)
            .where(PanelMember.user_id == world.interviewer_id)
        )
        assert booked == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 1

