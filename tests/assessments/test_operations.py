"""Writing an assessment: drafts, submission, locking, reopening, and refused input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.assessments import operations
from coordinator.assessments.models import SCALE, Assessment, AssessmentState, Rating
from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.errors import Conflict, PermissionDenied, RuleViolation
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Criterion
from coordinator.jobs.operations import CriterionInput
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze, utcnow
from tests.api.support import table_counts
from tests.assessments.conftest import after, ratings, scorecard_input


def criteria_by_title(interview) -> dict[str, Criterion]:
    return {c.title: c for c in operations.scorecard(interview)}


# --- the scale and the scorecard -----------------------------------------------------------------


def test_scale_has_four_labelled_levels_and_no_middle():
    assert sorted(SCALE) == [1, 2, 3, 4]
    assert all(label.strip() for label in SCALE.values())
    assert len(set(SCALE.values())) == 4


def test_scorecard_lists_the_rounds_criteria_in_order(interview):
    assert [c.title for c in operations.scorecard(interview)] == [
        "Problem solving",
        "Communication",
        "Curiosity",
    ]


# --- drafts --------------------------------------------------------------------------------------


def test_draft_can_be_saved_before_the_interview_starts(interview, panelists):
    peer, _ = panelists
    assessment = operations.save_assessment(
        interview, actor=peer, ratings={}, recommendation=None, notes="Prepared questions"
    )
    db.session.commit()
    assert assessment.state is AssessmentState.draft
    assert assessment.submitted_at is None
    assert assessment.notes == "Prepared questions"


def test_draft_may_leave_required_criteria_unrated(interview, panelists):
    peer, _ = panelists
    first = criteria_by_title(interview)["Problem solving"]
    assessment = operations.save_assessment(
        interview, actor=peer, ratings={first.id: 2}, recommendation=None
    )
    assert [(r.criterion_id, r.score) for r in assessment.ratings] == [(first.id, 2)]


def test_saving_again_updates_the_one_assessment_per_interviewer(interview, panelists, draft):
    peer, _ = panelists
    first = draft(interview, peer, notes="one")
    second = draft(interview, peer, notes="two", ratings=ratings(interview, 4))
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    assert second.notes == "two"
    assert {r.score for r in second.ratings} == {4}


def test_draft_save_replaces_the_ratings(interview, panelists, draft):
    peer, _ = panelists
    draft(interview, peer, ratings=ratings(interview, 4))
    solving = criteria_by_title(interview)["Problem solving"]
    assessment = draft(interview, peer, ratings={solving.id: 1})
    assert [(r.criterion_id, r.score) for r in assessment.ratings] == [(solving.id, 1)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_notes_are_optional_and_notes_for_later_are_kept(interview, panelists, submit):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer, notes="", notes_for_later="  Dig into system design.  ")
    assert assessment.notes == ""
    assert assessment.notes_for_later == "Dig into system design."


# --- submitting ----------------------------------------------------------------------------------


def test_submit_once_started_locks_the_assessment(interview, panelists, submit):
    peer, _ = panelists
    now = after(interview, -timedelta(minutes=30))  # during the interview
    assessment = submit(interview, peer, recommendation="strong_yes")
    assert assessment.state is AssessmentState.submitted
    assert assessment.submitted_at == now
    assert assessment.recommendation.value == "strong_yes"
    assert len(assessment.ratings) == 3


def test_submit_before_the_interview_starts_is_refused(interview, panelists):
    peer, _ = panelists
    freeze(interview.starts_at - timedelta(minutes=1))
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings=ratings(interview), recommendation="yes", submit=True
        )
    assert caught.value.field == "submit"
    assert "started" in caught.value.message


def test_submit_needs_every_required_rating(interview, panelists):
    peer, _ = panelists
    after(interview)
    criteria = criteria_by_title(interview)
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview,
            actor=peer,
            ratings={criteria["Communication"].id: 3},
            recommendation="yes",
            submit=True,
        )
    assert set(caught.value.errors) == {f"ratings.{criteria['Problem solving'].id}"}
    assert "required" in caught.value.errors[f"ratings.{criteria['Problem solving'].id}"][0]


def test_submit_needs_a_recommendation(interview, panelists):
    peer, _ = panelists
    after(interview)
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings=ratings(interview), recommendation=None, submit=True
        )
    assert set(caught.value.errors) == {"recommendation"}


def test_missing_ratings_and_recommendation_are_reported_together(interview, panelists):
    peer, _ = panelists
    after(interview)
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings={}, recommendation=None, submit=True
        )
    criteria = criteria_by_title(interview)
    assert set(caught.value.errors) == {
        f"ratings.{criteria['Problem solving'].id}",
        f"ratings.{criteria['Communication'].id}",
        "recommendation",
    }


def test_optional_criterion_may_stay_unrated_on_submit(interview, panelists, submit):
    peer, _ = panelists
    after(interview)
    criteria = criteria_by_title(interview)
    assessment = submit(
        interview,
        peer,
        ratings={criteria["Problem solving"].id: 3, criteria["Communication"].id: 2},
    )
    assert assessment.is_submitted
    assert {r.criterion_title for r in assessment.ratings} == {"Problem solving", "Communication"}


def test_submitting_twice_conflicts_with_already_submitted(interview, panelists, submit):
    peer, _ = panelists
    after(interview)
    first = submit(interview, peer)
    with pytest.raises(Conflict) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings=ratings(interview, 1), recommendation="no", submit=True
        )
    assert caught.value.conflicts[0]["kind"] == "already_submitted"
    db.session.rollback()
    db.session.refresh(first)
    assert {r.score for r in first.ratings} == {3}


def test_saving_a_draft_over_a_submitted_assessment_conflicts(interview, panelists, submit):
    peer, _ = panelists
    after(interview)
    submit(interview, peer)
    with pytest.raises(Conflict):
        operations.save_assessment(interview, actor=peer, ratings={}, recommendation=None)


# --- who may assess ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["recruiter", "hiring_manager", "interviewer"])
def test_only_panel_members_can_assess(interview, request, who):
    user = request.getfixturevalue(who)
    after(interview)
    with pytest.raises(PermissionDenied):
        operations.save_assessment(
            interview, actor=user, ratings=ratings(interview), recommendation="yes", submit=True
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_cancelled_interview_cannot_be_assessed(interview, panelists, recruiter):
    peer, _ = panelists
    scheduling.cancel_interview(interview, actor=recruiter, reason="Candidate ill")
    db.session.commit()
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(interview, actor=peer, ratings={}, recommendation=None)
    assert caught.value.field == "interview"


# --- refused input saves nothing -----------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 5, -1, 100, True, "3", 2.5])
def test_rating_outside_the_scale_is_refused(interview, panelists, score):
    peer, _ = panelists
    criterion = criteria_by_title(interview)["Problem solving"]
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings={criterion.id: score}, recommendation=None
        )
    assert caught.value.errors == {f"ratings.{criterion.id}": ["Rate from 1 to 4."]}


def test_criterion_from_another_scorecard_is_refused(interview, panelists, job):
    peer, _ = panelists
    foreign = job.second.criteria[0]
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview, actor=peer, ratings={foreign.id: 3}, recommendation=None
        )
    assert f"ratings.{foreign.id}" in caught.value.errors
    assert "not on this interview's scorecard" in caught.value.message


@pytest.mark.parametrize("value", ["maybe", "neutral", "YES", "3"])
def test_recommendation_not_one_of_the_four_is_refused(interview, panelists, value):
    peer, _ = panelists
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(interview, actor=peer, ratings={}, recommendation=value)
    assert set(caught.value.errors) == {"recommendation"}


def test_overlong_notes_are_refused(interview, panelists):
    peer, _ = panelists
    with pytest.raises(RuleViolation) as caught:
        operations.save_assessment(
            interview,
            actor=peer,
            ratings={},
            recommendation=None,
            notes_for_later="x" * (operations.MAX_NOTES + 1),
        )
    assert set(caught.value.errors) == {"notes_for_later"}


def test_refused_submission_saves_nothing(interview, panelists, draft):
    peer, _ = panelists
    draft(interview, peer, notes="kept", ratings=ratings(interview, 2))
    after(interview)
    before = table_counts()
    foreign = 999_999
    with pytest.raises(RuleViolation):
        operations.save_assessment(
            interview,
            actor=peer,
            ratings={**ratings(interview, 4), foreign: 4},
            recommendation="yes",
            notes="changed",
            submit=True,
        )
    db.session.rollback()
    assert table_counts() == before
    saved = operations.find(interview, peer)
    assert saved.notes == "kept"
    assert saved.state is AssessmentState.draft
    assert {r.score for r in saved.ratings} == {2}


# --- reopening -----------------------------------------------------------------------------------


def test_reopen_unlocks_the_assessment_and_records_the_reason(
    interview, panelists, submit, recruiter
):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer)
    operations.reopen_assessment(assessment, actor=recruiter, reason="Rated the wrong person")
    db.session.commit()
    assert assessment.state is AssessmentState.draft
    assert assessment.submitted_at is None
    assert len(assessment.ratings) == 3
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "assessment.reopened")
    )
    assert event.actor_id == recruiter.id
    assert event.candidacy_id == interview.round.candidacy_id
    assert event.details["reason"] == "Rated the wrong person"


def test_reopened_assessment_can_be_changed_and_submitted_again(
    interview, panelists, submit, admin
):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer, score=2)
    operations.reopen_assessment(assessment, actor=admin, reason="Typo")
    again = submit(interview, peer, score=4)
    assert again.id == assessment.id
    assert again.is_submitted
    assert {r.score for r in again.ratings} == {4}


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_reopen_needs_a_reason(interview, panelists, submit, recruiter, reason):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer)
    with pytest.raises(RuleViolation) as caught:
        operations.reopen_assessment(assessment, actor=recruiter, reason=reason)
    assert caught.value.field == "reason"


def test_reopening_a_draft_conflicts(interview, panelists, draft, recruiter):
    peer, _ = panelists
    assessment = draft(interview, peer)
    with pytest.raises(Conflict):
        operations.reopen_assessment(assessment, actor=recruiter, reason="Why not")


@pytest.mark.parametrize("who", ["interviewer", "hiring_manager"])
def test_only_recruiters_and_admins_reopen(interview, panelists, submit, request, who):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer)
    with pytest.raises(PermissionDenied):
        operations.reopen_assessment(
            assessment, actor=request.getfixturevalue(who), reason="Let me"
        )
    assert assessment.is_submitted


# --- editing the scorecard afterwards ------------------------------------------------------------


def test_editing_the_scorecard_never_changes_a_submitted_assessment(
    interview, panelists, submit, job, recruiter
):
    peer, _ = panelists
    after(interview)
    criteria = criteria_by_title(interview)
    assessment = submit(interview, peer, score=3)
    before = [(r.criterion_id, r.criterion_title, r.position, r.score) for r in assessment.ratings]

    # Rename the first, drop the second (it is retired), reorder, add a new one.
    jobs.update_planned_round(
        job.first,
        scorecard_input(
            "First interview",
            [
                CriterionInput("Curiosity", id=criteria["Curiosity"].id, is_required=False),
                CriterionInput("Analytical thinking", id=criteria["Problem solving"].id),
                CriterionInput("Ownership"),
            ],
        ),
        actor=recruiter,
    )
    db.session.commit()
    db.session.expire_all()

    saved = db.session.get(Assessment, assessment.id)
    assert [
        (r.criterion_id, r.criterion_title, r.position, r.score) for r in saved.ratings
    ] == before
    assert saved.is_submitted


def test_retired_criterion_keeps_its_id_and_leaves_the_scorecard(
    interview, panelists, submit, job, recruiter
):
    peer, _ = panelists
    after(interview)
    criteria = criteria_by_title(interview)
    submit(interview, peer)
    jobs.update_planned_round(
        job.first,
        scorecard_input(
            "First interview",
            [
                CriterionInput("Problem solving", id=criteria["Problem solving"].id),
            ],
        ),
        actor=recruiter,
    )
    db.session.commit()

    retired = db.session.get(Criterion, criteria["Communication"].id)
    assert retired is not None and retired.is_retired
    assert [c.id for c in operations.scorecard(interview)] == [criteria["Problem solving"].id]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Rating).where(Rating.criterion_id == retired.id)
        )
        == 1
    )


def test_retired_criterion_cannot_be_rated_any_more(interview, panelists, job, recruiter):
    peer, _ = panelists
    criteria = criteria_by_title(interview)
    jobs.update_planned_round(
        job.first,
        scorecard_input(
            "First interview",
            [
                CriterionInput("Problem solving", id=criteria["Problem solving"].id),
            ],
        ),
        actor=recruiter,
    )
    db.session.commit()
    with pytest.raises(RuleViolation):
        operations.save_assessment(
            interview, actor=peer, ratings={criteria["Communication"].id: 3}, recommendation=None
        )


def test_due_time_is_the_jobs_hours_after_the_interview_ends(interview, job):
    job.job.assessment_due_hours = 48
    db.session.commit()
    assert operations.due_at(interview) == interview.ends_at + timedelta(hours=48)
    assert operations.due_at(interview) > utcnow()


def test_refused_first_save_starts_no_draft(interview, panelists):
    peer, _ = panelists
    with pytest.raises(RuleViolation):
        operations.save_assessment(
            interview, actor=peer, ratings={999_999: 3}, recommendation=None, notes="first"
        )
    # Not even within the transaction: the draft's row is only inserted once the input passed.
    assert operations.find(interview, peer) is None
