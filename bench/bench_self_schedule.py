"""Self-scheduling: the candidate's live slot list, and a race for one slot.

``self_schedule_slots_ms``: the median time of one candidate's slot list (load from the database
plus the finder) for 1 required interviewer + 2 of a pool of 6, each with 1,000 busy blocks over
14 days (SQLite scratch database). ``slot_finder_ms``: the finder alone on the same calendars, in
the same run; ``self_schedule_slots_ratio`` is their quotient (must stay within 3x).

``self_schedule_race_winners``: 20 candidates with their own links book the same slot (sharing
the required interviewer) at once on PostgreSQL (``COORDINATOR_TEST_DATABASE_URL`` or the local
default); exactly 1 may win. Skipped with a note when PostgreSQL does not answer.

Run from the project folder: ``.venv/bin/python bench/bench_self_schedule.py`` (or ``make bench``).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import bench_conflicts_pg
import sqlalchemy as sa
from _common import report, scratch_app
from bench_conflicts_pg import make_app, reachable, recreate, server_url
from flask import Flask
from flask_migrate import upgrade

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations, selfschedule, slots
from coordinator.scheduling.models import BusyBlock
from coordinator.timeutil import freeze

RUNS = 20
BLOCKS = 1_000
POOL = 6
DAYS = 14
RACERS = 20
#: Monday 1 March 2027, 07:00 UTC is "now"; the range is the next 14 days.
NOW = datetime(2027, 3, 1, 7, tzinfo=UTC)


def _world(candidacies: int) -> tuple[list[str], int]:
    """People, busy time, N candidacies each offered a round; returns their link paths."""
    freeze(NOW)
    owner = accounts.create_user(actor=None, email="owner@bench.example", name="Owner",
                                 roles={Role.recruiter})
    people = [accounts.create_user(actor=None, email=f"i{n}@bench.example", name=f"I {n}",
                                   roles={Role.interviewer}, time_zone="Europe/Berlin")
              for n in range(1 + POOL)]
    fill = random.Random(7)
    rows = []
    for person in people:
        # Short meetings packed into two busy hours of each day (07:00-17:00 UTC), so free time
        # remains: the finder does the full work and still finds slots.
        busy_hours = [(day, hour) for day in range(DAYS)
                      for hour in fill.sample(range(7, 17), 2)]
        for _ in range(BLOCKS):
            day, hour = fill.choice(busy_hours)
            begin = NOW.replace(hour=hour) + timedelta(days=day,
                                                       minutes=5 * fill.randrange(0, 9))
            rows.append({"user_id": person.id, "starts_at": begin,
                         "ends_at": begin + timedelta(minutes=fill.choice((5, 10, 15))),
                         "imported_at": NOW})
    db.session.execute(sa.insert(BusyBlock), rows)
    job = jobs.create_job(actor=owner, title="Engineer", department="R&D", location="Berlin",
                          pay_band_min="1", pay_band_max="2", pay_band_currency="EUR")
    planned = jobs.add_planned_round(job, PlannedRoundInput(
        title="Team", duration_minutes=60, relationships=["peer"],
        criteria=[CriterionInput("Design")]), actor=owner)
    paths = []
    for n in range(candidacies):
        candidate = candidates.create_candidate(actor=owner, name=f"C {n}",
                                                email=f"c{n}@bench.example", phone="",
                                                time_zone="America/New_York")
        round_ = operations.open_round(candidates.open_candidacy(job, candidate, actor=owner),
                                       planned, actor=owner)
        request = selfschedule.offer(round_, selfschedule.Offer(
            duration_minutes=60, interviewer_ids=[people[0].id],
            pool_ids=[p.id for p in people[1:]], pool_size=2, starts_after=NOW,
            ends_before=NOW + timedelta(days=DAYS), expires_at=NOW + timedelta(days=2)),
            actor=owner)
        paths.append(f"/s/{selfschedule.token_for(request)}")
    db.session.commit()
    return paths, people[0].id


def median_ms(work: Callable[[], object]) -> float:
    work()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def paired_median_ms(first: Callable[[], object],
                     second: Callable[[], object]) -> tuple[float, float]:
    """Both medians, the runs interleaved (a, b, a, b, ...): on a shared machine both figures
    see the same load, so their quotient does not depend on which ran during a busy spell."""
    first(), second()
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for work, into in ((first, timings[0]), (second, timings[1])):
            started = time.perf_counter()
            work()
            into.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[0]), statistics.median(timings[1])


def slot_list() -> None:
    with scratch_app() as app, app.app_context():
        paths, _ = _world(1)
        request = selfschedule.resolve(paths[0].removeprefix("/s/"))
        users = selfschedule._users([*request.interviewer_ids, *request.pool_ids])
        calendars = slots.load_calendars(users, request.starts_after, request.ends_before)
        finder_request = slots.SlotRequest(
            starts_after=request.starts_after, ends_before=request.ends_before,
            duration=timedelta(minutes=60), required=[calendars[users[0].id]],
            pool=[calendars[u.id] for u in users[1:]], pool_size=2,
            limit=selfschedule.MAX_SLOTS)
        listed, finder = paired_median_ms(lambda: selfschedule.live_slots(request),
                                          lambda: slots.find_slots(finder_request))
        found = len(selfschedule.live_slots(request))
        print(f"# 1 required + 2 of {POOL}, {BLOCKS} busy blocks each, {DAYS} days: "
              f"{found} slots", flush=True)
        report("self_schedule_slots_ms", listed, "ms")
        report("slot_finder_ms", finder, "ms")
        report("self_schedule_slots_ratio", listed / finder, "x")
        if found == 0:
            raise SystemExit("no free slot: the benchmark would measure nothing")


def race() -> None:
    url = server_url()
    why = reachable(url)
    if why is not None:
        print(f"# self_schedule_race_winners skipped: PostgreSQL does not answer ({why})")
        return
    bench_conflicts_pg.DATABASE = "bench_coordinator_self_schedule"  # its own scratch database
    recreate(url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            app: Flask = make_app(url, folder)
            with app.app_context():
                upgrade()
                paths, _ = _world(RACERS)
                db.session.close()
                client_paths = list(paths)
            start = (NOW + timedelta(days=1)).replace(hour=9)  # 10:00 in Berlin, a Tuesday
            with app.app_context():
                free = selfschedule.live_slots(selfschedule.resolve(
                    client_paths[0].removeprefix("/s/")))
                db.session.close()
            start = free[0].starts_at if free else start
            barrier = threading.Barrier(RACERS)
            statuses: list[int] = []

            def book(path: str) -> None:
                client = app.test_client()
                barrier.wait(timeout=30)
                statuses.append(client.post(path + "/book",
                                            json={"starts_at": start.isoformat()}).status_code)

            threads = [threading.Thread(target=book, args=(p,)) for p in client_paths]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            with app.app_context():
                db.engine.dispose()
        print(f"# {RACERS} bookings of {start.isoformat()}: statuses {sorted(statuses)}")
        report("self_schedule_race_winners", statuses.count(201), "winners")
    finally:
        recreate(url, drop_only=True)


def main() -> None:
    slot_list()
    race()


if __name__ == "__main__":
    main()
