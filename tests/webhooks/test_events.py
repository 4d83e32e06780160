"""The domain-event seam, and what each event's payload carries (and never carries)."""

from __future__ import annotations

import ast
import inspect
import json
from datetime import timedelta

from coordinator.assessments import operations as assessments
from coordinator.compensation import operations as compensation
from coordinator.db import db
from coordinator.events import interview_scheduled
from coordinator.invites import responses
from coordinator.scheduling import operations as scheduling
from coordinator.shortlist import operations as shortlist
from coordinator.timeutil import utcnow


def _payload(receiver, deliver) -> dict:
    deliver()
    [received] = receiver.requests
    return json.loads(received.body)


def test_scheduling_imports_nothing_from_invites():
    tree = ast.parse(inspect.getsource(scheduling))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
    assert not [name for name in imported if name and name.startswith("coordinator.invites")]


def test_scheduling_says_what_happened_to_whoever_listens(make_candidacy, make_interview,
                                                          interviewer):
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender, kwargs))

    with interview_scheduled.connected_to(listener):
        interview = make_interview(make_candidacy(), panel=[interviewer])

    [(sender, kwargs)] = heard
    assert sender is interview
    assert kwargs["change"].interview is interview
    assert kwargs["actor"] is not None


def test_compensation_concluded_carries_the_outcome_but_no_figures(
        register, receiver, deliver, make_job, make_candidacy, recruiter):
    register(events=("compensation.concluded",))
    job = make_job(actor=recruiter, pay_band_min="70001", pay_band_max="90009",
                   pay_band_currency="EUR")
    candidacy = make_candidacy(job=job, actor=recruiter)
    stage = compensation.open_stage(candidacy, actor=recruiter)
    compensation.set_expectations(stage, actor=recruiter, amount="87654", currency="EUR")
    compensation.propose(stage, actor=recruiter, amount="81234", currency="EUR")
    compensation.conclude(stage, actor=recruiter, outcome="agreed", reason="Signed at 81234")
    db.session.commit()

    payload = _payload(receiver, deliver)

    assert payload["event"] == "compensation.concluded"
    assert payload["data"]["outcome"] == "agreed"
    assert payload["data"]["candidacy_id"] == candidacy.id
    text = json.dumps(payload)
    for figure in ("87654", "81234", "70001", "90009", "EUR", "amount", "currency"):
        assert figure not in text


def test_decision_recorded_names_the_outcome_but_not_the_reason(
        register, receiver, deliver, make_candidacy, recruiter):
    register(events=("decision.recorded",))
    candidacy = make_candidacy(actor=recruiter)
    decision = shortlist.record_decision(candidacy, actor=recruiter, outcome="hold",
                                         reason="Waiting for the references", confirm_missing=True)
    db.session.commit()

    payload = _payload(receiver, deliver)

    assert payload["data"]["decision_id"] == decision.id
    assert payload["data"]["outcome"] == "hold"
    assert "references" not in json.dumps(payload)


def test_assessment_submitted_names_the_interviewer_but_not_the_ratings(
        register, receiver, deliver, make_candidacy, make_planned_round, recruiter, interviewer):
    register(events=("assessment.submitted",))
    candidacy = make_candidacy(actor=recruiter)
    round_ = scheduling.open_round(candidacy, make_planned_round(candidacy.job, actor=recruiter),
                                   actor=recruiter)
    interview = scheduling.schedule_interview(
        round_, actor=recruiter, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0),
        duration_minutes=60, time_zone="UTC", panel=[scheduling.Seat(interviewer.id, "peer")],
        record_past=True).interview
    assessment = assessments.save_assessment(
        interview, actor=interviewer, ratings={c.id: 4 for c in assessments.scorecard(interview)},
        recommendation="strong_yes", notes="Brilliant whiteboard work", submit=True)
    db.session.commit()

    payload = _payload(receiver, deliver)

    assert payload["data"]["assessment_id"] == assessment.id
    assert payload["data"]["user_id"] == interviewer.id
    text = json.dumps(payload)
    assert "strong_yes" not in text and "whiteboard" not in text


def test_interview_response_says_who_answered_what(register, receiver, deliver, make_candidacy,
                                                   make_interview, interviewer):
    register(events=("interview.response",))
    interview = make_interview(make_candidacy(), panel=[interviewer])
    responses.record_panel_response(interview.panel[0], "tentative", actor=interviewer)
    db.session.commit()

    data = _payload(receiver, deliver)["data"]

    assert (data["interview_id"], data["user_id"]) == (interview.id, interviewer.id)
    assert (data["response"], data["previous"]) == ("tentative", "needs_action")


def test_a_cancellation_is_delivered(register, receiver, deliver, make_candidacy, make_interview,
                                     interviewer, recruiter):
    register(events=("interview.cancelled",))
    interview = make_interview(make_candidacy(), panel=[interviewer])
    scheduling.cancel_interview(interview, actor=recruiter, reason="Role filled")
    db.session.commit()

    payload = _payload(receiver, deliver)

    assert payload["event"] == "interview.cancelled"
    assert payload["data"]["state"] == "cancelled"
