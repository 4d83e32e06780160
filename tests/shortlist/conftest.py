"""Shortlist fixtures: a frozen clock, a job with a two-round plan, and a known data set.

The known data set (``scenario``) is written down as plain records (who rated what, in which
state), so tests can compute the expected shortlist from the records alone, independently of
the code under test, and compare it with the page and the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from coordinator.accounts.models import User
from coordinator.assessments import operations as assessments
from coordinator.assessments.models import Assessment
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.db import db
from coordinator.jobs.models import Job, PlannedRound
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import freeze

#: Monday 1 March 2027, 08:00 UTC: interviews are booked from here ...
BOOKED_AT = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
#: ... and the shortlist is read a week later, once the first interviews took place.
NOW = datetime(2027, 3, 8, 8, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2027, UTC."""
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(app) -> datetime:
    freeze(NOW)
    return NOW


@pytest.fixture
def plan(make_job, make_planned_round, recruiter, hiring_manager):
    """A job (with the hiring manager fixture as its hiring manager) and a two-round plan."""
    job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id, title="Backend Engineer")
    first = make_planned_round(
        job,
        actor=recruiter,
        title="First interview",
        relationships=["peer"],
        criteria=["Problem solving", "Communication"],
    )
    team = make_planned_round(
        job,
        actor=recruiter,
        title="Team interview",
        relationships=["peer"],
        criteria=["Collaboration", "Ownership"],
    )
    db.session.refresh(job)
    return SimpleNamespace(job=job, first=first, team=team)


def criterion_ids(planned: PlannedRound) -> list[int]:
    return [c.id for c in planned.criteria]


@pytest.fixture
def book(recruiter) -> Callable[..., Interview]:
    """Book an interview (from BOOKED_AT, so a start before NOW is still in the future then)."""

    def do(round_: Round, starts_at: datetime, panel: list[User], minutes: int = 60) -> Interview:
        freeze(min(BOOKED_AT, starts_at - timedelta(days=1)))
        try:
            change = scheduling.schedule_interview(
                round_,
                actor=recruiter,
                starts_at=starts_at,
                duration_minutes=minutes,
                time_zone="Europe/Berlin",
                panel=[scheduling.Seat(u.id, "peer") for u in panel],
            )
            db.session.commit()
        finally:
            freeze(NOW)
        return change.interview

    return do


@pytest.fixture
def open_round(recruiter) -> Callable[[Candidacy, PlannedRound], Round]:
    def do(candidacy: Candidacy, planned: PlannedRound) -> Round:
        round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
        db.session.commit()
        return round_

    return do


@dataclass
class Record:
    """One interviewer's assessment in the known data set, as a test writes it down."""

    candidacy_id: int
    interview_id: int
    interviewer_id: int
    ratings: dict[int, int]
    recommendation: str
    state: str  # "submitted", "draft", or "reopened" (submitted once, reopened, not resubmitted)
    notes: str = ""


@pytest.fixture
def assess(recruiter) -> Callable[..., Assessment]:
    def do(
        interview: Interview,
        user: User,
        ratings: dict[int, int],
        recommendation: str,
        *,
        submit: bool = True,
        notes: str = "",
    ) -> Assessment:
        assessment = assessments.save_assessment(
            interview,
            actor=user,
            ratings=ratings,
            recommendation=recommendation,
            notes=notes,
            submit=submit,
        )
        db.session.commit()
        return assessment

    return do


@dataclass
class Scenario:
    job: Job
    first: PlannedRound
    team: PlannedRound
    people: dict[str, User]
    candidacies: dict[str, Candidacy]
    interviews: dict[str, Interview]
    records: list[Record] = field(default_factory=list)
    #: (interview id, user id) of every panel seat
    seats: list[tuple[int, int, int]] = field(default_factory=list)  # (candidacy, interview, user)


@pytest.fixture
def scenario(
    plan, make_user, make_candidate, make_candidacy, recruiter, book, open_round, assess
) -> Scenario:
    """Four candidacies with known ratings, one draft and one reopened-not-resubmitted.

    alice: first round (ivan 4,3 strong_yes · priya 3,3 yes · sofia draft 1,1) and team round
           (ivan 4,4 yes · tom reopened 1,2 no) — both in the past;
    bob:   first round (ivan 2,2 no · priya 1,2 strong_no), past, and a team round in the future;
    cara:  first round in the past with nobody's assessment in;
    dan:   rejected (not on the default shortlist), first round ivan 4,4 strong_yes.
    """
    job, first, team = plan.job, plan.first, plan.team
    ps, comm = criterion_ids(first)
    coll, own = criterion_ids(team)
    people = {
        name: make_user(
            ("interviewer",), name=f"{name.title()} Interviewer", email=f"{name}@shortlist.example"
        )
        for name in ("ivan", "priya", "sofia", "tom")
    }
    ivan, priya, sofia, tom = (people[n] for n in ("ivan", "priya", "sofia", "tom"))
    candidacies = {
        name: make_candidacy(
            job=job,
            actor=recruiter,
            candidate=make_candidate(actor=recruiter, name=f"{name.title()} Doe"),
        )
        for name in ("alice", "bob", "cara", "dan")
    }
    alice, bob, cara, dan = (candidacies[n] for n in ("alice", "bob", "cara", "dan"))
    interviews = {
        "alice_first": book(open_round(alice, first), at(2, 9), [ivan, priya, sofia]),
        "alice_team": book(open_round(alice, team), at(3, 9), [ivan, tom]),
        "bob_first": book(open_round(bob, first), at(2, 13), [ivan, priya]),
        "bob_team": book(open_round(bob, team), at(15, 9), [ivan, priya]),
        "cara_first": book(open_round(cara, first), at(4, 9), [priya, sofia]),
        "dan_first": book(open_round(dan, first), at(4, 13), [ivan]),
    }
    records = [
        Record(
            alice.id,
            interviews["alice_first"].id,
            ivan.id,
            {ps: 4, comm: 3},
            "strong_yes",
            "submitted",
            notes="Clear, structured thinker.",
        ),
        Record(
            alice.id, interviews["alice_first"].id, priya.id, {ps: 3, comm: 3}, "yes", "submitted"
        ),
        Record(
            alice.id,
            interviews["alice_first"].id,
            sofia.id,
            {ps: 1, comm: 1},
            "strong_no",
            "draft",
            notes="Draft thoughts.",
        ),
        Record(
            alice.id, interviews["alice_team"].id, ivan.id, {coll: 4, own: 4}, "yes", "submitted"
        ),
        Record(alice.id, interviews["alice_team"].id, tom.id, {coll: 1, own: 2}, "no", "reopened"),
        Record(bob.id, interviews["bob_first"].id, ivan.id, {ps: 2, comm: 2}, "no", "submitted"),
        Record(
            bob.id,
            interviews["bob_first"].id,
            priya.id,
            {ps: 1, comm: 2},
            "strong_no",
            "submitted",
            notes="Struggled with the basics.",
        ),
        Record(
            dan.id, interviews["dan_first"].id, ivan.id, {ps: 4, comm: 4}, "strong_yes", "submitted"
        ),
    ]
    by_id = {i.id: i for i in interviews.values()}
    users = {u.id: u for u in people.values()}
    for record in records:
        interview, user = by_id[record.interview_id], users[record.interviewer_id]
        assessment = assess(
            interview,
            user,
            record.ratings,
            record.recommendation,
            submit=record.state != "draft",
            notes=record.notes,
        )
        if record.state == "reopened":
            assessments.reopen_assessment(assessment, actor=recruiter, reason="Wrong candidate")
            db.session.commit()
    set_candidacy_state(dan, CandidacyState.rejected, actor=recruiter, reason="Withdrew")
    db.session.commit()
    seats = [(i.round.candidacy_id, i.id, m.user_id) for i in interviews.values() for m in i.panel]
    return Scenario(
        job=job,
        first=first,
        team=team,
        people=people,
        candidacies=candidacies,
        interviews=interviews,
        records=records,
        seats=seats,
    )


@pytest.fixture
def erin_half_assessed(
    scenario, hiring_manager, make_candidacy, make_candidate, recruiter, book, open_round, assess
) -> Callable[[str], SimpleNamespace]:
    """Erin, a fifth candidacy of the scenario's job: her first round held by Ivan and the
    hiring manager, of whom only ``submitted_by`` ("ivan" or "manager") has submitted (not
    committed). Gives the candidacy, the interview, and who still owes an assessment."""

    def make(submitted_by: str, name: str = "Erin") -> SimpleNamespace:
        ivan = scenario.people["ivan"]
        ps, comm = criterion_ids(scenario.first)
        erin = make_candidacy(
            job=scenario.job, actor=recruiter, candidate=make_candidate(actor=recruiter, name=name)
        )
        interview = book(open_round(erin, scenario.first), at(5, 9), [ivan, hiring_manager])
        author, owes = (ivan, hiring_manager) if submitted_by == "ivan" else (hiring_manager, ivan)
        assess(interview, author, {ps: 4, comm: 2}, "strong_yes")
        return SimpleNamespace(candidacy=erin, interview=interview, owes=owes)

    return make


def expected_rows(scenario: Scenario, now: datetime = NOW) -> dict[int, dict[str, Any]]:
    """The shortlist computed from the written-down records alone (statistics.pstdev for spread).

    Only submitted records count; a seat is missing when its interview has started and the
    seat's record is not submitted.
    """
    import statistics

    starts = {i.id: i.starts_at for i in scenario.interviews.values()}
    expected: dict[int, dict[str, Any]] = {}
    for name, candidacy in scenario.candidacies.items():
        counted = [
            r for r in scenario.records if r.candidacy_id == candidacy.id and r.state == "submitted"
        ]
        per_criterion: dict[int, list[int]] = {}
        for record in counted:
            for criterion_id, score in record.ratings.items():
                per_criterion.setdefault(criterion_id, []).append(score)
        by_interviewer: dict[int, list[int]] = {}
        for record in counted:
            by_interviewer.setdefault(record.interviewer_id, []).extend(record.ratings.values())
        interviewer_means = [statistics.fmean(v) for v in by_interviewer.values()]
        submitted_seats = {(r.interview_id, r.interviewer_id) for r in counted}
        missing = sum(
            1
            for candidacy_id, interview_id, user_id in scenario.seats
            if candidacy_id == candidacy.id
            and starts[interview_id] <= now
            and (interview_id, user_id) not in submitted_seats
        )
        tally = {"strong_no": 0, "no": 0, "yes": 0, "strong_yes": 0}
        for record in counted:
            tally[record.recommendation] += 1
        overall = [statistics.fmean(r.ratings.values()) for r in counted]
        expected[candidacy.id] = {
            "name": name,
            "means": {cid: statistics.fmean(v) for cid, v in per_criterion.items()},
            "counts": {cid: len(v) for cid, v in per_criterion.items()},
            "recommendations": tally,
            "spread": statistics.pstdev(interviewer_means) if len(interviewer_means) >= 2 else None,
            "missing": missing,
            "raw": statistics.fmean(overall) if overall else None,
        }
    return expected
