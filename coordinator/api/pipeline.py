"""A job's pipeline (candidacies by round and status) and bulk actions on a selection."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import g
from pydantic import Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.candidates import CandidacyStateName
from coordinator.api.core import Id, Out, PageQuery, Schema, endpoint
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.jobs.operations import get_job
from coordinator.pipeline import operations, statuses
from coordinator.pipeline.operations import Action
from coordinator.pipeline.permissions import (
    can_reach_pipelines,
    can_reject_in_bulk,
    can_schedule_in_bulk,
    can_view_pipeline,
)
from coordinator.pipeline.statuses import NO_ROUND, Status
from coordinator.scheduling.permissions import can_schedule
from coordinator.shortlist.operations import MAX_REASON
from coordinator.timeutil import isoformat_z, utcnow

StatusName = Literal["waiting_to_schedule", "scheduled", "awaiting_assessments",
                     "ready_for_decision", "offer", "on_hold", "closed"]
ActionName = Literal["open_next_round", "send_self_schedule", "reject"]


class PipelineQuery(PageQuery):
    status: Annotated[str, Field(
        max_length=300, description="Comma-separated statuses (default: every status).",
        examples=["waiting_to_schedule,ready_for_decision"])] | None = None
    round_id: Annotated[str, Field(
        max_length=12, description="The current round: a planned round id of the job, or "
        "`none` for candidacies with no round yet.", examples=["12", "none"])] | None = None
    state: Annotated[str, Field(
        max_length=200, description="Comma-separated candidacy states "
        "(default: active,shortlisted,offer).", examples=["active,shortlisted"])] | None = None
    q: Annotated[str, Field(max_length=200,
                            description="Part of the candidate's name.")] | None = None


class PipelineCandidateOut(Out):
    id: int
    name: str


class PipelineRoundOut(Out):
    planned_round_id: int
    title: str
    round_id: int | None = Field(description="The candidacy's round (null for a next round "
                                 "that is not open yet).")
    state: Literal["open", "done", "cancelled"] | None = None


class PipelineRowOut(Out):
    candidacy_id: int
    candidate: PipelineCandidateOut
    state: CandidacyStateName
    status: StatusName
    current_round: PipelineRoundOut | None = Field(
        description="The opened round furthest along the plan; null before the first.")
    passed_current_round: bool = Field(
        description="The latest decision advanced the candidacy and no round was opened since.")
    next_round: PipelineRoundOut | None = Field(
        description="The plan's first round after the current one; null after the last.")
    next_interview_at: str | None = Field(
        description="Start of the earliest live interview that has not ended (UTC).")
    self_schedule_expires_at: str | None = Field(
        description="Deadline of an open self-scheduling offer of the current round (UTC).")


class StatusCountOut(Out):
    status: StatusName
    title: str
    count: int


class RoundCountOut(Out):
    planned_round_id: int | None = Field(description="Null: candidacies with no round yet.")
    title: str
    count: int


class PipelineCountsOut(Out):
    total: int = Field(description="Candidacies the state and name filters select.")
    by_status: list[StatusCountOut]
    by_round: list[RoundCountOut]


class PipelinePageOut(Out):
    items: list[PipelineRowOut]
    page: int
    per_page: int
    total: int = Field(description="Rows every filter selects (all pages).")
    counts: PipelineCountsOut = Field(
        description="For the state and name filters, whatever the status and round filters.")


class PipelineActionIn(Schema):
    multi_line = frozenset({"reason"})

    action: ActionName
    candidacy_ids: Annotated[list[Id], Field(min_length=1,
                                             max_length=operations.MAX_SELECTION)]
    reason: Annotated[str, Field(max_length=MAX_REASON, description="Required to reject.")] \
        | None = None
    interviewer_ids: Annotated[list[Id], Field(
        max_length=12, description="Self-scheduling: required interviewers (default: those of "
        "the round's last offer).")] = []
    pool_ids: Annotated[list[Id], Field(max_length=12,
                                        description="Self-scheduling: a pool.")] = []
    pool_size: Annotated[int, Field(ge=0, le=12,
                                    description="Self-scheduling: how many of the pool.")] = 0


class PipelineResultOut(Out):
    candidacy_id: int
    candidate_name: str
    ok: bool
    detail: str = Field(description="What was done, or why it was not.")
    round_id: int | None = None


class PipelineActionOut(Out):
    action: ActionName
    done: int
    failed: int
    summary: str
    results: list[PipelineResultOut]


def _filters(job: Any, query: PipelineQuery) -> statuses.Filters:
    errors: dict[str, list[str]] = {}
    chosen_statuses: list[Status] = []
    for part in (p.strip() for p in (query.status or "").split(",") if p.strip()):
        try:
            chosen_statuses.append(Status(part))
        except ValueError:
            known = ", ".join(s.value for s in Status)
            errors.setdefault("status", []).append(f"Unknown status “{part[:40]}”: use {known}.")
    states: list[CandidacyState] = []
    for part in (p.strip() for p in (query.state or "").split(",") if p.strip()):
        try:
            states.append(CandidacyState(part))
        except ValueError:
            known = ", ".join(s.value for s in CandidacyState)
            errors.setdefault("state", []).append(f"Unknown state “{part[:40]}”: use {known}.")
    round_: int | str | None = None
    if query.round_id:
        if query.round_id == NO_ROUND:
            round_ = NO_ROUND
        elif query.round_id.isdigit() and int(query.round_id) in {
                p.id for p in job.planned_rounds}:
            round_ = int(query.round_id)
        else:
            errors["round_id"] = ["Give a planned round id of this job's plan, or `none`."]
    if errors:
        raise RuleViolation.many(errors)
    return statuses.Filters(statuses=tuple(chosen_statuses), round=round_,
                            states=tuple(states) or statuses.DEFAULT_STATES,
                            text=(query.q or "").strip())


def _round(planned: Any, round_id: int | None = None, state: Any = None) -> PipelineRoundOut:
    return PipelineRoundOut(planned_round_id=planned.id, title=planned.title, round_id=round_id,
                            state=state.value if state is not None else None)


def _row(row: statuses.Row) -> PipelineRowOut:
    return PipelineRowOut(
        candidacy_id=row.candidacy.id,
        candidate=PipelineCandidateOut(id=row.candidate.id, name=row.candidate.name),
        state=row.candidacy.state.value,
        status=row.status.value,
        current_round=_round(row.round, row.round_id, row.round_state) if row.round else None,
        passed_current_round=row.passed,
        next_round=_round(row.next_round) if row.next_round else None,
        next_interview_at=isoformat_z(row.next_interview_at),
        self_schedule_expires_at=isoformat_z(row.offer_expires_at),
    )


@endpoint(
    bp, "GET", "/jobs/<int:job_id>/pipeline",
    summary="A job's pipeline: candidacies by round and status, with counts",
    allow=can_reach_pipelines, query=PipelineQuery, response=PipelinePageOut, paginated=True,
    tag="pipeline",
    description="Statuses: `waiting_to_schedule` (no round yet, a passed round with no next "
    "round, or an open round with no interview), `scheduled` (a live interview has not ended), "
    "`awaiting_assessments` (an interview started and assessments are owed), "
    "`ready_for_decision` (all assessments in, no decision since), `offer` (state offer or "
    "hired, or a compensation stage), `on_hold`, `closed`. Rows by candidate name. For "
    "recruiters, admins and the job's hiring manager.",
)
def job_pipeline(job_id: int, query: PipelineQuery) -> Any:
    job = get_job(job_id)
    require(can_view_pipeline(g.user, job))
    filters = _filters(job, query)
    pipeline = statuses.build(job, filters, now=utcnow(), page=query.page,
                              per_page=query.per_page)
    counts = pipeline.counts
    return PipelinePageOut(
        items=[_row(row) for row in pipeline.rows],
        page=query.page, per_page=query.per_page, total=pipeline.total,
        counts=PipelineCountsOut(
            total=counts.total,
            by_status=[StatusCountOut(status=s.value, title=s.title, count=n)
                       for s, n in counts.by_status.items()],
            by_round=[RoundCountOut(planned_round_id=p.id if p else None,
                                    title=p.title if p else "No round yet", count=n)
                      for p, n in counts.by_round],
        ),
    )


@endpoint(
    bp, "POST", "/jobs/<int:job_id>/pipeline/actions",
    summary="Apply one action to selected candidacies of a job, each on its own",
    allow=can_reach_pipelines, body=PipelineActionIn, response=PipelineActionOut,
    tag="pipeline",
    description="`open_next_round` opens the plan's next round; `send_self_schedule` offers "
    "the open round for self-scheduling over the next 14 days at its planned duration, "
    "answerable within 3 days, with the interviewers given (else those of the round's last "
    "offer); `reject` records a reject decision with `reason` (required). Recruiters and "
    "admins may take every action, the job's hiring manager only `reject`. Each candidacy "
    "runs on its own: a failure leaves it unchanged and is reported in `results` with why; "
    "the answer is `200` whatever the mix.",
)
def pipeline_actions(job_id: int, body: PipelineActionIn) -> Any:
    job = get_job(job_id)
    require(can_view_pipeline(g.user, job))
    action = Action(body.action)
    if action is not Action.reject:
        require(can_schedule(g.user), "Only recruiters and admins open rounds and offer "
                "self-scheduling.")
    candidacies = operations.selection(job, body.candidacy_ids)
    allowed = can_reject_in_bulk if action is Action.reject else can_schedule_in_bulk
    for candidacy in candidacies:
        require(allowed(g.user, candidacy))
    report = operations.run(
        job, action, candidacies, actor=g.user, reason=body.reason or "",
        people=operations.People(list(body.interviewer_ids), list(body.pool_ids),
                                 body.pool_size),
    )
    db.session.commit()
    return PipelineActionOut(
        action=action.value, done=len(report.done), failed=len(report.failed),
        summary=report.summary(),
        results=[PipelineResultOut(candidacy_id=r.candidacy_id, candidate_name=r.name,
                                   ok=r.done, detail=r.detail, round_id=r.round_id)
                 for r in report.results],
    )
