"""Assessment operations: save a draft, submit, reopen; visibility-aware reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.models import (
    SCALE,
    Assessment,
    AssessmentState,
    Rating,
    Recommendation,
)
from coordinator.assessments.permissions import (
    can_assess,
    can_reopen,
    can_see_others_assessments,
)
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy
from coordinator.db import db, upsert_insert
from coordinator.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coordinator.events import assessment_submitted
from coordinator.jobs.models import Criterion, PlannedRound
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import utcnow

MAX_NOTES = 20_000


def due_at(interview: Interview) -> datetime:
    """When the panel's assessments are due: a set time (per job) after the interview ends."""
    return interview.ends_at + timedelta(hours=interview.round.candidacy.job.assessment_due_hours)


#: What showing an assessment needs: its interviewer and ratings (relationships are lazy).
SHOWN = (sa.orm.joinedload(Assessment.interviewer), sa.orm.selectinload(Assessment.ratings))


def scorecard(interview: Interview) -> list[Criterion]:
    """The criteria an interview is rated on (its planned round's, in order, not retired)."""
    return [c for c in interview.round.planned_round.criteria if not c.is_retired]


def find(interview: Interview, user: User, *, for_update: bool = False) -> Assessment | None:
    """The user's own assessment of an interview, if they started one.

    ``for_update`` locks the row (PostgreSQL), so two submissions at once cannot both pass the
    "already submitted" check; SQLite's write lock serialises them anyway. The locked row comes
    with its ratings (joined into the same statement), which saving rewrites.
    """
    if for_update:
        return (
            db.session.scalars(_FIND_FOR_UPDATE, {"interview_id": interview.id, "user_id": user.id})
            .unique()
            .first()
        )
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.interview_id == interview.id, Assessment.interviewer_id == user.id
        )
    )


#: Built once (a statement object keeps its cache key): the row locked, its ratings joined.
_FIND_FOR_UPDATE = (
    sa.select(Assessment)
    .options(sa.orm.joinedload(Assessment.ratings))
    .where(
        Assessment.interview_id == sa.bindparam("interview_id"),
        Assessment.interviewer_id == sa.bindparam("user_id"),
    )
    .with_for_update(of=Assessment)
    .execution_options(populate_existing=True)
)


def _refuse_submitted(assessment: Assessment) -> None:
    if assessment.is_submitted:
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


def _start(interview: Interview, user: User) -> Assessment:
    """The user's empty draft of the interview, created unless another request did meanwhile,
    and locked as :func:`find` locks it.

    Two first saves at once (two tabs) both find no draft; each inserting one, the second
    would trip over the uniqueness of (interview, interviewer). So the row is inserted only when
    absent (``ON CONFLICT DO NOTHING``, which on PostgreSQL waits for the other insert's
    transaction to end) and then read locked: the second save updates the first's draft, or
    finds it submitted. Called once the save's input passed its checks.
    """
    db.session.execute(
        upsert_insert(db.session.get_bind().dialect.name)(Assessment)
        .values(
            interview_id=interview.id,
            interviewer_id=user.id,
            state=AssessmentState.draft,
            notes="",
            notes_for_later="",
        )
        .on_conflict_do_nothing(index_elements=["interview_id", "interviewer_id"])
    )
    assessment = find(interview, user, for_update=True)
    assert assessment is not None  # inserted above, or by the request it waited for
    return assessment


#: Built once: an interview with what saving an assessment of it reads (its panel's seats, its
#: round and the round's scorecard), in one statement. The scorecard is a handful of criteria
#: and the panel a handful of seats, so joining both costs a few rows, not a second statement.
_INTERVIEW_TO_ASSESS = (
    sa.select(Interview)
    .where(Interview.id == sa.bindparam("id"))
    .options(
        sa.orm.joinedload(Interview.round)
        .joinedload(Round.planned_round)
        .joinedload(PlannedRound.criteria),
        sa.orm.joinedload(Interview.panel),
    )
)


def interview_to_assess(interview_id: int) -> Interview:
    """The interview an assessment is saved for, with its panel and scorecard (404 if none).

    Lighter than :func:`coordinator.scheduling.operations.get_interview`, which also loads the
    candidacy, job, candidate and the panel's users that saving never reads.
    """
    interview = db.session.scalars(_INTERVIEW_TO_ASSESS, {"id": interview_id}).unique().first()
    if interview is None:
        raise NotFound("No such interview.")
    return interview


def get_assessment(assessment_id: int) -> Assessment:
    assessment = db.session.get(
        Assessment,
        assessment_id,
        options=[*SHOWN, sa.orm.joinedload(Assessment.interview).joinedload(Interview.round)],
    )
    if assessment is None:
        raise NotFound("No such assessment.")
    return assessment


def get_interview_assessment(interview: Interview, assessment_id: int) -> Assessment:
    """An assessment reached through its interview (404 through the wrong one)."""
    assessment = db.session.scalar(
        sa.select(Assessment)
        .options(*SHOWN)
        .where(Assessment.id == assessment_id, Assessment.interview_id == interview.id)
    )
    if assessment is None:
        raise NotFound("No such assessment of this interview.")
    return assessment


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
    assessment = find(interview, actor, for_update=True)
    if assessment is not None:
        _refuse_submitted(assessment)
    criteria = {c.id: c for c in scorecard(interview)}
    errors: dict[str, list[str]] = {}
    scores: dict[int, int] = {}
    for criterion_id, score in ratings.items():
        field = f"ratings.{criterion_id}"
        if criterion_id not in criteria:
            errors[field] = ["That criterion is not on this interview's scorecard."]
        elif score is None:
            continue
        elif isinstance(score, bool) or not isinstance(score, int) or score not in SCALE:
            errors[field] = ["Rate from 1 to 4."]
        else:
            scores[criterion_id] = score
    chosen: Recommendation | None = None
    if recommendation:
        try:
            chosen = Recommendation(recommendation)
        except ValueError:
            errors["recommendation"] = ["Choose strong_no, no, yes or strong_yes."]
    for name, text in (("notes", notes), ("notes_for_later", notes_for_later)):
        if len(text or "") > MAX_NOTES:
            errors[name] = [f"At most {MAX_NOTES:,} characters."]
    if errors:
        raise RuleViolation.many(errors)
    if submit:
        if utcnow() < interview.starts_at:
            raise RuleViolation(
                "submit", "You can submit once the interview has started; save a draft until then."
            )
        for criterion in criteria.values():
            if criterion.is_required and criterion.id not in scores:
                errors[f"ratings.{criterion.id}"] = [f"Rate “{criterion.title}” (required)."]
        if chosen is None:
            errors["recommendation"] = ["Give an overall recommendation."]
        if errors:
            raise RuleViolation.many(errors)

    if assessment is None:
        assessment = _start(interview, actor)
        _refuse_submitted(assessment)  # submitted by a request this one waited for
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
    assessment.store_sums()
    # The draft has its id (it was read, or inserted, above): the audit row goes into the same
    # flush as the changes, one flush rather than one for each.
    record(
        actor,
        "assessment.submitted" if submit else "assessment.saved",
        assessment,
        candidacy_id=interview.round.candidacy_id,
        interview_id=interview.id,
    )
    db.session.flush()
    if submit:
        assessment_submitted.send(assessment, actor=actor)
    return assessment


def reopen_assessment(assessment: Assessment, *, actor: User, reason: str) -> Assessment:
    """Unlock a submitted assessment so its interviewer can change it; the reason is recorded."""
    if not can_reopen(actor):
        raise PermissionDenied("Only recruiters and admins reopen assessments.")
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
    assessment.store_sums()
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
            .options(*SHOWN, sa.orm.contains_eager(Assessment.interview))
            .where(Round.candidacy_id == candidacy.id)
            .order_by(Interview.starts_at, Assessment.id)
        ).unique()
    )


def visible_among(every: list[Assessment], viewer: User, sees_others: bool) -> list[Assessment]:
    """The viewer's own (draft or not), plus others' submitted ones when ``sees_others``."""
    return [a for a in every if a.interviewer_id == viewer.id or (sees_others and a.is_submitted)]


def visible_assessments(viewer: User, candidacy: Candidacy) -> list[Assessment]:
    """What the viewer may read: everything, or only their own until theirs are all in."""
    every = assessments_of_candidacy(candidacy)
    return visible_among(every, viewer, can_see_others_assessments(viewer, candidacy))


def _describe_reopened(event: Any) -> str:
    reason = (event.details or {}).get("reason")
    return f"Assessment reopened: {reason}" if reason else "Assessment reopened"


def register() -> None:
    """Say in candidacy histories what assessment events mean (no content, just the facts)."""
    from coordinator.audit.history import DESCRIPTIONS

    DESCRIPTIONS.setdefault("assessment.saved", lambda event: "Assessment draft saved")
    DESCRIPTIONS.setdefault("assessment.submitted", lambda event: "Assessment submitted")
    DESCRIPTIONS.setdefault("assessment.reopened", _describe_reopened)
