"""Shortlist rows from the database: what counts, how it is summarised, filtered and sorted."""

from __future__ import annotations

import pytest

from coordinator.assessments import operations as assessments
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.shortlist import aggregates
from tests.shortlist.conftest import criterion_ids, expected_rows


def rows_by_id(shortlist):
    return {row.candidacy.id: row for row in shortlist.rows}


def test_rows_match_an_independent_computation_of_the_known_data(scenario):
    expected = expected_rows(scenario)
    rows = rows_by_id(aggregates.build(scenario.job))
    assert set(rows) == {c.id for n, c in scenario.candidacies.items() if n != "dan"}
    for candidacy_id, row in rows.items():
        want = expected[candidacy_id]
        means = {s.criterion_id: s.mean for s in row.per_criterion if s.mean is not None}
        assert means == pytest.approx({k: round(v, 2) for k, v in want["means"].items()})
        assert {s.criterion_id: s.count for s in row.per_criterion if s.count} == want["counts"]
        assert row.recommendations == want["recommendations"]
        assert row.spread == (
            pytest.approx(want["spread"], abs=1e-3) if want["spread"] is not None else None
        )
        assert row.missing_assessments == want["missing"]
        assert row.raw_score == (
            pytest.approx(want["raw"], abs=0.005) if want["raw"] is not None else None
        )


def test_a_draft_never_counts(scenario):
    alice = scenario.candidacies["alice"]
    ps, _comm = criterion_ids(scenario.first)
    row = rows_by_id(aggregates.build(scenario.job))[alice.id]
    stats = {s.criterion_id: s for s in row.per_criterion}
    # ivan 4 and priya 3; sofia's draft 1 is left out
    assert (stats[ps].mean, stats[ps].count) == (3.5, 2)
    assert row.recommendations["strong_no"] == 0


def test_a_reopened_assessment_counts_only_once_submitted_again(scenario):
    alice = scenario.candidacies["alice"]
    coll, own = criterion_ids(scenario.team)
    tom = scenario.people["tom"]
    interview = scenario.interviews["alice_team"]
    before = rows_by_id(aggregates.build(scenario.job))[alice.id]
    assert {s.criterion_id: s.count for s in before.per_criterion}[coll] == 1

    assessments.save_assessment(
        interview, actor=tom, ratings={coll: 2, own: 2}, recommendation="no", submit=True
    )
    db.session.commit()
    after = rows_by_id(aggregates.build(scenario.job))[alice.id]
    stats = {s.criterion_id: s for s in after.per_criterion}
    assert (stats[coll].mean, stats[coll].count) == (3.0, 2)
    assert after.recommendations["no"] == 1
    assert after.missing_assessments == before.missing_assessments - 1


def test_spread_needs_two_interviewers(scenario):
    cara = scenario.candidacies["cara"]
    row = rows_by_id(aggregates.build(scenario.job))[cara.id]
    assert row.spread is None
    assert row.raw_score is None


def test_missing_assessments_count_only_interviews_that_started(scenario):
    bob = scenario.candidacies["bob"]
    row = rows_by_id(aggregates.build(scenario.job))[bob.id]
    # the team round (two seats) lies in the future: nothing is missing yet
    assert row.missing_assessments == 0


def test_rounds_done_and_the_next_round_of_the_plan(scenario):
    rows = rows_by_id(aggregates.build(scenario.job))
    alice, bob = scenario.candidacies["alice"], scenario.candidacies["bob"]
    assert (rows[alice.id].rounds_done, rows[alice.id].next_round) == (2, None)
    assert (rows[bob.id].rounds_done, rows[bob.id].next_round) == (1, "Team interview")


def test_default_states_leave_closed_candidacies_out_and_a_filter_brings_them_back(scenario):
    dan = scenario.candidacies["dan"]
    assert dan.id not in rows_by_id(aggregates.build(scenario.job))
    rejected = aggregates.build(scenario.job, states=[CandidacyState.rejected])
    assert list(rows_by_id(rejected)) == [dan.id]


def test_planned_round_filter_keeps_candidacies_that_opened_it(scenario):
    shortlist = aggregates.build(scenario.job, planned_round_id=scenario.team.id)
    assert set(rows_by_id(shortlist)) == {
        scenario.candidacies["alice"].id,
        scenario.candidacies["bob"].id,
    }


def test_criteria_columns_follow_the_plan(scenario):
    shortlist = aggregates.build(scenario.job)
    assert [title for _, title in shortlist.criteria] == [
        "Problem solving",
        "Communication",
        "Collaboration",
        "Ownership",
    ]


def test_score_distribution_counts_submitted_ratings_per_score(scenario):
    ps, _comm = criterion_ids(scenario.first)
    distribution = {
        d.criterion_id: d for d in aggregates.score_distribution(aggregates.build(scenario.job))
    }
    # alice 4, 3 and bob 2, 1 (dan is rejected, sofia's draft does not count)
    assert distribution[ps].counts == {1: 1, 2: 1, 3: 1, 4: 1}


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_puts_empty_values_last_in_both_directions(scenario, descending):
    shortlist = aggregates.build(scenario.job)
    ordered = aggregates.sort_rows(shortlist.rows, "raw", descending)
    names = [row.candidate.name for row in ordered]
    assert names[-1] == "Cara Doe"
    assert names[:2] == (["Alice Doe", "Bob Doe"] if descending else ["Bob Doe", "Alice Doe"])


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_keeps_ties_in_name_order_in_both_directions(scenario, descending):
    shortlist = aggregates.build(scenario.job, states=list(CandidacyState))
    ordered = aggregates.sort_rows(shortlist.rows, "state", descending)
    states = [row.candidacy.state for row in ordered]
    assert len(set(states)) < len(states)  # some rows tie
    for state in set(states):
        tied = [row.candidate.name.casefold() for row in ordered if row.candidacy.state == state]
        assert tied == sorted(tied)


def test_sorting_by_a_criterion_column(scenario):
    ps, _ = criterion_ids(scenario.first)
    shortlist = aggregates.build(scenario.job)
    ordered = aggregates.sort_rows(shortlist.rows, f"criterion:{ps}", descending=True)
    assert [row.candidate.name for row in ordered] == ["Alice Doe", "Bob Doe", "Cara Doe"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ("name", False)),
        ("-calibrated", ("calibrated", True)),
        ("missing", ("missing", False)),
    ],
)
def test_parse_sort_accepts_known_columns(text, expected):
    assert aggregates.parse_sort(text, []) == expected


@pytest.mark.parametrize("text", ["salary", "criterion:abc", "criterion:999999", "--name"])
def test_parse_sort_refuses_unknown_columns(text):
    from coordinator.errors import RuleViolation

    with pytest.raises(RuleViolation):
        aggregates.parse_sort(text, [(1, "Problem solving")])
