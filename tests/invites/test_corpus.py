"""The corpus: every message kind — a booking, a reschedule across the spring DST changes, a
panel swap, a cancellation, both reminders, the candidate's download and the interviewer's feed —
built for hostile names, titles and places, then read by icalendar, vobject, ``ical`` and the
email package. Every field comes back exactly as typed, and moving the service (a new base URL
and sender) between messages changes no event's UID or ORGANIZER."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.utils import getaddresses

import pytest
import sqlalchemy as sa
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from coordinator.candidates import links
from coordinator.db import db
from coordinator.invites import feeds
from coordinator.invites.ical import clean_name
from coordinator.invites.reminders import send_due_reminders
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations
from coordinator.timeutil import freeze
from tests.invites.conftest import parse, read_invite
from tests.invites.test_invites import mails
from tests.mail.test_headers import header_value
from tests.scheduling.conftest import at

CANDIDATE = 'Dara "D" O\'Neill, Jr.; Ph.D \\NAS 🙂 שרה-עברית'
PEER = "Zoë Ångström, \\Nordic; \"QA\" 张伟 " + "long " * 30 + "end"
SUPERVISOR = "Sofia \\N Supervisor, ; 'S' ^caret"
NEWCOMER = "عربي Newcomer, \\\\N"
JOB = 'R&D Lead, "Core"; \\Nord \\\\NAS01 <b> 🙂'
ROUND = "Team; round, one \\N"
PLACE = "\\\\NAS01\\Plans\\Nord, Room 4; \"B\" — עברית " + "x" * 200
MOVED_PLACE = "Room 9; east, \\N wing"
VIDEO = "https://meet.example.com/" + "a" * 475  # 500 characters
NEW_BASE, NEW_FROM = "https://jobs.moved.example", ("talent@moved.example", "Talent, \"Team\"")


@dataclass(frozen=True)
class Read:
    """What one parser read from one VEVENT."""

    uid: str
    summary: str
    location: str
    description: str
    organizer: tuple[str, str]
    attendees: tuple[tuple[str, str], ...]


def _mailto(value: str) -> str:
    return value[len("mailto:"):] if value.lower().startswith("mailto:") else value


def read_three_ways(data: bytes) -> list[Read]:
    """The events as icalendar, vobject and ical read them; all three must agree."""
    text = data.decode("utf-8")
    by_icalendar = [
        Read(str(e["UID"]), str(e["SUMMARY"]), str(e.get("LOCATION", "")),
             str(e.get("DESCRIPTION", "")),
             (_mailto(str(e["ORGANIZER"])), str(e["ORGANIZER"].params.get("CN", ""))),
             tuple((_mailto(str(a)), str(a.params.get("CN", ""))) for a in _attendees(e)))
        for e in Calendar.from_ical(data).walk("VEVENT")
    ]
    by_vobject = [
        Read(v.uid.value, v.summary.value,
             v.location.value if "location" in v.contents else "",
             v.description.value if "description" in v.contents else "",
             (_mailto(v.organizer.value), v.organizer.params.get("CN", [""])[0]),
             tuple((_mailto(a.value), a.params.get("CN", [""])[0])
                   for a in v.contents.get("attendee", [])))
        for v in vobject.readOne(text, validate=True).contents.get("vevent", [])
    ]
    by_ical = [
        Read(e.uid, e.summary, e.location or "", e.description or "",
             (_mailto(e.organizer.uri), e.organizer.common_name or ""),
             tuple((_mailto(a.uri), a.common_name or "") for a in e.attendees))
        for e in IcsCalendarStream.calendar_from_ics(text).events
    ]
    assert by_icalendar == by_vobject == by_ical
    return by_vobject


def _attendees(event) -> list:
    """icalendar gives one ATTENDEE as a value and several as a list."""
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def local(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(zoneinfo.ZoneInfo(zone)):%a %d %b %Y, %H:%M}"


def one_address(raw: bytes, header: str) -> tuple[str, str]:
    """The header's single address, as RFC 2047 decoding and CPython's parser agree."""
    [(name, addr_spec)] = getaddresses([header_value(raw, header)])
    modern = parse(raw)[header].addresses
    assert len(modern) == 1 and modern[0].addr_spec == addr_spec
    return str(make_header(decode_header(name))), addr_spec


@pytest.fixture
def cast(make_user, make_candidate, make_candidacy, make_job, make_planned_round, recruiter):
    job = make_job(actor=recruiter, title=JOB)
    planned = make_planned_round(job, actor=recruiter, title=ROUND,
                                 relationships=["peer", "supervisor"])
    candidate = make_candidate(actor=recruiter, name=CANDIDATE, email="dara@candidates.example",
                               time_zone="America/New_York")
    peer = make_user(("interviewer",), name=PEER, email="zoe@team.example",
                     job_title="工程师, 后端; \\Nord", time_zone="Europe/Berlin")
    supervisor = make_user(("interviewer",), name=SUPERVISOR, email="sofia@team.example",
                           job_title='Head of "QA"', time_zone="Europe/London")
    newcomer = make_user(("interviewer",), name=NEWCOMER, email="nikhil@team.example",
                         time_zone="Asia/Kolkata")
    round_ = operations.open_round(make_candidacy(job=job, candidate=candidate, actor=recruiter),
                                   planned, actor=recruiter)
    db.session.commit()
    return round_, candidate, peer, supervisor, newcomer


def test_every_message_kind_round_trips_through_every_parser_and_keeps_its_identity(
        app, monkeypatch, client, cast, book, recruiter):
    round_, candidate, peer, supervisor, newcomer = cast
    names = {candidate.email: CANDIDATE, peer.email: PEER, supervisor.email: SUPERVISOR,
             newcomer.email: NEWCOMER}
    cand_summary = f"Interview: {JOB} — {ROUND}"
    panel_summary = f"Interview with {CANDIDATE} — {ROUND}"

    # 1. the booking
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location=PLACE, video_url=VIDEO).interview
    seen = 0
    identity: dict[str, tuple[str, tuple[str, str]]] = {}

    def check_new_mail(expect_location: str) -> list:
        nonlocal seen
        written = mails(interview)[seen:]
        seen += len(written)
        for invite, row, mail in written:
            [event] = read_three_ways(mail.calendar.data)
            summary = cand_summary if invite.audience.value == "candidate" else panel_summary
            assert event.summary == summary
            assert event.location == expect_location
            assert VIDEO in event.description
            assert event.attendees == tuple(
                (email, clean_name(names[email])) for email, _ in event.attendees)
            key = invite.audience.value
            identity.setdefault(key, (event.uid, event.organizer))
            assert (event.uid, event.organizer) == identity[key]
            # The email package reads the same message: one recipient, the exact subject.
            name, addr_spec = one_address(row.raw, "To")
            assert (name, addr_spec) == (" ".join(names[addr_spec].split()), addr_spec)
            assert str(mail.message["Subject"]).endswith(summary)
            assert mail.message["From"].addresses[0].addr_spec == event.organizer[0]
        return written

    first = check_new_mail(PLACE)
    assert len(first) == 3
    assert candidate.name in first[0][2].text or CANDIDATE in first[0][2].text

    # The service moves: a new base URL and sender from now on.
    monkeypatch.setitem(app.config, "BASE_URL", NEW_BASE)
    monkeypatch.setitem(app.config, "MAIL_FROM", NEW_FROM[0])
    monkeypatch.setitem(app.config, "MAIL_FROM_NAME", NEW_FROM[1])

    # 2. a reschedule across both spring DST changes (US 14 March, EU 28 March 2027)
    operations.reschedule_interview(interview, actor=recruiter, reason="Moved",
                                    starts_at=at(30, 13), location=MOVED_PLACE)
    db.session.commit()
    moved = check_new_mail(MOVED_PLACE)
    for _invite, _row, mail in moved:
        zone = {candidate.email: candidate.time_zone, peer.email: peer.time_zone,
                supervisor.email: supervisor.time_zone}[mail.to]
        assert (mail.calendar.starts_at, mail.calendar.sequence) == (at(30, 13), 1)
        assert f"{local(at(2, 14), zone)}" in mail.text and local(at(30, 13), zone) in mail.text
    assert "Tue 30 Mar 2027, 09:00" in next(m.text for _, _, m in moved if m.to == candidate.email)

    # 3. a panel swap: the supervisor leaves (CANCEL without STATUS), the newcomer joins
    operations.reschedule_interview(
        interview, actor=recruiter, reason="Swap",
        panel=[operations.Seat(peer.id, "peer"), operations.Seat(newcomer.id, "supervisor")])
    db.session.commit()
    swapped = {mail.to: mail for _, _, mail in check_new_mail(MOVED_PLACE)}
    assert swapped[supervisor.email].method == "CANCEL"
    assert swapped[supervisor.email].calendar.status == ""
    assert swapped[newcomer.email].calendar.attendee_emails == [peer.email, newcomer.email]

    # 4. the candidate's download and the interviewer's feed
    token = links.issue(round_.candidacy).token
    download = client.get(f"/p/{token}/interviews/{interview.id}.ics")
    assert download.status_code == 200
    [event] = read_three_ways(download.data)
    assert (event.uid, event.organizer) == identity["candidate"]
    assert (event.summary, event.location) == (cand_summary, MOVED_PLACE)
    _, secret = feeds.create_feed(peer, actor=peer)
    db.session.commit()
    feed = client.get(f"/feeds/{secret}.ics")
    assert feed.status_code == 200
    [event] = read_three_ways(feed.data)
    assert event.uid == identity["panel"][0].replace("-panel@", "-feed@")
    assert event.organizer == identity["panel"][1]
    assert (event.summary, event.location) == (panel_summary, MOVED_PLACE)
    name = vobject.readOne(feed.data.decode()).contents["x-wr-calname"][0].value
    assert name == f"Interviews — {' '.join(PEER.split())}"

    # 5. the reminders (no calendar part): the email package reads names and subjects exactly
    freeze(interview.starts_at - operations_lead())
    send_due_reminders(interview.starts_at - operations_lead())
    db.session.commit()
    rows = list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind.like("reminder.%"))))
    assert {row.recipient for row in rows} == {candidate.email, peer.email, newcomer.email}
    for row in rows:
        message = parse(row.raw)
        name, addr_spec = one_address(row.raw, "To")
        assert name == " ".join(names[addr_spec].split())
        assert str(make_header(decode_header(str(message["Subject"])))) == row.subject
    candidate_reminder = next(parse(r.raw) for r in rows if r.recipient == candidate.email)
    assert JOB in candidate_reminder.get_body(("plain",)).get_content()

    # 6. the cancellation, still under the first identity
    operations.cancel_interview(interview, actor=recruiter, reason="Filled")
    db.session.commit()
    cancelled = check_new_mail(MOVED_PLACE)
    assert {mail.method for _, _, mail in cancelled} == {"CANCEL"}
    assert {mail.calendar.status for _, _, mail in cancelled} == {"CANCELLED"}
    for _invite, row, _mail in cancelled:
        assert read_invite(row.raw)


def operations_lead():
    """Late enough for both reminders: an hour before the start."""
    from coordinator.invites.reminders import PANEL_LEAD

    return PANEL_LEAD
