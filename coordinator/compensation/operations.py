"""Compensation operations: open the stage, record expectations, propose, approve, conclude.

Figures never leave this domain through shared channels: audit rows carry no amounts, and only
``compensation.opened`` joins the candidacy's history (which panel members read); the rest of the
trail is kept on the stage (``object_type = 'compensation_stages'``) for the stage page and the
admins' audit log. The candidacy's state change on an outcome names the outcome, never its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa

from coordinator.accounts.models import Role, User, UserRole
from coordinator.audit.history import DESCRIPTIONS
from coordinator.audit.models import AuditEvent
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.compensation import notices
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
from coordinator.events import compensation_concluded
from coordinator.jobs.models import Job, RoundKind
from coordinator.money import MAX_AMOUNT, currency_code
from coordinator.money import amount as parse_amount
from coordinator.timeutil import utcnow
from coordinator.validation import text as _text

#: Annualise other periods to compare with the (annual) pay band.
PER_YEAR = {Period.year: Decimal(1), Period.month: Decimal(12), Period.hour: Decimal(2080)}
OUTCOME_STATES = {
    StageState.agreed: CandidacyState.offer,
    StageState.declined: CandidacyState.rejected,
    StageState.withdrawn: CandidacyState.withdrawn,
}
OUTCOMES = tuple(OUTCOME_STATES)
#: Audit actions; only ``opened`` is written to the candidacy's (widely readable) history.
OPENED = "compensation.opened"
EXPECTATIONS_SET = "compensation.expectations_set"
PROPOSED = "compensation.proposed"
APPROVED = "compensation.approved"
REFUSED = "compensation.refused"
CONCLUDED = "compensation.concluded"
VIEWED = "compensation.viewed"


class _Unchanged:
    """Marks an argument the caller did not give (``None`` means "clear it")."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


#: Built once: a statement object keeps its cache key (every booking asks).
_STAGE_OF = sa.select(CompensationStage).where(
    CompensationStage.candidacy_id == sa.bindparam("candidacy_id")
)


def stage_of(candidacy: Candidacy) -> CompensationStage | None:
    return db.session.scalar(_STAGE_OF, {"candidacy_id": candidacy.id})


_STAGE_STATE_OF = sa.select(CompensationStage.state).where(
    CompensationStage.candidacy_id == sa.bindparam("candidacy_id")
)


def stage_state_of(candidacy: Candidacy) -> StageState | None:
    """The state of the candidacy's compensation stage (None without one): its one column, for
    callers that need no more (every invite asks)."""
    return db.session.scalar(_STAGE_STATE_OF, {"candidacy_id": candidacy.id})


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
    # The one compensation event in the candidacy's history: that a discussion exists.
    record(actor, OPENED, stage, candidacy_id=candidacy.id)
    return stage


def on_round_opened(round_: Any, actor: User) -> None:
    """Opening a compensation-discussion round opens the stage (registered with scheduling)."""
    if round_.planned_round.kind is RoundKind.compensation_discussion:
        open_stage(round_.candidacy, actor=actor)


def planned_discussion(candidacy: Candidacy) -> bool:
    """Whether the job's plan includes a compensation discussion (candidates are told)."""
    return any(p.kind is RoundKind.compensation_discussion for p in candidacy.job.planned_rounds)


@dataclass(frozen=True)
class BandPosition:
    """Where an annualised amount sits against the job's band.

    ``where`` is ``below``, ``inside``, ``above``, or ``not_comparable`` (another currency: no
    exchange rates are kept, the conversion note says how it compares). ``by`` is the annual gap
    in the band's currency, ``percent`` that gap against the band's nearer end.
    """

    where: str
    by: Decimal | None = None
    percent: Decimal | None = None

    @property
    def text(self) -> str:
        if self.where == "not_comparable":
            return "not comparable (another currency)"
        if self.where == "inside":
            return "inside the band"
        return f"{self.where} the band by {self.by:,.2f} a year ({self.percent}%)"


def position(
    job: Job, value: Decimal | None, currency: str | None, period: Period = Period.year
) -> BandPosition | None:
    if value is None or currency is None:
        return None
    if currency != job.pay_band_currency:
        return BandPosition("not_comparable")
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


# --- checking input (every error collected, so a form shows them all at once) ---------------------


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, err: RuleViolation) -> None:
        for path, messages in err.errors.items():
            self.errors.setdefault(path, []).extend(messages)

    def check(self, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except RuleViolation as err:
            self.add(err)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise RuleViolation.many(self.errors)


def _period(value: Period | str | None, field: str) -> Period:
    try:
        return Period(value or Period.year)
    except ValueError as err:
        raise RuleViolation(field, "Choose year, month or hour.") from err


def _money(value: object, currency: object, field: str) -> tuple[Decimal, str]:
    """A positive amount and a currency code; errors on ``<field>.amount``/``.currency``."""
    errors = _Errors()
    number = errors.check(parse_amount, value, f"{field}.amount")
    if number is not None and number == 0:
        errors.add(RuleViolation(f"{field}.amount", "Give an amount above zero."))
    code = errors.check(currency_code, str(currency or ""), f"{field}.currency")
    errors.raise_any()
    return number, code


def _not_absurd(value: Decimal, period: Period, field: str) -> None:
    if value * PER_YEAR[period] > MAX_AMOUNT:
        raise RuleViolation(
            field,
            f"That is more than {MAX_AMOUNT:,} a year: check the number of digits and the period.",
        )


def _conversion(job: Job, currency: str, note: str, field: str) -> None:
    if currency != job.pay_band_currency and not note:
        raise RuleViolation(
            field,
            f"The band is in {job.pay_band_currency}: say how {currency} converts (rate and date).",
        )


def _lock(stage: CompensationStage) -> None:
    """Take the stage's row lock (PostgreSQL) and re-read it with its proposals, so that changes
    to one stage happen one after the other: a proposal cannot slip in while another request
    agrees on (or approves) the current one. SQLite's single writer serialises them anyway."""
    db.session.scalars(
        sa.select(CompensationStage)
        .where(CompensationStage.id == stage.id)
        .with_for_update(of=CompensationStage)
        .execution_options(populate_existing=True)
    ).one()


def _require_changeable(stage: CompensationStage) -> None:
    _lock(stage)
    if stage.state is not StageState.open:
        raise Conflict(
            f"The compensation stage is {stage.state.value}; it cannot change.",
            [{"kind": "stage_closed", "detail": stage.state.value}],
        )
    if stage.candidacy.is_closed:
        raise Conflict(
            f"The candidacy is {stage.candidacy.state.value}; its compensation cannot change.",
            [{"kind": "candidacy_closed", "detail": stage.candidacy.state.value}],
        )


# --- changing the stage --------------------------------------------------------------------------


def set_expectations(
    stage: CompensationStage,
    *,
    actor: User,
    amount: object = UNCHANGED,
    currency: object = UNCHANGED,
    period: Period | str | _Unchanged | None = UNCHANGED,
    bonus_notes: str | _Unchanged | None = UNCHANGED,
    equity_notes: str | _Unchanged | None = UNCHANGED,
    earliest_start: date | _Unchanged | None = UNCHANGED,
    notice_period: str | _Unchanged | None = UNCHANGED,
    notes: str | _Unchanged | None = UNCHANGED,
    conversion_note: str | _Unchanged | None = UNCHANGED,
) -> CompensationStage:
    """Record the candidate's expectations; only the arguments given change.

    ``amount`` ``None`` (or blank) clears the expected amount. Errors name the API's fields
    (``expected.amount``, ``expected.currency``, ``expected_period``, ``expected_notes``, ...).
    """
    job = stage.candidacy.job
    errors = _Errors()
    changes: dict[str, Any] = {}
    if amount is not UNCHANGED:
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            changes["expected_amount"] = changes["expected_currency"] = None
        else:
            given = (
                currency
                if currency is not UNCHANGED
                else (stage.expected_currency or job.pay_band_currency)
            )
            money = errors.check(_money, amount, given, "expected")
            if money is not None:
                changes["expected_amount"], changes["expected_currency"] = money
    if period is not UNCHANGED:
        changes["expected_period"] = errors.check(_period, period, "expected_period")
    for name, value, field, limit in (
        ("bonus_notes", bonus_notes, "bonus_notes", 2000),
        ("equity_notes", equity_notes, "equity_notes", 2000),
        ("notice_period", notice_period, "notice_period", 200),
        ("expected_notes", notes, "expected_notes", 4000),
        ("conversion_note", conversion_note, "conversion_note", 1000),
    ):
        if value is not UNCHANGED:
            changes[name] = errors.check(_text, field, value, limit)
    if earliest_start is not UNCHANGED:
        # A date recorded earlier may have passed since; re-sending it unchanged is no error.
        moved = earliest_start != stage.earliest_start
        if moved and earliest_start is not None and earliest_start < utcnow().date():
            errors.add(RuleViolation("earliest_start", "The earliest start cannot be in the past."))
        changes["earliest_start"] = earliest_start
    if not errors.errors:
        final_amount = changes.get("expected_amount", stage.expected_amount)
        final_currency = changes.get("expected_currency", stage.expected_currency)
        final_period = changes.get("expected_period", stage.expected_period)
        if final_amount is not None and {"expected_amount", "expected_period"} & set(changes):
            errors.check(_not_absurd, final_amount, final_period, "expected.amount")
        if final_currency is not None:
            note = changes.get("conversion_note", stage.conversion_note)
            errors.check(_conversion, job, final_currency, note, "conversion_note")
    errors.raise_any()
    _require_changeable(stage)
    changed = [name for name, value in changes.items() if getattr(stage, name) != value]
    for name, value in changes.items():
        setattr(stage, name, value)
    db.session.flush()
    if changed:
        record(actor, EXPECTATIONS_SET, stage, candidacy=stage.candidacy_id, fields=sorted(changed))
    return stage


def propose(
    stage: CompensationStage,
    *,
    actor: User,
    amount: object,
    currency: object,
    period: Period | str | None = Period.year,
    notes: str | None = "",
    conversion_note: str | None = "",
) -> Proposal:
    """Add a proposal; outside the band (or in another currency) it waits for approval.

    Errors name the API's fields: ``proposal.amount``, ``proposal.currency``,
    ``proposal_period``, ``proposal_notes``, ``conversion_note``.
    """
    job = stage.candidacy.job
    errors = _Errors()
    money = errors.check(_money, amount, currency, "proposal")
    chosen_period = errors.check(_period, period, "proposal_period")
    text = errors.check(_text, "proposal_notes", notes, 4000)
    note = errors.check(_text, "conversion_note", conversion_note, 1000)
    if money is not None and chosen_period is not None:
        errors.check(_not_absurd, money[0], chosen_period, "proposal.amount")
    if money is not None and note is not None:
        errors.check(_conversion, job, money[1], note, "conversion_note")
    errors.raise_any()
    _require_changeable(stage)
    value, code = money
    where = position(job, value, code, chosen_period)
    approval = Approval.not_needed if where and where.where == "inside" else Approval.pending
    proposal = Proposal(
        stage=stage,
        position=len(stage.proposals),
        amount=value,
        currency=code,
        period=chosen_period,
        notes=text,
        conversion_note=note,
        proposed_by_id=actor.id,
        proposed_at=utcnow(),
        approval=approval,
    )
    db.session.add(proposal)
    db.session.flush()
    record(
        actor,
        PROPOSED,
        stage,
        candidacy=stage.candidacy_id,
        proposal_id=proposal.id,
        approval=approval.value,
    )
    if approval is Approval.pending:
        notices.approval_needed(proposal, approvers(proposal))
    return proposal


def approvers(proposal: Proposal) -> list[User]:
    """Whom to ask for a proposal's approval: the job's hiring manager, unless they proposed it;
    then (or without one) the admins, never the proposer."""
    job = proposal.stage.candidacy.job
    manager = job.hiring_manager
    if manager is not None and manager.is_active and manager.id != proposal.proposed_by_id:
        return [manager]
    admins = sa.select(UserRole.user_id).where(UserRole.role == Role.admin)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.is_active, User.id.in_(admins), User.id != proposal.proposed_by_id)
            .order_by(User.id)
        )
    )


def approval_of(proposal: Proposal) -> Approval:
    """A proposal's approval as things stand: a decision stays; otherwise the job's band *now*
    says whether one is needed (a band edited after the proposal changes the answer)."""
    if proposal.approval in (Approval.approved, Approval.refused):
        return proposal.approval
    job = proposal.stage.candidacy.job
    where = position(job, proposal.amount, proposal.currency, proposal.period)
    return (
        Approval.not_needed if where is not None and where.where == "inside" else Approval.pending
    )


def _is_covered(proposal: Proposal) -> bool:
    """Approved by someone other than its proposer (the database refuses self-approval too)."""
    return proposal.approval is Approval.approved and proposal.decided_by_id != (
        proposal.proposed_by_id
    )


def decide_approval(
    stage: CompensationStage,
    *,
    actor: User,
    proposal_id: int | None,
    approved: bool,
    reason: str | None,
) -> Proposal:
    """Approve or refuse the current proposal, named by ``proposal_id``: an admin or the job's
    hiring manager, not the proposer (403), with a reason (422), while it waits (409,
    ``nothing_pending``); a proposal that is not the current one is ``stale_proposal`` (409)."""
    if not can_approve(actor, stage.candidacy.job):
        raise PermissionDenied("Only an admin or the job's hiring manager can approve.")
    proposal = stage.current_proposal
    if proposal is not None and proposal.proposed_by_id == actor.id:
        raise PermissionDenied("You cannot approve or refuse your own proposal.")
    reason = _text("reason", reason, 2000, multi_line=True)
    if not reason:
        raise RuleViolation("reason", "Give a reason; it is recorded.")
    if proposal_id is None:
        raise RuleViolation("proposal_id", "Name the proposal you decide (reload the page).")
    _require_changeable(stage)
    proposal = stage.current_proposal  # as it is now, under the stage's lock
    if proposal is not None and proposal.id != proposal_id:
        raise Conflict(
            "A new proposal was made since: read it and decide on that one.",
            [
                {
                    "kind": "stale_proposal",
                    "detail": "the proposal named is not the current one",
                    "current_proposal_id": proposal.id,
                }
            ],
        )
    if proposal is None or approval_of(proposal) is not Approval.pending:
        raise Conflict(
            "There is no proposal waiting for approval.",
            [{"kind": "nothing_pending", "detail": "no pending proposal"}],
        )
    proposal.approval = Approval.approved if approved else Approval.refused
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason
    db.session.flush()
    record(
        actor,
        APPROVED if approved else REFUSED,
        stage,
        candidacy=stage.candidacy_id,
        proposal_id=proposal.id,
    )
    return proposal


def conclude(
    stage: CompensationStage,
    *,
    actor: User,
    outcome: StageState | str | None,
    reason: str | None = "",
) -> CompensationStage:
    """Record the outcome; the candidacy's state follows (agreed → offer, declined → rejected,
    withdrawn → withdrawn). An outcome, once recorded, does not change (409)."""
    try:
        chosen = StageState(outcome)
    except ValueError as err:
        raise RuleViolation("outcome", "Choose agreed, declined or withdrawn.") from err
    if chosen is StageState.open:
        raise RuleViolation("outcome", "Choose agreed, declined or withdrawn.")
    text = _text("outcome_reason", reason, 2000, multi_line=True)
    _require_changeable(stage)
    if chosen is StageState.agreed:
        _require_agreeable(stage)
    stage.state = chosen
    stage.closed_at = utcnow()
    stage.outcome_reason = text
    db.session.flush()
    record(actor, CONCLUDED, stage, candidacy=stage.candidacy_id, outcome=chosen.value)
    compensation_concluded.send(stage, actor=actor)
    # The candidacy's history is read by panel members: name the outcome, not its reason.
    set_candidacy_state(
        stage.candidacy, OUTCOME_STATES[chosen], actor=actor, reason=f"Compensation {chosen.value}"
    )
    return stage


def _require_agreeable(stage: CompensationStage) -> None:
    """The current proposal can be agreed: inside the band as it stands now, or approved by
    someone other than its proposer (409 ``approval_needed``); never a refused one."""
    current = stage.current_proposal
    if current is None:
        raise RuleViolation("outcome", "Record the proposal that was agreed first.")
    where = position(stage.candidacy.job, current.amount, current.currency, current.period)
    inside = where is not None and where.where == "inside"
    if not inside and not _is_covered(current):
        raise Conflict(
            f"The current proposal is {where.text if where else 'outside the band'} as it stands "
            "now; it needs approval by an admin or the job's hiring manager (not its proposer) "
            "before it can be agreed.",
            [
                {
                    "kind": "approval_needed",
                    "detail": "outside the band, not approved",
                    "proposal_id": current.id,
                }
            ],
            field="outcome",
        )
    if current.approval is Approval.refused:
        raise Conflict(
            "The current proposal was refused; make a new proposal before agreeing.",
            [
                {
                    "kind": "proposal_refused",
                    "detail": "the current proposal was refused",
                    "proposal_id": current.id,
                }
            ],
            field="outcome",
        )


def record_read(stage: CompensationStage, *, actor: User, where: str) -> None:
    """Every read of the figures is written to the audit log (``compensation.viewed``)."""
    record(actor, VIEWED, stage, candidacy=stage.candidacy_id, where=where)


def trail(stage: CompensationStage, limit: int = 100) -> list[AuditEvent]:
    """What was done to the stage, newest first (reads left out)."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .options(sa.orm.joinedload(AuditEvent.actor))
            .where(
                AuditEvent.object_type == CompensationStage.__tablename__,
                AuditEvent.object_id == stage.id,
                AuditEvent.action != VIEWED,
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


# --- what the candidacy page says ----------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The candidacy page's compensation section. Without ``figures`` (the viewer may not see
    them) it says only whether a discussion exists or is planned; it never holds amounts."""

    planned: bool
    stage_id: int | None
    state: StageState | None = None
    has_expectations: bool = False
    proposals: int = 0
    current_approval: Approval | None = None
    #: The expectation's place against the band (a word, no amounts).
    expectation_where: str | None = None
    figures: bool = False

    @property
    def exists(self) -> bool:
        return self.stage_id is not None


def overview(candidacy: Candidacy, *, figures: bool) -> Overview:
    """The compensation section of a candidacy page; ``figures`` when the viewer may see them."""
    stage = stage_of(candidacy)
    planned = planned_discussion(candidacy)
    if stage is None or not figures:
        return Overview(planned=planned, stage_id=stage.id if stage else None, figures=figures)
    current = stage.current_proposal
    where = position(
        candidacy.job, stage.expected_amount, stage.expected_currency, stage.expected_period
    )
    return Overview(
        planned=planned,
        stage_id=stage.id,
        state=stage.state,
        has_expectations=stage.expected_amount is not None,
        proposals=len(stage.proposals),
        current_approval=approval_of(current) if current else None,
        expectation_where=where.where if where else None,
        figures=True,
    )


# --- how the trail reads (no figures, no reasons: the admins' log and the stage page) ------------


def _describe_proposed(event: AuditEvent) -> str:
    waits = (event.details or {}).get("approval") == Approval.pending.value
    return "Compensation proposal added" + (", waiting for approval" if waits else "")


def _describe_concluded(event: AuditEvent) -> str:
    return f"Compensation stage concluded: {(event.details or {}).get('outcome', '?')}"


def _describe_viewed(event: AuditEvent) -> str:
    return f"Compensation figures read ({(event.details or {}).get('where', '?')})"


DESCRIPTIONS.update(
    {
        OPENED: lambda event: "Compensation stage opened",
        EXPECTATIONS_SET: lambda event: "Candidate's pay expectations recorded",
        PROPOSED: _describe_proposed,
        APPROVED: lambda event: "Compensation proposal approved",
        REFUSED: lambda event: "Compensation proposal refused",
        CONCLUDED: _describe_concluded,
        VIEWED: _describe_viewed,
    }
)
