"""Each candidacy's pipeline status, counts per status and round, and the filters."""

from __future__ import annotations

from coordinator.candidates.models import CandidacyState
from coordinator.pipeline import statuses
from coordinator.pipeline.statuses import NO_ROUND, Filters, Status
from coordinator.timeutil import utcnow


def status_by_name(pipeline):
    return {row.candidate.name: row.status for row in pipeline.rows}


def test_each_candidacy_gets_the_status_of_where_it_stands(world, job):
    pipeline = statuses.build(job.job, Filters(states=tuple(CandidacyState)), now=utcnow())
    assert status_by_name(pipeline) == {
        "Nina New": Status.waiting_to_schedule,
        "Sam Scheduled": Status.scheduled,
        "Ada Awaiting": Status.awaiting_assessments,
        "Rhea Ready": Status.ready_for_decision,
        "Pat Passed": Status.waiting_to_schedule,
        "Otto Offer": Status.offer,
        "Rex Rejected": Status.closed,
    }


def test_a_passed_round_waits_for_the_next_round_of_the_plan(world, job):
    pipeline = statuses.build(job.job, Filters(text="pat"), now=utcnow())
    (row,) = pipeline.rows
    assert row.passed and row.round.id == job.first.id and row.next_round.id == job.second.id
    step = row.next_step(schedules=True)
    assert step.label == f"Open {job.second.title}"


def test_counts_cover_every_status_and_round_for_the_state_filter(world, job):
    pipeline = statuses.build(job.job, Filters(), now=utcnow())
    counts = pipeline.counts
    assert counts.total == 6  # the rejected candidacy is closed: not shown by default
    assert counts.by_status[Status.waiting_to_schedule] == 2
    assert counts.by_status[Status.closed] == 0
    assert [(p.id if p else None, n) for p, n in counts.by_round] == [(None, 2), (job.first.id, 4)]


def test_filters_by_status_round_and_name_keep_the_counts(world, job):
    by_status = statuses.build(job.job, Filters(statuses=(Status.waiting_to_schedule,)),
                               now=utcnow())
    assert set(status_by_name(by_status)) == {"Nina New", "Pat Passed"}
    assert by_status.total == 2 and by_status.counts.total == 6
    no_round = statuses.build(job.job, Filters(round=NO_ROUND), now=utcnow())
    assert set(status_by_name(no_round)) == {"Nina New", "Otto Offer"}
    first = statuses.build(job.job, Filters(round=job.first.id, text="A"), now=utcnow())
    assert set(status_by_name(first)) == {"Ada Awaiting", "Rhea Ready", "Pat Passed",
                                          "Sam Scheduled"}
    assert statuses.build(job.job, Filters(text="%"), now=utcnow()).rows == []


def test_a_round_that_is_not_in_the_plan_matches_nothing(world, job):
    pipeline = statuses.build(job.job, Filters(round=999999), now=utcnow())
    assert pipeline.rows == [] and pipeline.total == 0


def test_rows_are_paginated_by_candidate_name(world, job):
    first = statuses.build(job.job, Filters(), now=utcnow(), page=1, per_page=4)
    second = statuses.build(job.job, Filters(), now=utcnow(), page=2, per_page=4)
    names = [r.candidate.name for r in first.rows + second.rows]
    assert names == sorted(names) and len(names) == 6 and first.total == 6
