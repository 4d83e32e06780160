"""The outbox over the API: admins list messages by state and retry a failed one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.timeutil import freeze
from tests.api.support import assert_conflict, assert_matches_document, assert_problem

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(app):
    freeze(T0)


@pytest.fixture
def failed(queue) -> OutboxMessage:
    """A message the mail worker gave up on."""
    row = queue("gone@example.com", subject="Your interview")
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        state=OutboxState.failed, attempts=8, last_error="550 mailbox unavailable"))
    db.session.commit()
    db.session.expire_all()
    return row


@pytest.fixture
def admin_api(api_as, admin):
    return api_as(admin)


def test_admin_lists_failed_messages_by_default(admin_api, failed, queue, openapi_document):
    queue("waiting@example.com")
    response = admin_api.get("/outbox")
    assert response.status_code == 200
    assert [m["id"] for m in response.json["items"]] == [failed.id]
    item = response.json["items"][0]
    assert (item["recipient"], item["state"], item["last_error"]) == (
        "gone@example.com", "failed", "550 mailbox unavailable")
    assert_matches_document(openapi_document, "/api/v1/outbox", "GET", response)


def test_admin_lists_messages_in_the_state_asked_for(admin_api, failed, queue):
    waiting = queue("waiting@example.com")
    items = admin_api.get("/outbox?state=pending").json["items"]
    assert [m["id"] for m in items] == [waiting.id]


def test_an_unknown_state_is_422(admin_api):
    assert_problem(admin_api.get("/outbox?state=nonsense"), 422)


def test_admin_retry_queues_the_message_again_and_audits_it(admin_api, failed,
                                                             openapi_document):
    response = admin_api.post(f"/outbox/{failed.id}/retry")
    assert response.status_code == 200
    assert (response.json["state"], response.json["attempts"]) == ("pending", 0)
    assert_matches_document(openapi_document, "/api/v1/outbox/{message_id}/retry", "POST",
                            response)
    db.session.expire_all()
    row = db.session.get(OutboxMessage, failed.id)
    assert (row.state, row.next_attempt_at) == (OutboxState.pending, T0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "outbox.retried")) == 1


def test_retrying_a_sent_message_is_409_and_changes_nothing(admin_api, queue):
    row = queue()
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        state=OutboxState.sent, sent_at=T0))
    db.session.commit()
    body = assert_conflict(admin_api.post(f"/outbox/{row.id}/retry"), "not_retryable")
    assert body["conflicts"][0]["kind"] == "not_retryable"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).state is OutboxState.sent


def test_retrying_a_message_a_worker_holds_is_409(admin_api, queue):
    row = queue()
    assert outbox.claim(10) == [row.id]
    db.session.commit()
    body = assert_conflict(admin_api.post(f"/outbox/{row.id}/retry"), "not_retryable")
    assert body["conflicts"][0]["state"] == "pending"


def test_retrying_an_unknown_message_is_404(admin_api):
    assert_problem(admin_api.post("/outbox/999999/retry"), 404)


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer"])
def test_only_admins_reach_the_outbox(api_as, make_user, failed, role):
    api = api_as(make_user((role,)))
    assert_problem(api.get("/outbox"), 403)
    assert_problem(api.post(f"/outbox/{failed.id}/retry"), 403)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).state is OutboxState.failed
