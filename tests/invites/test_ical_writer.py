"""Invites are written directly (:func:`coordinator.invites.ical._invite`), byte for byte as
icalendar writes the same event; what the direct writer does not handle goes through icalendar."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from coordinator import timeutil
from coordinator.invites import ical

NOW = datetime(2027, 3, 1, 9, 15, 42, 123456, tzinfo=UTC)

#: Characters that escaping, quoting, folding or cleaning treat specially.
TRICKY = ['"', "'", "’", ",", ";", ":", "\\", "\\\\", "\\N", "^", "\n", "\r\n", "\t", "\x07",
          "\x85", " ", "  ", "é", "—", "日本", "😀", "a", "Z", "0", "-", "@", "/", "?", "="]


def _text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(TRICKY) if rng.random() < 0.3 else rng.choice("abc XYZ")
                   for _ in range(rng.randint(0, longest)))


def _person(rng: random.Random, index: int) -> ical.Person:
    return ical.Person(f"person{index}.{rng.randint(0, 99)}@team-{index}.example",
                       _text(rng, 30))


def _event(rng: random.Random) -> ical.EventData:
    start = NOW + timedelta(days=rng.randint(0, 400), minutes=5 * rng.randint(0, 300),
                            microseconds=rng.choice([0, 999]))
    video = rng.choice(["", "", "https://meet.example/abc?x=1,2;y", _text(rng, 20)])
    return ical.EventData(
        uid=f"interview-{rng.randint(1, 10**6)}-{rng.choice(['panel', 'candidate'])}"
            "@mail.team.example",
        sequence=rng.randint(0, 20), starts_at=start,
        ends_at=start + timedelta(minutes=rng.choice([5, 30, 60, 480])),
        summary=_text(rng, 120), description=_text(rng, 400), location=_text(rng, 80),
        organizer=_person(rng, 0), url=rng.choice(["", "https://app.example/i/7"]),
        video_url=video)


def _through_icalendar(method: str, data: ical.EventData, attendees: list[ical.Person],
                       status: str | None) -> bytes:
    return ical._calendar(method, [ical._event(data, attendees, status=status)])


@pytest.fixture
def frozen():
    timeutil.freeze(NOW)
    yield
    timeutil.freeze(None)


def test_the_direct_writer_writes_what_icalendar_writes_for_varied_text(frozen):
    rng = random.Random(5545)
    for _ in range(300):
        data = _event(rng)
        attendees = [_person(rng, i) for i in range(1, rng.randint(1, 5))]
        for method, status in (("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED"),
                               ("CANCEL", None)):
            direct = ical._invite(method, data, attendees, status)
            assert direct is not None
            assert direct == _through_icalendar(method, data, attendees, status), data


def test_request_and_cancel_are_written_directly_as_icalendar_writes_them(frozen):
    data = _event(random.Random(1))
    attendees = [ical.Person("ann@team.example", "Ann O’Neil, PhD")]

    assert ical.request(data, attendees) == _through_icalendar(
        "REQUEST", data, attendees, "CONFIRMED")
    assert ical.cancel(data, attendees, whole_event=False) == _through_icalendar(
        "CANCEL", data, attendees, None)


def test_a_time_not_in_utc_goes_through_icalendar(frozen):
    data = _event(random.Random(2))
    berlin = timezone(timedelta(hours=1))
    shifted = ical.EventData(**{**data.__dict__, "starts_at": data.starts_at.astimezone(berlin)})
    attendees = [ical.Person("ann@team.example", "Ann")]

    assert ical._invite("REQUEST", shifted, attendees, "CONFIRMED") is None
    assert ical.request(shifted, attendees) == _through_icalendar(
        "REQUEST", shifted, attendees, "CONFIRMED")


def test_a_uid_that_icalendar_would_escape_goes_through_icalendar(frozen):
    data = _event(random.Random(3))
    odd = ical.EventData(**{**data.__dict__, "uid": "interview-1,panel;x@team.example"})
    attendees = [ical.Person("ann@team.example", "Ann")]

    assert ical._invite("REQUEST", odd, attendees, "CONFIRMED") is None
    assert ical.request(odd, attendees) == _through_icalendar(
        "REQUEST", odd, attendees, "CONFIRMED")
