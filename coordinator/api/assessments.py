"""Assessments: an interview's scorecard, one's own assessment (draft, submit), reading them as
independence allows, and reopening a submitted one (recruiters)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import g
from pydantic import Field

from coordinator.access import require
from coordinator.accounts.permissions import is_signed_in
from coordinator.api import bp
from coordinator.api.core import Out, Schema, endpoint
from coordinator.api.jobs import RelationshipName
from coordinator.assessments import operations
from coordinator.assessments.models import SCALE, Assessment, Recommendation
from coordinator.assessments.overview import candidacy_assessments
from coordinator.assessments.permissions import (
    can_assess,
    can_reopen,
    can_view_assessment,
    can_view_assessments,
)
from coordinator.candidates.operations import get_candidacy
from coordinator.candidates.permissions import can_view_candidacies, can_view_candidacy
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.scheduling.models import Interview
from coordinator.scheduling.operations import get_interview
from coordinator.timeutil import isoformat_z

RecommendationName = Literal["strong_no", "no", "yes", "strong_yes"]

# --- shapes --------------------------------------------------------------------------------------


class AssessmentIn(Schema):
    multi_line = frozenset({"notes", "notes_for_later"})

    ratings: Annotated[
        dict[str, int | None],
        Field(
            max_length=200,
            description="criterion id → score on the 1–4 scale (null: unrated)",
            examples=[{"12": 3, "13": 4}],
        ),
    ] = {}
    recommendation: RecommendationName | None = None
    notes: Annotated[str, Field(max_length=operations.MAX_NOTES)] = ""
    notes_for_later: Annotated[
        str,
        Field(
            max_length=operations.MAX_NOTES,
            description="Shown to later rounds' interviewers in their brief (without ratings).",
        ),
    ] = ""
    submit: bool = Field(
        False,
        description="Submit (locks it; needs every required rating and a recommendation, "
        "and the interview to have started); false saves a draft.",
    )


class ReopenIn(Schema):
    multi_line = frozenset({"reason"})

    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class RatingOut(Out):
    criterion_id: int
    criterion_title: str = Field(description="The criterion's title when it was rated.")
    position: int
    score: int
    label: str


class AssessmentOut(Out):
    id: int
    interview_id: int
    candidacy_id: int
    interviewer_id: int
    interviewer_name: str
    state: Literal["draft", "submitted"]
    recommendation: RecommendationName | None
    ratings: dict[str, int] = Field(description="criterion id → score")
    rated_criteria: list[RatingOut]
    notes: str
    notes_for_later: str
    submitted_at: str | None
    updated_at: str

    @classmethod
    def of(cls, assessment: Assessment, interview: Interview | None = None) -> AssessmentOut:
        interview = interview or assessment.interview
        return cls(
            id=assessment.id,
            interview_id=assessment.interview_id,
            candidacy_id=interview.round.candidacy_id,
            interviewer_id=assessment.interviewer_id,
            interviewer_name=assessment.interviewer.name,
            state=assessment.state.value,
            recommendation=assessment.recommendation.value if assessment.recommendation else None,
            ratings={str(r.criterion_id): r.score for r in assessment.ratings},
            rated_criteria=[
                RatingOut(
                    criterion_id=r.criterion_id,
                    criterion_title=r.criterion_title,
                    position=r.position,
                    score=r.score,
                    label=SCALE[r.score],
                )
                for r in assessment.ratings
            ],
            notes=assessment.notes,
            notes_for_later=assessment.notes_for_later,
            submitted_at=isoformat_z(assessment.submitted_at),
            updated_at=isoformat_z(assessment.updated_at) or "",
        )


class CriterionOut(Out):
    id: int
    position: int
    title: str
    guidance: str
    is_required: bool
    relationship: RelationshipName | None


class LevelOut(Out):
    score: int
    label: str


class ScorecardOut(Out):
    interview_id: int
    criteria: list[CriterionOut]
    scale: list[LevelOut]
    recommendations: list[RecommendationName]


class WaitingOut(Out):
    interview_id: int
    user_id: int
    name: str
    due_at: str
    is_late: bool
    has_draft: bool


class CandidacyAssessmentsOut(Out):
    candidacy_id: int
    sees_others: bool = Field(description="False: only your own, until you owe none here.")
    pending_own: int
    items: list[AssessmentOut]
    waiting: list[WaitingOut]


# --- helpers -------------------------------------------------------------------------------------


def _ratings(raw: dict[str, int | None]) -> dict[int, int | None]:
    """JSON keys are strings; criterion ids are whole numbers."""
    ratings: dict[int, int | None] = {}
    errors: dict[str, list[str]] = {}
    for key, score in raw.items():
        if not key.isascii() or not key.isdigit() or len(key) > 10:
            errors[f"ratings.{key}"] = ["Use the criterion's id (a whole number) as the key."]
        else:
            ratings[int(key)] = score
    if errors:
        raise RuleViolation.many(errors)
    return ratings


def _mine(interview: Interview) -> Assessment:
    assessment = operations.find(interview, g.user)
    if assessment is None:
        raise NotFound("You have not started an assessment of this interview.")
    return assessment


# --- endpoints -----------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "/interviews/<int:interview_id>/scorecard",
    summary="The criteria, scale and recommendations an interview is assessed on",
    allow=is_signed_in,
    response=ScorecardOut,
    tag="assessments",
)
def show_scorecard(interview_id: int) -> Any:
    interview = get_interview(interview_id)
    require(can_view_assessments(g.user, interview))
    return ScorecardOut(
        interview_id=interview.id,
        criteria=[
            CriterionOut(
                id=c.id,
                position=c.position,
                title=c.title,
                guidance=c.guidance,
                is_required=c.is_required,
                relationship=c.relationship.value if c.relationship else None,
            )
            for c in operations.scorecard(interview)
        ],
        scale=[LevelOut(score=score, label=label) for score, label in SCALE.items()],
        recommendations=[r.value for r in Recommendation],
    )


@endpoint(
    bp,
    "GET",
    "/interviews/<int:interview_id>/assessments",
    summary="An interview's assessments (blind: only your own until you owe none here)",
    description="Recruiters, admins and the job's hiring manager get every submitted assessment; "
    "a panel member gets their own, and the others' submitted ones once they have submitted "
    "every assessment they owe for this candidacy. Whoever still owes one sees only their own.",
    allow=is_signed_in,
    response=list[AssessmentOut],
    tag="assessments",
)
def list_interview_assessments(interview_id: int) -> Any:
    interview = get_interview(interview_id)
    require(can_view_assessments(g.user, interview))
    visible = operations.visible_assessments(g.user, interview.round.candidacy)
    return [AssessmentOut.of(a, interview) for a in visible if a.interview_id == interview.id]


@endpoint(
    bp,
    "GET",
    "/interviews/<int:interview_id>/assessments/mine",
    summary="Your own assessment of an interview",
    allow=is_signed_in,
    response=AssessmentOut,
    tag="assessments",
)
def show_my_assessment(interview_id: int) -> Any:
    interview = get_interview(interview_id)
    require(
        can_assess(g.user, interview),
        "Only interviewers on this interview's panel have an assessment of it.",
    )
    return AssessmentOut.of(_mine(interview), interview)


@endpoint(
    bp,
    "PUT",
    "/interviews/<int:interview_id>/assessments/mine",
    summary="Save your assessment as a draft, or submit it",
    description="`403` when you are not on the panel; `409` (kind `already_submitted`) once it "
    "is submitted; `422` for a rating off the 1–4 scale, a criterion from another scorecard, a "
    "submission before the interview starts, or one missing a required rating or the "
    "recommendation. Nothing is saved when anything is refused.",
    allow=is_signed_in,
    body=AssessmentIn,
    response=AssessmentOut,
    errors=(409,),
    tag="assessments",
)
def put_my_assessment(interview_id: int, body: AssessmentIn) -> Any:
    interview = operations.interview_to_assess(interview_id)
    require(
        can_assess(g.user, interview), "Only interviewers on this interview's panel can assess it."
    )
    assessment = operations.save_assessment(
        interview,
        actor=g.user,
        ratings=_ratings(body.ratings),
        recommendation=body.recommendation,
        notes=body.notes,
        notes_for_later=body.notes_for_later,
        submit=body.submit,
    )
    # Serialised before the commit, which would expire (and reload) everything it shows.
    result = AssessmentOut.of(assessment, interview)
    db.session.commit()
    return result


@endpoint(
    bp,
    "GET",
    "/assessments/<int:assessment_id>",
    summary="One assessment (yours, or a colleague's once you may read them)",
    allow=is_signed_in,
    response=AssessmentOut,
    tag="assessments",
)
def show_assessment(assessment_id: int) -> Any:
    assessment = operations.get_assessment(assessment_id)
    require(
        can_view_assessment(g.user, assessment),
        "You can read colleagues' assessments of this candidate once you have submitted yours.",
    )
    return AssessmentOut.of(assessment)


@endpoint(
    bp,
    "POST",
    "/assessments/<int:assessment_id>/reopen",
    summary="Reopen a submitted assessment (the reason is recorded)",
    allow=can_reopen,
    body=ReopenIn,
    response=AssessmentOut,
    errors=(409,),
    tag="assessments",
)
def reopen_assessment(assessment_id: int, body: ReopenIn) -> Any:
    assessment = operations.get_assessment(assessment_id)
    operations.reopen_assessment(assessment, actor=g.user, reason=body.reason)
    result = AssessmentOut.of(assessment)
    db.session.commit()
    return result


@endpoint(
    bp,
    "GET",
    "/candidacies/<int:candidacy_id>/assessments",
    summary="A candidacy's assessments as you may see them, and who has not yet submitted",
    allow=can_view_candidacies,
    response=CandidacyAssessmentsOut,
    tag="assessments",
)
def list_candidacy_assessments(candidacy_id: int) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_view_candidacy(g.user, candidacy))
    overview = candidacy_assessments(g.user, candidacy)
    interviews = {i.id: i for r in overview.rounds for i in r.interviews}
    return CandidacyAssessmentsOut(
        candidacy_id=candidacy.id,
        sees_others=overview.sees_others,
        pending_own=overview.pending_own,
        items=[
            AssessmentOut.of(a, interviews.get(a.interview_id))
            for r in overview.rounds
            for a in r.assessments
        ],
        waiting=[
            WaitingOut(
                interview_id=w.interview.id,
                user_id=w.user.id,
                name=w.user.name,
                due_at=isoformat_z(w.due_at) or "",
                is_late=w.is_late,
                has_draft=w.has_draft,
            )
            for r in overview.rounds
            for w in r.waiting
        ],
    )
