"""Account operations: create and edit users, set passwords, issue and revoke API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from coordinator.accounts import passwords, sessions
from coordinator.accounts.models import ApiToken, Role, User, UserSession
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coordinator.timeutil import is_valid_zone, utcnow
from coordinator.validation import text as _check_text

TOKEN_PREFIX = "ict_"


def normalise_email(email: str, field: str = "email") -> str:
    """Check an address's syntax (no DNS look-up) and return it lower-cased."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as err:
        raise RuleViolation(field, f"Not a valid email address: {err}") from err
    return result.normalized.lower()


def _check_zone(time_zone: str) -> None:
    if not is_valid_zone(time_zone):
        raise RuleViolation("time_zone", f"“{time_zone}” is not a known IANA time zone.")



def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    *,
    actor: User | None,
    email: str,
    name: str,
    roles: set[Role] | list[Role],
    password: str | None = None,
    job_title: str = "",
    bio: str = "",
    time_zone: str = "UTC",
    is_active: bool = True,
) -> User:
    email = normalise_email(email)
    name = _check_text("name", name, 200, required=True)
    _check_zone(time_zone)
    if get_user_by_email(email) is not None:
        raise Conflict(
            "A user with this email already exists.",
            [{"kind": "duplicate_email", "detail": f"{email} is taken"}],
            field="email",
        )
    user = User(
        email=email,
        name=name,
        job_title=_check_text("job_title", job_title, 200),
        bio=_check_text("bio", bio, 1000, multi_line=True),
        time_zone=time_zone,
        is_active=is_active,
    )
    user.set_roles({Role(r) for r in roles})
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, email=email, roles=sorted(user.roles))
    return user


def update_user(
    user: User,
    *,
    actor: User,
    name: str | None = None,
    email: str | None = None,
    job_title: str | None = None,
    bio: str | None = None,
    time_zone: str | None = None,
    roles: set[Role] | list[Role] | None = None,
    is_active: bool | None = None,
) -> User:
    """Edit a user. Roles, the active flag and the email change only through an admin."""
    changes: dict[str, object] = {}
    if email is not None and email.strip().lower() != user.email:
        if not actor.has_role(Role.admin):
            # Saying "taken" would reveal accounts, and the change needs the password:
            # users change their own address through email_change.request_email_change.
            raise PermissionDenied("Change your email on your profile: it asks for your "
                                   "password and confirms the new address.")
        email = normalise_email(email)
        other = get_user_by_email(email)
        if other is not None and other.id != user.id:
            raise Conflict(
                "A user with this email already exists.",
                [{"kind": "duplicate_email", "detail": f"{email} is taken"}],
                field="email",
            )
        changes["email"] = email
    if name is not None:
        changes["name"] = _check_text("name", name, 200, required=True)
    if job_title is not None:
        changes["job_title"] = _check_text("job_title", job_title, 200)
    if bio is not None:
        changes["bio"] = _check_text("bio", bio, 1000, multi_line=True)
    if time_zone is not None:
        _check_zone(time_zone)
        changes["time_zone"] = time_zone
    if (roles is not None or is_active is not None) and not actor.has_role(Role.admin):
        raise PermissionDenied("Only an admin can change roles or deactivate a user.")
    if roles is not None:
        new_roles = {Role(r) for r in roles}
        if user.id == actor.id and Role.admin not in new_roles:
            raise RuleViolation("roles", "You cannot remove your own admin role.")
        if new_roles != user.roles:
            changes["roles"] = sorted(new_roles)
            user.set_roles(new_roles)
    if is_active is not None and is_active != user.is_active:
        if user.id == actor.id and not is_active:
            raise RuleViolation("is_active", "You cannot deactivate yourself.")
        changes["is_active"] = is_active
    for key, value in changes.items():
        if key != "roles":
            setattr(user, key, value)
    db.session.flush()
    if changes:
        record(actor, "user.updated", user, changes=sorted(changes))
    return user


def _set_password(user: User, password: str) -> None:
    refused = passwords.problem(password)
    if refused is not None:
        raise RuleViolation("password", refused)
    user.password_hash = passwords.hash_password(password)


def change_password(user: User, *, actor: User, current_password: str | None,
                    new_password: str, keep_session: UserSession | None = None) -> None:
    """Users change their own password by giving the current one; admins may reset others'.

    Every session of the user ends except ``keep_session`` (the browser that made the change),
    and remember-me cookies issued before stop working."""
    if actor.id == user.id and not passwords.verify_password(user.password_hash,
                                                             current_password or ""):
        raise RuleViolation("current_password", "That is not your current password.")
    if actor.id != user.id and not actor.has_role(Role.admin):
        raise PermissionDenied("Only an admin can reset another user's password.")
    _set_password(user, new_password)
    db.session.flush()
    record(actor, "user.password_changed", user)
    sessions.end_sessions(user, actor=actor, keep=keep_session)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    try:
        email = normalise_email(email)
    except RuleViolation:
        passwords.verify_password(None, password)
        return None
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        passwords.verify_password(None, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, actor: User | None, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token; returns the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=_check_text("name", name, 100),
        token_hash=_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(token)
    db.session.flush()
    record(actor, "token.created", token, user_id=user.id)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record(actor, "token.revoked", token, user_id=token.user_id)


_WITH_ROLES = sa.orm.joinedload(User.role_rows)  # built once: building it costs more than a compile

#: Every API request runs this lookup: the statement is built once, the digest is bound per call
#: (building the select, its join and criteria each time cost more than running it).
_USER_FOR_TOKEN = (
    sa.select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("digest"), ApiToken.revoked_at.is_(None),
           User.is_active.is_(True))
    .options(_WITH_ROLES)
)


def user_for_token(secret: str) -> User | None:
    """The active user a live bearer token belongs to, with their roles: one statement."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalars(
        _USER_FOR_TOKEN, {"digest": _digest(secret)}
    ).unique().first()


# --- reading -----------------------------------------------------------------------------------


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def search_users(text: str = "") -> sa.Select[tuple[User]]:
    """Users whose name or email contains ``text``, alphabetically (roles load in one query)."""
    statement = (sa.select(User).options(sa.orm.selectinload(User.role_rows))
                 .order_by(User.name, User.id))
    text = (text or "").strip()[:200]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    return statement


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def get_token(user: User, token_id: int) -> ApiToken:
    """One of the user's tokens; another user's token is not found."""
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound("No such token.")
    return token
