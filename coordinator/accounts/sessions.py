"""Signed-in browsers: server-side sessions that sign-out, password changes and admins can end.

A browser that signs in gets a row in ``user_sessions`` and an *identity*,
``<user's session token>.<session secret>``, which Flask-Login keeps in the signed session cookie
and, with "keep me signed in", in the remember-me cookie. Both halves must match for the
identity to load a user, in one statement:

- ending one session deletes its row (sign-out, the profile's list of sessions);
- rotating the user's session token (password change, "sign out everywhere") kills every
  identity and remember-me cookie that carried the old token.

API bearer tokens are separate (``ApiToken``) and untouched by all of this.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User, UserSession, new_session_token
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import NotFound
from coordinator.timeutil import utcnow

#: ``last_seen_at`` is written at most this often, so most requests only read.
TOUCH_EVERY = timedelta(minutes=5)
SEPARATOR = "."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(user: User, *, lifetime: timedelta, remember: bool, user_agent: str = "",
                  ip_address: str = "", now: datetime | None = None) -> str:
    """Record a new sign-in and return its identity (to keep in the session, never stored)."""
    now = now or utcnow()
    db.session.execute(
        sa.delete(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(
        user_id=user.id, token_hash=_digest(secret), created_at=now, last_seen_at=now,
        expires_at=now + lifetime, is_remembered=remember,
        user_agent=(user_agent or "")[:300], ip_address=(ip_address or "")[:64],
    ))
    db.session.flush()
    return identity(user, secret)


def identity(user: User, secret: str) -> str:
    return f"{user.get_id()}{SEPARATOR}{secret}"


def reissue(identity_: str, user: User) -> str | None:
    """The same session's identity after the user's session token was rotated."""
    parts = _split(identity_)
    return None if parts is None else identity(user, parts[1])


def _split(identity_: str) -> tuple[str, str] | None:
    token, sep, secret = (identity_ or "").partition(SEPARATOR)
    if not sep or not token or not secret or len(identity_) > 200:
        return None
    return token, secret


#: :func:`find`'s statement, built once per process: every signed-in page request runs it
#: (building the select, its join and criteria each time cost more than running it).
_USER_FOR_IDENTITY = (
    sa.select(User, UserSession)
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.session_token == sa.bindparam("token"), User.is_active.is_(True),
           UserSession.token_hash == sa.bindparam("digest"),
           UserSession.expires_at > sa.bindparam("now", type_=UserSession.expires_at.type))
    .options(sa.orm.joinedload(User.role_rows))
)


def find(identity_: str, now: datetime | None = None) -> tuple[User, UserSession] | None:
    """The active user and live session an identity stands for, in one statement; else None."""
    parts = _split(identity_)
    if parts is None:
        return None
    token, secret = parts
    row = db.session.execute(
        _USER_FOR_IDENTITY,
        {"token": token, "digest": _digest(secret), "now": now or utcnow()},
    ).unique().first()
    return None if row is None else (row[0], row[1])


def touch(user_session: UserSession, *, idle_lifetime: timedelta,
          now: datetime | None = None) -> bool:
    """Note activity (at most every few minutes); a session without remember-me also stays
    alive for ``idle_lifetime`` after it. True when the row changed and needs a commit."""
    now = now or utcnow()
    if now - user_session.last_seen_at < TOUCH_EVERY:
        return False
    user_session.last_seen_at = now
    if not user_session.is_remembered:
        user_session.expires_at = now + idle_lifetime
    db.session.flush()
    return True


def end_session(user_session: UserSession | None) -> None:
    """Sign one browser out for good (its cookies no longer load anyone)."""
    if user_session is not None:
        db.session.delete(user_session)
        db.session.flush()


def end_sessions(user: User, *, actor: User | None, keep: UserSession | None = None) -> int:
    """End every session of ``user`` except ``keep`` and rotate their session token, so that no
    remember-me cookie issued before survives. Returns how many sessions ended."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    ended = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    user.session_token = new_session_token()
    db.session.flush()
    record(actor, "user.sessions_ended", user, ended=ended, kept_current=keep is not None)
    return ended


def live_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The user's sessions that still work, most recently used first."""
    return list(db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at > (now or utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def get_session(user: User, session_id: int) -> UserSession:
    """One of the user's sessions; another user's is not found."""
    row = db.session.scalar(
        sa.select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if row is None:
        raise NotFound("No such session.")
    return row
