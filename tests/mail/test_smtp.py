"""The SMTP transport against real servers: STARTTLS and login, refusals, odd addresses."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult, LoginPassword

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport, TransportError, transport_from_config
from tests.invites.conftest import parse

USER, PASSWORD = "coordinator", "correct horse"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(make_smtp_server, certificate, monkeypatch):
    """A server that insists on STARTTLS and a login; the client trusts its certificate."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by ssl.create_default_context()
    return make_smtp_server(
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )


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


def test_a_wrong_password_is_recorded_and_retried(app, tls_server, monkeypatch):
    configure(
        app, monkeypatch, tls_server, SMTP_STARTTLS=True, SMTP_USER=USER, SMTP_PASSWORD="wrong"
    )
    row = queued(app)

    report = outbox.deliver_due(transport_from_config(app.config))

    assert report.sent == 0 and not tls_server.received
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, row.id)
    assert failed.last_error.startswith("535"), failed.last_error


def test_without_starttls_the_server_refuses(app, tls_server, monkeypatch):
    configure(app, monkeypatch, tls_server)
    queued(app)

    report = outbox.deliver_due(transport_from_config(app.config))

    assert report.sent == 0 and not tls_server.received


def test_an_untrusted_certificate_is_not_accepted(app, tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    configure(
        app, monkeypatch, tls_server, SMTP_STARTTLS=True, SMTP_USER=USER, SMTP_PASSWORD=PASSWORD
    )
    row = queued(app)

    assert outbox.deliver_due(transport_from_config(app.config)).retried == 1
    db.session.expire_all()
    assert "CERTIFICATE_VERIFY_FAILED" in db.session.get(OutboxMessage, row.id).last_error


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
