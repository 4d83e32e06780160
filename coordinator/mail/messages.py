"""Compose messages: plain text and HTML, with an optional calendar part (RFC 6047 iMIP).

The shape follows CalConnect's iMIP practice, which Outlook, Gmail, Apple Mail and Thunderbird
all recognise::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST; charset=UTF-8
      application/ics; name=invite.ics (attachment, the same bytes)
"""

from __future__ import annotations

import base64
import binascii
import email
import re
import secrets
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from coordinator.timeutil import utcnow

_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)
_CRLF = b"\r\n"


@dataclass(frozen=True)
class Calendar:
    """An iCalendar object to carry: its bytes (CRLF, folded) and the file name to attach."""

    data: bytes
    filename: str = "invite.ics"

    @property
    def method(self) -> str:
        match = _METHOD.search(self.data)
        if match is None:
            raise ValueError("calendar has no METHOD")
        return match.group(1).decode()


@dataclass(frozen=True)
class Composed:
    """A finished message: its RFC 5322 bytes (CRLF) and what the outbox files it under.

    Reading it like an ``EmailMessage`` (``composed["Subject"]``, ``.as_bytes()``) parses the
    bytes with the standard email package.
    """

    raw: bytes
    recipient: str
    subject: str
    message_id: str
    _parsed: list[EmailMessage] = field(default_factory=list, repr=False, compare=False)

    @property
    def message(self) -> EmailMessage:
        if not self._parsed:
            if self.raw.isascii():
                parsed = email.message_from_bytes(self.raw, policy=default_policy)
            else:  # RFC 6532 UTF-8 headers
                text = self.raw.decode().replace("\r\n", "\n")
                parsed = email.message_from_string(text, policy=default_policy)
            assert isinstance(parsed, EmailMessage)
            self._parsed.append(parsed)
        return self._parsed[0]

    def __getitem__(self, name: str) -> object:
        return self.message[name]

    def as_bytes(self, *_args: object, **_kwargs: object) -> bytes:
        return self.raw


def address(email: str, name: str = "") -> Address:
    local, _, domain = email.rpartition("@")
    # Display names may hold anything; the header registry quotes and encodes them.
    return Address(display_name=name.replace("\r", " ").replace("\n", " "), username=local,
                   domain=_ascii_domain(domain))


def _ascii_domain(domain: str) -> str:
    """An internationalised domain in its ASCII (punycode) form, which every server takes;
    RFC 2047 encoded words are not allowed in an address."""
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # left as it is: the message then needs SMTPUTF8


def compose(*, sender: Address, recipient: Address, subject: str, text: str, html: str,
            calendar: Calendar | None = None, domain: str = "coordinator.local",
            reply_to: Address | None = None) -> Composed:
    """Write one message to one recipient.

    The MIME structure is fixed, so it is written directly: the email package's object model
    costs milliseconds a message, most of it re-parsing the headers it is given. Only the
    headers that may need RFC 2047 encoding (addresses, subject) go through the package.
    An address beyond ASCII makes the message UTF-8 throughout (RFC 6532, sent with SMTPUTF8).
    """
    addresses = [sender, recipient] + ([reply_to] if reply_to is not None else [])
    utf8 = not all(a.addr_spec.isascii() for a in addresses)
    subject = subject.replace("\r", " ").replace("\n", " ")
    message_id = make_msgid(domain=domain)
    head = [
        _address_header("From", sender, utf8),
        _address_header("To", recipient, utf8),
        _address_header("Reply-To", reply_to, utf8) if reply_to is not None else b"",
        _text_header("Subject", subject, utf8),
        b"Date: " + format_datetime(utcnow()).encode() + _CRLF,
        b"Message-ID: " + message_id.encode() + _CRLF,
        b"Auto-Submitted: auto-generated" + _CRLF,
        b"MIME-Version: 1.0" + _CRLF,
    ]
    alternative = [
        _part(b'text/plain; charset="utf-8"', b"quoted-printable", _quoted_printable(text)),
        _part(b'text/html; charset="utf-8"', b"quoted-printable", _quoted_printable(html)),
    ]
    if calendar is None:
        body = _multipart(b"alternative", alternative)
    else:
        method = calendar.method.encode()
        alternative.append(_part(b"text/calendar; method=" + method + b'; charset="UTF-8"',
                                 b"base64", _base64(calendar.data)))
        filename = calendar.filename if re.fullmatch(r"[\w.-]+", calendar.filename, re.ASCII) \
            else "invite.ics"
        attachment = _part(
            b'application/ics; name="' + filename.encode() + b'"', b"base64",
            _base64(calendar.data),
            b'Content-Disposition: attachment; filename="' + filename.encode() + b'"' + _CRLF)
        body = _multipart(b"mixed", [_multipart(b"alternative", alternative), attachment])
    return Composed(raw=b"".join(head) + body, recipient=recipient.addr_spec, subject=subject,
                    message_id=message_id)


def _policy(utf8: bool) -> EmailPolicy:
    return SMTPUTF8 if utf8 else SMTP


def _address_header(name: str, value: Address, utf8: bool) -> bytes:
    return _mailbox_header(name, value.display_name, value.username, value.domain, utf8)


@lru_cache(maxsize=256)
def _mailbox_header(name: str, display_name: str, username: str, domain: str,
                    utf8: bool) -> bytes:
    return _header(name, Address(display_name, username, domain), utf8)


@lru_cache(maxsize=256)
def _text_header(name: str, value: str, utf8: bool) -> bytes:
    return _header(name, value, utf8)


def _header(name: str, value: Address | str, utf8: bool) -> bytes:
    """One header line, folded at 78 and encoded (RFC 2047 words, or UTF-8 with SMTPUTF8)."""
    policy = _policy(utf8)
    return policy.fold_binary(name, policy.header_factory(name, value))


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return binascii.b2a_qp(lines.encode("utf-8"), istext=True)


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", _CRLF)


def _part(content_type: bytes, encoding: bytes, payload: bytes, extra: bytes = b"") -> bytes:
    return (b"Content-Type: " + content_type + _CRLF + extra
            + b"Content-Transfer-Encoding: " + encoding + _CRLF + _CRLF + payload)


def _multipart(subtype: bytes, parts: list[bytes]) -> bytes:
    # "=_" cannot occur in quoted-printable or base64 text, so the boundary cannot either.
    boundary = b"=_" + secrets.token_hex(16).encode()
    out = [b'Content-Type: multipart/' + subtype + b'; boundary="' + boundary + b'"' + _CRLF
           + _CRLF]
    for part in parts:
        # The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        out.append(b"--" + boundary + _CRLF + part + _CRLF)
    out.append(b"--" + boundary + b"--" + _CRLF)
    return b"".join(out)
