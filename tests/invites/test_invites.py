"""Calendar invites (RFC 5545 / iTIP 5546 / iMIP 6047), read back from the outbox.

Every invite is parsed by two strict parsers that did not write it (vobject with validation and
the ``ical`` package) and by the standard ``email`` package; ``read_invite`` in conftest.py does
that and checks what neither parser checks. The scenario: a candidate in New York, a peer and a
supervisor in Berlin, later a newcomer in Kolkata.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites import ical
from coordinator.invites.models import Audience, Invite, InviteMethod
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations
from coordinator.scheduling.models import Interview
from coordinator.timeutil import freeze
from tests.invites.conftest import MailedInvite, read_calendar, read_invite
from tests.scheduling.conftest import NOW, at

FROM = "recruiting@coordinator.test"
FROM_NAME = "Interview Coordinator"


# --- helpers -------------------------------------------------------------------------------------


def mails(interview: Interview | None = None) -> list[tuple[Invite, OutboxMessage, MailedInvite]]:
    """Every invite written so far (optionally for one interview), oldest first, taken apart."""
    statement = (
        sa.select(Invite, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == Invite.outbox_message_id)
        .order_by(Invite.id)
    )
    if interview is not None:
        statement = statement.where(Invite.interview_id == interview.id)
    return [(invite, row, read_invite(row.raw)) for invite, row in db.session.execute(statement)]


def latest(interview: Interview) -> dict[str, MailedInvite]:
    """The last invite each recipient got about the interview."""
    return {mail.to: mail for _, _, mail in mails(interview)}


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def invite_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Invite))


def local(instant: datetime, zone: str) -> str:
    """How the mail should write an instant for someone in ``zone`` (computed here, not by the
    code under test)."""
    value = instant.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{value:%a %d %b %Y, %H:%M}"


def reschedule(interview: Interview, recruiter, **changes) -> None:
    operations.reschedule_interview(interview, actor=recruiter, reason="Moved", **changes)
    db.session.commit()


def cancel(interview: Interview, recruiter) -> None:
    operations.cancel_interview(interview, actor=recruiter, reason="Position filled")
    db.session.commit()


def seats(*pairs):
    return [operations.Seat(user.id, relationship) for user, relationship in pairs]


# --- a booking ------------------------------------------------------------------------------------


def test_booking_sends_each_recipient_their_own_request_with_sequence_zero(booked, people):
    _round, candidate, peer, supervisor, _ = people
    written = mails(booked)

    assert sorted(mail.to for _, _, mail in written) == sorted(
        [candidate.email, peer.email, supervisor.email]
    )
    for invite, row, mail in written:
        assert mail.method == "REQUEST" and mail.calendar.status == "CONFIRMED"
        assert mail.calendar.sequence == 0
        assert (invite.method, invite.sequence, invite.uid) == (
            InviteMethod.request,
            0,
            mail.calendar.uid,
        )
        assert invite.recipient == row.recipient == mail.to
    assert outbox_count() == 3 and invite_count() == 3


def test_candidate_and_panel_events_have_their_own_uids(booked):
    by_audience = defaultdict(set)
    for invite, _, mail in mails(booked):
        by_audience[invite.audience].add(mail.calendar.uid)

    assert by_audience[Audience.candidate] == {f"interview-{booked.id}-candidate@coordinator.test"}
    assert by_audience[Audience.panel] == {f"interview-{booked.id}-panel@coordinator.test"}


def test_candidate_copy_lists_only_the_candidate_and_shows_no_interviewer_address(booked, people):
    _round, candidate, peer, supervisor, _ = people
    _, row, mail = next(m for m in mails(booked) if m[0].audience is Audience.candidate)

    assert mail.calendar.attendees == ((candidate.email, candidate.name),)
    decoded = b"".join(part.get_payload(decode=True) or b"" for part in mail.message.walk())
    for address in (peer.email, supervisor.email):
        assert address.encode() not in row.raw
        assert address.encode() not in decoded
    # …while it still says whom the candidate will meet (names, not addresses).
    assert "Priya Peer" in mail.text and "Sofia Supervisor" in mail.calendar.description


def test_interviewer_copy_lists_the_panel(booked, people):
    _round, candidate, peer, supervisor, _ = people
    for invite, _, mail in mails(booked):
        if invite.audience is Audience.panel:
            assert mail.calendar.attendees == (
                (peer.email, "Priya Peer"),
                (supervisor.email, "Sofia Supervisor"),
            )
            assert candidate.email not in mail.calendar.attendee_emails


def test_organizer_is_the_from_mailbox_with_its_name(booked):
    for _, _, mail in mails(booked):
        assert mail.calendar.organizer == (FROM, FROM_NAME)
        assert mail.message["From"].addresses[0].addr_spec == FROM
        assert b"ORGANIZER;CN=" in mail.calendar.data
        assert b":mailto:recruiting@coordinator.test\r\n" in mail.calendar.data


def test_times_are_utc_and_dtstamp_is_fresh(people, book, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    booked_at = NOW + timedelta(minutes=7)
    freeze(booked_at)
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    moved_at = NOW + timedelta(hours=3, seconds=5)
    freeze(moved_at)
    reschedule(interview, recruiter, starts_at=at(2, 16))

    written = mails(interview)
    assert [mail.calendar.stamp for _, _, mail in written] == [booked_at] * 3 + [moved_at] * 3
    for _, _, mail in written[:3]:
        assert (mail.calendar.starts_at, mail.calendar.ends_at) == (at(2, 14), at(2, 15))
        assert b"DTSTART:20270302T140000Z\r\n" in mail.calendar.data
    for _, _, mail in written[3:]:
        assert (mail.calendar.starts_at, mail.calendar.ends_at) == (at(2, 16), at(2, 17))
        assert b"TZID" not in mail.calendar.data


# --- changes -------------------------------------------------------------------------------------


def test_reschedule_sends_everyone_a_request_with_a_higher_sequence(booked, people, recruiter):
    before = latest(booked)
    reschedule(booked, recruiter, starts_at=at(3, 9))

    after = latest(booked)
    assert after.keys() == before.keys()
    for address, mail in after.items():
        assert mail.method == "REQUEST"
        assert mail.calendar.uid == before[address].calendar.uid
        assert mail.calendar.sequence == before[address].calendar.sequence + 1 == 1
        assert mail.calendar.starts_at == at(3, 9)
        assert mail.message["Subject"].startswith("Updated: ")


def test_place_change_raises_the_sequence(booked, recruiter):
    reschedule(booked, recruiter, location="Room 7", video_url="https://meet.example/abc")

    for mail in latest(booked).values():
        assert (mail.method, mail.calendar.sequence) == ("REQUEST", 1)
        assert mail.calendar.location == "Room 7"
        assert mail.calendar.conference == "https://meet.example/abc"


def test_changing_only_the_display_zone_sends_nothing(booked, recruiter):
    reschedule(booked, recruiter, time_zone="Europe/London")

    assert booked.sequence == 0
    assert outbox_count() == 3


def test_panel_change_cancels_for_the_removed_and_invites_the_added(booked, people, recruiter):
    _round, candidate, peer, supervisor, newcomer = people
    uid = f"interview-{booked.id}-panel@coordinator.test"
    reschedule(booked, recruiter, panel=seats((peer, "peer"), (newcomer, "supervisor")))

    after = latest(booked)
    removed = after[supervisor.email]
    assert (removed.method, removed.calendar.status) == ("CANCEL", "")
    assert removed.calendar.uid == uid and removed.calendar.sequence == 1
    assert removed.calendar.attendees == ((supervisor.email, "Sofia Supervisor"),)
    for address in (peer.email, newcomer.email):
        mail = after[address]
        assert (mail.method, mail.calendar.uid, mail.calendar.sequence) == ("REQUEST", uid, 1)
        assert mail.calendar.attendee_emails == [peer.email, newcomer.email]
    assert after[candidate.email].method == "REQUEST"
    assert after[candidate.email].calendar.sequence == 1
    assert "Nikhil Newcomer" in after[candidate.email].text
    meet = after[candidate.email].text.split("You will meet:")[1]
    assert "Nikhil Newcomer" in meet and "Sofia Supervisor" not in meet


def test_cancel_sends_cancel_with_same_uid_and_higher_sequence(booked, people, recruiter):
    _round, candidate, _peer, _supervisor, _ = people
    before = latest(booked)
    cancel(booked, recruiter)

    after = latest(booked)
    assert after.keys() == before.keys()
    for address, mail in after.items():
        assert (mail.method, mail.calendar.status) == ("CANCEL", "CANCELLED")
        assert mail.calendar.uid == before[address].calendar.uid
        assert mail.calendar.sequence == before[address].calendar.sequence + 1
        assert mail.calendar.attendees == before[address].calendar.attendees
        assert mail.message["Subject"].startswith("Cancelled: ")
    assert after[candidate.email].calendar.attendee_emails == [candidate.email]


def test_uid_method_and_sequence_hold_from_booking_to_cancellation(booked, people, recruiter):
    """create → reschedule → panel change → cancel, for the candidate and each panel member,
    read from the Invite rows and from the mails the outbox holds."""
    _round, candidate, peer, supervisor, newcomer = people
    reschedule(booked, recruiter, starts_at=at(4, 13))
    reschedule(booked, recruiter, panel=seats((peer, "peer"), (newcomer, "supervisor")))
    cancel(booked, recruiter)

    history: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for invite, row, mail in mails(booked):
        assert invite.outbox_message_id == row.id and invite.recipient == mail.to
        assert (invite.uid, invite.sequence, invite.method.value) == (
            mail.calendar.uid,
            mail.calendar.sequence,
            mail.method,
        )
        assert invite.user_id == {
            peer.email: peer.id,
            supervisor.email: supervisor.id,
            newcomer.email: newcomer.id,
        }.get(mail.to)
        history[mail.to].append((mail.method, mail.calendar.sequence, mail.calendar.uid))

    candidate_uid = f"interview-{booked.id}-candidate@coordinator.test"
    panel_uid = f"interview-{booked.id}-panel@coordinator.test"
    assert history == {
        candidate.email: [
            ("REQUEST", 0, candidate_uid),
            ("REQUEST", 1, candidate_uid),
            ("REQUEST", 2, candidate_uid),
            ("CANCEL", 3, candidate_uid),
        ],
        peer.email: [
            ("REQUEST", 0, panel_uid),
            ("REQUEST", 1, panel_uid),
            ("REQUEST", 2, panel_uid),
            ("CANCEL", 3, panel_uid),
        ],
        supervisor.email: [
            ("REQUEST", 0, panel_uid),
            ("REQUEST", 1, panel_uid),
            ("CANCEL", 2, panel_uid),
        ],
        newcomer.email: [("REQUEST", 2, panel_uid), ("CANCEL", 3, panel_uid)],
    }
    assert booked.sequence == 3


# --- the human text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        at(2, 14),  # New York on EST (UTC-5), Berlin on CET (UTC+1)
        at(15, 14),  # New York already on EDT (UTC-4, from 14 March), Berlin still on CET
        at(29, 14),  # both on summer time (Berlin CEST from 28 March)
    ],
    ids=["winter", "us-summer-only", "summer"],
)
def test_text_states_the_calendar_time_in_the_recipients_zone(people, book, start):
    round_, candidate, peer, _supervisor, newcomer = people
    interview = book(
        round_,
        start,
        [(peer, "peer"), (newcomer, "supervisor")],
        override_relationships=True,
        override_reason="Kolkata covers",
    ).interview

    zones = {
        candidate.email: "America/New_York",
        peer.email: "Europe/Berlin",
        newcomer.email: "Asia/Kolkata",
    }
    written = mails(interview)
    assert {mail.to for _, _, mail in written} == zones.keys()
    for _, _, mail in written:
        zone = zones[mail.to]
        begins = local(mail.calendar.starts_at, zone)
        ends = local(mail.calendar.ends_at, zone)
        for body in (mail.text, mail.html):
            assert f"{begins} {zone}" in body, (mail.to, begins, body[:600])
            assert f"– {ends}" in body, (mail.to, ends, body[:600])


def test_cancellation_text_names_the_cancelled_time(booked, people, recruiter):
    _round, candidate, _peer, _supervisor, _ = people
    cancel(booked, recruiter)

    mail = latest(booked)[candidate.email]
    assert local(mail.calendar.starts_at, "America/New_York") in mail.text
    assert "cancelled" in mail.text


# --- awkward input -------------------------------------------------------------------------------

AWKWARD = {
    "candidate": 'Dara "D" O\'Neill, Jr.; Ph.D',
    "peer": "张伟",
    "supervisor": "Zoë Ångström",
}


def test_awkward_names_places_and_titles_survive_both_parsers(
    make_user,
    make_candidate,
    make_candidacy,
    make_job,
    make_planned_round,
    recruiter,
    book,
):
    job = make_job(actor=recruiter, title='R&D Lead, "Core"; Platform \\ Infra <b>')
    planned = make_planned_round(
        job, actor=recruiter, title="Team; round, one", relationships=["peer", "supervisor"]
    )
    candidate = make_candidate(
        actor=recruiter,
        name=AWKWARD["candidate"],
        email="dara.oneill@candidates.example",
        time_zone="Europe/Dublin",
    )
    peer = make_user(
        ("interviewer",),
        name=AWKWARD["peer"],
        email="zhang.wei@team.example",
        job_title="工程师, 后端",
    )
    supervisor = make_user(
        ("interviewer",),
        name=AWKWARD["supervisor"],
        email="zoe@team.example",
        job_title='Head of "QA"; Nordics',
    )
    round_ = operations.open_round(
        make_candidacy(job=job, candidate=candidate, actor=recruiter), planned, actor=recruiter
    )
    location = 'Room 4; Building "B", 2nd floor \\ east'
    interview = book(
        round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")], location=location
    ).interview

    written = {mail.to: mail for _, _, mail in mails(interview)}
    assert len(written) == 3
    for mail in written.values():
        assert mail.calendar.location == location
        assert mail.calendar.summary.endswith("— Team; round, one")
    cand = written[candidate.email]
    # A CN loses its double quotes (they cannot be escaped inside a quoted parameter)…
    assert cand.calendar.attendees == ((candidate.email, "Dara D O'Neill, Jr.; Ph.D"),)
    # …while the mail headers keep the name whole.
    assert cand.message["To"].addresses[0].display_name == AWKWARD["candidate"]
    assert cand.calendar.summary == (
        'Interview: R&D Lead, "Core"; Platform \\ Infra <b> — Team; round, one'
    )
    assert str(cand.message["Subject"]) == cand.calendar.summary
    assert "工程师, 后端" in cand.calendar.description
    assert "<b>" not in cand.html and "&lt;b&gt;" in cand.html
    panel = written[peer.email]
    assert panel.calendar.attendees == ((peer.email, "张伟"), (supervisor.email, "Zoë Ångström"))
    assert panel.message["To"].addresses[0].display_name == "张伟"
    assert str(panel.message["Subject"]).startswith(f"Interview with {AWKWARD['candidate']} — ")
    assert b'CN="Dara D O\'Neill, Jr.; Ph.D"' in cand.calendar.data


def test_a_very_long_description_is_folded_and_read_back_whole():
    description = "Bring: laptop, ID; parking at gate \\ 3.\nLine two — ü ß 张伟 🙂\n" * 400
    data = ical.request(
        ical.EventData(
            uid="interview-1-panel@coordinator.test",
            sequence=4,
            starts_at=at(2, 14),
            ends_at=at(2, 15),
            summary="S, with; marks",
            description=description,
            location="Somewhere, far; away",
            organizer=ical.Person(FROM, "Acme, Recruiting"),
        ),
        [
            ical.Person("dara@example.com", 'Dara "D" O\'Neill, Jr.; Ph.D'),
            ical.Person("zw@example.com", "张伟"),
        ],
    )

    parsed = read_calendar(data)  # folded at 75 octets, never inside a character
    assert len(data) > len(description.encode())
    assert parsed.description == description
    assert parsed.summary == "S, with; marks" and parsed.location == "Somewhere, far; away"
    assert parsed.organizer == (FROM, "Acme, Recruiting")
    assert parsed.attendees == (
        ("dara@example.com", "Dara D O'Neill, Jr.; Ph.D"),
        ("zw@example.com", "张伟"),
    )
    assert parsed.sequence == 4


def test_a_long_location_and_job_titles_keep_the_invite_valid(make_user, people, book):
    round_, candidate, _peer, _supervisor, _ = people
    peer = make_user(("interviewer",), name="P" * 200, job_title="Peer, " * 33)
    supervisor = make_user(("interviewer",), name="S" * 200, job_title="Lead; " * 33)
    interview = book(
        round_,
        at(2, 14),
        [(peer, "peer"), (supervisor, "supervisor")],
        location="Hall " + "a, b; c \\ " * 29,
    ).interview

    written = mails(interview)
    assert len(written) == 3
    cand = next(mail for _, _, mail in written if mail.to == candidate.email)
    assert "Peer, " * 33 in cand.calendar.description.replace("\n", "")


# --- transactions ---------------------------------------------------------------------------------


def test_a_rolled_back_booking_leaves_no_outbox_row(people, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    operations.schedule_interview(
        round_,
        actor=recruiter,
        starts_at=at(2, 14),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        panel=seats((peer, "peer"), (supervisor, "supervisor")),
    )
    assert outbox_count() == 3  # written in the booking's transaction…
    db.session.rollback()

    assert outbox_count() == 0 and invite_count() == 0  # …and gone with it


def test_a_rolled_back_cancellation_leaves_only_the_booking_mail(booked, recruiter):
    operations.cancel_interview(booked, actor=recruiter, reason="Oops")
    db.session.rollback()

    assert outbox_count() == 3
    assert {mail.method for mail in latest(booked).values()} == {"REQUEST"}


def test_a_refused_booking_over_the_api_writes_no_mail(
    people, booked, api_as, make_candidacy, make_round, plan, recruiter
):
    _round, _candidate, peer, supervisor, _ = people
    other_round = make_round(make_candidacy(job=plan[0], actor=recruiter))
    body = {
        "starts_at": at(2, 14, 30).isoformat(),
        "duration_minutes": 60,
        "time_zone": "Europe/Berlin",
        "panel": [
            {"user_id": peer.id, "relationship": "peer"},
            {"user_id": supervisor.id, "relationship": "supervisor"},
        ],
    }

    response = api_as(recruiter).post(f"/rounds/{other_round.id}/interviews", json=body)

    assert response.status_code == 409, response.get_json()
    assert outbox_count() == 3


def test_a_booking_over_the_api_commits_its_invites(people, api_as, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    body = {
        "starts_at": at(2, 14).isoformat(),
        "duration_minutes": 60,
        "time_zone": "Europe/Berlin",
        "panel": [
            {"user_id": peer.id, "relationship": "peer"},
            {"user_id": supervisor.id, "relationship": "supervisor"},
        ],
    }

    response = api_as(recruiter).post(f"/rounds/{round_.id}/interviews", json=body)

    assert response.status_code == 201, response.get_json()
    assert outbox_count() == 3 and invite_count() == 3


def test_a_recorded_past_interview_sends_nothing(people, book, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(
        round_,
        NOW - timedelta(days=3),
        [(peer, "peer"), (supervisor, "supervisor")],
        record_past=True,
    ).interview
    reschedule(interview, recruiter, location="Was in room 2")

    assert interview.is_recorded_past
    assert outbox_count() == 0 and invite_count() == 0


# --- the checks themselves ------------------------------------------------------------------------


def _lines_without(data: bytes, prefix: bytes) -> bytes:
    return b"".join(
        line + b"\r\n" for line in data.split(b"\r\n")[:-1] if not line.startswith(prefix)
    )


MUTATIONS = {
    # caught by vobject only
    "no DTSTAMP": lambda d: _lines_without(d, b"DTSTAMP"),
    "no UID": lambda d: _lines_without(d, b"UID"),
    "no PRODID": lambda d: _lines_without(d, b"PRODID"),
    # caught by ical only
    "floating time": lambda d: d.replace(b"DTSTART:20270302T090000Z", b"DTSTART:20270302T090000"),
    "CANCELED with one L": lambda d: d.replace(b"STATUS:CONFIRMED", b"STATUS:CANCELED"),
    "SEQUENCE not a number": lambda d: d.replace(b"SEQUENCE:1", b"SEQUENCE:one"),
    # caught by both
    "DTEND and DURATION": lambda d: d.replace(b"DTEND:", b"DURATION:PT1H\r\nDTEND:"),
    "two ORGANIZERs": lambda d: d.replace(b"ORGANIZER", b"ORGANIZER:mailto:x@x.test\r\nORGANIZER"),
    # caught by neither parser: our own checks
    "no DTSTART": lambda d: _lines_without(d, b"DTSTART"),
    "TZID=UTC": lambda d: d.replace(
        b"DTSTART:20270302T090000Z", b"DTSTART;TZID=UTC:20270302T090000"
    ),
    "ends before it starts": lambda d: d.replace(
        b"DTEND:20270302T100000Z", b"DTEND:20270302T080000Z"
    ),
    "LF line endings": lambda d: d.replace(b"\r\n", b"\n"),
    "lower-case method": lambda d: d.replace(b"METHOD:REQUEST", b"METHOD:request"),
    "RSVP=FALSE": lambda d: d.replace(b"RSVP=TRUE", b"RSVP=FALSE"),
    "ORGANIZER with ROLE": lambda d: d.replace(b"ORGANIZER;", b"ORGANIZER;ROLE=CHAIR;"),
    "unfolded long line": lambda d: d.replace(b"DESCRIPTION:D", b"DESCRIPTION:" + b"x" * 100),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_the_checks_catch_a_broken_invite(mutation):
    good = ical.request(
        ical.EventData(
            uid="u@coordinator.test",
            sequence=1,
            starts_at=at(2, 9),
            ends_at=at(2, 10),
            summary="S",
            description="D",
            location="L",
            organizer=ical.Person(FROM, FROM_NAME),
        ),
        [ical.Person("a@example.com", "A")],
    )
    read_calendar(good)

    broken = mutation(good)
    assert broken != good
    with pytest.raises(Exception):  # noqa: B017 - an AssertionError or either parser's error
        read_calendar(broken)
