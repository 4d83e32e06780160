"""What admins do to keep the service running: retry outbox messages."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import Conflict, NotFound
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState


def messages_in_state(state: OutboxState) -> sa.Select[tuple[OutboxMessage]]:
    """Outbox messages in ``state``, newest first, without their (large) bodies."""
    return (sa.select(OutboxMessage).where(OutboxMessage.state == state)
            .order_by(OutboxMessage.id.desc()).options(sa.orm.defer(OutboxMessage.raw)))


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message.")
    return message


def retry_message(message: OutboxMessage, *, actor: User) -> None:
    """Queue a failed (or waiting) message again, due now; audited.

    A sent message, or one a worker is sending right now, is a :class:`Conflict`.
    """
    if not outbox.retry(message):
        state = "was sent" if message.sent_at is not None else "is being sent right now"
        raise Conflict(
            f"Message {message.id} {state}; there is nothing to retry.",
            [{"kind": "not_retryable", "detail": f"the message {state}",
              "state": message.state.value}],
        )
    record(actor, "outbox.retried", message, recipient=message.recipient)
