"""Deliveries: signed, with a stable id across retries, retried with backoff, then failed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import utcnow
from coordinator.webhooks import delivery as delivery_module
from coordinator.webhooks.models import DeliveryState, WebhookDelivery
from tests.webhooks.conftest import SECRET


def _make_due() -> None:
    db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=utcnow()
                                                         - timedelta(seconds=1)))
    db.session.commit()


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_scheduling_an_interview_delivers_a_signed_payload(
        register, receiver, deliver, make_candidacy, make_interview, interviewer):
    register(events=("interview.scheduled",))
    interview = make_interview(make_candidacy(), panel=[interviewer])

    report = deliver()

    assert report.delivered == 1
    [received] = receiver.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Coordinator-Signature"] == expected
    payload = json.loads(received.body)
    assert set(payload) == {"id", "event", "occurred_at", "data"}
    assert payload["event"] == "interview.scheduled"
    assert payload["data"]["interview_id"] == interview.id
    assert payload["data"]["candidacy_id"] == interview.round.candidacy_id
    assert received.headers["X-Coordinator-Delivery"] == payload["id"]
    assert _deliveries()[0].state is DeliveryState.delivered


def test_a_retry_sends_the_same_id_and_body(register, receiver, deliver, make_candidacy,
                                            make_interview, interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.statuses = [500]

    first = deliver()
    _make_due()
    second = deliver()

    assert (first.retried, second.delivered) == (1, 1)
    one, two = receiver.requests
    assert one.body == two.body
    assert one.headers["X-Coordinator-Delivery"] == two.headers["X-Coordinator-Delivery"]
    assert json.loads(one.body)["id"] == json.loads(two.body)["id"]


def test_a_failed_attempt_waits_for_its_backoff(register, receiver, deliver, make_candidacy,
                                                make_interview, interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.statuses = [503]

    deliver()
    again = deliver()

    assert again.total == 0
    [delivery] = _deliveries()
    assert delivery.state is DeliveryState.pending
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    assert delivery.next_attempt_at > utcnow()


def test_a_delivery_gives_up_after_the_last_attempt(register, receiver, deliver, make_candidacy,
                                                    make_interview, interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.statuses = [500, 500]

    deliver(max_attempts=2)
    _make_due()
    report = deliver(max_attempts=2)

    assert report.failed == 1
    [delivery] = _deliveries()
    assert (delivery.state, delivery.attempts) == (DeliveryState.failed, 2)


def test_a_receiver_slower_than_the_timeout_is_retried(register, receiver, deliver,
                                                        make_candidacy, make_interview,
                                                        interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.delay = 1.0

    report = deliver(timeout=0.2)

    assert report.retried == 1
    assert "timed out" in (_deliveries()[0].last_error or "")


def test_loopback_is_refused_at_delivery_unless_private_networks_are_allowed(
        register, receiver, deliver, make_candidacy, make_interview, interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])

    report = deliver(allow_private=False)

    assert report.retried == 1
    assert receiver.requests == []
    assert "private networks" in (_deliveries()[0].last_error or "")


def test_only_subscribed_endpoints_get_a_delivery(register, make_candidacy, make_interview,
                                                  interviewer):
    register(events=("interview.cancelled",))
    make_interview(make_candidacy(), panel=[interviewer])

    assert _deliveries() == []


def test_the_delivery_is_written_in_the_changes_transaction(register, make_candidacy,
                                                           make_interview, interviewer, recruiter):
    register(events=("interview.cancelled",))
    interview = make_interview(make_candidacy(), panel=[interviewer])

    scheduling.cancel_interview(interview, actor=recruiter, reason="The role was filled.")
    assert len(db.session.scalars(sa.select(WebhookDelivery)).all()) == 1
    db.session.rollback()

    assert _deliveries() == []


def test_a_reschedule_says_what_changed(register, receiver, deliver, make_candidacy,
                                        make_interview, interviewer, recruiter):
    register(events=("interview.rescheduled",))
    interview = make_interview(make_candidacy(), panel=[interviewer])
    before = interview.starts_at

    scheduling.reschedule_interview(interview, actor=recruiter, reason="Clash",
                                    starts_at=before + timedelta(hours=2))
    db.session.commit()
    deliver()

    data = json.loads(receiver.requests[0].body)["data"]
    assert data["changed"] == ["time"]
    assert data["previous_starts_at"] == before.isoformat().replace("+00:00", "Z")


def test_a_batch_past_half_its_lease_gives_the_rest_back_without_counting_an_attempt(
        register, receiver, deliver, make_candidacy, make_interview, interviewer, monkeypatch):
    register(events=("interview.scheduled",))
    for _ in range(3):
        make_interview(make_candidacy(), panel=[interviewer])
    claimed: list[list[int]] = []
    original = delivery_module.claim
    monkeypatch.setattr(delivery_module, "claim",
                        lambda *a, **k: claimed.append(original(*a, **k)) or claimed[-1])

    report = deliver(lease=timedelta(0))  # every batch is past half its lease at once

    assert report.delivered == 3
    assert [len(ids) for ids in claimed] == [3, 2, 1, 0]
    assert [d.attempts for d in _deliveries()] == [1, 1, 1]
    assert len(receiver.requests) == 3
