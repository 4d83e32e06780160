"""A job's pipeline with 500 candidacies × 3 rounds × 3 interviewers (the shortlist's data).

SQLite: a fresh migrated database seeded like ``bench_shortlist.py`` (500 candidacies, 1,500
past interviews, 4,500 assessments, one in twenty a draft). Times ``GET /jobs/{id}/pipeline``
signed in as a recruiter, the same filtered to one status, and
``GET /api/v1/jobs/{id}/pipeline`` with a bearer token: median and 95th percentile per request
and the SQL statements per request (which must not grow with the candidacies).

Run from the project folder: ``.venv/bin/python bench/bench_pipeline.py`` (or ``make bench``).
"""

from __future__ import annotations

import statistics

from _common import measure_get, report, scratch_app
from bench_shortlist import PASSWORD, seed_people, seed_sqlite

from coordinator.db import db

REQUESTS = 30


def p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


def main() -> None:
    with scratch_app() as app:
        with app.app_context():
            token, recruiter_id, first, managers = seed_people()
            job_id = seed_sqlite(recruiter_id, first, managers[0])
            engine = db.engine
        client = app.test_client()
        response = client.post("/login", data={"email": "recruiter@bench.example",
                                               "password": PASSWORD})
        if response.status_code != 303:
            raise SystemExit(f"sign-in failed: {response.status_code}")
        cases = {
            "page": (f"/jobs/{job_id}/pipeline", None),
            "page_ready": (f"/jobs/{job_id}/pipeline?status=ready_for_decision", None),
            "api": (f"/api/v1/jobs/{job_id}/pipeline",
                    {"Authorization": f"Bearer {token}"}),
        }
        with app.app_context():
            for name, (path, headers) in cases.items():
                measured = measure_get(client, engine, path, requests=REQUESTS,
                                       headers=headers)
                report(f"pipeline_{name}_500_median_ms", measured.median_ms, "ms")
                report(f"pipeline_{name}_500_p95_ms", p95(measured.timings_ms), "ms")
                report(f"pipeline_{name}_500_queries", measured.queries_per_request,
                       "queries")


if __name__ == "__main__":
    main()
