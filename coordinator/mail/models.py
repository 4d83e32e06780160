from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow


class OutboxState(TitledEnum):
    pending = "pending", "Waiting to be sent"
    sent = "sent", "Sent"
    failed = "failed", "Gave up"


class OutboxMessage(db.Model):
    """One message to one recipient, stored whole (RFC 5322 bytes) until it is delivered."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker's claim query: due pending messages in order.
        sa.Index("ix_outbox_messages_due", "state", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(60))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    message_id: Mapped[str] = mapped_column(sa.String(300), unique=True)
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: Makes an enqueue idempotent (reminders): a second message with the same key is not made.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    state: Mapped[OutboxState] = mapped_column(
        enum_column(OutboxState, "outbox_state"), default=OutboxState.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker's claim; another worker may take the message once the lease runs out.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(2000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailTransportStatus(db.Model):
    """Why the mail workers paused delivery: one row, the last problem with the SMTP server
    itself (not offering STARTTLS or AUTH, refusing the login, not answering), and until when
    they wait before trying again. Cleared by the next run that gets a message through."""

    __tablename__ = "mail_transport_status"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("failures >= 0", name="failures_not_negative"),
        sa.CheckConstraint("(problem IS NULL) = (failed_at IS NULL)", name="problem_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    problem: Mapped[str | None] = mapped_column(sa.String(2000))
    #: Paused runs in a row (the back-off doubles with each).
    failures: Mapped[int] = mapped_column(default=0)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
