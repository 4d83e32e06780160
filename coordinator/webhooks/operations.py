"""Webhook endpoints (an admin's) and the deliveries domain events turn into.

A delivery's body is written once, in the transaction of the change it reports, so every
attempt sends the same bytes with the same ``id`` and the same signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app

from coordinator import crypto
from coordinator.accounts.models import User
from coordinator.accounts.permissions import can_manage_users
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import NotFound, PermissionDenied, RuleViolation
from coordinator.timeutil import isoformat_z, utcnow
from coordinator.validation import refused_character
from coordinator.webhooks.addresses import check_url
from coordinator.webhooks.models import EVENTS, DeliveryState, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Coordinator-Signature"
DELIVERY_HEADER = "X-Coordinator-Delivery"
EVENT_HEADER = "X-Coordinator-Event"
MIN_SECRET_LENGTH = 16


#: Labels the Fernet key derived for webhook secrets (:mod:`coordinator.crypto`).
SECRET_PURPOSE = "webhook secret"


def encrypt_secret(secret: str) -> str:
    """The signing secret as stored: a Fernet token under the configured key."""
    return crypto.encrypt(secret, SECRET_PURPOSE)


def signing_secret(endpoint_or_token: WebhookEndpoint | str) -> str | None:
    """The plain signing secret, or None when it cannot be read (the key changed)."""
    token = (endpoint_or_token.secret_encrypted
             if isinstance(endpoint_or_token, WebhookEndpoint) else endpoint_or_token)
    try:
        return crypto.decrypt(token, SECRET_PURPOSE)
    except crypto.InvalidToken:
        return None


def sign(secret: str, body: bytes) -> str:
    """The ``X-Coordinator-Signature`` value: ``sha256=`` and the hex HMAC of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _require_admin(actor: User) -> None:
    if not can_manage_users(actor):
        raise PermissionDenied("Only admins manage webhooks.")


def _events(events: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(events or ()))
    if not chosen:
        raise RuleViolation("events", "Choose at least one event.")
    unknown = [name for name in chosen if name not in EVENTS]
    if unknown:
        raise RuleViolation("events", f"Unknown event: {', '.join(map(str, unknown))[:200]}. "
                                      f"Choose from {', '.join(EVENTS)}.")
    return [name for name in EVENTS if name in chosen]


def _secret(secret: str | None) -> str:
    secret = secret or ""
    if len(secret) < MIN_SECRET_LENGTH or len(secret) > 200:
        raise RuleViolation("secret", f"Use {MIN_SECRET_LENGTH} to 200 characters.")
    if refused_character(secret) is not None or secret != secret.strip():
        raise RuleViolation("secret", "Use printable characters, without spaces around them.")
    return secret


def create_endpoint(*, actor: User, url: str, events: Sequence[str] | None,
                    secret: str | None) -> WebhookEndpoint:
    """Register a receiver for some events (admins)."""
    _require_admin(actor)
    endpoint = WebhookEndpoint(
        url=check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]),
        events=_events(events), secret_encrypted=encrypt_secret(_secret(secret)),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record(actor, "webhook.created", endpoint, url=endpoint.url, events=endpoint.events)
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Remove a receiver; its deliveries not yet made go with it."""
    _require_admin(actor)
    record(actor, "webhook.deleted", endpoint, url=endpoint.url)
    db.session.delete(endpoint)
    db.session.flush()


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No such webhook.")
    return endpoint


#: Built once: a statement object keeps its cache key (every event asks).
_ENDPOINTS = sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)


def endpoints() -> sa.Select[tuple[WebhookEndpoint]]:
    """Every registered receiver, oldest first."""
    return _ENDPOINTS


def emit(event: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
         ) -> list[WebhookDelivery]:
    """Write one delivery of ``event`` for each endpoint that subscribed to it.

    ``data`` may be a function: it is called only when someone subscribed (one query, for the
    endpoints, is all an event costs when nobody listens).
    """
    subscribed = [e for e in db.session.scalars(endpoints()) if event in e.events]
    if not subscribed:
        return []
    if callable(data):
        data = data()
    deliveries = []
    occurred_at = isoformat_z(utcnow())
    for endpoint in subscribed:
        delivery_id = str(uuid.uuid4())
        body = json.dumps({"id": delivery_id, "event": event, "occurred_at": occurred_at,
                           "data": data}, separators=(",", ":"), sort_keys=True).encode()
        delivery = WebhookDelivery(delivery_id=delivery_id, endpoint_id=endpoint.id, event=event,
                                   body=body, state=DeliveryState.pending, attempts=0,
                                   next_attempt_at=utcnow())
        db.session.add(delivery)
        deliveries.append(delivery)
    return deliveries


def deliveries_in_state(state: DeliveryState) -> sa.Select[tuple[WebhookDelivery]]:
    return (sa.select(WebhookDelivery).where(WebhookDelivery.state == state)
            .order_by(WebhookDelivery.id.desc()))


def counts() -> dict[DeliveryState, int]:
    rows = db.session.execute(sa.select(WebhookDelivery.state, sa.func.count())
                              .group_by(WebhookDelivery.state)).all()
    result = dict.fromkeys(DeliveryState, 0)
    result.update({state: count for state, count in rows})
    return result
