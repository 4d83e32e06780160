"""Sign-in throttling: failed attempts counted per address, per account and per known device.

Counts live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: memory per process, or
``redis://…`` shared by every app server). Only refused sign-ins count; a correct password costs
nothing. Once a limit is reached every attempt it covers is refused with 429, the correct
password included, so that the limit cannot be used to test guesses.

- Per address (``LOGIN_RATE_LIMIT``, high): one machine cannot guess many accounts quickly, while
  the colleagues behind one office proxy are not refused because of each other's typos.
- Per account (``LOGIN_ACCOUNT_RATE_LIMIT``, e.g. 10 per 15 minutes), whatever the address:
  many addresses cannot guess one account without limit.
- Known devices: a browser that signed in to an account before carries a signed *device cookie*
  (OWASP's "device cookies"). Its attempts on that account skip the two limits above and are
  counted per device instead, so an attacker who locks an account, or floods a shared address,
  does not lock out the account's owner on their own browser.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from coordinator.accounts.operations import normalise_email
from coordinator.errors import RuleViolation

DEVICE_COOKIE = "coordinator_device"
DEVICE_SALT = "sign-in-device-v1"
DEVICE_DAYS = 180


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def attempted_email() -> str:
    """The address typed into the sign-in form, normalised as sign-in does."""
    typed = (request.form.get("email") or "")[:254]
    try:
        return normalise_email(typed)
    except RuleViolation:
        return typed.strip().lower()


def login_failed(response: Response) -> bool:
    """Only refused sign-ins (the form re-rendered with an error) count against the limits."""
    return response.status_code == 422


def account_key() -> str:
    return "account:" + (attempted_email() or "-")


def _device_nonce() -> str | None:
    """The nonce of this browser's device cookie when it was issued for the account being
    signed in to; None otherwise (no cookie, forged, expired, or another account's)."""
    if "device_nonce" not in g:
        g.device_nonce = None
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        if cookie and len(cookie) < 1000:
            try:
                payload = _serializer().loads(cookie, max_age=DEVICE_DAYS * 86400)
            except BadSignature:
                payload = None
            if (isinstance(payload, dict) and payload.get("e") == attempted_email()
                    and isinstance(payload.get("n"), str)):
                g.device_nonce = payload["n"]
    return g.device_nonce  # type: ignore[no-any-return]


def is_known_device() -> bool:
    return _device_nonce() is not None


def is_unknown_device() -> bool:
    return _device_nonce() is None


def device_key() -> str:
    return "device:" + (_device_nonce() or "-")


def remember_device(response: Response, email: str) -> None:
    """Mark this browser as one that signed in to ``email`` (after a successful sign-in)."""
    config: dict[str, Any] = current_app.config
    value = _serializer().dumps({"e": email, "n": secrets.token_urlsafe(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True,
                        secure=bool(config["SESSION_COOKIE_SECURE"]), samesite="Lax")
