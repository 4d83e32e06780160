"""Deliver due webhook deliveries: claim with a lease, POST, record, retry with backoff.

Like the mail outbox (same claim, same backoff), but no transaction is held open while a
receiver is being called. ``2xx`` is delivered; anything else (``3xx`` included: redirects are
not followed), a refused address or no answer within the timeout is retried with exponential
backoff until ``WEBHOOK_MAX_ATTEMPTS``, then kept as ``failed`` (listed at /admin/outbox).
"""

from __future__ import annotations

import http.client
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from coordinator.db import db
from coordinator.leases import claim_due, outcome_row, release_claims
from coordinator.scheduling.fetching import (
    PinnedHTTPConnection,
    PinnedHTTPSConnection,
    Resolver,
)
from coordinator.timeutil import utcnow
from coordinator.webhooks.addresses import Refused, resolve
from coordinator.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from coordinator.webhooks.operations import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
    signing_secret,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=2)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.delivered + self.retried + self.failed


@dataclass(frozen=True)
class _Claimed:
    id: int
    delivery_id: str
    event: str
    body: bytes
    attempts: int
    url: str
    #: The plain signing secret; None when the stored token cannot be read (the key changed).
    secret: str | None


def claim(batch_size: int, now: datetime, lease: timedelta = LEASE) -> list[int]:
    """Take up to ``batch_size`` due deliveries for this worker (commits the claim)."""
    return claim_due(WebhookDelivery, DeliveryState.pending, batch_size, now, lease)


def _load(ids: list[int]) -> list[_Claimed]:
    rows = db.session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.delivery_id, WebhookDelivery.event,
                  WebhookDelivery.body, WebhookDelivery.attempts, WebhookEndpoint.url,
                  WebhookEndpoint.secret_encrypted)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    ).all()
    db.session.rollback()  # hold no transaction while calling receivers
    secrets: dict[str, str | None] = {}
    for *_, token in rows:
        if token not in secrets:
            secrets[token] = signing_secret(token)
    return [_Claimed(*row[:-1], secrets[row[-1]]) for row in rows]


def post(delivery: _Claimed, *, allow_private: bool, timeout: float = TIMEOUT_SECONDS,
         resolver: Resolver | None = None) -> str | None:
    """POST one delivery; None when the receiver answered 2xx, else why not.

    The host is resolved once and the connection goes to the address that passed the check,
    with the URL's host in the Host header (and as TLS SNI, the certificate checked against it).
    """
    if delivery.secret is None:
        return ("the signing secret cannot be read (the configured key changed); "
                "register the webhook again")
    parts = urlsplit(delivery.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(host, port, allow_private=allow_private, resolver=resolver)
    except Refused as err:
        return str(err)
    connection_class = (PinnedHTTPSConnection if parts.scheme == "https"
                        else PinnedHTTPConnection)
    connection = connection_class(host, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=delivery.body, headers={
            "Content-Type": "application/json",
            "User-Agent": "InterviewCoordinator-Webhooks/1",
            SIGNATURE_HEADER: sign(delivery.secret, delivery.body),
            DELIVERY_HEADER: delivery.delivery_id,
            EVENT_HEADER: delivery.event,
        })
        response = connection.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as err:
        return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return None
    return f"HTTP {response.status} {response.reason}"


def deliver_due(*, allow_private: bool, max_attempts: int, batch_size: int = 50,
                timeout: float = TIMEOUT_SECONDS, record_every: int = 20,
                lease: timedelta = LEASE, resolver: Resolver | None = None) -> DeliveryReport:
    """Make every delivery due now, batch after batch, until none is left.

    A delivery starts only while half of its batch's lease is left; the rest of the batch is
    given back and claimed afresh. Outcomes are written ``record_every`` at a time (and at
    least every half second, and at the end of each batch), in one short transaction each. A
    worker killed in between makes those deliveries again once their lease runs out: delivery
    is at least once, and receivers drop repeats by ``id``. ``resolver`` replaces
    ``socket.getaddrinfo`` (tests).
    """
    report = DeliveryReport()
    outcomes = _Outcomes(max_attempts, report, max(1, record_every))
    try:
        while True:
            claimed_at = utcnow()
            batch = _load(claim(batch_size, claimed_at, lease))
            if not batch:
                return report
            for index, delivery in enumerate(batch):
                if index and utcnow() >= claimed_at + lease / 2:
                    # Slow receivers: give the rest back before another worker may take them.
                    outcomes.write()
                    _release([d.id for d in batch[index:]], claimed_at + lease)
                    break
                outcomes.add(delivery, post(delivery, allow_private=allow_private,
                                            timeout=timeout, resolver=resolver))
            outcomes.write()
    finally:
        outcomes.write()


def _release(ids: list[int], lease_until: datetime) -> None:
    release_claims(WebhookDelivery, DeliveryState.pending, ids, lease_until)


class _Outcomes:
    """Outcomes waiting to be written, a group per transaction (bulk UPDATE by primary key)."""

    GROUP_SECONDS = 0.5

    def __init__(self, max_attempts: int, report: DeliveryReport, group_size: int) -> None:
        self.max_attempts, self.report, self.group_size = max_attempts, report, group_size
        self.rows: list[dict[str, object]] = []
        self.started = 0.0

    def add(self, delivery: _Claimed, error: str | None) -> None:
        now = utcnow()
        if not self.rows:
            self.started = time.monotonic()
        gave_up = error is not None and delivery.attempts >= self.max_attempts
        if error is None:
            self.report.delivered += 1
        else:
            if gave_up:
                self.report.failed += 1
            else:
                self.report.retried += 1
            log.warning("webhook %s (%s) not delivered (attempt %s): %s",
                        delivery.delivery_id, delivery.event, delivery.attempts, error)
        self.rows.append(outcome_row(
            delivery.id, now=now, attempts=delivery.attempts, error=error, gave_up=gave_up,
            done=DeliveryState.delivered, pending=DeliveryState.pending,
            failed=DeliveryState.failed, done_at="delivered_at"))
        if (len(self.rows) >= self.group_size
                or time.monotonic() - self.started >= self.GROUP_SECONDS):
            self.write()

    def write(self) -> None:
        if self.rows:
            rows, self.rows = self.rows, []
            db.session.execute(sa.update(WebhookDelivery), rows)
            db.session.commit()


def retry(delivery: WebhookDelivery) -> bool:
    """Queue a failed delivery again, due now (an admin's action); whether it did."""
    if delivery.state is not DeliveryState.failed:
        return False
    delivery.state = DeliveryState.pending
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.attempts = 0
    db.session.flush()
    return True
