"""Build iCalendar objects for interviews (RFC 5545, iTIP RFC 5546).

Rules (see shared/CALENDAR.md): one UID per interview and audience for its whole life; SEQUENCE
from the interview (it rises on every change of time, place or panel, and on cancel); a fresh
DTSTAMP; times in UTC; ORGANIZER a bare mailto: of the sending mailbox with a CN; every recipient
an ATTENDEE with ROLE, PARTSTAT, RSVP and CUTYPE; a CANCEL of the whole event carries
STATUS:CANCELLED, one that removes a single attendee carries no STATUS (RFC 5546 §3.2.5); PUBLISH
(the download and feeds) has no RSVP attendees. A video link is a join link (RFC 7986
CONFERENCE), also in URL and DESCRIPTION; LOCATION holds the room alone.

Text is written so that every parser reads back exactly what a user typed: we escape TEXT values
ourselves (see :func:`escape_text`) and drop control characters, which RFC 5545 forbids and
strict parsers reject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDuration, vText, vUri
from icalendar.enums import CUTYPE, PARTSTAT, ROLE

from coordinator.timeutil import utcnow

PRODID = "-//Interview Coordinator//coordinator//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class EventData:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    organizer: Person
    url: str = ""
    video_url: str = ""


#: Control characters (C0 but TAB and LF, DEL, C1): RFC 5545 allows none in a value, and mail
#: headers take none either.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, *, lines: bool = False) -> str:
    """Text without control characters; line breaks kept (as LF) only when ``lines``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines:
        text = text.replace("\n", " ")
    return _CONTROLS.sub("", text)


def escape_text(text: str, *, lines: bool = False) -> str:
    """A TEXT value escaped by RFC 5545 §3.3.11: ``\\`` ``;`` ``,`` and line breaks.

    We do not let icalendar escape: its ``escape_char`` (icalendar 7.x,
    https://github.com/collective/icalendar/blob/main/src/icalendar/parser/string.py) first turns
    a literal backslash followed by ``N`` into a line break, so ``\\\\NAS01\\Plans\\Nord`` came out
    as ``\\<newline>AS01\\Plans<newline>ord``. One pass over the text cannot make that mistake.
    """
    return (printable(text, lines=lines).replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\n", "\\n"))


class Text(vText):
    """A TEXT value icalendar writes as :func:`escape_text` escapes it (and parses as usual)."""

    lines = False

    def to_ical(self) -> bytes:
        return escape_text(str(self), lines=self.lines).encode("utf-8")


class MultilineText(Text):
    """A TEXT value that keeps its line breaks (DESCRIPTION)."""

    lines = True


def clean_name(name: str) -> str:
    """Names go into quoted CN parameters, which have no escapes in RFC 5545: no double quotes,
    line breaks or controls. Parsers also disagree on ``^`` (RFC 6868: icalendar writes ``^^``,
    vobject does not decode it) and on a run of backslashes (icalendar's reader halves it), so
    a CN has neither; the exact name stays in SUMMARY or DESCRIPTION and the mail headers."""
    name = printable(name).replace('"', "").replace("^", "")
    return " ".join(re.sub(r"\\{2,}", r"\\", name).split())


def _attendee(person: Person) -> vCalAddress:
    return vCalAddress.new(person.email, cn=clean_name(person.name) or None,
                           role=ROLE.REQ_PARTICIPANT, partstat=PARTSTAT.NEEDS_ACTION, rsvp=True,
                           cutype=CUTYPE.INDIVIDUAL)


#: The CONFERENCE label clients show on the join button.
JOIN_LABEL = "Join the video call"


def _event(data: EventData, attendees: Sequence[Person], *, status: str | None,
           rsvp: bool = True) -> Event:
    organizer = data.organizer
    event = Event.new(
        uid=data.uid, sequence=data.sequence, start=data.starts_at, end=data.ends_at,
        stamp=utcnow(),
        organizer=vCalAddress.new(organizer.email, cn=clean_name(organizer.name) or None),
        attendees=[_attendee(p) for p in attendees] if rsvp else [],
        status=status,
    )
    event.add("summary", Text(data.summary))
    description = data.description
    if data.video_url and data.video_url not in description:
        description = f"{description}\n\n{JOIN_LABEL}: {data.video_url}".strip()
    if description:
        event.add("description", MultilineText(description))
    if data.location:
        event.add("location", Text(data.location))
    if data.video_url:
        # RFC 7986 §5.11: a join button in clients that read it; URL and DESCRIPTION for the rest.
        event.add("conference", vUri(printable(data.video_url)),
                  parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": JOIN_LABEL})
    url = data.video_url or data.url
    if url:
        event.add("url", vUri(printable(url)))
    return event


def _calendar(method: str, events: Sequence[Event], name: str = "",
              refresh: timedelta | None = None) -> bytes:
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=list(events))
    calendar.pop("UID", None)  # a calendar-level UID confuses some clients; events carry theirs
    if name:
        # Names the subscription (RFC 7986 NAME; X-WR-CALNAME for Apple, Outlook and Google),
        # escaped like every other text.
        calendar.add("NAME", Text(name))
        calendar.add("X-WR-CALNAME", Text(name))
    if refresh is not None:
        # Asks subscribed clients to refresh this often (RFC 7986 and the older X- form).
        calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    # icalendar escapes and quotes; the folding is ours (its folding goes character by
    # character and cost more than building the whole event).
    return b"".join(_fold(line) for line in calendar.content_lines() if line)


_LIMIT = 75  # octets per line, without the CRLF (RFC 5545 §3.1)


def _fold(line: str) -> bytes:
    """One content line, folded at 75 octets: never inside a UTF-8 character, and (like
    icalendar, for clients that mind) never right after a backslash or caret of an escape."""
    data = line.encode("utf-8")
    if len(data) <= _LIMIT:
        return data + b"\r\n"
    parts = []
    start, room = 0, _LIMIT
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: step back
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start, room = end, _LIMIT - 1  # continuation lines begin with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def request(data: EventData, attendees: Sequence[Person]) -> bytes:
    """An invitation or an update (iTIP REQUEST)."""
    return _calendar("REQUEST", [_event(data, attendees, status="CONFIRMED")])


def cancel(data: EventData, attendees: Sequence[Person], *, whole_event: bool = True) -> bytes:
    """A cancellation (iTIP CANCEL, same UID, higher SEQUENCE): of the whole event with
    STATUS:CANCELLED, or of the listed attendees only without STATUS (RFC 5546 §3.2.5)."""
    return _calendar("CANCEL", [_event(data, attendees,
                                       status="CANCELLED" if whole_event else None)])


def publish(events: Sequence[tuple[EventData, bool]], *, name: str = "",
            refresh: timedelta | None = None) -> bytes:
    """A downloadable calendar or feed (METHOD:PUBLISH, no RSVP attendees), optionally named
    and with a refresh interval (feeds).

    ``events`` pairs each event with whether it is cancelled.
    """
    built = [_event(data, [], status="CANCELLED" if cancelled else "CONFIRMED", rsvp=False)
             for data, cancelled in events]
    return _calendar("PUBLISH", built, name, refresh)
