from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow


class Audience(TitledEnum):
    """Whose copy of the event: the candidate's and the panel's are separate events (UIDs)."""

    candidate = "candidate", "Candidate"
    panel = "panel", "Panel"


class InviteMethod(TitledEnum):
    request = "REQUEST", "Invitation or update"
    cancel = "CANCEL", "Cancellation"


class InviteEvent(db.Model):
    """The identity of one calendar event: an interview's copy for one audience.

    UID and ORGANIZER are fixed when the event's first message is written and reused for its
    whole life (updates, cancels, the candidate's download, the feed), so changing
    ``COORDINATOR_BASE_URL`` or ``COORDINATOR_MAIL_FROM`` never makes calendar clients keep the
    old event and add a new one.
    """

    __tablename__ = "invite_events"
    __table_args__ = (sa.UniqueConstraint("interview_id", "audience"), sa.UniqueConstraint("uid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(sa.ForeignKey("interviews.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "invite_event_audience"))
    uid: Mapped[str] = mapped_column(sa.String(255))
    organizer_email: Mapped[str] = mapped_column(sa.String(254))
    organizer_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invite(db.Model):
    """One invitation (or cancellation) message about one interview to one recipient."""

    __tablename__ = "invites"
    __table_args__ = (
        sa.Index("ix_invites_interview", "interview_id", "id"),
        # Replies are matched on the UID as it was sent.
        sa.Index("ix_invites_uid", "uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(sa.ForeignKey("interviews.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "invite_audience"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uid: Mapped[str] = mapped_column(sa.String(255))
    sequence: Mapped[int]
    method: Mapped[InviteMethod] = mapped_column(enum_column(InviteMethod, "invite_method"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(db.Model):
    """A user's private calendar subscription URL; only the token's SHA-256 digest is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
