"""The shortlist of a job with 500 candidacies × 3 rounds × 3 interviewers × 8 criteria.

SQLite: a fresh migrated database (``_common.scratch_app``) holding one such job, seeded with
SQLAlchemy Core bulk inserts: 500 candidacies, 1,500 interviews (all in the past), 4,500
assessments (one in twenty still a draft) and 36,000 ratings. Times ``GET /jobs/{id}/shortlist``
signed in as a recruiter (and ``GET /api/v1/jobs/{id}/shortlist`` with a bearer token), sorted by
calibrated score: median and 95th percentile per request, the CPU time per request (which
other programs competing for the processor inflate far less), and the SQL statements per request.

The shortlist is served from a per-job cache (``coordinator/shortlist/cache.py``). The original
figures (``shortlist_500_*``, ``shortlist_pg_100k_*``, ``shortlist_api_*``) are cache misses as
every change makes them: before each timed request (untimed) one submitted assessment of the
job is reopened and submitted again with other ratings through the app's operations, so the
cache's flush hook notes its candidacy; the request then computes that candidacy's row again
and every calibrated score (leniencies are job-wide). ``*_other_process_*``: the same, read
by a process that had not read the job's rows before (another server or worker): it decodes
the stored rows and renders every row of the page. ``*_second_worker_*``: the same change,
its rows computed and stored by another worker's read, then read by a worker that had read the
job before the change (it decodes the stored rows; those equal to rows it remembers are
prepared and rendered already). ``*_full_*`` are misses that compute every
row: the job's cached rows dropped before each request, as a job's first read finds them
(every change keeps the rows and notes what changed, a plan change too).
``*_cached_*`` are hits (after the first, the process has the rows decoded already: the
primary-key read then sends only their key, see ``cache.Memo``).
``*_miss_statement_free_*`` is a what-if, not a figure of the service: full misses whose one
rows statement is answered from memory, everything else as in a full miss (how much of a miss
that statement is). Each comes with its floor, measured in the same run: for a miss, the one
statement over the job's stored per-assessment sums and ratings run bare
(``*_miss_floor_p95_ms``); for a hit, the bare primary-key read of the cached rows
(``*_cached_floor_p50_ms``); and the ratio to it.

PostgreSQL: a scratch database (``bench_coordinator_shortlist_<pid>``, dropped afterwards) with
100,000 candidacies across 200 jobs of that shape (900,000 assessments, 7.2 million ratings),
generated server-side with ``generate_series``; then the same requests for one job. The server
comes from COORDINATOR_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
without a reachable PostgreSQL that part says so and the script still exits 0.

Each part runs in a process of its own (see :func:`main`), as a worker serves one app.

Run from the project folder: ``.venv/bin/python bench/bench_shortlist.py`` (or ``make bench``);
``... bench_shortlist.py postgres`` runs one part.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from _common import QueryCounter, report, scratch_app
from flask import Flask
from flask_migrate import upgrade

from coordinator import create_app
from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User, UserRole
from coordinator.assessments import operations as assessments
from coordinator.assessments.models import Assessment, Rating
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.jobs.models import Criterion, Job, PlannedRound
from coordinator.scheduling.models import Interview, PanelMember, Round
from coordinator.shortlist import aggregates, cache, views
from coordinator.shortlist.models import Decision, ShortlistCache

PASSWORD = "bench-password-123"
PER_JOB = 500
ROUNDS = 3
PANEL = 3
CRITERIA = 8
PG_JOBS = 200
INTERVIEWERS = 300
REQUESTS = 30
WARMUP = 3
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: Its own name per run, so two benchmark runs on one server never drop each other's data.
DATABASE = f"bench_coordinator_shortlist_{os.getpid()}"
#: Interviews took place in 2025, an hour each, one every hour from this instant on.
FIRST_INTERVIEW = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")
#: Tables loaded without their secondary indexes, which are built once afterwards.
BULK_TABLES = ("panel_members", "assessments", "ratings")
STATES = ("active", "active", "active", "shortlisted", "rejected")


# --- the same numbers on both databases: written once as Python, once as SQL ---------------------


def score(assessment_id: int, interviewer_id: int, position: int) -> int:
    """A rating 1–4: varies by criterion and assessment, and each interviewer leans a little."""
    return 1 + (assessment_id * 7 + position * 3 + interviewer_id % 3) % 4


def panel_user(interview_id: int, seat: int, first_interviewer: int) -> int:
    return first_interviewer + (interview_id * 7 + seat * 101) % INTERVIEWERS


def seed_people() -> tuple[str, int, int, list[int]]:
    """A recruiter (password and token), the job's hiring managers, the interviewers."""
    recruiter = accounts.create_user(
        actor=None,
        email="recruiter@bench.example",
        name="Rita Recruiter",
        password=PASSWORD,
        roles={Role.recruiter},
    )
    _, token = accounts.create_token(recruiter, actor=recruiter, name="bench")
    db.session.flush()
    now = datetime.now(UTC)
    first = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    users = [
        {
            "id": first + n,
            "email": f"person{n}@bench.example",
            "name": f"Person {n}",
            "job_title": "Engineer",
            "bio": "",
            "time_zone": "Europe/Berlin",
            "is_active": True,
            "created_at": now,
        }
        for n in range(INTERVIEWERS + PG_JOBS)
    ]
    db.session.execute(sa.insert(User.__table__), users)
    db.session.execute(
        sa.insert(UserRole.__table__),
        [
            {"user_id": u["id"], "role": "interviewer" if n < INTERVIEWERS else "hiring_manager"}
            for n, u in enumerate(users)
        ],
    )
    managers = [u["id"] for u in users[INTERVIEWERS:]]
    db.session.commit()
    return token, recruiter.id, first, managers


def seed_sqlite(recruiter_id: int, first_interviewer: int, manager_id: int) -> int:
    """One job of PER_JOB candidacies, bulk-inserted with Core; returns the job's id."""
    now = datetime.now(UTC)
    job_id = db.session.execute(
        sa.insert(Job.__table__).values(
            title="Backend Engineer",
            department="Engineering",
            location="Berlin",
            hiring_manager_id=manager_id,
            pay_band_min=Decimal("70000"),
            pay_band_max=Decimal("90000"),
            pay_band_currency="EUR",
            state="open",
            assessment_due_hours=24,
            created_at=now,
        )
    ).inserted_primary_key[0]
    planned = [
        {
            "id": r + 1,
            "job_id": job_id,
            "position": r,
            "title": f"Round {r + 1}",
            "kind": "interview",
            "duration_minutes": 60,
            "description": "",
        }
        for r in range(ROUNDS)
    ]
    criteria = [
        {
            "id": r * CRITERIA + k + 1,
            "planned_round_id": r + 1,
            "position": k,
            "title": f"Criterion {r + 1}.{k + 1}",
            "guidance": "",
            "is_required": True,
            "is_retired": False,
        }
        for r in range(ROUNDS)
        for k in range(CRITERIA)
    ]
    candidates = [
        {
            "id": c,
            "name": f"Candidate {c:04d}",
            "email": f"candidate{c}@bench.example",
            "phone": "",
            "time_zone": "Europe/Berlin",
            "created_at": now,
        }
        for c in range(1, PER_JOB + 1)
    ]
    candidacies = [
        {
            "id": c,
            "candidate_id": c,
            "job_id": job_id,
            "state": STATES[c % 5],
            "created_at": now,
            "updated_at": now,
        }
        for c in range(1, PER_JOB + 1)
    ]
    rounds, interviews, panel, assessments, ratings = [], [], [], [], []
    for c in range(1, PER_JOB + 1):
        for r in range(ROUNDS):
            interview_id = (c - 1) * ROUNDS + r + 1
            starts = FIRST_INTERVIEW + timedelta(hours=interview_id)
            rounds.append(
                {
                    "id": interview_id,
                    "candidacy_id": c,
                    "planned_round_id": r + 1,
                    "state": "open",
                    "created_at": now,
                }
            )
            interviews.append(
                {
                    "id": interview_id,
                    "round_id": interview_id,
                    "candidate_id": c,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "time_zone": "Europe/Berlin",
                    "location": "",
                    "video_url": "",
                    "state": "scheduled",
                    "sequence": 0,
                    "is_recorded_past": False,
                    "scheduled_by_id": recruiter_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for seat in range(PANEL):
                seat_id = (interview_id - 1) * PANEL + seat + 1
                user_id = panel_user(interview_id, seat, first_interviewer)
                panel.append(
                    {
                        "id": seat_id,
                        "interview_id": interview_id,
                        "user_id": user_id,
                        "relationship": "peer",
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=1),
                        "is_active": True,
                    }
                )
                draft = seat_id % 20 == 0
                scores = [score(seat_id, user_id, k) for k in range(CRITERIA)]
                assessments.append(
                    {
                        "id": seat_id,
                        "interview_id": interview_id,
                        "interviewer_id": user_id,
                        "state": "draft" if draft else "submitted",
                        "recommendation": None
                        if draft
                        else RECOMMENDATIONS[round(sum(scores) / CRITERIA) - 1],
                        "notes": "",
                        "notes_for_later": "",
                        "submitted_at": None if draft else starts + timedelta(hours=2),
                        "rating_sum": None if draft else sum(scores),
                        "rating_count": None if draft else CRITERIA,
                        "rating_scores": None
                        if draft
                        else " ".join(
                            f"{r * CRITERIA + k + 1}:{scores[k]}" for k in range(CRITERIA)
                        ),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                ratings.extend(
                    {
                        "id": (seat_id - 1) * CRITERIA + k + 1,
                        "assessment_id": seat_id,
                        "criterion_id": r * CRITERIA + k + 1,
                        "criterion_title": f"Criterion {r + 1}.{k + 1}",
                        "position": k,
                        "score": scores[k],
                    }
                    for k in range(CRITERIA)
                )
    decisions = [
        {
            "candidacy_id": c,
            "outcome": "advance",
            "reason": "Strong panel",
            "actor_id": recruiter_id,
            "missing_assessments": 0,
            "created_at": now,
        }
        for c in range(1, PER_JOB + 1, 3)
    ]
    for model, rows in (
        (PlannedRound, planned),
        (Criterion, criteria),
        (Candidate, candidates),
        (Candidacy, candidacies),
        (Round, rounds),
        (Interview, interviews),
        (PanelMember, panel),
        (Assessment, assessments),
        (Rating, ratings),
        (Decision, decisions),
    ):
        for start in range(0, len(rows), 5_000):
            db.session.execute(sa.insert(model.__table__), rows[start : start + 5_000])
    db.session.commit()
    return int(job_id)


def seed_postgres(recruiter_id: int, first_interviewer: int, managers: list[int]) -> None:
    """PG_JOBS jobs of PER_JOB candidacies each, generated by the server (ids are computed)."""
    jobs, candidacies = PG_JOBS, PG_JOBS * PER_JOB
    interviews = candidacies * ROUNDS
    first_manager = managers[0]
    # candidacy c belongs to job ((c - 1) % jobs) + 1; interview i = round i of candidacy
    # ((i - 1) / ROUNDS) + 1, planned round (i - 1) % ROUNDS; seat s of interview i is
    # panel member / assessment (i - 1) * PANEL + s + 1.
    statements = [
        f"""INSERT INTO jobs (id, title, department, location, hiring_manager_id, pay_band_min,
                              pay_band_max, pay_band_currency, state, assessment_due_hours,
                              created_at)
            SELECT j, 'Engineer ' || j, 'Engineering', 'Berlin', {first_manager} + j - 1,
                   70000, 90000, 'EUR', 'open', 24, now()
            FROM generate_series(1, {jobs}) AS j""",
        f"""INSERT INTO planned_rounds (id, job_id, position, title, kind, duration_minutes,
                                        description)
            SELECT (j - 1) * {ROUNDS} + r + 1, j, r, 'Round ' || (r + 1), 'interview', 60, ''
            FROM generate_series(1, {jobs}) AS j, generate_series(0, {ROUNDS - 1}) AS r""",
        f"""INSERT INTO criteria (id, planned_round_id, position, title, guidance, is_required,
                                  is_retired)
            SELECT (p - 1) * {CRITERIA} + k + 1, p, k, 'Criterion ' || p || '.' || (k + 1), '',
                   true, false
            FROM generate_series(1, {jobs * ROUNDS}) AS p,
                 generate_series(0, {CRITERIA - 1}) AS k""",
        f"""INSERT INTO candidates (id, name, email, phone, time_zone, created_at)
            SELECT c, 'Candidate ' || lpad(c::text, 6, '0'), 'candidate' || c || '@bench.example',
                   '', 'Europe/Berlin', now()
            FROM generate_series(1, {candidacies}) AS c""",
        f"""INSERT INTO candidacies (id, candidate_id, job_id, state, created_at, updated_at)
            SELECT c, c, ((c - 1) % {jobs}) + 1,
                   (ARRAY{list(STATES)!r})[((c - 1) / {jobs}) % 5 + 1], now(), now()
            FROM generate_series(1, {candidacies}) AS c""",
        f"""INSERT INTO rounds (id, candidacy_id, planned_round_id, state, created_at)
            SELECT i, ((i - 1) / {ROUNDS}) + 1,
                   ((((i - 1) / {ROUNDS}) % {jobs})) * {ROUNDS} + ((i - 1) % {ROUNDS}) + 1,
                   'open', now()
            FROM generate_series(1, {interviews}) AS i""",
        f"""INSERT INTO interviews (id, round_id, candidate_id, starts_at, ends_at, time_zone,
                                    location, video_url, state, sequence, is_recorded_past,
                                    scheduled_by_id, candidate_response, candidate_response_comment,
                                    created_at, updated_at)
            SELECT i, i, ((i - 1) / {ROUNDS}) + 1,
                   timestamptz '{FIRST_INTERVIEW.isoformat()}' + make_interval(hours => i % 8000),
                   timestamptz '{FIRST_INTERVIEW.isoformat()}'
                       + make_interval(hours => i % 8000 + 1),
                   'Europe/Berlin', '', '', 'scheduled', 0, false, {recruiter_id}, 'needs_action',
                   '', now(), now()
            FROM generate_series(1, {interviews}) AS i""",
        f"""INSERT INTO panel_members (id, interview_id, user_id, relationship, starts_at,
                                       ends_at, is_active, response, response_comment)
            SELECT (i.id - 1) * {PANEL} + s + 1, i.id,
                   {first_interviewer} + (i.id * 7 + s * 101) % {INTERVIEWERS}, 'peer',
                   i.starts_at, i.ends_at, true, 'needs_action', ''
            FROM interviews i, generate_series(0, {PANEL - 1}) AS s""",
        # The stored sums follow the ratings' formula below (every assessment rates CRITERIA).
        f"""INSERT INTO assessments (id, interview_id, interviewer_id, state, recommendation,
                                     notes, notes_for_later, submitted_at, rating_sum,
                                     rating_count, rating_scores, created_at, updated_at)
            SELECT p.id, p.interview_id, p.user_id,
                   CASE WHEN p.id % 20 = 0 THEN 'draft' ELSE 'submitted' END,
                   CASE WHEN p.id % 20 = 0 THEN NULL
                        ELSE (ARRAY{list(RECOMMENDATIONS)!r})[1 + (p.id + p.user_id) % 4] END,
                   '', '', CASE WHEN p.id % 20 = 0 THEN NULL
                                ELSE p.ends_at + interval '1 hour' END,
                   CASE WHEN p.id % 20 = 0 THEN NULL
                        ELSE (SELECT sum(1 + (p.id * 7 + k * 3 + p.user_id % 3) % 4)
                              FROM generate_series(0, {CRITERIA - 1}) AS k) END,
                   CASE WHEN p.id % 20 = 0 THEN NULL ELSE {CRITERIA} END,
                   CASE WHEN p.id % 20 = 0 THEN NULL
                        ELSE (SELECT string_agg(
                                  (((((p.id - 1) / {PANEL}) / {ROUNDS}) % {jobs}) * {ROUNDS}
                                    + ((p.id - 1) / {PANEL}) % {ROUNDS}) * {CRITERIA} + k + 1
                                  || ':' || (1 + (p.id * 7 + k * 3 + p.user_id % 3) % 4), ' ')
                              FROM generate_series(0, {CRITERIA - 1}) AS k) END,
                   now(), now()
            FROM panel_members p""",
        # Ratings straight from the numbering (no join): assessment a sits in seat (a - 1) % PANEL
        # of interview (a - 1) / PANEL + 1, whose planned round follows from its candidacy.
        f"""INSERT INTO ratings (id, assessment_id, criterion_id, criterion_title, position, score)
            SELECT (a - 1) * {CRITERIA} + k + 1, a, (x.planned - 1) * {CRITERIA} + k + 1,
                   'Criterion ' || x.planned || '.' || (k + 1), k,
                   1 + (a * 7 + k * 3 + x.interviewer % 3) % 4
            FROM generate_series(1, {interviews * PANEL}) AS a
            CROSS JOIN LATERAL (
                SELECT ((((a - 1) / {PANEL}) / {ROUNDS}) % {jobs}) * {ROUNDS}
                           + ((a - 1) / {PANEL}) % {ROUNDS} + 1 AS planned,
                       {first_interviewer} + (((a - 1) / {PANEL} + 1) * 7
                           + ((a - 1) % {PANEL}) * 101) % {INTERVIEWERS} AS interviewer) AS x,
            generate_series(0, {CRITERIA - 1}) AS k""",
        f"""INSERT INTO decisions (candidacy_id, outcome, reason, actor_id, missing_assessments,
                                   created_at)
            SELECT c, 'advance', 'Strong panel', {recruiter_id}, 0, now()
            FROM generate_series(1, {candidacies}, 3) AS c""",
    ]
    # Bulk loading: skip the foreign-key triggers for these inserts (the ids are computed to
    # match; CHECK constraints still hold every row), and build the big tables' secondary
    # indexes and unique constraints once after loading instead of row by row.
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    rebuild: list[sa.schema.ExecutableDDLElement] = []
    for name in BULK_TABLES:
        table = db.metadata.tables[name]
        for index in table.indexes:
            db.session.execute(sa.schema.DropIndex(index))
            rebuild.append(sa.schema.CreateIndex(index))
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                db.session.execute(sa.schema.DropConstraint(constraint))
                rebuild.append(sa.schema.AddConstraint(constraint))
    for statement in statements:
        db.session.execute(sa.text(statement))
    for ddl in rebuild:
        db.session.execute(ddl)
    for table in (
        "jobs",
        "planned_rounds",
        "criteria",
        "candidates",
        "candidacies",
        "rounds",
        "interviews",
        "panel_members",
        "assessments",
        "ratings",
    ):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


# --- measuring -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def measure(
    app: Flask, get: Callable[[], Any], before: Callable[[], None] | None = None
) -> tuple[list[float], list[float], float]:
    """Wall-clock and CPU timings (ms) of REQUESTS requests after WARMUP, and SQL statements per
    request. The CPU time of this process (SQLite runs in it) grows far less than the wall-clock
    time when other programs compete for the processor: it tells what a request costs.

    ``before`` runs ahead of each request, untimed and uncounted (dropping the cached rows, so
    that every request is a cache miss)."""
    for _ in range(WARMUP):
        if before:
            before()
        get()
    with app.app_context():
        engine = db.engine
    timings, cpu = [], []
    with QueryCounter(engine) as counter:
        for _ in range(REQUESTS):
            if before:
                counted = counter.count
                before()
                counter.count = counted
            started, started_cpu = time.perf_counter(), time.process_time()
            response = get()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(
                    f"shortlist answered {response.status_code}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
    return timings, cpu, counter.count / REQUESTS


def bare(app: Flask, statement: Callable[[], sa.Executable]) -> list[float]:
    """The floor: one statement run bare on a pooled connection (no Flask, no ORM objects),
    fetched in full; wall-clock ms of REQUESTS runs after WARMUP."""
    timings = []
    with app.app_context():
        engine = db.engine
        executable = statement()
    with engine.connect() as conn:
        for n in range(WARMUP + REQUESTS):
            started = time.perf_counter()
            conn.execute(executable).all()
            conn.rollback()
            if n >= WARMUP:
                timings.append((time.perf_counter() - started) * 1000)
    return timings


class _Replayed:
    """A result read again from memory (see :func:`statement_free`)."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def all(self) -> list[Any]:
        return self.rows

    def __iter__(self) -> Any:
        return iter(self.rows)


def statement_free(app: Flask, get: Callable[[], Any], before: Callable[[], None]) -> list[float]:
    """What-if: wall-clock ms of misses whose one rows statement (``aggregates.rows_statement``)
    is answered from memory (its result, read once for real) while everything else runs as in a
    miss. Shows how much of a miss that statement is; not a figure of the service."""
    with app.app_context():
        statement = aggregates.rows_statement()
    kept: list[list[Any]] = []
    real = db.session.execute

    def execute(executable: Any, *args: Any, **kwargs: Any) -> Any:
        if executable is statement:
            if not kept:
                kept.append(real(executable, *args, **kwargs).all())
            return _Replayed(kept[0])
        return real(executable, *args, **kwargs)

    db.session.execute = execute  # type: ignore[method-assign]
    try:
        timings, _cpu, _queries = measure(app, get, before)
    finally:
        del db.session.execute
    return timings


def assessment_figures(job_id: int) -> sa.Select[Any]:
    """The floor of a miss: the job's submitted assessments of live interviews, one row each
    from what was stored when submitted (candidacy, interview, interviewer, recommendation,
    sum and count of the ratings and their ``criterion:score`` pairs); no rating row."""
    return (
        sa.select(
            Round.candidacy_id,
            Assessment.interview_id,
            Assessment.interviewer_id,
            sa.type_coerce(Assessment.recommendation, sa.String()),
            Assessment.rating_sum,
            Assessment.rating_count,
            Assessment.rating_scores,
        )
        .select_from(Round)
        .join(Interview, Interview.round_id == Round.id)
        .join(Assessment, Assessment.interview_id == Interview.id)
        .where(
            Round.candidacy_id.in_(sa.select(Candidacy.id).where(Candidacy.job_id == job_id)),
            Assessment.state == "submitted",
            Interview.state == "scheduled",
        )
    )


def measure_shortlist(app: Flask, job_id: int, token: str, name: str) -> None:
    """Misses (the job's cached rows dropped before each request) under the original names,
    then hits; each with its floor, a bare statement measured in the same run."""
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "recruiter@bench.example", "password": PASSWORD}
    )
    if response.status_code != 303:
        raise SystemExit(f"Signing in failed: {response.status_code}")

    def drop() -> None:
        with app.app_context():
            cache.invalidate([job_id])
            db.session.commit()

    with app.app_context():
        assessment_ids = db.session.scalars(
            sa.select(Assessment.id)
            .join(Interview, Interview.id == Assessment.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .join(Candidacy, Candidacy.id == Round.candidacy_id)
            .where(Candidacy.job_id == job_id, Assessment.state == "submitted")
            .order_by(Assessment.id)
        ).all()
    # A different candidacy each time (an assessment every 37th: 3 per candidacy).
    touched = itertools.cycle(assessment_ids[::37])
    flipped = {"yes": "strong_yes", "strong_yes": "yes", "no": "strong_no", "strong_no": "no"}

    def change_one() -> None:
        """A submitted assessment is reopened and submitted again with other ratings, through
        the app's operations (two transactions; the cache's flush hook notes its candidacy).
        Its interviewer's leniency moves, so calibrated scores move on other rows too."""
        with app.app_context():
            assessment = db.session.get(Assessment, next(touched))
            recruiter = db.session.scalar(
                sa.select(User).where(User.email == "recruiter@bench.example")
            )
            assert assessment is not None and recruiter is not None
            interview, author = assessment.interview, assessment.interviewer
            ratings = {r.criterion_id: 1 + r.score % 4 for r in assessment.ratings}
            recommendation = flipped[assessment.recommendation.value]
            assessments.reopen_assessment(assessment, actor=recruiter, reason="Bench")
            db.session.commit()
            assessments.save_assessment(
                interview, actor=author, ratings=ratings, recommendation=recommendation,
                submit=True,
            )
            db.session.commit()

    page_url = f"/jobs/{job_id}/shortlist?sort=-calibrated"
    api_url = f"/api/v1/jobs/{job_id}/shortlist?sort=-calibrated"
    bearer = {"Authorization": f"Bearer {token}"}
    page, page_cpu, queries = measure(app, lambda: client.get(page_url), change_one)
    api, _api_cpu, api_queries = measure(
        app, lambda: client.get(api_url, headers=bearer), change_one
    )
    full, full_cpu, full_queries = measure(app, lambda: client.get(page_url), drop)

    def change_one_elsewhere() -> None:
        """As change_one, read by a process that did not read the rows before (another app
        server or worker): it decodes the stored rows and renders every row of the page."""
        change_one()
        cache.memo.clear()
        views._kept_rows.clear()
        views._kept_charts.clear()

    other, _other_cpu, _other_queries = measure(
        app, lambda: client.get(page_url), change_one_elsewhere
    )

    def change_one_computed_elsewhere() -> None:
        """As change_one, the rows then computed and stored by another worker's read; the
        worker timed had read the job before the change (it remembers the older rows and
        the table rows it rendered of them, not who owes what at the new generation; it has
        no chart kept, which errs on the slow side: it would have those that did not move)."""
        here = cache.memo.get(job_id)
        change_one()
        if client.get(page_url).status_code != 200:
            raise SystemExit("the other worker's read failed")
        assert here is not None
        cache.memo.put(job_id, *here)
        cache.owed_memo.clear()
        views._kept_charts.clear()

    second, _second_cpu, _second_queries = measure(
        app, lambda: client.get(page_url), change_one_computed_elsewhere
    )
    hit, hit_cpu, hit_queries = measure(app, lambda: client.get(page_url))
    api_hit, _api_hit_cpu, api_hit_queries = measure(
        app, lambda: client.get(api_url, headers=bearer)
    )
    # Floors: the miss's one pass over the job's submitted assessments (stored sums) and
    # ratings; the hit's primary-key read of the cached rows.
    miss_floor = bare(app, lambda: assessment_figures(job_id))
    hit_floor = bare(
        app,
        lambda: sa.select(ShortlistCache.payload).where(ShortlistCache.job_id == job_id),
    )
    prefix = "shortlist_500" if name == "500" else "shortlist_pg_100k"
    if name == "500":
        report("shortlist_500_p50_ms", statistics.median(page), "ms")
        report("shortlist_500_p95_ms", percentile(page, 0.95), "ms")
        report("shortlist_500_cpu_p50_ms", statistics.median(page_cpu), "ms")
        report("shortlist_queries_500", round(queries), "queries")
        report("shortlist_api_500_p50_ms", statistics.median(api), "ms")
        report("shortlist_api_queries_500", round(api_queries), "queries")
    else:
        report("shortlist_pg_100k_p50_ms", statistics.median(page), "ms")
        report("shortlist_pg_100k_p95_ms", percentile(page, 0.95), "ms")
        report("shortlist_pg_100k_cpu_p50_ms", statistics.median(page_cpu), "ms")
        report("shortlist_queries_100k", round(queries), "queries")
        report("shortlist_api_pg_100k_p50_ms", statistics.median(api), "ms")
        report("shortlist_api_pg_100k_p95_ms", percentile(api, 0.95), "ms")
    report(f"{prefix}_other_process_p50_ms", statistics.median(other), "ms")
    report(f"{prefix}_other_process_p95_ms", percentile(other, 0.95), "ms")
    report(f"{prefix}_second_worker_p50_ms", statistics.median(second), "ms")
    report(f"{prefix}_second_worker_p95_ms", percentile(second, 0.95), "ms")
    report(f"{prefix}_full_p50_ms", statistics.median(full), "ms")
    report(f"{prefix}_full_p95_ms", percentile(full, 0.95), "ms")
    report(f"{prefix}_full_cpu_p50_ms", statistics.median(full_cpu), "ms")
    report(f"{prefix}_full_queries", round(full_queries), "queries")
    free = statement_free(app, lambda: client.get(page_url), drop)
    report(f"{prefix}_miss_statement_free_p50_ms", statistics.median(free), "ms")
    report(f"{prefix}_miss_statement_free_p95_ms", percentile(free, 0.95), "ms")
    report(f"{prefix}_miss_floor_p95_ms", percentile(miss_floor, 0.95), "ms")
    report(
        f"{prefix}_miss_vs_floor_ratio",
        percentile(page, 0.95) / percentile(miss_floor, 0.95),
        "x",
    )
    report(
        f"{prefix}_full_vs_floor_ratio",
        percentile(full, 0.95) / percentile(miss_floor, 0.95),
        "x",
    )
    cached = "shortlist_cached" if name != "500" else "shortlist_500_cached"
    report(f"{cached}_p50_ms", statistics.median(hit), "ms")
    report(f"{cached}_p95_ms", percentile(hit, 0.95), "ms")
    report(f"{cached}_cpu_p50_ms", statistics.median(hit_cpu), "ms")
    report(f"{cached}_queries", round(hit_queries), "queries")
    report(f"{cached}_api_p50_ms", statistics.median(api_hit), "ms")
    report(f"{cached}_api_queries", round(api_hit_queries), "queries")
    report(f"{cached}_floor_p50_ms", statistics.median(hit_floor), "ms")
    report(
        f"{cached}_vs_floor_ratio", statistics.median(hit) / statistics.median(hit_floor), "x"
    )


def run_sqlite() -> None:
    with scratch_app() as app:
        with app.app_context():
            token, recruiter_id, first, managers = seed_people()
            job_id = seed_sqlite(recruiter_id, first, managers[0])
        measure_shortlist(app, job_id, token, "500")


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


def unreachable(url: sa.engine.URL) -> str | None:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as err:  # any failure to connect means: skip, with the reason
        return str(err).splitlines()[0]
    finally:
        engine.dispose()
    return None


def run_postgres() -> None:
    url = server_url()
    why = unreachable(url)
    if why:
        print(
            f"PostgreSQL unreachable ({why}): skipping the 100,000-candidacy shortlist.",
            file=sys.stderr,
        )
        return
    recreate(url)
    logging.getLogger("alembic.runtime.migration").addFilter(
        lambda record: record.levelno >= logging.WARNING
    )
    try:
        with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url.set(database=DATABASE).render_as_string(
                        hide_password=False
                    ),
                    "SECRET_KEY": "bench-secret-key",
                    "WTF_CSRF_ENABLED": False,
                    "RATELIMIT_ENABLED": False,
                    "MAIL_DIR": f"{folder}/mail",
                    "SMTP_HOST": "",
                }
            )
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                token, recruiter_id, first, managers = seed_people()
                seed_postgres(recruiter_id, first, managers)
                report("shortlist_pg_100k_seed_s", time.perf_counter() - started, "s")
                job_id = PG_JOBS // 2
            measure_shortlist(app, job_id, token, "100k")
            with app.app_context():
                db.engine.dispose()
    finally:
        recreate(url, drop_only=True)


PARTS = {"sqlite": run_sqlite, "postgres": run_postgres}


def main() -> None:
    """Each part in a process of its own, as an app server's worker serves one app. The app
    a process creates first has what starting up made frozen out of the cycle collector's
    sight (``coordinator._freeze_startup_objects``); a second app in the same process is not
    (tens of thousands of objects more), and would make every full collection during the
    second part walk the first part's app too: about twice as long a pause as a worker has."""
    if len(sys.argv) > 1:
        if sys.argv[1] not in PARTS:
            raise SystemExit(f"usage: bench_shortlist.py [{' | '.join(PARTS)}]")
        PARTS[sys.argv[1]]()
        return
    for part in PARTS:
        subprocess.run([sys.executable, __file__, part], check=True)


if __name__ == "__main__":
    main()
