"""The cached shortlist (stored per-assessment sums, rows kept per job) equals the reference
computation (every figure from the ratings, on every request) on a varied data set."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments import operations as assessments
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state, update_candidate
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview, InterviewState, Round
from coordinator.shortlist import aggregates, cache, operations
from coordinator.shortlist.models import ShortlistCache
from coordinator.timeutil import freeze, utcnow
from tests.shortlist import reference
from tests.shortlist.conftest import at, criterion_ids

RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")


def snapshot(shortlist: Any) -> dict[str, Any]:
    """What a shortlist shows, comparable between the reference and the cached rows."""
    return {
        "criteria": shortlist.criteria,
        "scope": shortlist.calibration_scope,
        "rows": [
            (
                row.candidacy.id,
                row.candidate.name,
                row.candidacy.state,
                row.rounds_done,
                row.next_round,
                sorted(row.criterion_sums.items()),
                [(s.criterion_id, s.title, s.mean, s.count) for s in row.per_criterion],
                row.recommendations,
                row.spread,
                row.missing_assessments,
                row.raw_score,
                row.calibrated_score,
                None if row.last_decision is None else row.last_decision.id,
                None if row.last_decision is None else row.last_decision.created_at,
                row.withheld,
                row.owed_interview_id,
            )
            for row in shortlist.rows
        ],
        "distribution": [(d.criterion_id, d.title, d.counts) for d in shortlist.distribution],
    }


def populate(plan: Any, people: list[Any], seed: int, candidacies: int, make_candidacy: Any,
             make_candidate: Any, recruiter: Any, book: Any, open_round: Any,
             start_day: int) -> list[Any]:
    """Candidacies with one or two assessed rounds, drafts, reopened assessments, decisions,
    states, a future round and a cancelled interview, drawn from ``seed``."""
    rng = random.Random(seed)
    made = []
    slot = 0
    for n in range(candidacies):
        candidacy = make_candidacy(
            job=plan.job, actor=recruiter,
            candidate=make_candidate(actor=recruiter, name=f"Cand {seed}-{n:02d}"),
        )
        made.append(candidacy)
        rounds = [plan.first] if n % 3 == 0 else [plan.first, plan.team]
        for planned in rounds:
            day, hour = start_day + slot // 7, 8 + slot % 7
            slot += 1
            panel = rng.sample(people, rng.choice((1, 2, 3, 3, 3)))
            interview = book(open_round(candidacy, planned), at(day, hour), panel)
            for user in panel:
                fate = rng.random()
                if fate < 0.15:
                    continue  # nothing in: a missing assessment
                ratings = {cid: rng.randint(1, 4) for cid in criterion_ids(planned)}
                assessment = assessments.save_assessment(
                    interview, actor=user, ratings=ratings,
                    recommendation=rng.choice(RECOMMENDATIONS), submit=fate >= 0.25,
                )
                if fate > 0.9:
                    assessments.reopen_assessment(assessment, actor=recruiter, reason="Redo")
                db.session.commit()
        if n % 4 == 1:
            operations.record_decision(candidacy, actor=recruiter, outcome="hold",
                                       reason=f"Reason {n}", confirm_missing=True)
            db.session.commit()
        if n % 5 == 2:
            set_candidacy_state(candidacy, CandidacyState.rejected, actor=recruiter,
                                reason="Not now")
            db.session.commit()
    # A round still to come, and an interview booked then cancelled.
    future = book(open_round(made[0], plan.team), at(16, 7 + start_day), people[:2])
    assert future.id
    if len(made) > 3:
        cancelled = book(open_round(made[3], plan.team), at(17, 9), people[2:4])
        scheduling.cancel_interview(cancelled, actor=recruiter, reason="Moved on")
        db.session.commit()
    return made


@pytest.fixture
def varied(plan, make_user, make_job, make_planned_round, make_candidacy, make_candidate,
           recruiter, hiring_manager, book, open_round):
    people = [
        make_user(("interviewer",), name=f"Panel {n}", email=f"panel{n}@shortlist.example")
        for n in range(6)
    ]
    made = populate(plan, people, 7, 18, make_candidacy, make_candidate, recruiter, book,
                    open_round, start_day=1)
    # A criterion rated, then retired from the scorecard (still a column once rated).
    first = plan.first
    kept = [CriterionInput(c.title, id=c.id) for c in first.criteria][:1]
    jobs.update_planned_round(
        first, PlannedRoundInput(title=first.title, relationships=["peer"], criteria=kept),
        actor=recruiter)
    db.session.commit()
    # A thin second job: calibrated against the organisation.
    thin_job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id, title="Thin")
    thin = SimpleNamespace(
        job=thin_job,
        first=make_planned_round(thin_job, actor=recruiter, title="Screen",
                                 relationships=["peer"], criteria=["Depth", "Care"]),
        team=make_planned_round(thin_job, actor=recruiter, title="Panel",
                                relationships=["peer"], criteria=["Craft"]),
    )
    db.session.refresh(thin_job)
    populate(thin, people, 11, 3, make_candidacy, make_candidate, recruiter, book, open_round,
             start_day=6)
    return SimpleNamespace(job=plan.job, thin=thin_job, plan=plan, people=people, made=made)


def test_cached_rows_equal_the_reference_computation(varied, recruiter, hiring_manager):
    plan = varied.plan
    # Someone who owes an assessment of some candidacies (a panel seat without a submission).
    owes = varied.people[0]
    viewers = [None, recruiter, hiring_manager, owes]
    all_states = list(CandidacyState)
    cases = [
        {},
        {"states": all_states},
        {"states": [CandidacyState.rejected]},
        {"planned_round_id": plan.team.id},
        {"criterion_means": False},
        {"criterion_means": criterion_ids(plan.first)[0]},
        {"states": all_states, "candidacy_ids": [varied.made[1].id, varied.made[4].id]},
    ]
    seen_withheld = False
    for job in (varied.job, varied.thin):
        for viewer in viewers:
            for case in cases:
                expected = reference.build(job, viewer=viewer, **case)
                actual = aggregates.build(job, viewer=viewer, **case)
                if case.get("criterion_means") is False:
                    reference.load_criterion_means(expected.rows)
                    aggregates.load_criterion_means(actual.rows)
                assert snapshot(actual) == snapshot(expected), (job.title, viewer, case)
                seen_withheld = seen_withheld or any(r.withheld for r in actual.rows)
    assert seen_withheld
    scopes = {aggregates.build(job).calibration_scope for job in (varied.job, varied.thin)}
    assert scopes == {"job", "organisation"}


def _noted(job: Any) -> set[int]:
    """The candidacies the job's stored rows have noted as changed (its rows still stored)."""
    db.session.expire_all()
    row = db.session.get(ShortlistCache, job.id)
    assert row is not None and row.payload is not None, "the stored rows were dropped"
    return {int(n) for n in (row.changed or "").split()}


def _submitted_of(candidacy: Any) -> Assessment:
    return db.session.scalars(
        sa.select(Assessment)
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == candidacy.id, Assessment.state == AssessmentState.submitted,
               Interview.state == InterviewState.scheduled)
        .order_by(Assessment.id)
    ).first()


def test_rows_read_again_after_each_change_equal_the_reference(
    varied, recruiter, make_candidacy, make_candidate
):
    """Changes to some candidacies keep the stored rows and note those candidacies; the next
    read computes only their rows again (and every calibrated score, leniencies being
    job-wide); a plan change keeps them too and moves their next rounds: each time, what it
    shows equals the reference computation."""
    job, made = varied.job, varied.made
    viewers = [None, varied.people[0]]
    cases = [{}, {"states": list(CandidacyState)}]

    def check(candidacy: Any) -> None:
        assert (cache.PLAN if candidacy is None else candidacy.id) in _noted(job)
        for viewer in viewers:
            for case in cases:
                expected = reference.build(job, viewer=viewer, **case)
                actual = aggregates.build(job, viewer=viewer, **case)
                assert snapshot(actual) == snapshot(expected), (candidacy.id, viewer, case)
        db.session.commit()
        assert _noted(job) == set()

    aggregates.build(job)
    db.session.commit()
    assert aggregates.build(job).calibration_scope == "job"

    operations.record_decision(made[3], actor=recruiter, outcome="advance", reason="Strong",
                               confirm_missing=True)
    db.session.commit()
    check(made[3])

    set_candidacy_state(made[5], CandidacyState.shortlisted, actor=recruiter, reason="Good")
    db.session.commit()
    check(made[5])

    # A submission withdrawn moves the job's leniencies: other rows' calibrated scores too.
    reopened = _submitted_of(made[6])
    assessments.reopen_assessment(reopened, actor=recruiter, reason="Redo")
    db.session.commit()
    check(made[6])

    author = db.session.get(User, reopened.interviewer_id)
    assessments.save_assessment(
        reopened.interview, actor=author, recommendation="strong_yes", submit=True,
        ratings={cid: 4 for cid in criterion_ids(varied.plan.first)[:1]},
    )
    db.session.commit()
    check(made[6])

    held = _submitted_of(made[7]).interview
    scheduling.cancel_interview(held, actor=recruiter, reason="Void")
    db.session.commit()
    check(made[7])

    update_candidate(made[8].candidate, actor=recruiter, name="Aaron First")
    db.session.commit()
    check(made[8])

    newcomer = make_candidacy(job=job, actor=recruiter,
                              candidate=make_candidate(actor=recruiter, name="Mid Newcomer"))
    check(newcomer)

    # Plan changes (None: noted as the plan): each row's next round moves, nothing else.
    jobs.add_planned_round(job, PlannedRoundInput(title="Final", relationships=["peer"]),
                           actor=recruiter)
    db.session.commit()
    check(None)

    jobs.reorder_planned_rounds(job, [p.id for p in reversed(job.planned_rounds)],
                                actor=recruiter)
    db.session.commit()
    check(None)

    first = varied.plan.first
    jobs.update_planned_round(
        first, PlannedRoundInput(title="Opening chat", relationships=["peer"], criteria=[
            CriterionInput("Clarity" if c.position == 0 else c.title, id=c.id)
            for c in first.criteria]),
        actor=recruiter)
    db.session.commit()
    check(None)


def test_rows_whose_interview_starts_are_read_again_when_it_does(varied, recruiter):
    """Made[0]'s team interview lies ahead: once it starts, the stored rows no longer hold for
    that candidacy (its missing assessments count it) and are read again for it alone."""
    job = varied.job
    before = {row.candidacy.id: row for row in aggregates.build(job).rows}
    db.session.commit()
    future = db.session.scalars(
        sa.select(Interview)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == varied.made[0].id, Interview.starts_at > utcnow())
    ).one()
    freeze(future.starts_at + timedelta(minutes=5))
    expected = reference.build(job, states=list(CandidacyState))
    actual = aggregates.build(job, states=list(CandidacyState))
    assert snapshot(actual) == snapshot(expected)
    shown = {row.candidacy.id: row for row in actual.rows}
    missing_before = before[varied.made[0].id].missing_assessments
    assert shown[varied.made[0].id].missing_assessments == missing_before + len(future.panel)
