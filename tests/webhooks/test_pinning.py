"""A delivery connects to the address that passed the address check (no DNS rebinding).

The receiver is a real HTTP server on 127.0.0.1; its URL names a host that does not exist
(``.invalid`` never resolves), looked up through a resolver the test controls: the first answer
is the receiver's loopback address, every later one a forbidden address. A delivery that looked
the name up again (or let the HTTP client do it) would fail or be refused; it arrives, with the
URL's host in the Host header, after exactly one lookup.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa

from coordinator.db import db
from coordinator.webhooks.models import DeliveryState, WebhookDelivery

HOST = "hooks.rebind.invalid"


class RebindingResolver:
    """Answers with ``first`` once, then with ``then`` (what a rebinding DNS server does)."""

    def __init__(self, first: str, then: str) -> None:
        self.first, self.then = first, then
        self.asked: list[str] = []

    def __call__(self, host: str, port: int, *args: object, **kwargs: object) -> list:
        self.asked.append(host)
        address = self.first if len(self.asked) == 1 else self.then
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


def _named(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{HOST}:{parts.port}").geturl()


def _states() -> list[tuple[DeliveryState, str | None]]:
    db.session.expire_all()
    return [(d.state, d.last_error) for d in db.session.scalars(
        sa.select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_the_delivery_goes_to_the_checked_address_and_never_to_a_second_answer(
        register, receiver, deliver: Callable, make_candidacy, make_interview, interviewer):
    register(events=("interview.scheduled",), url=_named(receiver.url))
    make_interview(make_candidacy(), panel=[interviewer])
    resolver = RebindingResolver("127.0.0.1", "169.254.169.254")

    report = deliver(resolver=resolver)

    assert report.delivered == 1
    assert resolver.asked == [HOST]
    [received] = receiver.requests
    assert received.headers["Host"] == f"{HOST}:{urlsplit(receiver.url).port}"
    assert _states() == [(DeliveryState.delivered, None)]


def test_a_name_whose_first_answer_is_forbidden_is_refused_without_connecting(
        register, receiver, deliver: Callable, make_candidacy, make_interview, interviewer):
    register(events=("interview.scheduled",), url=_named(receiver.url))
    make_interview(make_candidacy(), panel=[interviewer])
    resolver = RebindingResolver("169.254.169.254", "127.0.0.1")

    report = deliver(resolver=resolver)

    assert report.retried == 1
    assert receiver.requests == []
    [(state, error)] = _states()
    assert state is DeliveryState.pending
    assert "169.254.169.254" in (error or "") and "link-local" in (error or "")


def test_a_name_resolving_to_loopback_is_refused_unless_private_networks_are_allowed(
        register, receiver, deliver: Callable, make_candidacy, make_interview, interviewer):
    register(events=("interview.scheduled",), url=_named(receiver.url))
    make_interview(make_candidacy(), panel=[interviewer])

    report = deliver(allow_private=False, resolver=RebindingResolver("127.0.0.1", "127.0.0.1"))

    assert report.retried == 1
    assert receiver.requests == []
    assert "private networks" in (_states()[0][1] or "")


def test_each_attempt_looks_the_name_up_afresh_and_checks_that_answer(
        register, receiver, deliver: Callable, make_candidacy, make_interview, interviewer):
    """Pinning is per connection: a retry resolves again, and a now-forbidden answer is
    refused rather than used."""
    register(events=("interview.scheduled",), url=_named(receiver.url))
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.statuses = [503]
    resolver = RebindingResolver("127.0.0.1", "169.254.169.254")
    deliver(resolver=resolver)
    db.session.execute(sa.update(WebhookDelivery).values(
        next_attempt_at=WebhookDelivery.created_at))
    db.session.commit()

    report = deliver(resolver=resolver)

    assert report.retried == 1
    assert len(receiver.requests) == 1
    assert resolver.asked == [HOST, HOST]
    assert "link-local" in (_states()[0][1] or "")
