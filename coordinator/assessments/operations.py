"""Assessment operations: save a draft, submit, reopen; visibility-aware reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.models import (
    SCALE,
    Assessment,
    AssessmentState,
    Rating,
    Recommendation,
)
from coordinator.assessments.permissions import can_assess, can_see_others_assessments
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import Conflict, PermissionDenied, RuleViolation
from coordinator.jobs.models import Criterion
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import utcnow

MAX_NOTES = 20_000


def due_at(interview: Interview) -> datetime:
    """When the panel's assessments are due: a set time (per job) after the interview ends."""
    return interview.ends_at + timedelta(hours=interview.round.candidacy.job.assessment_due_hours)


def scorecard(interview: Interview) -> list[Criterion]:
    """The criteria an interview is rated on (its planned round's, in order, not retired)."""
    return [c for c in interview.round.planned_round.criteria if not c.is_retired]


def find(interview: Interview, user: User) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.interview_id == interview.id, Assessment.interviewer_id == user.id
        )
    )


def save_assessment(
    interview: Interview,
    *,
    actor: User,
    ratings: Mapping[int, int | None],
    recommendation: Recommendation | str | None,
    notes: str = "",
    notes_for_later: str = "",
    submit: bool = False,
) -> Assessment:
    """Save the actor's own assessment as a draft, or submit it (then it is locked)."""
    if not can_assess(actor, interview):
        raise PermissionDenied("Only interviewers on this interview's panel can assess it.")
    if interview.is_cancelled:
        raise RuleViolation(
            "interview", "This interview was cancelled; there is nothing to assess."
        )
    assessment = find(interview, actor)
    if assessment is not None and assessment.is_submitted:
        raise Conflict(
            "You already submitted this assessment; a recruiter can reopen it.",
            [
                {
                    "kind": "already_submitted",
                    "detail": "submitted assessments are locked",
                    "assessment_id": assessment.id,
                }
            ],
        )
    criteria = {c.id: c for c in scorecard(interview)}
    scores: dict[int, int] = {}
    for criterion_id, score in ratings.items():
        field = f"ratings.{criterion_id}"
        if criterion_id not in criteria:
            raise RuleViolation(field, "That criterion is not on this interview's scorecard.")
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCALE:
            raise RuleViolation(field, "Rate from 1 to 4.")
        scores[criterion_id] = score
    try:
        chosen = Recommendation(recommendation) if recommendation else None
    except ValueError as err:
        raise RuleViolation("recommendation", "Choose strong_no, no, yes or strong_yes.") from err
    for name, text in (("notes", notes), ("notes_for_later", notes_for_later)):
        if len(text or "") > MAX_NOTES:
            raise RuleViolation(name, f"At most {MAX_NOTES:,} characters.")
    if submit:
        if utcnow() < interview.starts_at:
            raise RuleViolation(
                "submit", "You can submit once the interview has started; save a draft until then."
            )
        missing = [c for c in criteria.values() if c.is_required and c.id not in scores]
        if missing:
            raise RuleViolation.many(
                {f"ratings.{c.id}": [f"Rate “{c.title}” (required)."] for c in missing}
            )
        if chosen is None:
            raise RuleViolation("recommendation", "Give an overall recommendation.")

    if assessment is None:
        assessment = Assessment(
            interview_id=interview.id,
            interviewer_id=actor.id,
            interviewer=actor,
            state=AssessmentState.draft,
        )
        db.session.add(assessment)
    assessment.recommendation = chosen
    assessment.notes = (notes or "").strip()
    assessment.notes_for_later = (notes_for_later or "").strip()
    existing = {r.criterion_id: r for r in assessment.ratings}
    for criterion_id, rating in existing.items():
        if criterion_id not in scores:
            assessment.ratings.remove(rating)
    for criterion_id, score in scores.items():
        criterion = criteria[criterion_id]
        rating = existing.get(criterion_id)
        if rating is None:
            rating = Rating(
                criterion_id=criterion_id,
                criterion_title=criterion.title,
                position=criterion.position,
                score=score,
            )
            assessment.ratings.append(rating)
        rating.score = score
        rating.criterion_title, rating.position = criterion.title, criterion.position
    if submit:
        assessment.state = AssessmentState.submitted
        assessment.submitted_at = utcnow()
    db.session.flush()
    record(
        actor,
        "assessment.submitted" if submit else "assessment.saved",
        assessment,
        candidacy_id=interview.round.candidacy_id,
        interview_id=interview.id,
    )
    return assessment


def reopen_assessment(assessment: Assessment, *, actor: User, reason: str) -> Assessment:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("reason", "Say why the assessment is reopened.")
    if len(reason) > 1000:
        raise RuleViolation("reason", "At most 1000 characters.")
    if not assessment.is_submitted:
        raise Conflict(
            "This assessment is not submitted.",
            [{"kind": "not_submitted", "detail": "only submitted ones reopen"}],
        )
    assessment.state = AssessmentState.draft
    assessment.submitted_at = None
    db.session.flush()
    record(
        actor,
        "assessment.reopened",
        assessment,
        candidacy_id=assessment.interview.round.candidacy_id,
        reason=reason,
        interviewer_id=assessment.interviewer_id,
    )
    return assessment


def assessments_of_candidacy(candidacy: Candidacy) -> list[Assessment]:
    """Every assessment of a candidacy, with ratings, in one query plus one for ratings."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .join(Interview, Interview.id == Assessment.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .where(Round.candidacy_id == candidacy.id)
            .order_by(Interview.starts_at, Assessment.id)
        ).unique()
    )


def visible_assessments(viewer: User, candidacy: Candidacy) -> list[Assessment]:
    """What the viewer may read: everything, or only their own until theirs are all in."""
    every = assessments_of_candidacy(candidacy)
    if can_see_others_assessments(viewer, candidacy):
        return [a for a in every if a.is_submitted or a.interviewer_id == viewer.id]
    return [a for a in every if a.interviewer_id == viewer.id]
