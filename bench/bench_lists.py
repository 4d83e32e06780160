"""List pages and list endpoints as the data grows: 100 candidates, then 5,000.

Measures the jobs and candidates pages (signed in as a recruiter) and ``GET /api/v1/candidates`` and
``GET /api/v1/jobs/{id}/candidacies`` (bearer token): the median time per request, and the SQL
statements per request, which must not grow with the data (DESIGN.md, Scale).

Run from the project folder: ``.venv/bin/python bench/bench_lists.py`` (or ``make bench``).
"""

from __future__ import annotations

import random
import statistics
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from _common import Measurement, measure_get, report, scratch_app
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.db import db
from coordinator.jobs.models import Job

REQUESTS = 50
PASSWORD = "bench-password-123"
#: candidates → jobs at that size; the job list grows past one page (50) at the larger size.
SIZES = [(100, 5), (5_000, 120)]
#: Every candidate applies to one of these first jobs, so job 1's candidacy list grows too.
BUSY_JOBS = 3
STATES = [CandidacyState.active] * 6 + [CandidacyState.shortlisted, CandidacyState.rejected,
                                        CandidacyState.withdrawn, CandidacyState.offer]
FIRST_NAMES = ["Alex", "Béatrice", "Chen", "Dara", "Emeka", "Fatima", "Gustav", "Hana", "Ines",
               "Jonas", "Kofi", "Lena", "Mateo", "Noor", "Olga", "Priya", "Quentin", "Rosa"]
LAST_NAMES = ["Kim", "Dupont", "Wei", "O'Neill", "Obi", "Zahra", "Lind", "Sato", "García",
              "Novak", "Mensah", "Schulz", "Rossi", "Haddad", "Ivanova", "Iyer", "Moreau"]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]


class Seeder:
    """Grows the database with bulk inserts (SQLAlchemy Core); users go through the operations."""

    def __init__(self) -> None:
        self.random = random.Random(42)
        recruiter = accounts.create_user(actor=None, email="recruiter@bench.example",
                                         name="Rita Recruiter", password=PASSWORD,
                                         roles={Role.recruiter})
        managers = [accounts.create_user(actor=None, email=f"manager{n}@bench.example",
                                         name=f"Manager {n}", roles={Role.hiring_manager})
                    for n in range(1, 6)]
        _, self.token = accounts.create_token(recruiter, actor=recruiter, name="bench")
        db.session.commit()
        self.recruiter_email = recruiter.email
        self.manager_ids = [manager.id for manager in managers]
        self.job_ids: list[int] = []
        self.candidates = 0

    def grow_to(self, candidates: int, jobs: int) -> None:
        self._add_jobs(jobs - len(self.job_ids))
        self._add_candidates(candidates - self.candidates)
        db.session.commit()

    def _add_jobs(self, count: int) -> None:
        if count <= 0:
            return
        start = len(self.job_ids)
        rows = [{"title": f"{self.random.choice(['Backend', 'Frontend', 'Data', 'Site'])} "
                          f"Engineer {start + n + 1}",
                 "department": "Engineering", "location": "Berlin",
                 "hiring_manager_id": self.manager_ids[(start + n) % len(self.manager_ids)],
                 "pay_band_min": Decimal("70000"), "pay_band_max": Decimal("90000"),
                 "pay_band_currency": "EUR"} for n in range(count)]
        db.session.execute(sa.insert(Job.__table__), rows)
        self.job_ids = list(db.session.scalars(sa.select(Job.id).order_by(Job.id)))

    def _add_candidates(self, count: int) -> None:
        if count <= 0:
            return
        start = self.candidates
        last_id = db.session.scalar(sa.select(sa.func.max(Candidate.id))) or 0
        rows: list[dict[str, Any]] = []
        for n in range(start + 1, start + count + 1):
            first, last = self.random.choice(FIRST_NAMES), self.random.choice(LAST_NAMES)
            rows.append({"name": f"{first} {last}", "email": f"candidate{n}@bench.example",
                         "phone": "+49 30 1234567", "time_zone": self.random.choice(ZONES)})
        db.session.execute(sa.insert(Candidate.__table__), rows)
        new_ids = db.session.scalars(
            sa.select(Candidate.id).where(Candidate.id > last_id).order_by(Candidate.id)
        ).all()
        candidacies = []
        for candidate_id in new_ids:
            busy = self.job_ids[candidate_id % BUSY_JOBS]
            other = self.random.choice(self.job_ids)
            for job_id in {busy, other}:
                candidacies.append({"candidate_id": candidate_id, "job_id": job_id,
                                    "state": self.random.choice(STATES)})
        db.session.execute(sa.insert(Candidacy.__table__), candidacies)
        self.candidates += count


def measure_lists(app: Flask, seeder: Seeder) -> dict[str, Measurement]:
    """One fresh client per size: a recruiter's session for pages, their token for the API."""
    client = app.test_client()
    response = client.post("/login", data={"email": seeder.recruiter_email, "password": PASSWORD})
    if response.status_code != 303:
        raise SystemExit(f"Signing in failed: {response.status_code}")
    bearer = {"Authorization": f"Bearer {seeder.token}"}
    with app.app_context():
        engine = db.engine
    busy_job = seeder.job_ids[0]
    return {
        "jobs_page": measure_get(client, engine, "/jobs", requests=REQUESTS),
        "candidates_page": measure_get(client, engine, "/candidates", requests=REQUESTS),
        "api_candidates": measure_get(client, engine, "/api/v1/candidates", requests=REQUESTS,
                                      headers=bearer),
        "api_job_candidacies": measure_get(client, engine, f"/api/v1/jobs/{busy_job}/candidacies",
                                           requests=REQUESTS, headers=bearer),
    }


def queries(value: float) -> float:
    """Statements per request: whole when every request ran the same number."""
    return int(value) if value == int(value) else value


def main() -> None:
    with scratch_app() as app:
        with app.app_context():
            seeder = Seeder()
        for candidates, jobs in SIZES:
            with app.app_context():
                seeder.grow_to(candidates, jobs)
            # No app context is pushed while measuring: each request gets its own session.
            results = measure_lists(app, seeder)
            timings = [t for result in results.values() for t in result.timings_ms]
            report(f"list_ms_{candidates}", statistics.median(timings), "ms")
            report(f"list_queries_{candidates}",
                   queries(max(r.queries_per_request for r in results.values())), "queries")
            for name, result in results.items():
                report(f"list_{name}_ms_{candidates}", result.median_ms, "ms")
                report(f"list_{name}_queries_{candidates}", queries(result.queries_per_request),
                       "queries")


if __name__ == "__main__":
    main()
