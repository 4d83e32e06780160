"""Reading back the calendars we publish (.ics downloads and feeds) with two strict parsers.

Both ``vobject`` (validating) and the ``ical`` package must accept the bytes; the checks here add
what neither parser checks: CRLF lines folded at 75 octets, UTC times only, no RSVP anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import vobject
from ical.calendar_stream import IcsCalendarStream

UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


@dataclass(frozen=True)
class PublishedEvent:
    uid: str
    sequence: int
    status: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    attendees: int
    url: str = ""
    conference: str = ""
    conference_params: tuple[tuple[str, str], ...] = ()
    organizer: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Published:
    text: str
    method: str
    events: list[PublishedEvent]

    def event(self, uid: str) -> PublishedEvent:
        return next(e for e in self.events if e.uid == uid)

    @property
    def uids(self) -> list[str]:
        return [e.uid for e in self.events]


def read_published(data: bytes) -> Published:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, f"line not folded: {line[:40]!r}"
    text = data.decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    for line in unfolded.split("\r\n"):
        name, _, value = line.partition(":")
        if name.upper().startswith(("DTSTART", "DTEND", "DTSTAMP")):
            assert ";" not in name and UTC_STAMP.match(value), line
    assert "RSVP" not in unfolded.upper()
    first = vobject.readOne(text, validate=True)
    second = IcsCalendarStream.calendar_from_ics(text)
    vevents = first.contents.get("vevent", [])
    assert len(vevents) == len(second.events)
    events = []
    for vevent, event in zip(vevents, second.events, strict=True):
        assert event.uid == vevent.uid.value
        assert event.dtstart == vevent.dtstart.value and event.dtstart.tzinfo is not None
        events.append(
            PublishedEvent(
                uid=vevent.uid.value,
                sequence=int(vevent.sequence.value),
                status=vevent.status.value if "status" in vevent.contents else "",
                starts_at=vevent.dtstart.value,
                ends_at=vevent.dtend.value,
                summary=vevent.summary.value,
                description=vevent.description.value if "description" in vevent.contents else "",
                location=vevent.location.value if "location" in vevent.contents else "",
                attendees=len(vevent.contents.get("attendee", [])),
                url=vevent.url.value if "url" in vevent.contents else "",
                conference=vevent.conference.value if "conference" in vevent.contents else "",
                conference_params=tuple(
                    sorted((k, v[0]) for k, v in vevent.conference.params.items())
                )
                if "conference" in vevent.contents
                else (),
                organizer=(
                    vevent.organizer.value.removeprefix("mailto:"),
                    vevent.organizer.params.get("CN", [""])[0],
                )
                if "organizer" in vevent.contents
                else ("", ""),
            )
        )
    assert second.method == first.method.value
    return Published(text=text, method=first.method.value, events=events)
