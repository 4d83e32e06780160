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
    # Display names may hold anything but controls; the header is quoted and encoded here.
    return Address(display_name=_clean(name), username=local, domain=_ascii_domain(domain))


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
    costs milliseconds a message, most of it re-parsing the headers it is given. Address and
    subject headers are encoded and folded here too (see "header encoding" below).
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


def _address_header(name: str, value: Address, utf8: bool) -> bytes:
    return _mailbox_header(name, value.display_name, value.username, value.domain, utf8)


@lru_cache(maxsize=256)
def _mailbox_header(name: str, display_name: str, username: str, domain: str,
                    utf8: bool) -> bytes:
    addr_spec = Address(username=username, domain=domain).addr_spec
    words = _phrase_words(display_name, utf8) if display_name.strip() else []
    return _fold(name, [*words, f"<{addr_spec}>"], utf8)


@lru_cache(maxsize=256)
def _text_header(name: str, value: str, utf8: bool) -> bytes:
    return _fold(name, _unstructured_words(value, utf8), utf8)


# --- header encoding ----------------------------------------------------------------------------
#
# We write address and subject headers ourselves. The email package's folder drops the quotes
# of a long quoted display name when it folds it (CPython gh-80222, still in 3.11-3.13): a name
# with a comma then reads as two addresses. It may also split an encoded word inside a word, so
# decoders disagree on the spaces. Here each display-name word is an atom, a quoted-string or
# part of an RFC 2047 encoded word, lines fold only between words, an encoded word holds whole
# characters (never empty) and, when a run of text needs several, they break after a space that
# stays inside the earlier word (RFC 2047 decoders drop the whitespace between encoded words).

_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_ENCODED_WORD_MAX = 75  # RFC 2047 §2
_LINE = 78  # RFC 5322 §2.1.1: fold before this where possible
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """No control characters or line breaks in a header: each becomes a space."""
    return _CONTROLS.sub(" ", text)


def _encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _encoded_words(text: str) -> list[str]:
    """``text`` as the fewest encoded words of whole characters, breaking after spaces."""
    words: list[str] = []
    chunk = ""
    for char in text:
        if len(_encoded_word(chunk + char)) <= _ENCODED_WORD_MAX:
            chunk += char
            continue
        cut = chunk.rfind(" ") + 1
        if cut <= 0 or cut == len(chunk):
            cut = len(chunk)
        words.append(_encoded_word(chunk[:cut]))
        chunk = chunk[cut:] + char
    if chunk:
        words.append(_encoded_word(chunk))
    return words


def _needs_encoding(token: str, utf8: bool) -> bool:
    return (not utf8 and not token.isascii()) or "=?" in token


def _runs(tokens: list[str], utf8: bool) -> list[tuple[bool, str]]:
    """Consecutive space-separated tokens grouped by whether they need encoding."""
    runs: list[tuple[bool, str]] = []
    for token in tokens:
        encode = _needs_encoding(token, utf8)
        if runs and runs[-1][0] == encode and encode:
            runs[-1] = (True, runs[-1][1] + " " + token)
        else:
            runs.append((encode, token))
    return runs


def _phrase_words(display_name: str, utf8: bool) -> list[str]:
    """A display name as RFC 5322 phrase words (whitespace runs become one space)."""
    words: list[str] = []
    for encode, run in _runs(_clean(display_name).split(), utf8):
        if encode:
            words.extend(_encoded_words(run))
        elif _ATEXT.fullmatch(run) or (utf8 and _ATEXT.fullmatch(_ascii_letters(run))):
            words.append(run)
        else:
            words.append('"' + run.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return words


def _ascii_letters(token: str) -> str:
    """UTF-8 atext (RFC 6532) checked as ASCII atext: non-ASCII letters count as letters."""
    return "".join("a" if not c.isascii() else c for c in token)


def _unstructured_words(value: str, utf8: bool) -> list[str]:
    """Unstructured text (Subject) as words; the spaces between them are kept exactly."""
    words: list[str] = []
    for encode, run in _runs(_clean(value).strip().split(" "), utf8):
        words.extend(_encoded_words(run) if encode else [run])
    return words


def _fold(name: str, words: list[str], utf8: bool) -> bytes:
    """``Name: word word …`` folded between words at 78 octets, CRLF-terminated."""
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word.encode()) > _LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + word
    return "\r\n".join(lines).encode("utf-8" if utf8 else "ascii") + _CRLF


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
