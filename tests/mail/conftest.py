"""Mail fixtures: the loopback SMTP server (shared with tests/invites) and a message factory."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from itertools import count

import pytest
from flask import Flask

from coordinator.db import db
from coordinator.mail import messages, outbox
from coordinator.mail.models import OutboxMessage
from tests.invites.conftest import make_smtp_server, smtp_server, use_smtp  # noqa: F401

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
