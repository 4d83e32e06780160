"""Which webhook URLs may be called: never link-local or cloud metadata addresses; loopback and
private networks only when ``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` says so."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from coordinator.errors import RuleViolation

#: Cloud metadata services that are not link-local (AWS IPv6, Alibaba).
METADATA = frozenset({ipaddress.ip_address("fd00:ec2::254"),
                      ipaddress.ip_address("100.100.100.200")})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def refusal(address: Address, *, allow_private: bool) -> str | None:
    """Why ``address`` may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local or address in METADATA:
        return "link-local and metadata addresses are never called"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "not a unicast address"
    if (address.is_loopback or address.is_private) and not allow_private:
        return "private networks are not allowed (COORDINATOR_WEBHOOK_ALLOW_PRIVATE_NETWORKS)"
    return None


def check_url(url: str, *, allow_private: bool, field: str = "url") -> str:
    """The URL, stripped, when it has a form webhooks can use; RuleViolation otherwise.

    Names are resolved when a delivery is made (:func:`resolve`); here only literal addresses
    and ``localhost`` are judged.
    """
    url = (url or "").strip()
    if not url:
        raise RuleViolation(field, "Give the receiver's URL.")
    if len(url) > 2000:
        raise RuleViolation(field, "At most 2000 characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise RuleViolation(field, "This is not a URL.") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(field, "Use an http:// or https:// URL with a host.")
    if parts.username or parts.password:
        raise RuleViolation(field, "Leave credentials out of the URL; the signature authenticates.")
    if port == 0:
        raise RuleViolation(field, "This is not a usable port.")
    host = parts.hostname
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = ipaddress.ip_address("127.0.0.1") if host.rstrip(".") == "localhost" else None
    if literal is not None:
        reason = refusal(literal, allow_private=allow_private)
        if reason is not None:
            raise RuleViolation(field, f"This address cannot receive webhooks: {reason}.")
    return url


class Refused(Exception):
    """Why a receiver's host may not be called (or cannot be found)."""


def resolve(host: str, port: int, *, allow_private: bool,
            resolver: Callable[..., Sequence[tuple[Any, ...]]] | None = None) -> str:
    """The address to connect to for ``host``: its first, when every address it resolves to may
    be called; :class:`Refused` otherwise.

    The caller connects to exactly this address (the name is not looked up again), so a DNS
    answer that changes after the check (rebinding) cannot send a delivery elsewhere.
    ``resolver`` replaces ``socket.getaddrinfo`` (tests).
    """
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise Refused(f"cannot resolve {host}: {err}") from err
    if not infos:
        raise Refused(f"cannot resolve {host}: no address")
    for info in infos:
        reason = refusal(ipaddress.ip_address(info[4][0].split("%")[0]),
                         allow_private=allow_private)
        if reason is not None:
            raise Refused(f"{host} resolves to {info[4][0]}: {reason}")
    return infos[0][4][0].split("%")[0]
