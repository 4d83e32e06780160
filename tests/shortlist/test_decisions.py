"""Recording decisions: append-only, the state follows, missing assessments need confirming."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.candidates import links
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.errors import Conflict, Gone, RuleViolation
from coordinator.invites.models import Invite, InviteMethod
from coordinator.scheduling.models import InterviewState
from coordinator.shortlist import operations
from coordinator.shortlist.models import Decision


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        ("advance", CandidacyState.shortlisted),
        ("hold", CandidacyState.active),
        ("reject", CandidacyState.rejected),
        ("offer", CandidacyState.offer),
    ],
)
def test_the_candidacy_state_follows_the_decision(scenario, recruiter, outcome, state):
    bob = scenario.candidacies["bob"]
    operations.record_decision(bob, actor=recruiter, outcome=outcome, reason="Panel agreed")
    db.session.commit()
    assert bob.state is state


def test_decisions_are_appended_and_listed_oldest_first(scenario, recruiter, hiring_manager):
    bob = scenario.candidacies["bob"]
    operations.record_decision(bob, actor=recruiter, outcome="hold", reason="References first")
    operations.record_decision(bob, actor=hiring_manager, outcome="advance", reason="Good refs")
    db.session.commit()
    history = operations.decisions_of(bob)
    assert [(d.outcome.value, d.reason, d.actor_id) for d in history] == [
        ("hold", "References first", recruiter.id),
        ("advance", "Good refs", hiring_manager.id),
    ]


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [
        ("promote", "Because", "outcome"),
        ("advance", "   ", "reason"),
        ("advance", "x" * 4001, "reason"),
    ],
)
def test_an_unknown_outcome_or_a_missing_or_long_reason_is_refused(
    scenario, recruiter, outcome, reason, field
):
    with pytest.raises(RuleViolation) as caught:
        operations.record_decision(
            scenario.candidacies["bob"], actor=recruiter, outcome=outcome, reason=reason
        )
    assert caught.value.field == field


def test_a_reason_of_the_longest_allowed_length_is_kept_whole(scenario, recruiter):
    bob = scenario.candidacies["bob"]
    reason = "r" * operations.MAX_REASON
    decision = operations.record_decision(bob, actor=recruiter, outcome="advance", reason=reason)
    db.session.commit()
    assert decision.reason == reason
    assert bob.state is CandidacyState.shortlisted


def test_deciding_while_assessments_are_missing_needs_confirming(scenario, recruiter):
    alice = scenario.candidacies["alice"]
    with pytest.raises(Conflict) as caught:
        operations.record_decision(alice, actor=recruiter, outcome="advance", reason="Strong")
    assert caught.value.conflicts[0]["kind"] == "missing_assessments"
    assert caught.value.conflicts[0]["missing"] == 2
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_a_confirmed_decision_records_how_many_assessments_were_missing(scenario, recruiter):
    alice = scenario.candidacies["alice"]
    decision = operations.record_decision(
        alice, actor=recruiter, outcome="advance", reason="Strong", confirm_missing=True
    )
    db.session.commit()
    assert decision.missing_assessments == 2
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "decision.recorded"))
    assert event.details["missing_assessments"] == 2


def test_a_closed_candidacy_takes_no_more_decisions(scenario, recruiter):
    with pytest.raises(Conflict) as caught:
        operations.record_decision(
            scenario.candidacies["dan"],
            actor=recruiter,
            outcome="advance",
            reason="Second thoughts",
        )
    assert caught.value.conflicts[0]["kind"] == "closed"


def test_rejecting_cancels_future_interviews_and_tells_everyone(scenario, recruiter):
    bob = scenario.candidacies["bob"]
    future, past = scenario.interviews["bob_team"], scenario.interviews["bob_first"]
    operations.record_decision(bob, actor=recruiter, outcome="reject", reason="Not a fit")
    db.session.commit()
    assert future.state is InterviewState.cancelled
    assert past.state is InterviewState.scheduled
    cancels = db.session.scalars(
        sa.select(Invite).where(
            Invite.interview_id == future.id, Invite.method == InviteMethod.cancel
        )
    ).all()
    assert {i.user_id for i in cancels if i.user_id} == {m.user_id for m in future.panel}
    assert any(i.user_id is None for i in cancels), "the candidate is told too"


def test_rejecting_closes_the_candidates_link(app, scenario, recruiter):
    bob = scenario.candidacies["bob"]
    with app.test_request_context():
        link = links.issue(bob)
        assert links.resolve(link.token) == bob
        operations.record_decision(bob, actor=recruiter, outcome="reject", reason="Not a fit")
        db.session.commit()
        with pytest.raises(Gone):
            links.resolve(link.token)
