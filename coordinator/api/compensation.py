"""A candidacy's compensation stage: expectations, the band, proposals, approval, outcome.

Only admins, recruiters and the job's hiring manager reach these endpoints (others get ``403``,
even for a candidacy without a stage); every answer that carries figures is written to the audit
log as ``compensation.viewed``.

Decisions: a stage is opened by opening a compensation-discussion round, explicitly with
``POST /candidacies/{id}/compensation`` (the twin of the page's "Open compensation stage"
button, for a discussion held inside another round's interview), or by a ``PUT`` on a candidacy
without one (API v1.1), which opens it and applies the change, all or nothing. ``GET`` on a
candidacy without a stage is ``404``. Every answer, errors included, says
``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Response, g, request
from pydantic import Field, field_validator

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import Id, Out, Schema, endpoint
from coordinator.api.schemas import MoneyOut, PayBandOut
from coordinator.candidates.operations import get_candidacy
from coordinator.compensation import operations
from coordinator.compensation.models import CompensationStage, Proposal
from coordinator.compensation.permissions import (
    can_decide_approval,
    can_edit_stage,
    can_reach_compensation,
    can_view_figures,
)
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.jobs.models import Job
from coordinator.timeutil import isoformat_z

PeriodName = Literal["year", "month", "hour"]
OutcomeName = Literal["agreed", "declined", "withdrawn"]
StateName = Literal["open", "agreed", "declined", "withdrawn"]
ApprovalName = Literal["not_needed", "pending", "approved", "refused"]
WhereName = Literal["below", "inside", "above", "not_comparable"]

AMOUNT_DESCRIPTION = (
    'A positive decimal string with at most two decimals, e.g. "95000.00"; '
    "at most 100,000,000 a year once annualised."
)


# --- shapes --------------------------------------------------------------------------------------


class MoneyIn(Schema):
    """Money as sent: checked by the compensation rules, so every mistake gets a clear message."""

    amount: Annotated[
        str, Field(max_length=40, description=AMOUNT_DESCRIPTION, examples=["95000.00"])
    ]
    currency: Annotated[str, Field(max_length=10, description="ISO 4217 code.", examples=["EUR"])]

    @field_validator("amount", mode="before")
    @classmethod
    def _decimal_string(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError('Give the amount as a decimal string, e.g. "95000.00".')
        return value


class CompensationPut(Schema):
    """Members present change; absent ones stay. ``null`` clears an optional value."""

    multi_line = frozenset({"expected_notes", "bonus_notes", "equity_notes", "conversion_note",
                            "proposal_notes", "outcome_reason"})

    expected: MoneyIn | None = Field(None, description="The candidate's expected base pay.")
    expected_period: PeriodName | None = None
    expected_notes: Annotated[str, Field(max_length=4000)] | None = None
    bonus_notes: Annotated[str, Field(max_length=2000)] | None = None
    equity_notes: Annotated[str, Field(max_length=2000)] | None = None
    earliest_start: date | None = Field(None, description="ISO date, not in the past.")
    notice_period: Annotated[str, Field(max_length=200)] | None = None
    conversion_note: Annotated[str, Field(max_length=1000)] | None = Field(
        None,
        description="How another currency converts to the band's (rate and date); "
        "required when the expectation or the proposal is not in the band's "
        "currency. Kept with the expectation and with a proposal sent with it.",
    )
    proposal: MoneyIn | None = Field(
        None, description="Adds a proposal; outside the band it waits for approval."
    )
    proposal_period: PeriodName | None = None
    proposal_notes: Annotated[str, Field(max_length=4000)] | None = None
    outcome: OutcomeName | None = Field(
        None,
        description="Concludes the stage (applied after any expectations and proposal "
        "in the same request); the candidacy becomes an offer, rejected or "
        "withdrawn. A concluded stage cannot change (409).",
    )
    outcome_reason: Annotated[str, Field(max_length=2000)] | None = None


class ApprovalIn(Schema):
    multi_line = frozenset({"reason"})

    proposal_id: Id = Field(
        description="The proposal decided: the current one, as read (`409` `stale_proposal` "
        "when another was made since)."
    )
    decision: Literal["approved", "refused"]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class PositionOut(Out):
    where: WhereName = Field(description="`not_comparable`: another currency than the band's.")
    by: MoneyOut | None = Field(description="The yearly gap to the band, in its currency.")
    percent: float | None = Field(description="The gap against the band's nearer end, in %.")

    @classmethod
    def of(cls, job: Job, where: operations.BandPosition | None) -> PositionOut | None:
        if where is None:
            return None
        by = MoneyOut.of(where.by, job.pay_band_currency) if where.by is not None else None
        percent = float(where.percent) if where.percent is not None else None
        return cls(where=where.where, by=by, percent=percent)


class ProposalOut(Out):
    id: int
    amount: str = Field(examples=["95000.00"])
    currency: str = Field(examples=["EUR"])
    period: PeriodName
    notes: str
    conversion_note: str
    position: PositionOut | None = Field(description="The proposal against the band.")
    approval: ApprovalName
    proposed_by: int | None = Field(description="The proposer's user id.")
    proposed_by_name: str | None
    proposed_at: str = Field(description="UTC instant, ISO 8601 with Z.")
    decided_by: int | None = Field(description="Who approved or refused it (user id).")
    decided_by_name: str | None
    decided_at: str | None
    decision_reason: str

    @classmethod
    def of(cls, job: Job, proposal: Proposal) -> ProposalOut:
        return cls(
            id=proposal.id,
            amount=MoneyOut.of(proposal.amount, proposal.currency).amount,
            currency=proposal.currency,
            period=proposal.period.value,
            notes=proposal.notes,
            conversion_note=proposal.conversion_note,
            position=PositionOut.of(
                job, operations.position(job, proposal.amount, proposal.currency, proposal.period)
            ),
            approval=operations.approval_of(proposal).value,
            proposed_by=proposal.proposed_by_id,
            proposed_by_name=proposal.proposed_by.name if proposal.proposed_by else None,
            proposed_at=isoformat_z(proposal.proposed_at) or "",
            decided_by=proposal.decided_by_id,
            decided_by_name=proposal.decided_by.name if proposal.decided_by else None,
            decided_at=isoformat_z(proposal.decided_at),
            decision_reason=proposal.decision_reason,
        )


class CompensationOut(Out):
    candidacy_id: int
    job_id: int
    expected: MoneyOut | None
    expected_period: PeriodName
    expected_notes: str
    bonus_notes: str
    equity_notes: str
    earliest_start: str | None = Field(description="ISO date.")
    notice_period: str
    conversion_note: str
    band: PayBandOut = Field(description="The job's yearly pay band.")
    position: PositionOut | None = Field(
        description="The expectation (annualised) against the band; null without one."
    )
    proposal: ProposalOut | None = Field(description="The current (latest) proposal.")
    proposals: list[ProposalOut] = Field(description="Every proposal, oldest first.")
    state: StateName
    outcome: OutcomeName | None = Field(description="Null while the stage is open.")
    outcome_reason: str
    opened_at: str
    closed_at: str | None

    @classmethod
    def of(cls, stage: CompensationStage) -> CompensationOut:
        job = stage.candidacy.job
        expected = None
        if stage.expected_amount is not None and stage.expected_currency is not None:
            expected = MoneyOut.of(stage.expected_amount, stage.expected_currency)
        proposals = [ProposalOut.of(job, p) for p in stage.proposals]
        return cls(
            candidacy_id=stage.candidacy_id,
            job_id=job.id,
            expected=expected,
            expected_period=stage.expected_period.value,
            expected_notes=stage.expected_notes,
            bonus_notes=stage.bonus_notes,
            equity_notes=stage.equity_notes,
            earliest_start=stage.earliest_start.isoformat() if stage.earliest_start else None,
            notice_period=stage.notice_period,
            conversion_note=stage.conversion_note,
            band=PayBandOut.of(job.pay_band_min, job.pay_band_max, job.pay_band_currency),
            position=PositionOut.of(
                job,
                operations.position(
                    job, stage.expected_amount, stage.expected_currency, stage.expected_period
                ),
            ),
            proposal=proposals[-1] if proposals else None,
            proposals=proposals,
            state=stage.state.value,
            outcome=None if stage.state.value == "open" else stage.state.value,
            outcome_reason=stage.outcome_reason,
            opened_at=isoformat_z(stage.created_at) or "",
            closed_at=isoformat_z(stage.closed_at),
        )


# --- loading and answering -----------------------------------------------------------------------


def _stage(candidacy_id: int, *, edit: bool = False, open_: bool = False) -> CompensationStage:
    """The candidacy's stage: 404 without a candidacy, 403 unless allowed, then 404 without one
    (``open_``: opened instead)."""
    candidacy = get_candidacy(candidacy_id)
    require(can_view_figures(g.user, candidacy.job), "Compensation figures are restricted.")
    if edit:
        require(can_edit_stage(g.user, candidacy.job))
    stage = operations.stage_of(candidacy)
    if stage is None and open_:
        return operations.open_stage(candidacy, actor=g.user)
    if stage is None:
        raise NotFound(
            "This candidacy has no compensation stage yet: open a compensation-"
            "discussion round, or POST /candidacies/{id}/compensation."
        )
    return stage


def _answer(stage: CompensationStage, where: str) -> CompensationOut:
    """The compensation as answered, its reading audited, in the request's one commit."""
    answer = CompensationOut.of(stage)
    operations.record_read(stage, actor=g.user, where=where)
    db.session.commit()
    return answer


# --- endpoints -----------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "/candidacies/<int:candidacy_id>/compensation",
    summary="A candidacy's compensation stage (recruiters, admins, the job's hiring manager)",
    allow=can_reach_compensation,
    response=CompensationOut,
    errors=(404,),
    tag="compensation",
    description="Every answer is recorded in the audit log. `404` while the candidacy has "
    "no compensation stage.",
)
def show_compensation(candidacy_id: int) -> Any:
    return _answer(_stage(candidacy_id), "api.get")


@endpoint(
    bp,
    "POST",
    "/candidacies/<int:candidacy_id>/compensation",
    summary="Open the compensation stage (for a discussion held inside another round)",
    allow=can_reach_compensation,
    response=CompensationOut,
    status=201,
    errors=(404, 409),
    tag="compensation",
    description="Opening a compensation-discussion round opens the stage too. `409` "
    "(kind `stage_exists`) when it is open already; `422` when the candidacy "
    "is closed.",
)
def open_compensation(candidacy_id: int) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_edit_stage(g.user, candidacy.job), "Compensation figures are restricted.")
    if operations.stage_of(candidacy) is not None:
        raise Conflict(
            "The compensation stage is open already.",
            [{"kind": "stage_exists", "detail": "one stage per candidacy"}],
        )
    stage = operations.open_stage(candidacy, actor=g.user)
    return _answer(stage, "api.open")


@endpoint(
    bp,
    "PUT",
    "/candidacies/<int:candidacy_id>/compensation",
    summary="Record expectations, add a proposal, or conclude (opens the stage if needed)",
    allow=can_reach_compensation,
    body=CompensationPut,
    response=CompensationOut,
    errors=(404, 409),
    tag="compensation",
    description="Opens the stage when the candidacy has none yet (`422` on `candidacy` when it "
    "is closed), then applies in order: expectations, then `proposal`, then `outcome`; all "
    "or nothing. Errors name the body's members (`expected.amount`, `proposal.currency`, "
    "`conversion_note`, ...). `outcome: agreed` is `409` (kind `approval_needed`) while the "
    "current proposal lies outside the job's band as it is now and nobody but its proposer "
    "approved it, (kind `proposal_refused`) when it was refused.",
)
def update_compensation(candidacy_id: int, body: CompensationPut) -> Any:
    stage = _stage(candidacy_id, edit=True, open_=True)
    given = body.model_fields_set
    if not given:
        raise RuleViolation(None, "Give at least one member to change.")
    if "proposal" in given and body.proposal is None:
        raise RuleViolation("proposal", 'Give the proposal as money: {"amount", "currency"}.')
    stray = sorted(given & {"proposal_period", "proposal_notes"}) if body.proposal is None else []
    if stray:
        raise RuleViolation.many({name: ["Send it with `proposal`."] for name in stray})
    if "outcome" in given and body.outcome is None:
        raise RuleViolation("outcome", "Choose agreed, declined or withdrawn.")
    if "outcome_reason" in given and body.outcome is None:
        raise RuleViolation("outcome_reason", "Send it with `outcome`.")
    expectation_changes = _expectation_changes(body, given)
    if expectation_changes:
        operations.set_expectations(stage, actor=g.user, **expectation_changes)
    if body.proposal is not None:
        operations.propose(
            stage,
            actor=g.user,
            amount=body.proposal.amount,
            currency=body.proposal.currency,
            period=body.proposal_period or "year",
            notes=body.proposal_notes or "",
            conversion_note=body.conversion_note or "",
        )
    if body.outcome is not None:
        operations.conclude(
            stage, actor=g.user, outcome=body.outcome, reason=body.outcome_reason or ""
        )
    return _answer(stage, "api.put")


def _expectation_changes(body: CompensationPut, given: set[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "expected" in given:
        money = body.expected
        changes["amount"] = money.amount if money is not None else None
        if money is not None:
            changes["currency"] = money.currency
    if "expected_period" in given:
        changes["period"] = body.expected_period or "year"
    for member, argument in (
        ("expected_notes", "notes"),
        ("bonus_notes", "bonus_notes"),
        ("equity_notes", "equity_notes"),
        ("notice_period", "notice_period"),
        ("earliest_start", "earliest_start"),
    ):
        if member in given:
            changes[argument] = getattr(body, member)
    # A conversion note sent with a proposal alone belongs to the proposal.
    if "conversion_note" in given and (changes or body.proposal is None):
        changes["conversion_note"] = body.conversion_note
    return changes


@endpoint(
    bp,
    "POST",
    "/candidacies/<int:candidacy_id>/compensation/approval",
    summary="Approve or refuse the current proposal (admins, the job's hiring manager; "
    "not the proposer)",
    allow=can_reach_compensation,
    body=ApprovalIn,
    response=CompensationOut,
    errors=(404, 409),
    tag="compensation",
    description="`403` for the proposer and for recruiters; `409` (kind `stale_proposal`) "
    "when `proposal_id` is not the current proposal, (kind `nothing_pending`) when the current "
    "proposal does not wait for approval, (kind `stage_closed`) once concluded.",
)
def decide_compensation_approval(candidacy_id: int, body: ApprovalIn) -> Any:
    stage = _stage(candidacy_id)
    require(
        can_decide_approval(g.user, stage),
        "Only an admin or the job's hiring manager who did not propose it can decide.",
    )
    operations.decide_approval(
        stage,
        actor=g.user,
        proposal_id=body.proposal_id,
        approved=body.decision == "approved",
        reason=body.reason,
    )
    return _answer(stage, "api.approval")


#: The endpoints whose every answer (figures or a refusal) browsers and proxies must not keep.
NOT_STORED = frozenset(
    f"{bp.name}.{view.__name__}"
    for view in (
        show_compensation,
        open_compensation,
        update_compensation,
        decide_compensation_approval,
    )
)


@bp.after_request
def _compensation_not_stored(response: Response) -> Response:
    if request.endpoint in NOT_STORED:
        response.headers["Cache-Control"] = "no-store"
    return response
