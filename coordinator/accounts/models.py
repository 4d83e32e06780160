from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.timeutil import utcnow


class Role(TitledEnum):
    admin = "admin", "Admin"
    recruiter = "recruiter", "Recruiter"
    hiring_manager = "hiring_manager", "Hiring manager"
    interviewer = "interviewer", "Interviewer"


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.CheckConstraint(
            "max_interviews_per_day IS NULL OR max_interviews_per_day >= 0", name="day_limit_valid"
        ),
        sa.CheckConstraint(
            "max_interviews_per_week IS NULL OR max_interviews_per_week >= 0",
            name="week_limit_valid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    bio: Mapped[str] = mapped_column(sa.String(1000), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: Flask-Login's alternative id: a per-user secret in the session and the remember-me cookie.
    #: Rotating it (password change, "sign out everywhere") ends every session and remember-me
    #: cookie that carried the old one.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True,
                                               default=lambda: new_session_token())
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Load limits for interviewers, counted per calendar day and ISO week in their own zone.
    max_interviews_per_day: Mapped[int | None]
    max_interviews_per_week: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The alternative id (never the primary key), so that it can be rotated."""
        return self.session_token

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: set[Role]) -> None:
        current = {row.role: row for row in self.role_rows}
        for role, row in current.items():
            if role not in roles:
                self.role_rows.remove(row)
        for role in sorted(roles - set(current)):
            self.role_rows.append(UserRole(role=role))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class UserSession(db.Model):
    """One signed-in browser: its secret (only a SHA-256 digest is stored) lives in the session
    and in the remember-me cookie; deleting the row ends that sign-in for good."""

    __tablename__ = "user_sessions"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_remembered: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ip_address: Mapped[str] = mapped_column(sa.String(64), default="")

    user: Mapped[User] = relationship()


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
