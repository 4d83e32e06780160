"""Scaffolding for the booking race tests (a committed database, threads, a barrier).

Each racer is one test client posting at the same moment; every result is recorded, an
exception too (never swallowed), for the test to assert on.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Job, PlannedRound
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling.models import Interview, PanelMember


def seed_job_with_interviewer() -> tuple[User, User, Job, PlannedRound]:
    """Ivan the interviewer, the job's owner, the job and its one planned round (peer panel)."""
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
    return interviewer, owner, job, planned


def post_all_at_once(app: Flask, posts: Sequence[tuple[str, dict[str, Any], dict[str, str]]],
                     ) -> list[Any]:
    """Each ``(path, json, headers)`` posted by its own thread, all released by one barrier;
    per post ``(status code, JSON body)`` or the exception it raised."""
    barrier = threading.Barrier(len(posts))
    results: list[Any] = [None] * len(posts)

    def post(n: int) -> None:
        client = app.test_client()
        path, body, headers = posts[n]
        try:
            barrier.wait(timeout=30)
            response = client.post(path, json=body, headers=headers)
            results[n] = (response.status_code, response.get_json())
        except Exception as err:  # recorded and asserted on below, never swallowed
            results[n] = err

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_no_errors(results: list[Any]) -> None:
    """No racer raised (the first traceback shown if one did)."""
    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, "".join(traceback.format_exception(errors[0]))


def assert_one_wins(results: list[Any], won: int) -> None:
    """No racer raised; exactly one got ``won``, every other one ``409``."""
    assert_no_errors(results)
    statuses = sorted(status for status, _ in results)
    assert statuses == [won] + [409] * (len(results) - 1), results


def assert_booked_once(app: Flask, interviewer_id: int) -> None:
    """The interviewer sits on exactly one panel, of the only interview."""
    with app.app_context():
        booked = db.session.scalar(
            sa.select(sa.func.count()).select_from(PanelMember)
            .where(PanelMember.user_id == interviewer_id)
        )
        assert booked == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 1
