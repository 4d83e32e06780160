"""Invite fixtures, and a real SMTP server on loopback shared with tests/mail and tests/admin.

The server is aiosmtpd's threaded ``Controller`` on 127.0.0.1. ``port=0`` does not work with
aiosmtpd 1.4.6 (the controller probes the port it was given), so we find a free port ourselves
and keep it: the server can be stopped ("SMTP is down") and started again on the same port.
The handler records every envelope it accepts and can refuse chosen recipients with a permanent
(550) or temporary (451) reply.
"""

from __future__ import annotations

import email
import errno
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import vobject
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from ical.calendar_stream import IcsCalendarStream

# The scheduling fixtures (frozen clock, plan, rounds, panelists, booking helper) serve here too.
from tests.scheduling.conftest import (  # noqa: F401
    at,
    book,
    frozen_now,
    make_round,
    panelists,
    plan,
)

HOST = "127.0.0.1"

#: The replies the handler can give a refused recipient.
REFUSALS = {
    550: "550 5.1.1 <{address}>: mailbox unavailable",
    451: "451 4.3.0 <{address}>: temporarily unavailable, try again later",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (we bind it to check)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        # Bind once more without SO_REUSEADDR: fails if someone took it in between.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as check:
            try:
                check.bind((HOST, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port on 127.0.0.1")


def parse(raw: bytes) -> EmailMessage:
    """A message as the standard email package reads it (modern policy).

    A message with UTF-8 headers (RFC 6532, sent with SMTPUTF8) is read as text: the bytes
    parser would turn its non-ASCII octets into surrogates.
    """
    if raw.isascii():
        message = email.message_from_bytes(raw, policy=default_policy)
    else:
        text = raw.decode("utf-8").replace("\r\n", "\n")
        message = email.message_from_string(text, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


@dataclass(frozen=True)
class Received:
    """One accepted SMTP transaction."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return parse(self.content)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class RecordingHandler:
    """Accepts mail and keeps it; refuses the recipients listed in ``refusals``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals: dict[str, int] = {}
        self.refused: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        code = self.refusals.get(address.lower())
        if code is not None:
            with self._lock:
                self.refused.append((address, code))
            return REFUSALS[code].format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        with self._lock:
            self.received.append(
                Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), content)
            )
        return "250 2.0.0 Message accepted for delivery"


class SMTPServer:
    """A loopback SMTP server that can go down and come back on the same port."""

    def __init__(self, **controller_options: Any) -> None:
        self.host = HOST
        self.port = free_port()
        self.handler = RecordingHandler()
        self.options = {"server_hostname": "smtp.coordinator.test", **controller_options}
        self._controller: Controller | None = None

    # --- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        assert self._controller is None, "already running"
        for _ in range(20):
            controller = Controller(
                self.handler, hostname=self.host, port=self.port, ready_timeout=10, **self.options
            )
            try:
                controller.start()
            except OSError as err:  # another process took the port between probe and bind
                if err.errno != errno.EADDRINUSE:
                    raise
                self.port = free_port()
                continue
            self._controller = controller
            return
        raise RuntimeError("could not start the SMTP server")

    def stop(self) -> None:
        """Take the server down: the port refuses connections until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        """Come back on the same port (a port taken meanwhile fails the test loudly)."""
        assert self._controller is None, "stop it first"
        controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10, **self.options
        )
        controller.start()
        self._controller = controller

    @property
    def is_running(self) -> bool:
        return self._controller is not None

    # --- behaviour -------------------------------------------------------------------------------

    def refuse(self, address: str, code: int) -> None:
        """Answer RCPT TO for ``address`` with 550 (permanent) or 451 (temporary)."""
        assert code in REFUSALS, code
        self.handler.refusals[address.lower()] = code

    def accept(self, address: str) -> None:
        self.handler.refusals.pop(address.lower(), None)

    # --- what arrived ----------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def message_id_counts(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in {a.lower() for a in r.rcpt_tos}]


@pytest.fixture
def make_smtp_server() -> Iterator[Callable[..., SMTPServer]]:
    """Start loopback SMTP servers with aiosmtpd options (TLS, AUTH, SMTPUTF8); all are stopped
    after the test."""
    servers: list[SMTPServer] = []

    def make(**controller_options: Any) -> SMTPServer:
        server = SMTPServer(**controller_options)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(make_smtp_server: Callable[..., SMTPServer]) -> SMTPServer:
    """A running loopback SMTP server, stopped after the test."""
    return make_smtp_server()


@pytest.fixture
def use_smtp(app: Flask, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> SMTPServer:
    """Point the app's mail settings at ``smtp_server`` for this test (restored afterwards)."""
    monkeypatch.setitem(app.config, "SMTP_HOST", smtp_server.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", "")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "")
    return smtp_server


# --- reading invites back: two strict parsers that did not write them, plus the email package ---
#
# What each parser catches (probed against ical 14.3 and vobject 0.9.9; see test_parsers_catch_...):
# * vobject (validate=True): missing DTSTAMP, UID or PRODID; DTEND together with DURATION;
#   a property that may occur once occurring twice (ORGANIZER, DTSTART, SEQUENCE).
# * ical (IcsCalendarStream.calendar_from_ics): floating (naive) times; STATUS values outside the
#   RFC's list (CANCELED with one L); a SEQUENCE that is not an integer; an unquoted CN holding a
#   comma; DTEND together with DURATION; duplicated single properties. It accepts METHOD
#   (Calendar.method) and every property we write; it quietly fills in a missing DTSTAMP or UID.
# * Neither notices: no DTSTART, no VERSION, DTEND before DTSTART, TZID=UTC, a negative SEQUENCE,
#   LF line endings, unfolded lines over 75 octets, a lower-case METHOD, RSVP=YES, a bad escape.
#   ``read_calendar`` checks those itself.

UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")
ATTENDEE_PARAMS = {
    "ROLE": "REQ-PARTICIPANT",
    "PARTSTAT": "NEEDS-ACTION",
    "RSVP": "TRUE",
    "CUTYPE": "INDIVIDUAL",
}


@dataclass(frozen=True)
class ParsedCalendar:
    """What both parsers agree an invite says."""

    data: bytes
    method: str
    uid: str
    sequence: int
    status: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    description: str
    location: str
    organizer: tuple[str, str]  # (email, CN)
    attendees: tuple[tuple[str, str], ...]  # ((email, CN), ...) in order
    url: str = ""
    conference: str = ""
    conference_params: tuple[tuple[str, str], ...] = ()

    @property
    def attendee_emails(self) -> list[str]:
        return [email_ for email_, _ in self.attendees]


def _mailto(uri: str) -> str:
    assert uri.lower().startswith("mailto:"), uri
    return uri[len("mailto:") :]


def _raw_properties(text: str) -> list[tuple[str, str]]:
    """(name-with-params, value) of every unfolded content line."""
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    lines = []
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        # The value starts at the first colon outside a quoted parameter value.
        quoted, cut = False, None
        for index, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                cut = index
                break
        assert cut is not None, line
        lines.append((line[:cut], line[cut + 1 :]))
    return lines


def read_calendar(data: bytes) -> ParsedCalendar:
    """Parse an invite strictly with vobject and ical, check the rules neither checks, and
    return what both agree on (an AssertionError or a parser error when anything is off)."""
    assert data.endswith(b"\r\n"), "content lines end with CRLF"
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF in the calendar"
    assert b"\r" not in data.replace(b"\r\n", b""), "bare CR in the calendar"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, f"line not folded at 75 octets: {line[:40]!r}..."
    text = data.decode("utf-8")  # strict: a fold never splits a character

    raw = _raw_properties(text)
    names = [name.split(";", 1)[0].upper() for name, _ in raw]
    assert names.count("BEGIN") == names.count("END")
    assert [v for n, v in raw if n.upper() == "BEGIN"] == ["VCALENDAR", "VEVENT"], raw
    for required in (
        "VERSION",
        "PRODID",
        "METHOD",
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SEQUENCE",
        "SUMMARY",
        "ORGANIZER",
    ):
        assert names.count(required) == 1, f"{required} appears {names.count(required)} times"
    assert "DURATION" not in names
    for name, value in raw:
        if name.upper().startswith(("DTSTART", "DTEND", "DTSTAMP")):
            assert ";" not in name, f"{name}: no TZID or VALUE parameter, UTC only"
            assert UTC_STAMP.match(value), f"{name}:{value} is not a UTC time"
    values = {name.upper(): value for name, value in raw if ";" not in name}
    assert values["VERSION"] == "2.0"
    method = values["METHOD"]
    assert method in {"REQUEST", "CANCEL"}, method
    assert re.fullmatch(r"\d+", values["SEQUENCE"]), values["SEQUENCE"]
    organizer_name = next(name for name, _ in raw if name.upper().startswith("ORGANIZER"))
    for forbidden in ("ROLE=", "PARTSTAT=", "RSVP="):
        assert forbidden not in organizer_name.upper(), f"ORGANIZER takes no {forbidden}"
    for name, _ in raw:
        if name.upper().startswith("ATTENDEE"):
            for key, expected in ATTENDEE_PARAMS.items():
                assert f";{key}={expected}" in name, f"{name} lacks {key}={expected}"

    first = vobject.readOne(text, validate=True)
    second = IcsCalendarStream.calendar_from_ics(text)
    assert len(second.events) == 1 and not second.todos and not second.journal
    event, vevent = second.events[0], first.vevent
    assert len(first.contents.get("vevent", [])) == 1
    assert "vtimezone" not in first.contents and not second.timezones

    parsed = ParsedCalendar(
        data=data,
        method=first.method.value,
        uid=vevent.uid.value,
        sequence=int(vevent.sequence.value),
        status=vevent.status.value if "status" in vevent.contents else "",
        starts_at=vevent.dtstart.value,
        ends_at=vevent.dtend.value,
        stamp=vevent.dtstamp.value,
        summary=vevent.summary.value,
        description=vevent.description.value if "description" in vevent.contents else "",
        location=vevent.location.value if "location" in vevent.contents else "",
        organizer=(_mailto(vevent.organizer.value), vevent.organizer.params.get("CN", [""])[0]),
        attendees=tuple(
            (_mailto(a.value), a.params.get("CN", [""])[0])
            for a in vevent.contents.get("attendee", [])
        ),
        url=vevent.url.value if "url" in vevent.contents else "",
        conference=vevent.conference.value if "conference" in vevent.contents else "",
        conference_params=tuple(sorted((k, v[0]) for k, v in vevent.conference.params.items()))
        if "conference" in vevent.contents
        else (),
    )
    # The second parser reads the same thing.
    assert second.method == parsed.method
    assert event.uid == parsed.uid
    assert event.sequence == parsed.sequence
    assert (event.status.value if event.status else "") == parsed.status
    assert event.dtstart == parsed.starts_at and event.dtstart.tzinfo is not None
    assert event.dtend == parsed.ends_at
    assert event.dtstamp == parsed.stamp
    assert event.summary == parsed.summary
    assert (event.description or "") == parsed.description
    assert (event.location or "") == parsed.location
    assert event.organizer is not None
    assert (_mailto(event.organizer.uri), event.organizer.common_name or "") == parsed.organizer
    assert tuple((_mailto(a.uri), a.common_name or "") for a in event.attendees) == parsed.attendees
    for attendee in event.attendees:
        assert (attendee.role, attendee.status, attendee.rsvp, attendee.user_type) == (
            "REQ-PARTICIPANT",
            "NEEDS-ACTION",
            True,
            "INDIVIDUAL",
        )
    assert not event.alarm, "invites carry no VALARM"

    # iTIP (RFC 5546) per method.
    assert parsed.ends_at > parsed.starts_at
    assert parsed.sequence >= 0
    assert parsed.attendees, "every message has its recipient as ATTENDEE"
    if method == "CANCEL":
        # The whole event: STATUS:CANCELLED; only some attendees: no STATUS (RFC 5546 §3.2.5).
        assert parsed.status in {"CANCELLED", ""}
    else:
        assert parsed.status in {"", "CONFIRMED", "TENTATIVE"}
    return parsed


@dataclass(frozen=True)
class MailedInvite:
    """One invite mail, taken apart: headers, the human text and the calendar."""

    message: EmailMessage
    text: str
    html: str
    calendar: ParsedCalendar

    @property
    def to(self) -> str:
        return self.message["To"].addresses[0].addr_spec

    @property
    def method(self) -> str:
        return self.calendar.method


def read_invite(raw: bytes) -> MailedInvite:
    """Check the CalConnect iMIP shape of one message and parse its calendar (both copies)."""
    message = parse(raw)
    assert message.defects == [], message.defects
    assert message.get_content_type() == "multipart/mixed"
    outer = list(message.iter_parts())
    assert [p.get_content_type() for p in outer] == ["multipart/alternative", "application/ics"]
    alternative, attachment = outer
    inner = list(alternative.iter_parts())
    assert [p.get_content_type() for p in inner] == ["text/plain", "text/html", "text/calendar"]
    plain, html, calendar_part = inner
    for part in (*inner, attachment):
        assert part.defects == [], part.defects

    inline = calendar_part.get_payload(decode=True)
    assert isinstance(inline, bytes)
    calendar = read_calendar(inline)
    assert calendar_part.get_param("method") == calendar.method, "RFC 6047 §2.4"
    assert calendar_part.get_param("charset").upper() == "UTF-8"
    assert calendar_part.get_content_disposition() is None, "the inline part is not attached"

    assert attachment.get_content_disposition() == "attachment"
    assert (attachment.get_filename() or "").endswith(".ics")
    assert attachment.get_payload(decode=True) == inline, "the .ics is the same calendar"

    to = message["To"].addresses
    assert len(to) == 1 and message["Cc"] is None and message["Bcc"] is None
    sender = message["From"].addresses
    assert len(sender) == 1
    assert calendar.organizer == (sender[0].addr_spec, sender[0].display_name), (
        "ORGANIZER is the From: mailbox"
    )
    assert to[0].addr_spec in [_ascii_domain(a) for a in calendar.attendee_emails], (
        "the recipient is an ATTENDEE"
    )
    assert message["Message-ID"] and message["Date"]
    return MailedInvite(message, plain.get_content(), html.get_content(), calendar)


def _ascii_domain(address: str) -> str:
    """The mail headers carry an internationalised domain in its punycode form."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


@pytest.fixture
def people(make_user, make_candidate, make_candidacy, make_round, plan, recruiter):  # noqa: F811
    """A round; its candidate (New York); a peer, a supervisor (Berlin); a newcomer (Kolkata)."""
    job, _first, _team = plan
    candidate = make_candidate(
        actor=recruiter,
        name="Cara Candidate",
        email="cara@candidates.example",
        time_zone="America/New_York",
    )
    round_ = make_round(make_candidacy(job=job, candidate=candidate, actor=recruiter))
    peer = make_user(
        ("interviewer",), name="Priya Peer", email="priya@team.example", time_zone="Europe/Berlin"
    )
    supervisor = make_user(
        ("interviewer",),
        name="Sofia Supervisor",
        email="sofia@team.example",
        time_zone="Europe/Berlin",
    )
    newcomer = make_user(
        ("interviewer",),
        name="Nikhil Newcomer",
        email="nikhil@team.example",
        time_zone="Asia/Kolkata",
    )
    return round_, candidate, peer, supervisor, newcomer


@pytest.fixture
def booked(people, book):  # noqa: F811
    round_, _candidate, peer, supervisor, _newcomer = people
    change = book(
        round_,
        at(2, 14),
        [(peer, "peer"), (supervisor, "supervisor")],
        location="Room 4, Alexanderplatz",
    )
    return change.interview
