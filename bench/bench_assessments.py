"""Submitting an assessment and reading a candidacy's assessments, at 100 and 10,000 candidacies.

The shape under test is a candidacy with 6 rounds × 4 interviewers × 8 criteria. A fresh migrated
SQLite database (``_common.scratch_app``) is grown with SQLAlchemy Core bulk inserts: one job whose
plan has 6 rounds of 8 criteria; the *focus* candidacy, fully interviewed (23 of 24 assessments
submitted, one still a draft); 30 *targets* per size, of the same shape, each waiting for one
assessment by the benchmark's interviewer; and background candidacies (2 interviews of 2
interviewers each, all submitted) up to 100 and then 10,000 candidacies.

Measured at each size:
- ``PUT /api/v1/interviews/{id}/assessments/mine`` with ``submit: true`` and 8 ratings (bearer
  token; one request per target, as each can be submitted once): median ms and SQL statements;
- ``GET /candidacies/{focus}`` signed in as a recruiter (the page with its "Assessments" section):
  median ms and SQL statements per request, which must not grow with the data.

Prints ``BENCH assessment_submit_ms``, ``BENCH candidacy_page_ms`` (at 10,000),
``BENCH candidacy_page_queries_100`` and ``BENCH candidacy_page_queries_10000``, plus the figures
per size. Run from the project folder: ``.venv/bin/python bench/bench_assessments.py``.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from _common import QueryCounter, measure_get, report, scratch_app
from flask import Flask

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User, UserRole
from coordinator.assessments.models import Assessment, Rating
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.jobs.models import Criterion, Job, PlannedRound
from coordinator.scheduling.models import Interview, PanelMember, Round

PASSWORD = "bench-password-123"
ROUNDS = 6
PANEL = 4
CRITERIA = 8
SIZES = (100, 10_000)
TARGETS = 30
PAGE_REQUESTS = 30
#: Background candidacies: this many interviews of this many interviewers each.
BACKGROUND_ROUNDS = 2
BACKGROUND_PANEL = 2
POOL = 200
BATCH = 5_000
#: Interviews took place in 2025, an hour each, one after the other.
FIRST_INTERVIEW = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")


class Seeder:
    """Bulk inserts with ids handed out here, so no row has to be read back."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        recruiter = accounts.create_user(
            actor=None,
            email="recruiter@bench.example",
            name="Rita Recruiter",
            password=PASSWORD,
            roles={Role.recruiter},
        )
        assessor = accounts.create_user(
            actor=None,
            email="assessor@bench.example",
            name="Ari Assessor",
            roles={Role.interviewer},
        )
        _, self.token = accounts.create_token(assessor, actor=assessor, name="bench")
        db.session.flush()
        self.recruiter_id, self.assessor_id = recruiter.id, assessor.id
        first = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
        people = [
            {
                "id": first + n,
                "email": f"interviewer{n}@bench.example",
                "name": f"Interviewer {n}",
                "job_title": "Engineer",
                "bio": "",
                "time_zone": "Europe/Berlin",
                "is_active": True,
                "created_at": self.now,
            }
            for n in range(POOL)
        ]
        db.session.execute(sa.insert(User.__table__), people)
        db.session.execute(
            sa.insert(UserRole.__table__),
            [{"user_id": p["id"], "role": "interviewer"} for p in people],
        )
        self.pool = [p["id"] for p in people]
        self.job_id = db.session.execute(
            sa.insert(Job.__table__).values(
                title="Backend Engineer",
                department="Engineering",
                location="Berlin",
                hiring_manager_id=None,
                pay_band_min=Decimal("70000"),
                pay_band_max=Decimal("90000"),
                pay_band_currency="EUR",
                state="open",
                assessment_due_hours=24,
                created_at=self.now,
            )
        ).inserted_primary_key[0]
        self.planned = list(range(1, ROUNDS + 1))
        db.session.execute(
            sa.insert(PlannedRound.__table__),
            [
                {
                    "id": p,
                    "job_id": self.job_id,
                    "position": p - 1,
                    "title": f"Round {p}",
                    "kind": "interview",
                    "duration_minutes": 60,
                    "description": "",
                }
                for p in self.planned
            ],
        )
        db.session.execute(
            sa.insert(Criterion.__table__),
            [
                {
                    "id": self.criterion_id(p, k),
                    "planned_round_id": p,
                    "position": k,
                    "title": f"Criterion {p}.{k + 1}",
                    "guidance": "What good looks like.",
                    "is_required": True,
                    "is_retired": False,
                }
                for p in self.planned
                for k in range(CRITERIA)
            ],
        )
        db.session.commit()
        self.ids = {
            "candidacy": 0,
            "round": 0,
            "interview": 0,
            "seat": 0,
            "assessment": 0,
            "rating": 0,
        }
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.candidacies = 0

    def sync_ids(self) -> None:
        """Continue after rows the app inserted itself (the measured submissions)."""
        for kind, model in (
            ("candidacy", Candidacy),
            ("round", Round),
            ("interview", Interview),
            ("seat", PanelMember),
            ("assessment", Assessment),
            ("rating", Rating),
        ):
            self.ids[kind] = db.session.scalar(sa.select(sa.func.max(model.id))) or 0

    @staticmethod
    def criterion_id(planned: int, k: int) -> int:
        return (planned - 1) * CRITERIA + k + 1

    def _next(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def _add(self, model: Any, row: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(row)

    def candidacy(
        self,
        rounds: int,
        panel: list[list[int]],
        draft: frozenset[tuple[int, int]] = frozenset(),
        owed: frozenset[tuple[int, int]] = frozenset(),
    ) -> tuple[int, list[int]]:
        """A candidacy with ``rounds`` interviews; ``panel[r]`` sits round r. Seats in ``owed``
        have no assessment, those in ``draft`` a draft; the rest submitted. Returns its id and
        its interviews' ids."""
        c = self._next("candidacy")
        self.candidacies += 1
        self._add(
            Candidate,
            {
                "id": c,
                "name": f"Candidate {c:05d}",
                "email": f"candidate{c}@bench.example",
                "phone": "",
                "time_zone": "Europe/Berlin",
                "created_at": self.now,
            },
        )
        self._add(
            Candidacy,
            {
                "id": c,
                "candidate_id": c,
                "job_id": self.job_id,
                "state": "active",
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        interviews = []
        for r in range(rounds):
            round_id, interview_id = self._next("round"), self._next("interview")
            interviews.append(interview_id)
            starts = FIRST_INTERVIEW + timedelta(hours=interview_id)
            self._add(
                Round,
                {
                    "id": round_id,
                    "candidacy_id": c,
                    "planned_round_id": r + 1,
                    "state": "open",
                    "created_at": self.now,
                },
            )
            self._add(
                Interview,
                {
                    "id": interview_id,
                    "round_id": round_id,
                    "candidate_id": c,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "time_zone": "Europe/Berlin",
                    "location": "",
                    "video_url": "",
                    "state": "scheduled",
                    "sequence": 0,
                    "is_recorded_past": False,
                    "scheduled_by_id": self.recruiter_id,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
            )
            for seat, user_id in enumerate(panel[r]):
                self._add(
                    PanelMember,
                    {
                        "id": self._next("seat"),
                        "interview_id": interview_id,
                        "user_id": user_id,
                        "relationship": "peer",
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=1),
                        "is_active": True,
                    },
                )
                if (r, seat) in owed:
                    continue
                is_draft = (r, seat) in draft
                assessment_id = self._next("assessment")
                scores = [1 + (assessment_id * 7 + k * 3 + user_id) % 4 for k in range(CRITERIA)]
                self._add(
                    Assessment,
                    {
                        "id": assessment_id,
                        "interview_id": interview_id,
                        "interviewer_id": user_id,
                        "state": "draft" if is_draft else "submitted",
                        "recommendation": None
                        if is_draft
                        else RECOMMENDATIONS[round(sum(scores) / CRITERIA) - 1],
                        "notes": "Solid on fundamentals.",
                        "notes_for_later": "Probe design depth.",
                        "submitted_at": None if is_draft else starts + timedelta(hours=2),
                        # What submitting stores for the shortlist (see Assessment.store_sums).
                        "rating_sum": None if is_draft else sum(scores),
                        "rating_count": None if is_draft else CRITERIA,
                        "rating_scores": None
                        if is_draft
                        else " ".join(
                            f"{self.criterion_id(r + 1, k)}:{scores[k]}" for k in range(CRITERIA)
                        ),
                        "created_at": self.now,
                        "updated_at": self.now,
                    },
                )
                for k in range(CRITERIA):
                    self._add(
                        Rating,
                        {
                            "id": self._next("rating"),
                            "assessment_id": assessment_id,
                            "criterion_id": self.criterion_id(r + 1, k),
                            "criterion_title": f"Criterion {r + 1}.{k + 1}",
                            "position": k,
                            "score": scores[k],
                        },
                    )
        return c, interviews

    def panel(self, seed: int, rounds: int, size: int) -> list[list[int]]:
        return [
            [self.pool[(seed * 31 + r * 7 + s * 13) % POOL] for s in range(size)]
            for r in range(rounds)
        ]

    def flush(self) -> None:
        for model in (Candidate, Candidacy, Round, Interview, PanelMember, Assessment, Rating):
            rows = self.rows.pop(model, [])
            for start in range(0, len(rows), BATCH):
                db.session.execute(sa.insert(model.__table__), rows[start : start + BATCH])
        db.session.commit()

    def focus(self) -> int:
        """6 rounds × 4 interviewers × 8 criteria; the last round's last seat only drafted."""
        candidacy, _ = self.candidacy(
            ROUNDS, self.panel(0, ROUNDS, PANEL), draft=frozenset({(ROUNDS - 1, PANEL - 1)})
        )
        return candidacy

    def targets(self, count: int) -> list[int]:
        """Candidacies of the focus shape whose last interview waits for the assessor's."""
        found = []
        for n in range(count):
            panel = self.panel(n + 1, ROUNDS, PANEL)
            panel[-1][0] = self.assessor_id
            _, interviews = self.candidacy(ROUNDS, panel, owed=frozenset({(ROUNDS - 1, 0)}))
            found.append(interviews[-1])
        return found

    def background(self, count: int) -> None:
        for n in range(count):
            self.candidacy(
                BACKGROUND_ROUNDS, self.panel(n + 7, BACKGROUND_ROUNDS, BACKGROUND_PANEL)
            )
            if len(self.rows.get(Rating, [])) >= 50_000:
                self.flush()


def submit_body() -> dict[str, Any]:
    """The assessor's submission for a target's last round (planned round ROUNDS)."""
    return {
        "ratings": {str(Seeder.criterion_id(ROUNDS, k)): 1 + k % 4 for k in range(CRITERIA)},
        "recommendation": "yes",
        "notes": "Clear and careful.",
        "notes_for_later": "Ask about on-call.",
        "submit": True,
    }


def measure_submits(app: Flask, seeder: Seeder, interviews: list[int]) -> tuple[float, float]:
    """One submission per target interview: median ms and SQL statements per request."""
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeder.token}"}
    timings = []
    with QueryCounter(engine) as counter:
        for interview_id in interviews:
            started = time.perf_counter()
            response = client.put(
                f"/api/v1/interviews/{interview_id}/assessments/mine",
                json=submit_body(),
                headers=headers,
            )
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or response.get_json()["state"] != "submitted":
                raise SystemExit(
                    f"Submitting answered {response.status_code}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
    return statistics.median(timings), counter.count / len(interviews)


def measure_page(app: Flask, focus: int) -> tuple[float, float]:
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "recruiter@bench.example", "password": PASSWORD}
    )
    if response.status_code != 303:
        raise SystemExit(f"Signing in failed: {response.status_code}")
    page = client.get(f"/candidacies/{focus}").get_data(as_text=True)
    if f"Criterion {ROUNDS}.{CRITERIA}" not in page or "Not yet submitted" not in page:
        raise SystemExit("The candidacy page does not show the assessments.")
    with app.app_context():
        engine = db.engine
    result = measure_get(client, engine, f"/candidacies/{focus}", requests=PAGE_REQUESTS)
    return result.median_ms, result.queries_per_request


def queries(value: float) -> float:
    return int(value) if value == int(value) else value


def main() -> None:
    with scratch_app() as app:
        with app.app_context():
            seeder = Seeder()
            focus = seeder.focus()
            seeder.flush()
        figures: dict[int, tuple[float, float, float, float]] = {}
        for size in SIZES:
            with app.app_context():
                seeder.sync_ids()
                targets = seeder.targets(TARGETS)
                seeder.background(size - seeder.candidacies)
                seeder.flush()
            submit_ms, submit_queries = measure_submits(app, seeder, targets)
            page_ms, page_queries = measure_page(app, focus)
            figures[size] = (submit_ms, submit_queries, page_ms, page_queries)
            report(f"assessment_submit_ms_{size}", submit_ms, "ms")
            report(f"assessment_submit_queries_{size}", queries(submit_queries), "queries")
            report(f"candidacy_page_ms_{size}", page_ms, "ms")
            report(f"candidacy_page_queries_{size}", queries(page_queries), "queries")
        largest = figures[SIZES[-1]]
        report("assessment_submit_ms", largest[0], "ms")
        report("candidacy_page_ms", largest[2], "ms")


if __name__ == "__main__":
    main()
