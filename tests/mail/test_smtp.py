"""The SMTP transport against real servers: STARTTLS and login, refusals, odd addresses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport, TransportError, transport_from_config
from tests.invites.conftest import parse
from tests.mail.conftest import PASSWORD, USER


def queued(app, to: str = "ana@example.com") -> OutboxMessage:
    from tests.mail.conftest import make_message

    row = outbox.enqueue(make_message(to), kind="test")
    db.session.commit()
    return row


def configure(app, monkeypatch, server, **settings) -> None:
    values = {
        "SMTP_HOST": server.host,
        "SMTP_PORT": server.port,
        "SMTP_STARTTLS": False,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
    }
    values.update(settings)
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


def test_starttls_and_login_deliver(app, tls_server, monkeypatch):
    configure(
        app, monkeypatch, tls_server, SMTP_STARTTLS=True, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD
    )
    row = queued(app)

    report = outbox.deliver_due(transport_from_config(app.config))

    assert report.sent == 1
    assert tls_server.message_id_counts() == {row.message_id: 1}


def test_without_starttls_the_server_refuses_the_sender_and_the_run_pauses(
    app, tls_server, monkeypatch
):
    configure(app, monkeypatch, tls_server)
    row = queued(app)

    report = outbox.deliver_due(transport_from_config(app.config))

    assert report.sent == 0 and not tls_server.received
    assert "530" in report.paused and "refused the sender" in report.paused
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).attempts == 0


def test_an_untrusted_certificate_is_not_accepted(app, tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    configure(
        app, monkeypatch, tls_server, SMTP_STARTTLS=True, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD
    )
    row = queued(app)

    report = outbox.deliver_due(transport_from_config(app.config))

    assert "CERTIFICATE_VERIFY_FAILED" in report.paused and not tls_server.received
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).state is OutboxState.pending


def test_transport_reports_refusals_as_permanent_or_temporary(smtp_server):
    smtp_server.refuse("gone@example.com", 550)
    smtp_server.refuse("busy@example.com", 451)
    transport = SMTPTransport(smtp_server.host, smtp_server.port, sender="r@coordinator.test")
    raw = b"Subject: x\r\nMessage-ID: <1@coordinator.test>\r\n\r\nx\r\n"
    try:
        with pytest.raises(TransportError) as gone:
            transport.send(1, "gone@example.com", raw)
        with pytest.raises(TransportError) as busy:
            transport.send(2, "busy@example.com", raw)
        transport.send(3, "here@example.com", raw)  # the connection is usable again
    finally:
        transport.close()

    assert gone.value.permanent and str(gone.value).startswith("550")
    assert not busy.value.permanent and str(busy.value).startswith("451")
    assert [r.rcpt_tos for r in smtp_server.received] == [("here@example.com",)]


def test_ready_is_called_once_the_recipient_is_accepted_and_before_the_message_is(smtp_server):
    smtp_server.refuse("gone@example.com", 550)
    transport = SMTPTransport(smtp_server.host, smtp_server.port, sender="r@coordinator.test")
    raw = b"Subject: x\r\nMessage-ID: <1@coordinator.test>\r\n\r\nx\r\n"
    calls: list[int] = []

    def ready() -> None:
        calls.append(len(smtp_server.received))

    try:
        with pytest.raises(TransportError):
            transport.send(1, "gone@example.com", raw, ready)
        transport.send(2, "here@example.com", raw, ready)
    finally:
        transport.close()

    assert calls == [0], "not for a refused recipient; before the accepted message arrived"
    assert len(smtp_server.received) == 1


def test_a_failing_ready_leaves_the_message_unsent_and_the_transport_usable(smtp_server):
    transport = SMTPTransport(smtp_server.host, smtp_server.port, sender="r@coordinator.test")
    raw = b"Subject: x\r\nMessage-ID: <1@coordinator.test>\r\n\r\nx\r\n"

    def not_recorded() -> None:
        raise RuntimeError("the previous outcome was not recorded")

    try:
        with pytest.raises(RuntimeError, match="not recorded"):
            transport.send(1, "ana@example.com", raw, not_recorded)
        transport.send(2, "bo@example.com", raw)
    finally:
        transport.close()

    assert [r.rcpt_tos for r in smtp_server.received] == [("bo@example.com",)]


# --- addresses beyond ASCII ----------------------------------------------------------------------


def test_a_non_ascii_address_goes_out_over_smtputf8(app, make_smtp_server, monkeypatch):
    server = make_smtp_server(enable_SMTPUTF8=True)
    configure(app, monkeypatch, server)
    row = queued(app, "zoë@example.com")
    other = queued(app, "ana@example.com")

    report = outbox.deliver_due(transport_from_config(app.config))

    assert report.sent == 2, db.session.get(OutboxMessage, row.id).last_error
    (envelope,) = server.to("zoë@example.com")
    message = parse(envelope.content)
    assert message["To"].addresses[0].addr_spec == "zoë@example.com"
    assert message["To"].addresses[0].display_name == "Rene Recipient"
    assert message.get_body(("plain",)).get_content().strip() == "Hello."
    assert server.to("ana@example.com")[0].message_id == other.message_id


def test_a_non_ascii_address_the_server_cannot_take_fails_and_the_rest_goes(
    app,
    make_smtp_server,
    monkeypatch,
):
    smtp_server = make_smtp_server(enable_SMTPUTF8=False)
    configure(app, monkeypatch, smtp_server)
    row = queued(app, "zoë@example.com")
    other = queued(app, "ana@example.com")

    report = outbox.deliver_due(transport_from_config(app.config))

    assert (report.sent, report.failed) == (1, 1)
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, row.id)
    assert failed.state is OutboxState.failed and "SMTPUTF8" in failed.last_error
    assert smtp_server.message_id_counts() == {other.message_id: 1}


def test_an_internationalised_domain_is_sent_in_its_ascii_form(app, smtp_server, monkeypatch):
    configure(app, monkeypatch, smtp_server)
    row = queued(app, "ana@bücher.example")

    assert outbox.deliver_due(transport_from_config(app.config)).sent == 1

    (envelope,) = smtp_server.received
    assert envelope.rcpt_tos == ("ana@xn--bcher-kva.example",)
    assert parse(envelope.content)["To"].addresses[0].addr_spec == "ana@xn--bcher-kva.example"
    assert row.recipient == "ana@xn--bcher-kva.example"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("bad", ["not-an-address", "@example.com"])
def test_a_malformed_address_fails_for_good_and_the_rest_goes(app, smtp_server, monkeypatch, bad):
    configure(app, monkeypatch, smtp_server)
    row = queued(app, bad)
    other = queued(app, "ana@example.com")

    report = outbox.deliver_due(transport_from_config(app.config))

    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, row.id)
    assert failed.state is OutboxState.failed and failed.last_error[:1] == "5"
    assert smtp_server.message_id_counts() == {other.message_id: 1}
