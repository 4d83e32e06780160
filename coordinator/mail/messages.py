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

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from coordinator.timeutil import utcnow

_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


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


def address(email: str, name: str = "") -> Address:
    local, _, domain = email.rpartition("@")
    # Display names may hold anything; the header registry quotes and encodes them.
    return Address(display_name=name.replace("\r", " ").replace("\n", " "), username=local,
                   domain=domain)


def compose(*, sender: Address, recipient: Address, subject: str, text: str, html: str,
            calendar: Calendar | None = None, domain: str = "coordinator.local",
            reply_to: Address | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = subject.replace("\r", " ").replace("\n", " ")
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if calendar is not None:
        method = calendar.method
        # bytes keep their CRLF line endings; a str would be rewritten by the email package
        message.add_alternative(calendar.data, maintype="text", subtype="calendar",
                                params={"method": method, "charset": "UTF-8"},
                                cte="base64")
        message.make_mixed()
        message.add_attachment(calendar.data, maintype="application", subtype="ics",
                               filename=calendar.filename, cte="base64")
    return message
