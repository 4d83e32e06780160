"""The admin's outbox page: failed messages with their last error, and a retry button."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import transport_from_config
from coordinator.timeutil import freeze

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(app):
    freeze(T0)


def deliver(app) -> outbox.DeliveryReport:
    return outbox.deliver_due(transport_from_config(app.config))


def reload(row: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row.id)


@pytest.fixture
def failed(app, use_smtp, queue) -> OutboxMessage:
    """A message the server refused for good (550)."""
    use_smtp.refuse("gone@example.com", 550)
    row = queue("gone@example.com", subject="Your interview")
    deliver(app)
    use_smtp.accept("gone@example.com")
    row = reload(row)
    assert row.state is OutboxState.failed
    return row


def test_admin_sees_failed_messages_with_their_last_error(login, admin, failed):
    response = login(admin).get("/admin/outbox")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "gone@example.com" in page and "Your interview" in page
    assert "550" in page and "mailbox unavailable" in page
    assert f"/admin/outbox/{failed.id}/retry" in page


def test_the_page_filters_by_state(login, admin, failed, queue):
    waiting = queue("waiting@example.com")
    client = login(admin)

    pending = client.get("/admin/outbox?state=pending").get_data(as_text=True)
    bogus = client.get("/admin/outbox?state=nonsense")

    assert "waiting@example.com" in pending and "gone@example.com" not in pending
    assert f"/admin/outbox/{waiting.id}/retry" in pending
    assert bogus.status_code == 200 and "gone@example.com" in bogus.get_data(as_text=True)


def test_an_error_text_is_shown_escaped(login, admin, queue):
    row = queue()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(state=OutboxState.failed, last_error="554 <script>alert(1)</script>")
    )
    db.session.commit()

    page = login(admin).get("/admin/outbox").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_retry_queues_the_message_again_and_it_is_sent_once(
    app, login, admin, failed, use_smtp
):
    response = login(admin).post(f"/admin/outbox/{failed.id}/retry")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/outbox?state=failed")
    row = reload(failed)
    assert (row.state, row.attempts, row.next_attempt_at, row.lease_until) == (
        OutboxState.pending,
        0,
        T0,
        None,
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "outbox.retried")
        )
        == 1
    )
    assert deliver(app).sent == 1
    assert use_smtp.message_id_counts() == {failed.message_id: 1}
    assert reload(failed).state is OutboxState.sent


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer"])
def test_only_admins_may_retry(login, make_user, failed, role):
    client = login(make_user((role,)))

    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 403
    assert client.get("/admin/outbox").status_code == 403
    row = reload(failed)
    assert (row.state, row.attempts) == (OutboxState.failed, 1)


def test_anonymous_visitors_are_sent_to_sign_in(client, failed):
    response = client.post(f"/admin/outbox/{failed.id}/retry")

    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert reload(failed).state is OutboxState.failed


def test_retrying_a_sent_message_changes_nothing(app, login, admin, use_smtp, queue):
    row = queue()
    deliver(app)

    response = login(admin).post(f"/admin/outbox/{row.id}/retry")

    assert response.status_code == 303
    assert reload(row).state is OutboxState.sent
    assert deliver(app).total == 0 and len(use_smtp.received) == 1


def test_retrying_an_unknown_message_is_404(login, admin):
    assert login(admin).post("/admin/outbox/999999/retry").status_code == 404


def test_retry_is_post_only(login, admin, failed):
    assert login(admin).get(f"/admin/outbox/{failed.id}/retry").status_code == 405


def test_retrying_a_sent_message_says_so_on_the_page(app, login, admin, use_smtp, queue):
    row = queue()
    deliver(app)
    client = login(admin)

    client.post(f"/admin/outbox/{row.id}/retry")

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"Message {row.id} was sent; there is nothing to retry." in page
