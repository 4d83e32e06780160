from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow

#: The events an endpoint may subscribe to (API.md v1.1).
EVENTS = (
    "interview.scheduled",
    "interview.rescheduled",
    "interview.cancelled",
    "interview.response",
    "assessment.submitted",
    "decision.recorded",
    "compensation.concluded",
)


class DeliveryState(TitledEnum):
    pending = "pending", "Waiting to be delivered"
    delivered = "delivered", "Delivered"
    failed = "failed", "Gave up"


class WebhookEndpoint(db.Model):
    """A receiver an admin registered: where to POST, which events, and the signing secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: Event names, from :data:`EVENTS`.
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    #: The signing secret (HMAC-SHA256 of each body) as a Fernet token under the configured key
    #: (:func:`coordinator.webhooks.operations.signing_secret` reads it); never shown again.
    secret_encrypted: Mapped[str] = mapped_column(sa.String(2000))


class WebhookDelivery(db.Model):
    """One event for one endpoint, its body fixed when written so that every attempt sends the
    same bytes, the same ``id`` and the same signature."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint("(state = 'delivered') = (delivered_at IS NOT NULL)",
                           name="delivered_has_time"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The payload's ``id`` and the ``X-Coordinator-Delivery`` header: receivers drop repeats.
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(60))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState, "webhook_delivery_state"), default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(2000))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
