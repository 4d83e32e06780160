"""SQL statements per request of the mix's busiest doors, at two data sizes (DESIGN.md, Scale).

Seeds a job whose candidacies each had a first interview (one panel member, four criteria), then
counts the statements of the candidate portal (``GET /p/<token>``), the interview API
(``GET /api/v1/interviews/{id}``) and an assessment draft
(``PUT /api/v1/interviews/{id}/assessments/mine``), first with SMALL candidacies, then LARGE.

Prints BENCH portal_queries, interview_api_queries and assessment_draft_queries (at the larger
size) and ``*_queries_growth`` (large minus small; 0 when the count is constant in data size).
"""

from __future__ import annotations

from datetime import timedelta

from _common import QueryCounter, report, scratch_app

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.candidates import links
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Job, PlannedRound
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import utcnow

SMALL, LARGE = 10, 300
REQUESTS = 20


class Seeder:
    """A job, its plan, interviewers with tokens, candidacies that each had a first interview."""

    def __init__(self) -> None:
        self.recruiter = accounts.create_user(actor=None, email="recruiter@bench.example",
                                              name="Rita Recruiter", roles={Role.recruiter})
        manager = accounts.create_user(actor=None, email="manager@bench.example",
                                       name="Hugo Manager", roles={Role.hiring_manager})
        self.interviewers = [
            accounts.create_user(actor=None, email=f"i{n}@bench.example", name=f"Interviewer {n}",
                                 roles={Role.interviewer}) for n in range(20)]
        self.job = jobs.create_job(actor=self.recruiter, title="Backend Engineer",
                                   pay_band_min="70000", pay_band_max="90000",
                                   pay_band_currency="EUR", hiring_manager_id=manager.id)
        self.first = jobs.add_planned_round(self.job, PlannedRoundInput(
            title="First", relationships=["peer"],
            criteria=[CriterionInput(f"Criterion {i}") for i in range(4)]), actor=self.recruiter)
        jobs.add_planned_round(self.job, PlannedRoundInput(
            title="Team", relationships=["peer"],
            criteria=[CriterionInput(f"Team criterion {i}") for i in range(4)]),
            actor=self.recruiter)
        self.count = 0
        self.first_case: tuple[str, int, str] | None = None
        self.tokens = {u.email: accounts.create_token(u, actor=u)[1]
                       for u in [self.recruiter, *self.interviewers]}
        db.session.commit()
        self.criteria = [c.id for c in self.first.criteria]
        self.recruiter_email = self.recruiter.email
        self.ids = (self.recruiter.id, self.job.id, self.first.id,
                    [u.id for u in self.interviewers])

    def grow_to(self, count: int) -> None:
        """Have ``count`` candidacies (objects are reloaded: each call runs in its own context)."""
        recruiter_id, job_id, first_id, interviewer_ids = self.ids
        self.recruiter = db.session.get(User, recruiter_id)
        self.job = db.session.get(Job, job_id)
        self.first = db.session.get(PlannedRound, first_id)
        self.interviewers = [db.session.get(User, i) for i in interviewer_ids]
        past = utcnow() - timedelta(days=2)
        while self.count < count:
            n = self.count
            person = candidates.create_candidate(actor=self.recruiter, name=f"Candidate {n}",
                                                 email=f"c{n}@bench.example",
                                                 time_zone="Europe/Berlin")
            candidacy = candidates.open_candidacy(self.job, person, actor=self.recruiter)
            held = scheduling.open_round(candidacy, self.first, actor=self.recruiter)
            interviewer = self.interviewers[n % len(self.interviewers)]
            change = scheduling.schedule_interview(
                held, actor=self.recruiter, starts_at=past - timedelta(hours=n),
                duration_minutes=30, time_zone="Europe/Berlin",
                panel=[scheduling.Seat(interviewer.id, "peer")], record_past=True)
            if self.first_case is None:
                self.first_case = (links.issue(candidacy).token, change.interview.id,
                                   interviewer.email)
            self.count += 1
        db.session.commit()


def counts(app, seeder: Seeder) -> dict[str, float]:
    portal, interview, email = seeder.first_case
    recruiter = {"Authorization": f"Bearer {seeder.tokens[seeder.recruiter_email]}"}
    own = {"Authorization": f"Bearer {seeder.tokens[email]}"}
    body = {"ratings": {str(c): 3 for c in seeder.criteria}, "recommendation": "yes",
            "notes": "Draft", "submit": False}
    cases = {
        "portal_queries": lambda c: c.get(f"/p/{portal}"),
        "interview_api_queries": lambda c: c.get(f"/api/v1/interviews/{interview}",
                                                 headers=recruiter),
        "assessment_draft_queries": lambda c: c.put(
            f"/api/v1/interviews/{interview}/assessments/mine", headers=own, json=body),
    }
    result = {}
    with app.app_context():
        engine = db.engine
    with app.test_client() as client:
        for name, call in cases.items():
            call(client)  # warm-up; the first draft creates the assessment
            with QueryCounter(engine) as counter:
                for _ in range(REQUESTS):
                    response = call(client)
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: {response.status_code} "
                                         f"{response.get_data(as_text=True)[:300]}")
            result[name] = counter.count / REQUESTS
    return result


def main() -> None:
    with scratch_app() as app:
        with app.app_context():
            seeder = Seeder()
            seeder.grow_to(SMALL)
        # Requests outside the seeding context: each gets its own session, as in production.
        small = counts(app, seeder)
        with app.app_context():
            seeder.grow_to(LARGE)
        large = counts(app, seeder)
    for name, value in large.items():
        report(name, round(value) if value == int(value) else value, "queries")
        report(f"{name.removesuffix('_queries')}_queries_growth",
               round(value - small[name]) if value == int(value) else value - small[name],
               "queries")


if __name__ == "__main__":
    main()
