"""Calibrated scores: leniency from shared interviews, shrunk toward zero, too little data."""

from __future__ import annotations

import pytest

from coordinator.shortlist import aggregates, calibration
from coordinator.shortlist.calibration import Scored


def scored(interview: int, interviewer: int, candidacy: int, overall: float) -> Scored:
    return Scored(interview, interviewer, candidacy, overall)


def test_leniency_is_the_shrunk_mean_difference_from_fellow_panel_members():
    items = [
        scored(1, 10, 100, 4.0),
        scored(1, 20, 100, 3.0),
        scored(2, 10, 101, 3.0),
        scored(2, 20, 101, 2.0),
    ]
    lean = calibration.leniencies(items)
    # each +1 (or -1) on two interviews, shrunk by n / (n + PRIOR) = 2 / 4
    assert lean[10] == calibration.Leniency(0.5, 2)
    assert lean[20] == calibration.Leniency(-0.5, 2)


def test_an_interview_assessed_alone_teaches_nothing():
    assert calibration.leniencies([scored(1, 10, 100, 4.0)]) == {}


def test_calibrated_score_subtracts_each_authors_leniency():
    lean = {10: calibration.Leniency(0.5, 2), 20: calibration.Leniency(-0.5, 2)}
    items = [scored(3, 10, 102, 4.0), scored(3, 20, 102, 2.0)]
    assert calibration.calibrated(items, lean) == pytest.approx(3.0)


@pytest.mark.parametrize(
    "items",
    [
        [scored(3, 10, 102, 4.0)],  # one assessment
        [scored(3, 30, 102, 4.0), scored(3, 40, 102, 2.0)],  # interviewers without comparisons
    ],
)
def test_too_little_data_gives_none(items):
    lean = {10: calibration.Leniency(0.5, 2), 30: calibration.Leniency(0.1, 1)}
    assert calibration.calibrated(items, lean) is None


def test_method_is_one_sentence():
    assert calibration.METHOD.count(". ") == 0 and calibration.METHOD.endswith(".")


def test_a_job_with_few_shared_interviews_borrows_the_organisations_leniencies(scenario):
    shortlist = aggregates.build(scenario.job)
    assert shortlist.calibration_scope == "organisation"
    rows = {row.candidacy.id: row for row in shortlist.rows}
    # ivan leans +0.25 and priya -0.25 (two shared interviews each: +0.5 / -0.5, shrunk by 2/4)
    assert rows[scenario.candidacies["alice"].id].calibrated_score == pytest.approx(3.42)
    assert rows[scenario.candidacies["cara"].id].calibrated_score is None


def test_a_job_with_enough_shared_interviews_uses_its_own(scenario, monkeypatch):
    monkeypatch.setattr(calibration, "MIN_JOB_COMPARISONS", 2)
    assert aggregates.build(scenario.job).calibration_scope == "job"


def test_without_any_shared_interview_nothing_is_calibrated(plan, make_candidacy):
    make_candidacy(job=plan.job)
    shortlist = aggregates.build(plan.job)
    assert shortlist.calibration_scope == "none"
    assert [row.calibrated_score for row in shortlist.rows] == [None]
