"""Compensation operations: open the stage, record expectations, propose, approve, conclude."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.compensation.models import (
    Approval,
    CompensationStage,
    Period,
    Proposal,
    StageState,
)
from coordinator.compensation.permissions import can_approve
from coordinator.db import db
from coordinator.errors import Conflict, PermissionDenied, RuleViolation
from coordinator.jobs.models import Job, RoundKind
from coordinator.money import amount as parse_amount
from coordinator.money import currency_code
from coordinator.timeutil import utcnow

#: Annualise other periods to compare with the (annual) pay band.
PER_YEAR = {Period.year: Decimal(1), Period.month: Decimal(12), Period.hour: Decimal(2080)}
OUTCOME_STATES = {
    StageState.agreed: CandidacyState.offer,
    StageState.declined: CandidacyState.rejected,
    StageState.withdrawn: CandidacyState.withdrawn,
}


def stage_of(candidacy: Candidacy) -> CompensationStage | None:
    return db.session.scalar(
        sa.select(CompensationStage).where(CompensationStage.candidacy_id == candidacy.id)
    )


def open_stage(candidacy: Candidacy, *, actor: User) -> CompensationStage:
    """Open (or return) the candidacy's compensation stage."""
    stage = stage_of(candidacy)
    if stage is not None:
        return stage
    if candidacy.is_closed:
        raise RuleViolation("candidacy", "This candidacy is closed.")
    stage = CompensationStage(candidacy_id=candidacy.id, candidacy=candidacy, state=StageState.open)
    db.session.add(stage)
    db.session.flush()
    record(actor, "compensation.opened", stage, candidacy_id=candidacy.id)
    return stage


def on_round_opened(round_: object, actor: User) -> None:
    """Opening a compensation-discussion round opens the stage (registered with scheduling)."""
    if round_.planned_round.kind is RoundKind.compensation_discussion:  # type: ignore[attr-defined]
        open_stage(round_.candidacy, actor=actor)  # type: ignore[attr-defined]


def planned_discussion(candidacy: Candidacy) -> bool:
    """Whether the job's plan includes a compensation discussion (candidates are told)."""
    return any(p.kind is RoundKind.compensation_discussion for p in candidacy.job.planned_rounds)


@dataclass(frozen=True)
class BandPosition:
    """Where an annualised amount sits against the job's band."""

    where: str  # "below", "inside", "above" or "unknown"
    by: Decimal | None = None
    percent: Decimal | None = None

    @property
    def text(self) -> str:
        if self.where == "unknown":
            return "not comparable (another currency)"
        if self.where == "inside":
            return "inside the band"
        return f"{self.where} the band by {self.by:,.2f} ({self.percent}%)"


def position(
    job: Job, value: Decimal | None, currency: str | None, period: Period = Period.year
) -> BandPosition | None:
    if value is None or currency is None:
        return None
    if currency != job.pay_band_currency:
        return BandPosition("unknown")
    yearly = value * PER_YEAR[period]
    if yearly < job.pay_band_min:
        gap = job.pay_band_min - yearly
        return BandPosition("below", gap, _percent(gap, job.pay_band_min))
    if yearly > job.pay_band_max:
        gap = yearly - job.pay_band_max
        return BandPosition("above", gap, _percent(gap, job.pay_band_max))
    return BandPosition("inside")


def _percent(gap: Decimal, base: Decimal) -> Decimal:
    if base == 0:
        return Decimal(0)
    return (gap * 100 / base).quantize(Decimal("0.1"))


def _text(field: str, value: str | None, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise RuleViolation(field, f"At most {limit} characters.")
    return value


def _period(value: Period | str | None, field: str) -> Period:
    try:
        return Period(value or Period.year)
    except ValueError as err:
        raise RuleViolation(field, "Choose year, month or hour.") from err


def _require_open(stage: CompensationStage) -> None:
    if stage.state is not StageState.open:
        raise Conflict(
            f"The compensation stage is {stage.state.value}; it cannot change.",
            [{"kind": "stage_closed", "detail": stage.state.value}],
        )


def _conversion(job: Job, currency: str, note: str, field: str) -> str:
    note = _text(field, note, 1000)
    if currency != job.pay_band_currency and not note:
        raise RuleViolation(
            field,
            f"The band is in {job.pay_band_currency}: say how {currency} converts (rate and date).",
        )
    return note


def set_expectations(
    stage: CompensationStage,
    *,
    actor: User,
    amount: object,
    currency: str,
    period: Period | str | None = Period.year,
    bonus_notes: str = "",
    equity_notes: str = "",
    earliest_start: date | None = None,
    notice_period: str = "",
    notes: str = "",
    conversion_note: str = "",
) -> CompensationStage:
    _require_open(stage)
    job = stage.candidacy.job
    value = parse_amount(amount, "expected.amount")
    code = currency_code(currency, "expected.currency")
    stage.expected_amount, stage.expected_currency = value, code
    stage.expected_period = _period(period, "expected_period")
    stage.bonus_notes = _text("bonus_notes", bonus_notes, 2000)
    stage.equity_notes = _text("equity_notes", equity_notes, 2000)
    stage.notice_period = _text("notice_period", notice_period, 200)
    stage.expected_notes = _text("expected_notes", notes, 4000)
    stage.conversion_note = _conversion(job, code, conversion_note, "conversion_note")
    if earliest_start is not None and earliest_start < utcnow().date():
        raise RuleViolation("earliest_start", "The earliest start cannot be in the past.")
    stage.earliest_start = earliest_start
    db.session.flush()
    record(actor, "compensation.expectations_set", stage, candidacy_id=stage.candidacy_id)
    return stage


def propose(
    stage: CompensationStage,
    *,
    actor: User,
    amount: object,
    currency: str,
    period: Period | str | None = Period.year,
    notes: str = "",
    conversion_note: str = "",
) -> Proposal:
    """Add a proposal; outside the band (or in another currency) it waits for approval."""
    _require_open(stage)
    job = stage.candidacy.job
    value = parse_amount(amount, "proposal.amount")
    code = currency_code(currency, "proposal.currency")
    chosen_period = _period(period, "proposal.period")
    note = _conversion(job, code, conversion_note, "proposal.conversion_note")
    where = position(job, value, code, chosen_period)
    approval = Approval.not_needed if where and where.where == "inside" else Approval.pending
    proposal = Proposal(
        stage=stage,
        position=len(stage.proposals),
        amount=value,
        currency=code,
        period=chosen_period,
        notes=_text("proposal.notes", notes, 4000),
        conversion_note=note,
        proposed_by_id=actor.id,
        proposed_at=utcnow(),
        approval=approval,
    )
    db.session.add(proposal)
    db.session.flush()
    record(
        actor,
        "compensation.proposed",
        stage,
        candidacy_id=stage.candidacy_id,
        proposal_id=proposal.id,
        approval=approval.value,
    )
    return proposal


def decide_approval(
    stage: CompensationStage, *, actor: User, approved: bool, reason: str
) -> Proposal:
    """Approve or refuse the current proposal (an admin or the job's hiring manager, not the
    proposer)."""
    _require_open(stage)
    proposal = stage.current_proposal
    if proposal is None or proposal.approval is not Approval.pending:
        raise Conflict(
            "There is no proposal waiting for approval.",
            [{"kind": "nothing_pending", "detail": "no pending proposal"}],
        )
    if proposal.proposed_by_id == actor.id:
        raise PermissionDenied("You cannot approve or refuse your own proposal.")
    if not can_approve(actor, stage.candidacy.job):
        raise PermissionDenied("Only an admin or the job's hiring manager can approve.")
    reason = _text("reason", reason, 2000)
    if not reason:
        raise RuleViolation("reason", "Give a reason; it is recorded.")
    proposal.approval = Approval.approved if approved else Approval.refused
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason
    db.session.flush()
    record(
        actor,
        "compensation.approved" if approved else "compensation.refused",
        stage,
        candidacy_id=stage.candidacy_id,
        proposal_id=proposal.id,
        reason=reason,
    )
    return proposal


def conclude(
    stage: CompensationStage, *, actor: User, outcome: StageState | str, reason: str = ""
) -> CompensationStage:
    """Record the outcome; the candidacy's state follows (agreed → offer, declined → rejected,
    withdrawn → withdrawn). An outcome, once recorded, does not change."""
    try:
        chosen = StageState(outcome)
    except ValueError as err:
        raise RuleViolation("outcome", "Choose agreed, declined or withdrawn.") from err
    if chosen is StageState.open:
        raise RuleViolation("outcome", "Choose agreed, declined or withdrawn.")
    _require_open(stage)
    if chosen is StageState.agreed:
        current = stage.current_proposal
        if current is None:
            raise RuleViolation("outcome", "Record the proposal that was agreed first.")
        if current.approval in (Approval.pending, Approval.refused):
            raise RuleViolation("outcome", "The current proposal is not approved.")
    stage.state = chosen
    stage.closed_at = utcnow()
    stage.outcome_reason = _text("reason", reason, 2000)
    db.session.flush()
    record(
        actor,
        "compensation.concluded",
        stage,
        candidacy_id=stage.candidacy_id,
        outcome=chosen.value,
    )
    set_candidacy_state(
        stage.candidacy,
        OUTCOME_STATES[chosen],
        actor=actor,
        reason=f"Compensation {chosen.value}" + (f": {reason}" if reason else ""),
    )
    return stage


def record_read(stage: CompensationStage, *, actor: User, where: str) -> None:
    """Every read of the figures is written to the audit log."""
    record(actor, "compensation.viewed", stage, candidacy_id=stage.candidacy_id, where=where)
