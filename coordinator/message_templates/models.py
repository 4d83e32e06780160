from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.accounts.models import User
from coordinator.db import UTCDateTime, db
from coordinator.timeutil import utcnow


class MessageTemplate(db.Model):
    """A recruiter's own wording of one candidate mail (``key`` from the catalogue); without a
    row the built-in wording is sent."""

    __tablename__ = "message_templates"
    __table_args__ = (sa.CheckConstraint("key <> ''", name="key_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()
