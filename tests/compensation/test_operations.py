"""The compensation domain: the stage, the band position, proposals, approval and outcome."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.compensation import operations
from coordinator.compensation.models import Approval, Period, StageState
from coordinator.db import db
from coordinator.errors import Conflict, PermissionDenied, RuleViolation
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze
from tests.compensation.conftest import NOW, decide_current

# --- opening -------------------------------------------------------------------------------------


def test_opening_the_compensation_round_opens_the_stage(candidacy, plan, people):
    scheduling.open_round(candidacy, plan.pay, actor=people.recruiter)
    stage = operations.stage_of(candidacy)
    assert stage is not None and stage.state is StageState.open


def test_opening_an_interview_round_opens_no_stage(candidacy, plan, people):
    scheduling.open_round(candidacy, plan.first, actor=people.recruiter)
    assert operations.stage_of(candidacy) is None


def test_opening_the_stage_again_returns_the_same_stage(stage, candidacy, people):
    assert operations.open_stage(candidacy, actor=people.admin).id == stage.id


def test_a_closed_candidacy_gets_no_stage(candidacy, people):
    set_candidacy_state(candidacy, CandidacyState.rejected, actor=people.recruiter, reason="No")
    with pytest.raises(RuleViolation):
        operations.open_stage(candidacy, actor=people.recruiter)


def test_plan_with_a_compensation_round_counts_as_a_planned_discussion(candidacy):
    assert operations.planned_discussion(candidacy)


# --- position against the band (70,000–90,000 EUR a year) ----------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "period", "where", "by", "percent"),
    [
        ("69000", "EUR", Period.year, "below", "1000", "1.4"),
        ("70000", "EUR", Period.year, "inside", None, None),
        ("90000", "EUR", Period.year, "inside", None, None),
        ("99000", "EUR", Period.year, "above", "9000", "10.0"),
        ("8000", "EUR", Period.month, "above", "6000", "6.7"),
        ("40", "EUR", Period.hour, "inside", None, None),
        ("95000", "USD", Period.year, "not_comparable", None, None),
    ],
    ids=[
        "below",
        "at-min",
        "at-max",
        "above",
        "monthly-annualised",
        "hourly-annualised",
        "other-currency",
    ],
)
def test_position_against_the_band(job, amount, currency, period, where, by, percent):
    found = operations.position(job, Decimal(amount), currency, period)
    assert (found.where, found.by, found.percent) == (
        where,
        Decimal(by) if by else None,
        Decimal(percent) if percent else None,
    )


def test_no_amount_has_no_position(job):
    assert operations.position(job, None, None) is None


# --- expectations --------------------------------------------------------------------------------


def test_expectations_are_recorded(stage, people):
    start = (NOW + timedelta(days=90)).date()
    operations.set_expectations(
        stage,
        actor=people.recruiter,
        amount="95000",
        currency="eur",
        period="year",
        bonus_notes="10% target",
        equity_notes="none",
        earliest_start=start,
        notice_period="3 months",
        notes="Flexible",
    )
    assert (
        stage.expected_amount,
        stage.expected_currency,
        stage.earliest_start,
        stage.notice_period,
    ) == (Decimal("95000.00"), "EUR", start, "3 months")


def test_a_partial_update_keeps_what_it_does_not_name(stage, people):
    operations.set_expectations(
        stage, actor=people.recruiter, amount="95000", currency="EUR", notes="Flexible"
    )
    operations.set_expectations(stage, actor=people.recruiter, notice_period="1 month")
    assert (stage.expected_amount, stage.expected_notes, stage.notice_period) == (
        Decimal("95000.00"),
        "Flexible",
        "1 month",
    )


def test_a_blank_amount_clears_the_expectation(stage, people):
    operations.set_expectations(stage, actor=people.recruiter, amount="95000", currency="EUR")
    operations.set_expectations(stage, actor=people.recruiter, amount="", currency="EUR")
    assert (stage.expected_amount, stage.expected_currency) == (None, None)


def test_an_earliest_start_in_the_past_is_refused(stage, people):
    with pytest.raises(RuleViolation) as caught:
        operations.set_expectations(
            stage, actor=people.recruiter, earliest_start=(NOW - timedelta(days=1)).date()
        )
    assert "earliest_start" in caught.value.errors


def test_an_unchanged_start_that_has_passed_since_is_kept(stage, people):
    start = (NOW + timedelta(days=10)).date()
    operations.set_expectations(stage, actor=people.recruiter, earliest_start=start)
    freeze(NOW + timedelta(days=20))
    operations.set_expectations(stage, actor=people.recruiter, earliest_start=start, notes="ok")
    assert (stage.earliest_start, stage.expected_notes) == (start, "ok")


def test_every_broken_rule_is_reported_at_once(stage, people):
    with pytest.raises(RuleViolation) as caught:
        operations.set_expectations(
            stage, actor=people.recruiter, amount="-5", currency="XXX", period="fortnight"
        )
    assert {"expected.amount", "expected.currency", "expected_period"} <= set(caught.value.errors)


def test_a_refused_update_changes_nothing(stage, people):
    operations.set_expectations(stage, actor=people.recruiter, amount="95000", currency="EUR")
    with pytest.raises(RuleViolation):
        operations.set_expectations(
            stage, actor=people.recruiter, amount="96000", currency="EUR", notes="x" * 4001
        )
    assert stage.expected_amount == Decimal("95000.00")


def test_an_expectation_in_another_currency_needs_a_conversion_note(stage, people):
    with pytest.raises(RuleViolation) as caught:
        operations.set_expectations(stage, actor=people.recruiter, amount="100000", currency="USD")
    assert "conversion_note" in caught.value.errors


def test_switching_the_period_cannot_make_an_amount_absurd(stage, people):
    operations.set_expectations(stage, actor=people.recruiter, amount="95000", currency="EUR")
    with pytest.raises(RuleViolation) as caught:
        operations.set_expectations(stage, actor=people.recruiter, period="hour")
    assert "expected.amount" in caught.value.errors


# --- proposals -----------------------------------------------------------------------------------


def test_a_proposal_inside_the_band_needs_no_approval(stage, propose):
    assert propose(stage, "80000").approval is Approval.not_needed


@pytest.mark.parametrize("amount", ["95000", "60000"], ids=["above", "below"])
def test_a_proposal_outside_the_band_waits_for_approval(stage, propose, amount):
    assert propose(stage, amount).approval is Approval.pending


def test_a_proposal_in_another_currency_needs_a_conversion_note(stage, propose):
    with pytest.raises(RuleViolation) as caught:
        propose(stage, "85000", "USD")
    assert "conversion_note" in caught.value.errors


def test_a_proposal_in_another_currency_waits_for_approval(stage, propose):
    proposal = propose(stage, "85000", "USD", conversion_note="1 USD = 0.92 EUR on 1 Mar 2027")
    assert proposal.approval is Approval.pending


def test_proposals_keep_their_order_and_the_last_is_current(stage, propose):
    first, second = propose(stage, "80000"), propose(stage, "82000")
    assert [p.id for p in stage.proposals] == [first.id, second.id]
    assert stage.current_proposal.id == second.id


@pytest.mark.parametrize(
    ("amount", "currency", "period", "field"),
    [
        ("-1", "EUR", "year", "proposal.amount"),
        ("0", "EUR", "year", "proposal.amount"),
        ("abc", "EUR", "year", "proposal.amount"),
        ("NaN", "EUR", "year", "proposal.amount"),
        ("80000.001", "EUR", "year", "proposal.amount"),
        ("1000000000", "EUR", "year", "proposal.amount"),
        ("100000", "EUR", "hour", "proposal.amount"),
        ("80000", "EURO", "year", "proposal.currency"),
        ("80000", "XYZ", "year", "proposal.currency"),
        ("80000", "EUR", "week", "proposal_period"),
    ],
    ids=[
        "negative",
        "zero",
        "not-a-number",
        "nan",
        "three-decimals",
        "absurd",
        "absurd-hourly",
        "long-currency",
        "unknown-currency",
        "unknown-period",
    ],
)
def test_a_bad_proposal_is_refused_on_its_field(stage, people, amount, currency, period, field):
    with pytest.raises(RuleViolation) as caught:
        operations.propose(
            stage, actor=people.recruiter, amount=amount, currency=currency, period=period
        )
    assert field in caught.value.errors
    assert stage.proposals == []


# --- approval ------------------------------------------------------------------------------------


@pytest.mark.parametrize("approver", ["admin", "hiring_manager"])
def test_an_approver_approves_with_a_reason(stage, propose, people, approver):
    propose(stage, "95000")
    proposal = decide_current(stage, getattr(people, approver), reason="Strong candidate")
    assert (proposal.approval, proposal.decided_by_id, proposal.decision_reason) == (
        Approval.approved,
        getattr(people, approver).id,
        "Strong candidate",
    )


def test_a_refusal_is_recorded_with_its_reason(stage, propose, people):
    propose(stage, "95000")
    proposal = decide_current(stage, people.hiring_manager, approved=False, reason="Over budget")
    assert (proposal.approval, proposal.decision_reason) == (Approval.refused, "Over budget")


def test_the_proposer_cannot_approve_their_own_proposal(stage, propose, people):
    propose(stage, "95000", actor=people.hiring_manager)
    with pytest.raises(PermissionDenied):
        decide_current(stage, people.hiring_manager, reason="Mine")


@pytest.mark.parametrize("who", ["recruiter", "other_hiring_manager", "interviewer"])
def test_only_admins_and_the_jobs_hiring_manager_approve(stage, propose, people, who):
    propose(stage, "95000", actor=people.admin)
    with pytest.raises(PermissionDenied):
        decide_current(stage, getattr(people, who), reason="Fine")


def test_an_approval_needs_a_reason(stage, propose, people):
    propose(stage, "95000")
    with pytest.raises(RuleViolation) as caught:
        decide_current(stage, people.admin, reason="  ")
    assert "reason" in caught.value.errors


def test_nothing_pending_is_a_conflict(stage, propose, people):
    propose(stage, "80000")
    with pytest.raises(Conflict) as caught:
        decide_current(stage, people.admin, reason="Fine")
    assert caught.value.conflicts[0]["kind"] == "nothing_pending"


# --- outcome -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        ("agreed", CandidacyState.offer),
        ("declined", CandidacyState.rejected),
        ("withdrawn", CandidacyState.withdrawn),
    ],
)
def test_the_outcome_moves_the_candidacy(stage, propose, people, candidacy, outcome, state):
    propose(stage, "80000")
    operations.conclude(stage, actor=people.recruiter, outcome=outcome, reason="Done")
    assert (stage.state.value, stage.closed_at, candidacy.state) == (outcome, NOW, state)


def test_agreeing_needs_an_approved_proposal(stage, propose, people):
    propose(stage, "95000")
    with pytest.raises(Conflict) as caught:
        operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    assert (caught.value.field, caught.value.conflicts[0]["kind"]) == ("outcome", "approval_needed")


def test_agreeing_needs_a_proposal(stage, people):
    with pytest.raises(RuleViolation):
        operations.conclude(stage, actor=people.recruiter, outcome="agreed")


def test_an_agreed_outcome_cannot_change(stage, propose, people):
    propose(stage, "80000")
    operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    with pytest.raises(Conflict) as caught:
        operations.conclude(stage, actor=people.recruiter, outcome="declined")
    assert caught.value.conflicts[0]["kind"] == "stage_closed"


def test_a_concluded_stage_takes_no_proposal(stage, propose, people):
    operations.conclude(stage, actor=people.recruiter, outcome="withdrawn")
    with pytest.raises(Conflict):
        propose(stage, "80000")


def test_a_closed_candidacy_freezes_its_stage(stage, candidacy, people):
    set_candidacy_state(
        candidacy, CandidacyState.rejected, actor=people.recruiter, reason="Elsewhere"
    )
    with pytest.raises(Conflict) as caught:
        operations.set_expectations(stage, actor=people.recruiter, notes="late")
    assert caught.value.conflicts[0]["kind"] == "candidacy_closed"


# --- what the audit log and the candidacy's history hold -----------------------------------------


def _flow(stage, propose, people) -> None:
    operations.set_expectations(
        stage, actor=people.recruiter, amount="97531.24", currency="EUR", notes="asks 97531.24"
    )
    propose(stage, "96420.13", notes="offer 96420.13")
    decide_current(stage, people.hiring_manager, reason="96420.13 is fine")
    operations.conclude(
        stage, actor=people.recruiter, outcome="agreed", reason="agreed at 96420.13"
    )
    operations.record_read(stage, actor=people.admin, where="test")
    db.session.commit()


def test_audit_rows_carry_no_amounts_or_reasons(stage, propose, people):
    _flow(stage, propose, people)
    details = [str(e.details) for e in db.session.scalars(sa.select(AuditEvent))]
    assert not [d for d in details if "97531" in d or "96420" in d]


def test_the_candidacys_history_shows_only_that_a_discussion_opened(
    stage, propose, people, candidacy
):
    _flow(stage, propose, people)
    actions = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.candidacy_id == candidacy.id)
        )
    )
    assert {a for a in actions if a.startswith("compensation.")} == {"compensation.opened"}


def test_the_stage_trail_lists_changes_but_not_reads(stage, propose, people):
    _flow(stage, propose, people)
    assert [e.action for e in operations.trail(stage)] == [
        "compensation.concluded",
        "compensation.approved",
        "compensation.proposed",
        "compensation.expectations_set",
        "compensation.opened",
    ]


def test_a_read_is_recorded_with_who_and_where(stage, people):
    operations.record_read(stage, actor=people.hiring_manager, where="page")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "compensation.viewed")
    ).one()
    assert (event.actor_id, event.object_id, event.details["where"]) == (
        people.hiring_manager.id,
        stage.id,
        "page",
    )
