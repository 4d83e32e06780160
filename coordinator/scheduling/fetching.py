"""Fetching an address a user typed, without letting it reach what it must not (SSRF).

The host is resolved here and the connection goes to the address that was checked (TLS still
verifies the name), so a DNS answer that changes between the check and the connection
(rebinding) cannot reach another address. Each redirect is checked again. Link-local and
cloud-metadata addresses are always refused; loopback and private networks unless
``CALENDAR_ALLOW_PRIVATE_NETWORKS``. A response is bounded in size, time and redirects.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
#: Metadata services that sit outside link-local ranges (AWS IPv6, Alibaba, Oracle legacy).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")

#: Looks a host up: ``socket.getaddrinfo``'s signature and answer (tests pass their own).
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class FetchError(Exception):
    """Why an address could not be fetched (said to the user as is)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    redirects: list[str] = field(default_factory=list)


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
            allow_private: bool) -> str | None:
    """Why an address may not be fetched, or ``None``."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, 6to4, NAT64) is judged as itself.
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.is_link_local or address in METADATA_ADDRESSES:
        return "link-local and cloud metadata addresses are never fetched"
    if address.is_loopback or address.is_private:
        return None if allow_private else (
            "loopback and private network addresses are not allowed here")
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "that address cannot be fetched"
    if not address.is_global and not allow_private:
        return "that address is not on the public internet"
    return None


def resolve(host: str, port: int, allow_private: bool, resolver: Resolver | None = None) -> str:
    """The first address of ``host`` that may be fetched; refuses if any address is refused.

    Resolved once per connection: the caller connects to the address returned, never to the
    name again (:class:`PinnedHTTPConnection`).
    """
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise FetchError(f"The host “{host}” could not be found.") from err
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(f"The host “{host}” could not be found.")
    for text in addresses:
        reason = refusal(ipaddress.ip_address(text.split("%")[0]), allow_private)
        if reason:
            raise FetchError(f"Refused {host} ({text}): {reason}.")
    return addresses[0]


def _connect(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to the checked address, set up as ``http.client`` sets up its own."""
    sock = socket.create_connection((address, port), timeout)
    with contextlib.suppress(OSError):  # not every socket family supports it
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``address`` that says ``host`` in its Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """A TLS connection to ``address`` that sends ``host`` as SNI, verifies the certificate
    against ``host`` and says it in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = _connect(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def check_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path-with-query of an ``http(s)`` address, or a FetchError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise FetchError("Not a valid address.") from err
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError("Give an http:// or https:// address.")
    if parts.username or parts.password:
        raise FetchError("Put the user name and password in their own fields, not the address.")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    max_redirects: int = MAX_REDIRECTS,
    resolver: Resolver | None = None,
) -> Response:
    """One bounded request, following at most ``max_redirects`` checked redirects.

    ``resolver`` replaces ``socket.getaddrinfo`` (tests); each host is looked up once per
    connection and the connection goes to the address that passed the check.
    """
    deadline = time.monotonic() + timeout
    redirects: list[str] = []
    while True:
        scheme, host, port, path = check_url(url)
        address = resolve(host, port, allow_private, resolver)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"No answer within {timeout:g} seconds.")
        kind = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
        connection = kind(host, port, address, remaining)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            sock = connection.sock  # kept: the connection forgets it when the answer closes
            answer = connection.getresponse()
            if answer.status in {301, 302, 303, 307, 308} and answer.getheader("Location"):
                if len(redirects) >= max_redirects:
                    raise FetchError(f"More than {max_redirects} redirects.")
                url = urljoin(url, answer.getheader("Location", ""))
                redirects.append(url)
                if answer.status == 303:
                    method, body = "GET", None
                continue
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(f"No complete answer within {timeout:g} seconds.")
                sock.settimeout(max(deadline - time.monotonic(), 0.01))
                chunk = answer.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"The answer is larger than {max_bytes // 1024} KiB.")
                chunks.append(chunk)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()},
                            b"".join(chunks), url, redirects)
        except TimeoutError as err:
            raise FetchError(f"No answer within {timeout:g} seconds.") from err
        except ssl.SSLError as err:
            raise FetchError(f"A secure connection failed: {err.reason or err}.") from err
        except (OSError, http.client.HTTPException) as err:
            raise FetchError(f"The server could not be reached: {type(err).__name__}.") from err
        finally:
            connection.close()
