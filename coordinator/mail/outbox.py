"""The outbox: enqueue in the caller's transaction; deliver with claims, retries and backoff.

Delivery claims due messages with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers on several machines never take the same message), sends each over one SMTP connection
and records the outcome of each message in its own short transaction. A worker that dies
mid-batch leaves its unsent claims to expire and be retried; a failed send is retried with
exponential backoff until ``MAIL_MAX_ATTEMPTS``, then kept as ``failed`` for an admin to retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8

import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail.messages import Composed
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import Transport, TransportError
from coordinator.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)
DEFAULT_MAX_ATTEMPTS = 8


def enqueue(message: Composed | EmailMessage, *, kind: str, dedupe_key: str | None = None
            ) -> OutboxMessage | None:
    """Store a message for delivery in the current transaction.

    With a ``dedupe_key`` already used, nothing is stored and ``None`` is returned.
    """
    if dedupe_key is not None and db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ) is not None:
        return None
    if isinstance(message, Composed):
        recipient, subject, message_id, raw = (message.recipient, message.subject,
                                               message.message_id, message.raw)
    else:
        recipient = message["To"].addresses[0].addr_spec
        # An address beyond ASCII cannot be written as RFC 2047 words: such a message is
        # written in UTF-8 (RFC 6532) and the transport sends it with SMTPUTF8.
        addresses = [a.addr_spec for name in ("From", "To", "Reply-To") if message[name]
                     for a in message[name].addresses]
        policy = SMTP if all(a.isascii() for a in addresses) else SMTPUTF8
        subject, message_id = str(message["Subject"]), str(message["Message-ID"])
        raw = message.as_bytes(policy=policy)
    row = OutboxMessage(
        kind=kind, recipient=recipient, subject=subject[:300], message_id=message_id, raw=raw,
        dedupe_key=dedupe_key, state=OutboxState.pending, attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at 2 hours."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def claim(batch_size: int, now: datetime | None = None) -> list[int]:
    """Take up to ``batch_size`` due messages for this worker (commits the claim)."""
    now = now or utcnow()
    statement = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.pending,
               OutboxMessage.next_attempt_at <= now,
               sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(statement))
    claimed: list[int] = []
    for message_id in ids:
        # Conditional update: of two workers racing for a row, only one sees rowcount 1.
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.pending,
                   sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
            .values(lease_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def deliver_due(transport: Transport, *, batch_size: int = 50,
                max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> DeliveryReport:
    """Send every message due now, batch after batch, until none is left."""
    report = DeliveryReport()
    try:
        while True:
            ids = claim(batch_size)
            if not ids:
                break
            for message_id in ids:
                _deliver_one(transport, message_id, report, max_attempts)
    finally:
        transport.close()
    return report


def _deliver_one(transport: Transport, message_id: int, report: DeliveryReport,
                 max_attempts: int) -> None:
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.state is not OutboxState.pending:
        db.session.rollback()
        return
    recipient, raw, attempts = row.recipient, row.raw, row.attempts
    db.session.rollback()  # hold no transaction while talking to the server
    try:
        transport.send(message_id, recipient, raw)
    except Exception as caught:
        if isinstance(caught, TransportError):
            err = caught
        else:
            # Whatever goes wrong with one message must not stop the queue behind it.
            log.exception("mail %s: unexpected error while sending", message_id)
            err = TransportError(f"{type(caught).__name__}: {caught}")
        now = utcnow()
        gave_up = err.permanent or attempts >= max_attempts
        values = {"last_error": str(err)[:2000], "lease_until": None,
                  "next_attempt_at": now + backoff(attempts)}
        if gave_up:
            values["state"] = OutboxState.failed
            report.failed += 1
        else:
            report.retried += 1
        log.warning("mail %s to %s not sent (attempt %s): %s", message_id, recipient, attempts,
                    err)
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(**values))
        db.session.commit()
        return
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(state=OutboxState.sent, sent_at=utcnow(), lease_until=None, last_error=None)
    )
    db.session.commit()
    report.sent += 1


def retry(message: OutboxMessage) -> None:
    """Put a failed (or stuck) message back in the queue, due now (an admin's action)."""
    if message.state is OutboxState.sent:
        return
    message.state = OutboxState.pending
    message.next_attempt_at = utcnow()
    message.lease_until = None
    message.attempts = 0
    db.session.flush()


def counts() -> dict[OutboxState, int]:
    rows = db.session.execute(sa.select(OutboxMessage.state, sa.func.count())
                              .group_by(OutboxMessage.state)).all()
    result = dict.fromkeys(OutboxState, 0)
    result.update({state: count for state, count in rows})
    return result
