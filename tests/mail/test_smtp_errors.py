"""SMTP errors by class, against real loopback servers: a server that cannot be used (no STARTTLS,
no AUTH, a refused login, nobody listening) pauses the whole run and keeps every message queued
with its attempts untouched; a refusal of one recipient concerns that message only."""

from __future__ import annotations

import socket

import pytest

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import MailTransportStatus, OutboxMessage, OutboxState
from coordinator.mail.smtp import transport_from_config
from tests.mail.test_smtp import PASSWORD, USER, configure, queued


def _reload(row: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row.id)


def _untouched(*rows: OutboxMessage) -> bool:
    return all(
        (m.state, m.attempts, m.lease_until) == (OutboxState.pending, 0, None)
        for m in map(_reload, rows)
    )


def _deliver(app) -> outbox.DeliveryReport:
    return outbox.deliver_due(transport_from_config(app.config))


def test_starttls_not_offered_pauses_the_run_and_keeps_the_messages(app, smtp_server,
                                                                    monkeypatch):
    configure(app, monkeypatch, smtp_server, SMTP_STARTTLS=True)
    rows = [queued(app, f"p{n}@example.com") for n in range(3)]

    report = _deliver(app)

    assert report.total == 0 and not smtp_server.received
    assert "does not offer STARTTLS" in report.paused
    assert _untouched(*rows)


def test_auth_not_offered_pauses_the_run_and_names_the_cause(app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD)
    rows = [queued(app, f"p{n}@example.com") for n in range(2)]

    report = _deliver(app)

    assert "does not offer AUTH" in report.paused
    assert "SMTPUTF8" not in report.paused
    assert _untouched(*rows)


def test_a_refused_login_pauses_the_run(app, tls_server, monkeypatch):
    configure(app, monkeypatch, tls_server, SMTP_STARTTLS=True, SMTP_USER=USER,
              SMTP_PASSWORD="wrong")
    row = queued(app)

    report = _deliver(app)

    assert "refused the login" in report.paused and "535" in report.paused
    assert _untouched(row)


def test_nobody_listening_pauses_the_run(app, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    row = queued(app)

    report = _deliver(app)

    assert "cannot connect to the SMTP server" in report.paused
    assert _untouched(row)


def test_a_paused_run_is_recorded_and_the_next_run_waits(app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server, SMTP_STARTTLS=True)
    row = queued(app)
    _deliver(app)
    configure(app, monkeypatch, smtp_server)  # fixed, but the back-off still runs

    report = _deliver(app)

    assert "does not offer STARTTLS" in report.paused
    assert not smtp_server.received and _untouched(row)
    status = db.session.get(MailTransportStatus, 1)
    assert status.failures == 1 and status.retry_at > status.failed_at


def test_a_good_run_after_the_back_off_clears_the_problem(app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server, SMTP_STARTTLS=True)
    row = queued(app)
    _deliver(app)
    configure(app, monkeypatch, smtp_server)
    status = db.session.get(MailTransportStatus, 1)
    status.retry_at = status.failed_at
    db.session.commit()

    report = _deliver(app)

    assert report.sent == 1 and report.paused is None
    assert _reload(row).state is OutboxState.sent
    db.session.expire_all()
    assert db.session.get(MailTransportStatus, 1).problem is None


def test_a_permanent_refusal_of_one_recipient_gives_up_on_that_message_only(
        app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server)
    smtp_server.refuse("gone@example.com", 550)
    gone, here = queued(app, "gone@example.com"), queued(app, "here@example.com")

    report = _deliver(app)

    assert (report.sent, report.failed, report.paused) == (1, 1, None)
    refused = _reload(gone)
    assert refused.state is OutboxState.failed
    assert "550" in refused.last_error and "gone@example.com" in refused.last_error
    assert _reload(here).state is OutboxState.sent


def test_a_temporary_refusal_of_one_recipient_is_retried_later(app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server)
    smtp_server.refuse("busy@example.com", 451)
    busy = queued(app, "busy@example.com")

    report = _deliver(app)

    assert (report.retried, report.paused) == (1, None)
    retried = _reload(busy)
    assert retried.state is OutboxState.pending and retried.attempts == 1
    assert retried.last_error.startswith("451")


def test_the_outbox_page_shows_why_delivery_is_paused(app, smtp_server, monkeypatch, client,
                                                     login, admin):
    configure(app, monkeypatch, smtp_server, SMTP_STARTTLS=True)
    queued(app)
    _deliver(app)

    page = login(admin).get("/admin/outbox").get_data(as_text=True)

    assert "Delivery is paused" in page
    assert "does not offer STARTTLS" in page


@pytest.mark.parametrize("starttls", [True, False])
def test_deliver_mail_once_reports_the_pause_and_exits_zero(app, smtp_server, monkeypatch,
                                                           starttls):
    configure(app, monkeypatch, smtp_server, SMTP_STARTTLS=starttls)
    queued(app)
    result = app.test_cli_runner().invoke(args=["deliver-mail", "--once"])
    assert result.exit_code == 0
    assert ("paused" in result.output) is starttls
