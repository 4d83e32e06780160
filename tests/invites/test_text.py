"""Text a user typed comes back unchanged from every parser (icalendar, vobject, ``ical``), and
control characters in stored text never reach a calendar: not in an invite, not in the feed."""

from __future__ import annotations

import re

import pytest
import vobject
from icalendar import Calendar

from coordinator.db import db
from coordinator.invites import feeds, ical
from tests.invites.conftest import read_calendar
from tests.invites.test_invites import cancel, latest, reschedule, seats
from tests.portal.published import read_published
from tests.scheduling.conftest import at

UNC = "\\\\NAS01\\Plans\\Nord"


def calendar_name(data: bytes) -> tuple[str, str]:
    """The feed's name as vobject reads X-WR-CALNAME and RFC 7986 NAME (icalendar keeps both
    as unknown, still escaped, properties)."""
    calendar = vobject.readOne(data.decode(), validate=True)
    return calendar.contents["name"][0].value, calendar.contents["x-wr-calname"][0].value


def icalendar_event(data: bytes):
    """The third parser: icalendar itself, reading what we wrote."""
    [event] = Calendar.from_ical(data).walk("VEVENT")
    return event


def controls(data: bytes) -> list[bytes]:
    """Control octets other than the CRLF line ends (and HTAB) in a calendar."""
    return re.findall(rb"[\x00-\x08\x0b-\x1f\x7f]", data.replace(b"\r\n", b""))


def test_a_backslash_before_n_comes_back_unchanged_from_every_parser(people, book):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location=UNC).interview

    for mail in latest(interview).values():
        assert mail.calendar.location == UNC  # vobject and ical agree (read_calendar)
        assert str(icalendar_event(mail.calendar.data)["LOCATION"]) == UNC


@pytest.mark.parametrize("text", [
    UNC,
    "C:\\new\\Notes, more; and \\n literal",
    'Quote "this", then; that \\ end',
    "🙂 emoji and עברית right-to-left and عربي",
    "x" * 250 + "ü" * 250,
    "two\nlines",
])
def test_escape_text_is_read_back_exactly_by_every_parser(text):
    data = ical.request(
        ical.EventData(uid="u@coordinator.test", sequence=0, starts_at=at(2, 9),
                       ends_at=at(2, 10), summary=text.replace("\n", " "), description=text,
                       location=text.replace("\n", " "),
                       organizer=ical.Person("r@coordinator.test", "R")),
        [ical.Person("a@example.com", "A")],
    )
    parsed = read_calendar(data)
    event = icalendar_event(data)
    assert parsed.description == str(event["DESCRIPTION"]) == text
    assert parsed.location == str(event["LOCATION"]) == text.replace("\n", " ")


def test_control_characters_in_stored_text_never_reach_the_invite(people, book):
    round_, candidate, peer, supervisor, _ = people
    # Stored before input validation refused them (or written around it).
    candidate.name = "Cara\r\nBEGIN:VEVENT\x01 Candidate\x1b"  # PostgreSQL stores no NUL
    peer.name = "Priya\rPeer\x07"
    peer.job_title = "Senior\x0bengineer"
    db.session.commit()
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location="Room\x0c 4").interview

    for mail in latest(interview).values():
        assert controls(mail.calendar.data) == []
        assert mail.calendar.data.count(b"\r\nBEGIN:VEVENT\r\n") == 1
        assert mail.calendar.location == "Room 4"
    for header in ("To", "Subject"):
        for mail in latest(interview).values():
            assert not re.search(r"[\x00-\x1f]", str(mail.message[header]))
    candidate_mail = latest(interview)[candidate.email]
    assert candidate_mail.calendar.attendees == (
        (candidate.email, "Cara BEGIN:VEVENT Candidate"),)


def test_a_carriage_return_in_a_users_name_injects_no_event_into_their_feed(
        client, people, book):
    round_, _candidate, peer, supervisor, _ = people
    book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    peer.name = "Priya\rBEGIN:VEVENT\rUID:evil\rEND:VEVENT\rX-A:b"
    db.session.commit()
    _, secret = feeds.create_feed(peer, actor=peer)
    db.session.commit()

    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 200
    published = read_published(response.data)
    assert len(published.events) == 1 and "evil" not in published.uids
    name = "Interviews — Priya BEGIN:VEVENT UID:evil END:VEVENT X-A:b"
    assert calendar_name(response.data) == (name, name)


def test_a_newline_in_a_users_name_still_serves_their_feed(client, people, book):
    round_, _candidate, peer, supervisor, _ = people
    book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    peer.name = "Priya\nPeer; the, \\Nth"
    db.session.commit()
    _, secret = feeds.create_feed(peer, actor=peer)
    db.session.commit()

    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 200
    assert controls(response.data) == []
    name = "Interviews — Priya Peer; the, \\Nth"
    assert calendar_name(response.data) == (name, name)


def test_a_removed_panel_member_gets_a_cancel_without_status(booked_three, recruiter):
    interview, peer, supervisor, newcomer = booked_three
    reschedule(interview, recruiter, panel=seats((peer, "peer"), (newcomer, "supervisor")))

    removed = latest(interview)[supervisor.email]
    assert removed.method == "CANCEL"
    assert b"STATUS" not in removed.calendar.data
    assert removed.calendar.attendees == ((supervisor.email, supervisor.name),)


def test_cancelling_the_whole_interview_sends_status_cancelled(booked_three, recruiter):
    interview, _peer, _supervisor, _ = booked_three
    cancel(interview, recruiter)

    for mail in latest(interview).values():
        assert (mail.method, mail.calendar.status) == ("CANCEL", "CANCELLED")
        assert b"STATUS:CANCELLED\r\n" in mail.calendar.data


@pytest.fixture
def booked_three(people, book):
    round_, _candidate, peer, supervisor, newcomer = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    return interview, peer, supervisor, newcomer
