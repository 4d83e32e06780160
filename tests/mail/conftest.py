"""Mail fixtures: the loopback SMTP server (shared with tests/invites) and a message factory."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Callable
from email.message import EmailMessage
from itertools import count
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from coordinator.db import db
from coordinator.mail import messages, outbox
from coordinator.mail.models import OutboxMessage
from tests.invites.conftest import make_smtp_server, smtp_server, use_smtp  # noqa: F401

USER, PASSWORD = "coordinator", "correct horse"

_numbers = count(1)


def make_message(
    to: str = "", name: str = "Rene Recipient", subject: str = "", text: str = "Hello."
) -> EmailMessage:
    n = next(_numbers)
    return messages.compose(
        sender=messages.address("recruiting@coordinator.test", "Interview Coordinator"),
        recipient=messages.address(to or f"someone{n}@example.com", name),
        subject=subject or f"Message {n}",
        text=text,
        html=f"<p>{text}</p>",
        domain="coordinator.test",
    )


@pytest.fixture
def queue(app: Flask) -> Callable[..., OutboxMessage]:
    """Enqueue a plain message and commit, as a door would after its operation."""

    def do(
        to: str = "", *, kind: str = "test", dedupe_key: str | None = None, **options: str
    ) -> OutboxMessage:
        row = outbox.enqueue(make_message(to, **options), kind=kind, dedupe_key=dedupe_key)
        db.session.commit()
        assert row is not None
        return row

    return do


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
def tls_server(make_smtp_server, certificate, monkeypatch):  # noqa: F811
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
