"""The JSON API under /api/v1: bearer tokens, problem+json errors, OpenAPI generated from code."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from coordinator.access import Unauthenticated
from coordinator.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def authenticate() -> None:
    """Bearer tokens only: the API never acts on a session cookie, so it needs no CSRF token."""
    from coordinator.accounts.operations import user_for_token

    g.api_user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Use the header `Authorization: Bearer <token>`.")
    user = user_for_token(secret.strip())
    if user is None:
        raise Unauthenticated("The token is unknown, revoked, or its user is inactive.")
    g.api_user = user


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)


from coordinator.api import (  # noqa: E402, F401
    assessments,
    candidates,
    compensation,
    jobs,
    loops,
    message_templates,
    meta,
    outbox,
    pipeline,
    portal,
    scheduling,
    selfschedule,
    shortlist,
    users,
    webhooks,
)
