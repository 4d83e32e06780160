"""Build iCalendar objects for interviews (RFC 5545, iTIP RFC 5546).

Rules (see shared/CALENDAR.md): one UID per interview and audience for its whole life; SEQUENCE
from the interview (it rises on every change of time, place or panel, and on cancel); a fresh
DTSTAMP; times in UTC; ORGANIZER a bare mailto: of the sending mailbox with a CN; every recipient
an ATTENDEE with ROLE, PARTSTAT, RSVP and CUTYPE; CANCEL carries STATUS:CANCELLED; PUBLISH (the
download and feeds) has no RSVP attendees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress
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
    url: str = ""


def clean_name(name: str) -> str:
    """Names go into quoted CN parameters: no double quotes, no line breaks."""
    return " ".join(name.replace('"', "").split())


def _attendee(person: Person) -> vCalAddress:
    return vCalAddress.new(person.email, cn=clean_name(person.name) or None,
                           role=ROLE.REQ_PARTICIPANT, partstat=PARTSTAT.NEEDS_ACTION, rsvp=True,
                           cutype=CUTYPE.INDIVIDUAL)


def _event(data: EventData, organizer: Person, attendees: Sequence[Person], *, status: str,
           rsvp: bool = True) -> Event:
    event = Event.new(
        uid=data.uid, sequence=data.sequence, start=data.starts_at, end=data.ends_at,
        summary=data.summary, stamp=utcnow(),
        organizer=vCalAddress.new(organizer.email, cn=clean_name(organizer.name) or None),
        attendees=[_attendee(p) for p in attendees] if rsvp else [],
        status=status,
    )
    if data.description:
        event.add("description", data.description)
    if data.location:
        event.add("location", data.location)
    if data.url:
        event.add("url", data.url)
    return event


def _calendar(method: str, events: Sequence[Event]) -> bytes:
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=list(events))
    calendar.pop("UID", None)  # a calendar-level UID confuses some clients; events carry theirs
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


def request(data: EventData, organizer: Person, attendees: Sequence[Person]) -> bytes:
    """An invitation or an update (iTIP REQUEST)."""
    return _calendar("REQUEST", [_event(data, organizer, attendees, status="CONFIRMED")])


def cancel(data: EventData, organizer: Person, attendees: Sequence[Person]) -> bytes:
    """A cancellation (iTIP CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE)."""
    return _calendar("CANCEL", [_event(data, organizer, attendees, status="CANCELLED")])


def publish(events: Sequence[tuple[EventData, bool]], organizer: Person) -> bytes:
    """A downloadable calendar or feed (METHOD:PUBLISH, no RSVP attendees).

    ``events`` pairs each event with whether it is cancelled.
    """
    built = [_event(data, organizer, [], status="CANCELLED" if cancelled else "CONFIRMED",
                    rsvp=False) for data, cancelled in events]
    return _calendar("PUBLISH", built)
