"""A job's shortlist, side-by-side comparison, and decisions on candidacies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import current_app, g
from pydantic import Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.candidates import CandidacyStateName, DecisionOut
from coordinator.api.core import Out, PageQuery, Schema, endpoint
from coordinator.assessments.models import SCALE, Assessment
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import get_candidacy
from coordinator.candidates.permissions import can_view_candidate_contact
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.jobs.models import Job
from coordinator.jobs.operations import get_job
from coordinator.shortlist import aggregates, calibration, operations
from coordinator.shortlist.forms import parse_ids
from coordinator.shortlist.permissions import can_decide, can_reach_shortlists, can_view_shortlist
from coordinator.timeutil import isoformat_z

OutcomeName = Literal["advance", "hold", "reject", "offer"]
RecommendationName = Literal["strong_no", "no", "yes", "strong_yes"]
ScopeName = Literal["job", "organisation", "none"]

# --- shapes --------------------------------------------------------------------------------------


class ShortlistFilterQuery(Schema):
    state: (
        Annotated[
            str,
            Field(
                max_length=200,
                description="Comma-separated candidacy states (default: active,shortlisted).",
                examples=["active,shortlisted,offer"],
            ),
        ]
        | None
    ) = None
    round_id: (
        Annotated[
            int,
            Field(ge=1, description="Only candidacies with this planned round of the job opened."),
        ]
        | None
    ) = None


class ShortlistQuery(PageQuery, ShortlistFilterQuery):
    sort: (
        Annotated[
            str,
            Field(
                max_length=40,
                description="name, state, rounds_done, missing, spread, raw, calibrated, yes, "
                "decided or criterion:<id>; a leading - sorts descending. Default: name.",
                examples=["-calibrated"],
            ),
        ]
        | None
    ) = None


class CompareQuery(Schema):
    ids: Annotated[
        str,
        Field(
            max_length=200,
            description="2 to 4 comma-separated candidacy ids of this job.",
            examples=["12,15"],
        ),
    ]


class ShortlistCandidateOut(Out):
    id: int
    name: str
    time_zone: str
    email: str | None = Field(description="Only for recruiters and admins; null for others.")


class CriterionOut(Out):
    criterion_id: int
    title: str


class CriterionStatOut(CriterionOut):
    mean: float | None = Field(description="Mean of submitted ratings (1–4); null without any.")
    count: int = Field(description="Submitted ratings counted.")


class RecommendationsOut(Out):
    strong_no: int
    no: int
    yes: int
    strong_yes: int


class ShortlistRowOut(Out):
    candidacy_id: int
    candidate: ShortlistCandidateOut
    state: CandidacyStateName
    rounds_done: int = Field(description="Planned rounds whose live interviews have all ended.")
    next_round: str | None = Field(description="The first planned round not done yet.")
    withheld: bool = Field(
        description="The viewer still owes an assessment of this candidacy (an interview on "
        "whose panel they sit, held, recorded after the fact or still to come, without their "
        "submitted assessment): per_criterion, recommendations, spread, raw_score, "
        "calibrated_score and the last decision's reason are null until they submit it."
    )
    per_criterion: list[CriterionStatOut] | None = Field(description="Null while withheld.")
    recommendations: RecommendationsOut | None = Field(description="Null while withheld.")
    spread: float | None = Field(
        description="Population standard deviation of the interviewers' overall means "
        "(null with fewer than two interviewers, or while withheld)."
    )
    missing_assessments: int = Field(
        description="Panel seats of interviews that have started without a submitted assessment."
    )
    raw_score: float | None = Field(
        description="Mean of the assessments' overall scores; null without any, or while withheld."
    )
    calibrated_score: float | None = Field(
        description="Raw score corrected for interviewers' leniency; null with too little data, "
        "or while withheld."
    )
    last_decision: DecisionOut | None

    @classmethod
    def of(cls, row: aggregates.ShortlistRow) -> ShortlistRowOut:
        return cls.model_validate(row_fields(row, can_view_candidate_contact(g.user)))


class CalibrationOut(Out):
    scope: ScopeName = Field(
        description="Where interviewers' leniency was estimated: this job, the whole "
        "organisation (too few shared interviews in the job), or none (too little data)."
    )
    method: str


class ShortlistPageOut(Out):
    items: list[ShortlistRowOut]
    page: int
    per_page: int
    total: int
    sort: str
    criteria: list[CriterionOut] = Field(description="The criteria columns, in plan order.")
    calibration: CalibrationOut


class RatingOut(Out):
    criterion_id: int
    title: str
    score: int


class VisibleAssessmentOut(Out):
    interviewer_id: int
    interviewer_name: str
    interview_id: int
    state: Literal["draft", "submitted"]
    recommendation: RecommendationName | None
    ratings: list[RatingOut]
    notes: str
    submitted_at: str | None

    @classmethod
    def of(cls, assessment: Assessment) -> VisibleAssessmentOut:
        return cls(
            interviewer_id=assessment.interviewer_id,
            interviewer_name=assessment.interviewer.name,
            interview_id=assessment.interview_id,
            state=assessment.state.value,
            recommendation=assessment.recommendation.value if assessment.recommendation else None,
            ratings=[
                RatingOut(criterion_id=r.criterion_id, title=r.criterion_title, score=r.score)
                for r in assessment.ratings
            ],
            notes=assessment.notes,
            submitted_at=isoformat_z(assessment.submitted_at),
        )


class ComparedOut(ShortlistRowOut):
    assessments: list[VisibleAssessmentOut] = Field(
        description="Each interviewer's assessment as the viewer may see it."
    )


class ComparisonOut(Out):
    criteria: list[CriterionOut]
    calibration: CalibrationOut
    candidacies: list[ComparedOut]


class ChartPointOut(Out):
    score: int = Field(description="A score of the scale (1–4).")
    meaning: str
    count: int = Field(description="Submitted ratings with this score.")


class ChartCriterionOut(CriterionOut):
    total: int = Field(description="Submitted ratings of this criterion plotted.")
    points: list[ChartPointOut] = Field(description="One per score of the scale, in order.")


class ShortlistChartOut(Out):
    criteria: list[ChartCriterionOut] = Field(description="The criteria columns, in plan order.")
    candidacies: int = Field(description="Candidacies the filters select.")
    withheld_candidacies: int = Field(
        description="Of those, the candidacies left out of the chart because the viewer still "
        "owes an assessment of them."
    )


class DecisionIn(Schema):
    multi_line = frozenset({"reason"})

    outcome: OutcomeName
    reason: Annotated[str, Field(min_length=1, max_length=operations.MAX_REASON)]
    confirm_missing: bool = Field(
        False, description="Decide although assessments are missing (the count is recorded)."
    )


# --- endpoints -----------------------------------------------------------------------------------


def _states(text: str | None) -> list[CandidacyState]:
    if not text:
        return list(aggregates.DEFAULT_STATES)
    states = []
    for part in (p.strip() for p in text.split(",")):
        try:
            states.append(CandidacyState(part))
        except ValueError as err:
            known = ", ".join(s.value for s in CandidacyState)
            raise RuleViolation("state", f"Unknown state “{part[:40]}”: use {known}.") from err
    return states


def _calibration(scope: str) -> CalibrationOut:
    return CalibrationOut(scope=scope, method=calibration.METHOD)  # type: ignore[arg-type]


def _viewed_job(job_id: int, query: ShortlistFilterQuery) -> tuple[Job, list[CandidacyState]]:
    """The job (if the viewer may see its shortlist) and the states its filters ask for."""
    job = get_job(job_id)
    require(can_view_shortlist(g.user, job))
    states = _states(query.state)
    if query.round_id is not None and query.round_id not in {p.id for p in job.planned_rounds}:
        raise RuleViolation("round_id", "That round is not in this job's plan.")
    return job, states


@endpoint(
    bp,
    "GET",
    "/jobs/<int:job_id>/shortlist",
    summary="A job's shortlist (recruiters, admins, the job's hiring manager)",
    allow=can_reach_shortlists,
    query=ShortlistQuery,
    response=ShortlistPageOut,
    paginated=True,
    tag="shortlist",
    description="One row per candidacy with per-criterion means of submitted ratings, the "
    "recommendation tally, spread, missing assessments, raw and calibrated "
    "scores. Sorted, then paginated. A row the viewer still owes an assessment of is "
    "`withheld`: its ratings, recommendations, spread, scores and decision reason are null "
    "(and it sorts with the empty values).",
)
def job_shortlist(job_id: int, query: ShortlistQuery) -> Any:
    job, states = _viewed_job(job_id, query)
    criterion = aggregates.asked_criterion(query.sort)
    shortlist = aggregates.build(
        job,
        states=states,
        planned_round_id=query.round_id,
        criterion_means=criterion if criterion is not None else False,
        viewer=g.user,
    )
    # Checked against the plan the cached rows carry (no statement of its own).
    key, descending = aggregates.parse_sort(query.sort, shortlist.plan)
    rows = aggregates.sorted_rows(shortlist, key, descending)
    start = (query.page - 1) * query.per_page
    page = rows[start : start + query.per_page]
    aggregates.load_criterion_means(page)
    contact = can_view_candidate_contact(g.user)
    # Plain JSON shaped as ShortlistPageOut (the documented response): validating what is built
    # here from the cached figures would only cost time. A row not withheld shows the same to
    # every viewer who may (or may not) see contact details, for the same criteria columns:
    # its JSON is kept with the cached rows under those.
    kept = shortlist.derived.setdefault(("api_rows", contact, tuple(shortlist.criteria)), {})
    items = []
    for row in page:
        item = None if row.withheld else kept.get(row.candidacy.id)
        if item is None:
            item = _dumps(row_fields(row, contact))
            if not row.withheld:
                kept[row.candidacy.id] = item
        items.append(item)
    envelope = {
        "calibration": {"scope": shortlist.calibration_scope, "method": calibration.METHOD},
        "criteria": [{"criterion_id": cid, "title": title} for cid, title in shortlist.criteria],
        "items": None,
        "page": query.page,
        "per_page": query.per_page,
        "sort": ("-" if descending else "") + key,
        "total": len(rows),
    }
    # The keys already in the order the app's JSON provider writes them (sorted), the items
    # spliced in as kept.
    body = ",".join(
        f"{_dumps(name)}:[{','.join(items)}]"
        if name == "items"
        else f"{_dumps(name)}:{_dumps(value)}"
        for name, value in envelope.items()
    )
    db.session.commit()  # keeps the rows a cache miss computed
    return current_app.response_class(f"{{{body}}}\n", mimetype=current_app.json.mimetype)


def _dumps(value: Any) -> str:
    """JSON as the app writes it (its provider's key order, escaping), compact."""
    return current_app.json.dumps(value, separators=(",", ":"))


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def row_fields(row: aggregates.ShortlistRow, contact: bool) -> dict[str, Any]:
    """A shortlist row as :class:`ShortlistRowOut` dumps it, as a plain dict (``contact``:
    whether the viewer may see candidates' email addresses). The one mapping of a row to the
    documented fields: the shortlist writes it as it is, the comparison validates it."""
    candidate = row.candidate
    decision = row.last_decision
    withheld = row.withheld
    return {
        "candidacy_id": row.candidacy.id,
        "candidate": {
            "id": candidate.id,
            "name": candidate.name,
            "time_zone": candidate.time_zone,
            "email": candidate.email if contact else None,
        },
        "state": row.candidacy.state.value,
        "rounds_done": row.rounds_done,
        "next_round": row.next_round,
        "withheld": withheld,
        "per_criterion": None
        if withheld
        else [
            {
                "criterion_id": s.criterion_id,
                "title": s.title,
                "mean": _float(s.mean),
                "count": s.count,
            }
            for s in row.per_criterion
        ],
        "recommendations": None if row.recommendations is None else dict(row.recommendations),
        "spread": _float(row.spread),
        "missing_assessments": row.missing_assessments,
        "raw_score": _float(row.raw_score),
        "calibrated_score": _float(row.calibrated_score),
        "last_decision": None
        if decision is None
        else {
            "id": decision.id,
            "outcome": decision.outcome.value,
            "reason": None if withheld else decision.reason,
            "withheld": withheld,
            "actor_id": decision.actor_id,
            "missing_assessments": decision.missing_assessments,
            "decided_at": isoformat_z(decision.created_at) or "",
        },
    }


@endpoint(
    bp,
    "GET",
    "/jobs/<int:job_id>/shortlist/chart",
    summary="The points of a job's shortlist chart: submitted ratings per criterion and score",
    allow=can_reach_shortlists,
    query=ShortlistFilterQuery,
    response=ShortlistChartOut,
    tag="shortlist",
    description="What the shortlist page's score distribution plots, for the same filters: "
    "how many submitted ratings of the selected candidacies (all pages) gave each score, per "
    "criterion. Candidacies the viewer still owes an assessment of are left out "
    "(counted in `withheld_candidacies`).",
)
def shortlist_chart(job_id: int, query: ShortlistFilterQuery) -> Any:
    job, states = _viewed_job(job_id, query)
    shortlist = aggregates.build(
        job,
        states=states,
        planned_round_id=query.round_id,
        criterion_means=False,
        viewer=g.user,
    )
    out = ShortlistChartOut(
        criteria=[
            ChartCriterionOut(
                criterion_id=item.criterion_id,
                title=item.title,
                total=item.total,
                points=[
                    ChartPointOut(score=score, meaning=meaning, count=item.counts[score])
                    for score, meaning in SCALE.items()
                ],
            )
            for item in aggregates.score_distribution(shortlist)
        ],
        candidacies=shortlist.total,
        withheld_candidacies=shortlist.withheld_count,
    )
    db.session.commit()  # keeps the rows a cache miss computed
    return out


@endpoint(
    bp,
    "GET",
    "/jobs/<int:job_id>/shortlist/compare",
    summary="Compare 2–4 candidacies of a job side by side",
    allow=can_reach_shortlists,
    query=CompareQuery,
    response=ComparisonOut,
    tag="shortlist",
)
def compare_candidacies(job_id: int, query: CompareQuery) -> Any:
    job = get_job(job_id)
    require(can_view_shortlist(g.user, job))
    comparison = operations.compare(job, parse_ids([query.ids]), viewer=g.user)
    out = ComparisonOut(
        criteria=[
            CriterionOut(criterion_id=cid, title=title) for cid, title in comparison.criteria
        ],
        calibration=_calibration(comparison.calibration_scope),
        candidacies=[
            ComparedOut(
                **dict(ShortlistRowOut.of(item.row)),
                assessments=[VisibleAssessmentOut.of(a) for a in item.assessments],
            )
            for item in comparison.candidacies
        ],
    )
    db.session.commit()  # keeps the rows a cache miss computed
    return out


@endpoint(
    bp,
    "POST",
    "/candidacies/<int:candidacy_id>/decisions",
    summary="Record a decision on a candidacy (append-only)",
    allow=can_reach_shortlists,
    body=DecisionIn,
    response=DecisionOut,
    status=201,
    errors=(409,),
    tag="shortlist",
    description="The candidacy's state follows the outcome. 409 `missing_assessments` "
    "while assessments are missing unless `confirm_missing` is true; 409 "
    "`closed` once the candidacy is closed. Rejecting closes the candidate's "
    "link and cancels their future interviews.",
)
def record_decision(candidacy_id: int, body: DecisionIn) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_decide(g.user, candidacy))
    decision = operations.record_decision(
        candidacy,
        actor=g.user,
        outcome=body.outcome,
        reason=body.reason,
        confirm_missing=body.confirm_missing,
    )
    db.session.commit()
    return DecisionOut.of(decision)
