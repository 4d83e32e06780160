"""Changing one's own email address without revealing which addresses have accounts.

The user gives the new address and their current password. The answer is the same whether or
not the address is free: "we sent a message to the new address". The message says either
"follow this link to make this your address" (a signed link, valid for a day, that works only
while the account still has the address it had when asked) or, when the address already
belongs to an account, that nothing was changed and why. The owner of the new mailbox thus
learns the outcome (nothing is silently lost) and nobody else learns whether an account
exists. Admins editing users are still told directly that an address is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from coordinator.accounts import passwords
from coordinator.accounts.models import User
from coordinator.accounts.operations import get_user_by_email, normalise_email
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import Conflict, Gone, NotFound, PermissionDenied, RuleViolation
from coordinator.mail import messages, outbox
from coordinator.urls import external_url, mail_domain

SALT = "email-change-v1"
LINK_HOURS = 24


@dataclass(frozen=True)
class EmailChange:
    """What a confirmation link asks for."""

    user_id: int
    old_email: str
    new_email: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def request_email_change(user: User, *, actor: User, new_email: str,
                         current_password: str) -> str:
    """Check the password, then mail the new address (a link, or why it cannot be used).
    Returns the normalised new address; says nothing about whether it has an account."""
    if actor.id != user.id:
        raise PermissionDenied("You can change only your own email.")
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise RuleViolation("current_password", "That is not your current password.")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise RuleViolation("email", "That is already your address.")
    owner = get_user_by_email(new_email)
    if owner is None:
        token = _serializer().dumps({"u": user.id, "from": user.email, "to": new_email})
        _send(new_email, user.name, user, "Confirm your new address", "email_change_confirm",
              url=external_url("accounts.confirm_email_change", token=token), hours=LINK_HOURS)
    else:
        _send(new_email, "", user, "Your address was not changed", "email_change_taken",
              url=external_url("accounts.login"))
    record(actor, "user.email_change_requested", user)
    return new_email


def read_link(token: str, user: User) -> EmailChange:
    """What a confirmation link asks for; NotFound when altered or another user's, Gone when
    expired or out of date (the address changed since)."""
    try:
        payload = _serializer().loads(token[:1000], max_age=LINK_HOURS * 3600)
        change = EmailChange(int(payload["u"]), str(payload["from"]), str(payload["to"]))
    except SignatureExpired as err:
        raise Gone("This link has expired. Ask for the change again on your profile.") from err
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise NotFound("No such link.") from err
    if change.user_id != user.id:
        raise NotFound("No such link.")
    if change.old_email != user.email:
        raise Gone("Your address has changed since this link was sent; it no longer works.")
    return change


def confirm_email_change(user: User, *, actor: User, token: str) -> str:
    """Make the link's address the user's. The link proves the mailbox is theirs, so a clash
    with an account created since may be told."""
    change = read_link(token, user)
    if get_user_by_email(change.new_email) is not None:
        raise Conflict("That address now belongs to another account; nothing was changed.",
                       [{"kind": "duplicate_email", "detail": f"{change.new_email} is taken"}],
                       field="email")
    user.email = change.new_email
    db.session.flush()
    record(actor, "user.email_changed", user, old=change.old_email, new=change.new_email)
    return change.new_email


def _send(to: str, name: str, user: User, subject: str, template: str,
          **context: object) -> None:
    config = current_app.config
    message = messages.compose(
        sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
        recipient=messages.address(to, name),
        subject=subject,
        text=render_template(f"email/{template}.txt", user=user, address=to, **context),
        html=render_template(f"email/{template}.html", user=user, address=to, **context),
        domain=mail_domain(),
    )
    outbox.enqueue(message, kind=template)
