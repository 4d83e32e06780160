"""Private calendar feeds: each user can subscribe to their interviews from any calendar app.

A feed URL carries a random secret; only its SHA-256 digest is stored (like API tokens), so the
URL is shown once, when made. Making a new one revokes the old one (rotation); a revoked or
unknown secret finds nothing. A user has at most one live feed.

The feed is ``METHOD:PUBLISH`` without RSVP attendees: the interviews the user sits on that ended
at most :data:`PAST` ago or are still ahead, and those cancelled within :data:`RECENTLY_CANCELLED`
as ``STATUS:CANCELLED`` so subscribed calendars show the cancellation before the event drops out.

UIDs are the panel event's stored UID with ``-panel@`` turned into ``-feed@``
(``interview-<id>-feed@<host>``): stable for the interview's life, even when the base URL changes,
but distinct from the invites' UID. The emailed invite already lives in the user's
calendar under its UID, managed by iTIP (REQUEST/CANCEL, SEQUENCE, their RSVP); a subscription
holding the same UID would collide with it: Google refuses or merges the duplicate, Outlook and
Apple may treat the read-only feed copy as an update of the invite and drop the reply state.
A separate UID keeps the two copies independent. Everything else (times, SEQUENCE, ORGANIZER,
summary, description, place, join link) is the invite's event, built by the same function.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.invites import ical
from coordinator.invites import operations as invites
from coordinator.invites.models import Audience, CalendarFeed
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.timeutil import utcnow
from coordinator.urls import external_url

#: Past interviews stay in the feed this long after they end.
PAST = timedelta(days=90)
#: Cancelled interviews stay in the feed, marked cancelled, this long after the cancellation.
RECENTLY_CANCELLED = timedelta(days=14)
#: The feed's size bound; more than this many interviews for one person is not plausible.
MAX_EVENTS = 2000
SECRET_BYTES = 32
MAX_SECRET_LENGTH = 100


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_uid(panel_uid: str) -> str:
    """The feed's UID for an interview whose panel event has ``panel_uid``."""
    if "-panel@" in panel_uid:
        return panel_uid.replace("-panel@", "-feed@", 1)
    return f"feed-{panel_uid}"


def live_feed(user: User) -> CalendarFeed | None:
    """The user's feed that still works, if any."""
    return db.session.scalar(
        sa.select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def revoke_feeds(user: User, *, actor: User) -> int:
    """Stop every live feed URL of the user; returns how many were live."""
    now = utcnow()
    feeds = list(
        db.session.scalars(
            sa.select(CalendarFeed).where(
                CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
            )
        )
    )
    for feed in feeds:
        feed.revoked_at = now
    if feeds:
        db.session.flush()
        record(actor, "calendar_feed.revoked", user, feeds=len(feeds))
    return len(feeds)


def create_feed(user: User, *, actor: User) -> tuple[CalendarFeed, str]:
    """A new feed URL secret for the user (any earlier one stops working); shown once."""
    revoked = revoke_feeds(user, actor=actor)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = CalendarFeed(user_id=user.id, token_hash=_digest(secret))
    db.session.add(feed)
    db.session.flush()
    record(actor, "calendar_feed.created", user, feed_id=feed.id, rotated=bool(revoked))
    return feed, secret


def feed_url(secret: str) -> str:
    return external_url("feeds.show_feed", token=secret)


def user_for_secret(secret: str) -> User | None:
    """The active user whose live feed this secret opens; ``None`` for anything else."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    user = db.session.scalar(
        sa.select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _digest(secret), CalendarFeed.revoked_at.is_(None))
    )
    return user if user is not None and user.is_active else None


def feed_interviews(user: User, now: datetime | None = None) -> list[Interview]:
    """The interviews a user's feed lists, in one query (rounds, candidacies, jobs joined)."""
    now = now or utcnow()
    seated = sa.select(PanelMember.interview_id).where(PanelMember.user_id == user.id)
    return list(
        db.session.scalars(
            sa.select(Interview)
            .where(
                Interview.id.in_(seated),
                sa.or_(
                    sa.and_(
                        Interview.state == InterviewState.scheduled, Interview.ends_at > now - PAST
                    ),
                    sa.and_(
                        Interview.state == InterviewState.cancelled,
                        Interview.cancelled_at > now - RECENTLY_CANCELLED,
                    ),
                ),
            )
            .options(
                sa.orm.joinedload(Interview.round).joinedload(Round.planned_round),
                sa.orm.joinedload(Interview.round).joinedload(Round.candidacy)
                .joinedload(Candidacy.job),
                sa.orm.joinedload(Interview.round).joinedload(Round.candidacy)
                .joinedload(Candidacy.candidate),
            )
            .order_by(Interview.starts_at, Interview.id)
            .limit(MAX_EVENTS)
        ).unique()
    )


def feed_calendar(user: User, now: datetime | None = None) -> bytes:
    """The user's feed as iCalendar bytes (METHOD:PUBLISH, UTC times, stable UIDs)."""
    interviews = feed_interviews(user, now)
    stored = invites.stored_identities((i.id for i in interviews), Audience.panel)
    events = []
    for interview in interviews:
        panel_uid, organizer = invites.identity_from(
            stored.get(interview.id), interview.id, Audience.panel)
        events.append((invites.panel_event(interview, (feed_uid(panel_uid), organizer)),
                       interview.is_cancelled))
    # Names the subscription in Apple, Outlook and Google, and asks them to refresh hourly.
    return ical.publish(events, name=f"Interviews — {user.name}", refresh=timedelta(hours=1))
