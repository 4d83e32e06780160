"""The conflict check of a booking on PostgreSQL, with a year of 100,000 interviews already booked.

Seeds a scratch database (``bench_coordinator_conflicts``, dropped afterwards) with 2,000
interviewers, 30,000 candidates in 50 jobs and 100,000 interviews of three panel members each
(300,000 ``panel_members`` rows) spread over a year, then times what a booking runs before it may
insert: ``conflicts.lock_people`` and ``conflicts.blocking_conflicts`` for a three-person panel with
load limits (interviewer overlaps, the candidate's overlaps, day and week counts), each in its own
transaction, rolled back. Prints the EXPLAIN of every query the check runs and asserts that the
overlap queries use ``ix_panel_members_user_starts`` and ``ix_interviews_candidate_starts``.

The database comes from COORDINATOR_TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test: its server is used, the scratch database is created
beside it). Without a reachable PostgreSQL the script says so and exits 0, printing no figures.

Run from the project folder: ``.venv/bin/python bench/bench_conflicts_pg.py`` (or ``make bench``).
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from _common import report
from flask import Flask
from flask_migrate import upgrade

from coordinator import create_app
from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.jobs.models import Job, PlannedRound
from coordinator.scheduling import conflicts

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "bench_coordinator_conflicts"
USERS = 2_000
CANDIDATES = 30_000
JOBS = 50
INTERVIEWS = 100_000
CHECKS = 200
#: Interviews are spread over working hours of the 364 days from Monday 4 January 2027.
YEAR_START = datetime(2027, 1, 4, tzinfo=UTC)
INDEXES = {"panel_members": "ix_panel_members_user_starts",
           "interviews": "ix_interviews_candidate_starts"}


def server_url() -> sa.engine.URL:
    url = sa.engine.make_url(os.environ.get("COORDINATOR_TEST_DATABASE_URL") or DEFAULT_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def recreate(url: sa.engine.URL, *, drop_only: bool = False) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            if not drop_only:
                conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        admin.dispose()


def reachable(url: sa.engine.URL) -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as err:
        return str(err).splitlines()[0]
    finally:
        engine.dispose()
    return None


def make_app(url: sa.engine.URL, folder: str) -> Flask:
    logging.getLogger("alembic.runtime.migration").addFilter(
        lambda record: record.levelno >= logging.WARNING)
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url.set(database=DATABASE).render_as_string(
            hide_password=False),
        "SECRET_KEY": "bench-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_DIR": f"{folder}/mail",
        "SMTP_HOST": "",
    })


def seed() -> None:
    """Bulk data: people and candidacies through Core, interviews and panels server-side."""
    now = datetime.now(UTC)
    db.session.execute(sa.insert(User.__table__), [
        {"email": f"interviewer{n}@bench.example", "name": f"Interviewer {n}",
         "time_zone": ("Europe/Berlin", "Europe/London", "America/New_York")[n % 3],
         "job_title": "Engineer", "bio": "", "is_active": True, "created_at": now,
         "max_interviews_per_day": 4 if n % 2 else None,
         "max_interviews_per_week": 12 if n % 2 else None}
        for n in range(1, USERS + 1)])
    db.session.execute(sa.insert(Job.__table__), [
        {"title": f"Engineer {n}", "department": "Engineering", "location": "Berlin",
         "pay_band_min": Decimal("70000"), "pay_band_max": Decimal("90000"),
         "pay_band_currency": "EUR", "state": "open", "assessment_due_hours": 24,
         "created_at": now}
        for n in range(1, JOBS + 1)])
    db.session.execute(sa.insert(PlannedRound.__table__), [
        {"job_id": n, "position": 0, "title": "Team interview", "kind": "interview",
         "duration_minutes": 60, "description": ""}
        for n in range(1, JOBS + 1)])
    statements = [
        f"""INSERT INTO candidates (name, email, phone, time_zone, created_at)
            SELECT 'Candidate ' || g, 'candidate' || g || '@bench.example', '', 'Europe/Berlin',
                   now()
            FROM generate_series(1, {CANDIDATES}) AS g""",
        f"""INSERT INTO candidacies (candidate_id, job_id, state, created_at, updated_at)
            SELECT c.id, (c.id % {JOBS}) + 1, 'active', now(), now() FROM candidates c""",
        """INSERT INTO rounds (candidacy_id, planned_round_id, state, created_at)
           SELECT c.id, p.id, 'open', now()
           FROM candidacies c JOIN planned_rounds p ON p.job_id = c.job_id""",
        # a pseudo-random round, day of the year, and half hour between 08:00 and 16:30 UTC
        f"""INSERT INTO interviews (round_id, candidate_id, starts_at, ends_at, time_zone,
                                    location, video_url, state, sequence, is_recorded_past,
                                    cancelled_at, candidate_response, candidate_response_comment,
                                    created_at, updated_at)
            SELECT r.id, c.candidate_id, s.at, s.at + interval '60 minutes', 'Europe/Berlin',
                   '', '', CASE WHEN g % 20 = 0 THEN 'cancelled' ELSE 'scheduled' END,
                   0, false, CASE WHEN g % 20 = 0 THEN s.at END, 'needs_action', '', now(), now()
            FROM generate_series(1, {INTERVIEWS}) AS g
            CROSS JOIN LATERAL (SELECT timestamptz '{YEAR_START.isoformat()}'
                                       + make_interval(days => (g * 37) % 364,
                                                       mins => 480 + 30 * ((g * 7) % 18)) AS at) s
            JOIN rounds r ON r.id = ((g * 7919) % {CANDIDATES}) + 1
            JOIN candidacies c ON c.id = r.candidacy_id""",
        f"""INSERT INTO panel_members (interview_id, user_id, relationship, starts_at, ends_at,
                                       is_active, response, response_comment)
            SELECT i.id, ((i.id + seat * 667) % {USERS}) + 1,
                   (ARRAY['peer', 'supervisor', 'colleague'])[seat + 1],
                   i.starts_at, i.ends_at, i.state = 'scheduled', 'needs_action', ''
            FROM interviews i CROSS JOIN generate_series(0, 2) AS seat""",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


@dataclass(frozen=True)
class Booking:
    user_ids: tuple[int, ...]
    candidate_id: int
    starts_at: datetime


def bookings(count: int) -> list[Booking]:
    """Three interviewers (with limits) for a random candidate at a working time of the year."""
    chance = random.Random(7)
    return [
        Booking(
            user_ids=tuple(chance.sample(range(1, USERS + 1, 2), 3)),  # odd ids have limits
            candidate_id=chance.randrange(1, CANDIDATES + 1),
            starts_at=YEAR_START + timedelta(days=chance.randrange(364),
                                             minutes=480 + 30 * chance.randrange(18)),
        )
        for _ in range(count)
    ]


def proposal(booking: Booking) -> conflicts.Proposal:
    """The panel loaded in one query, as ``operations.schedule_interview`` has it by then."""
    users = list(db.session.scalars(sa.select(User).where(User.id.in_(booking.user_ids))))
    return conflicts.Proposal(starts_at=booking.starts_at,
                              ends_at=booking.starts_at + timedelta(hours=1), users=users,
                              candidate_id=booking.candidate_id,
                              candidacy_id=booking.candidate_id)


def check(proposal: conflicts.Proposal) -> list[dict[str, Any]]:
    """What a booking runs before it inserts: take the locks, find what blocks."""
    conflicts.lock_people([u.id for u in proposal.users], proposal.candidate_id)
    return conflicts.blocking_conflicts(proposal)


def time_checks(all_bookings: list[Booking]) -> tuple[list[float], int]:
    """Each check in its own transaction, rolled back; the panel is loaded before the clock."""
    timings, blocked = [], 0
    for booking in all_bookings:
        loaded = proposal(booking)
        started = time.perf_counter()
        found = check(loaded)
        timings.append((time.perf_counter() - started) * 1000)
        blocked += bool(found)
        db.session.rollback()
    return timings, blocked


def explain(booking: Booking) -> bool:
    """Print the plan of each query the check runs; True when the overlap queries use the index."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in statement:
            captured.append((statement, parameters))

    engine = db.engine
    loaded = proposal(booking)
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        check(loaded)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
        db.session.rollback()
    uses_index = {table: False for table in INDEXES}
    with engine.connect() as conn:
        for statement, parameters in captured:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters))
            print("# " + " ".join(statement.split())[:160])
            print("\n".join("#   " + line for line in plan.splitlines()), flush=True)
            for table, index in INDEXES.items():
                if f"FROM {table}" in statement and "count(" not in statement:
                    uses_index[table] = uses_index[table] or index in plan
                    if index not in plan:
                        print(f"# !! the {table} overlap query does not use {index}")
    return all(uses_index.values())


def main() -> None:
    url = server_url()
    problem = reachable(url)
    if problem:
        print(f"# PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable "
              f"({problem}); skipping the PostgreSQL conflict benchmark.")
        return
    recreate(url)
    try:
        with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
            app = make_app(url, folder)
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                seed()
                print(f"# seeded {INTERVIEWS:,} interviews, {3 * INTERVIEWS:,} panel seats in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
                all_bookings = bookings(CHECKS)
                time_checks(all_bookings[:10])  # warm up the pool and the plan cache
                timings, blocked = time_checks(all_bookings)
                uses_index = explain(all_bookings[0])
                print(f"# {CHECKS} checks of a 3-person panel, {blocked} found a conflict; "
                      f"p90 {statistics.quantiles(timings, n=10)[-1]:.2f} ms", flush=True)
                report("conflict_check_pg_ms", statistics.median(timings), "ms")
                report("conflict_check_pg_uses_index", int(uses_index), "bool")
                db.session.remove()
                db.engine.dispose()
    finally:
        recreate(url, drop_only=True)
    if not uses_index:
        sys.exit("the overlap queries do not use their indexes")


if __name__ == "__main__":
    main()
