"""An event's UID and ORGANIZER are fixed by its first message and reused for its whole life:
updates, cancels, the candidate's download and the interviewer's feed keep them even after
``BASE_URL`` or ``MAIL_FROM`` change (or calendar clients would keep the old event and add a
new one). A real CalDAV server (Radicale) shows that importing the download over the invite
leaves one event."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import vobject
from flask_migrate import downgrade, upgrade

from coordinator.candidates import links
from coordinator.db import db
from coordinator.invites import feeds
from coordinator.invites.models import Audience, InviteEvent
from tests.conftest import PG_URL, committed_app, seed_booked_interview
from tests.invites.conftest import HOST, free_port
from tests.invites.test_invites import cancel, latest, mails, reschedule, seats
from tests.portal.published import read_published
from tests.scheduling.conftest import at

OLD_FROM = ("recruiting@coordinator.test", "Interview Coordinator")
NEW_BASE = "https://jobs.new-host.example"
NEW_FROM = ("talent@new-host.example", "Talent Team")


@pytest.fixture
def booked(people, book):
    round_, _candidate, peer, supervisor, _newcomer = people
    return book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                location="Room 4").interview


@pytest.fixture
def moved_house(app, monkeypatch):
    """Change the base URL and the sender, as an operator moving the service would."""

    def move() -> None:
        monkeypatch.setitem(app.config, "BASE_URL", NEW_BASE)
        monkeypatch.setitem(app.config, "MAIL_FROM", NEW_FROM[0])
        monkeypatch.setitem(app.config, "MAIL_FROM_NAME", NEW_FROM[1])

    return move


def identities(interview) -> dict[str, tuple[str, tuple[str, str]]]:
    """Every recipient's last message's UID and ORGANIZER."""
    return {to: (mail.calendar.uid, mail.calendar.organizer)
            for to, mail in latest(interview).items()}


def test_first_message_stores_each_events_uid_and_organizer(booked):
    rows = {row.audience: row for row in db.session.scalars(
        sa.select(InviteEvent).where(InviteEvent.interview_id == booked.id))}

    assert set(rows) == {Audience.candidate, Audience.panel}
    assert rows[Audience.candidate].uid == f"interview-{booked.id}-candidate@coordinator.test"
    assert rows[Audience.panel].uid == f"interview-{booked.id}-panel@coordinator.test"
    for row in rows.values():
        assert (row.organizer_email, row.organizer_name) == OLD_FROM


def test_an_update_after_the_base_url_and_sender_change_keeps_uid_and_organizer(
        booked, recruiter, moved_house):
    before = identities(booked)
    moved_house()
    reschedule(booked, recruiter, starts_at=at(3, 9))

    after = identities(booked)
    assert after == before
    for mail in latest(booked).values():
        assert mail.calendar.sequence == 1
        assert mail.message["From"].addresses[0].addr_spec == OLD_FROM[0]


def test_a_panel_change_after_the_sender_changes_keeps_uid_and_organizer(
        booked, people, recruiter, moved_house):
    _round, _candidate, peer, supervisor, newcomer = people
    panel_uid = latest(booked)[peer.email].calendar.uid
    moved_house()
    reschedule(booked, recruiter, panel=seats((peer, "peer"), (newcomer, "supervisor")))

    after = latest(booked)
    for address in (peer.email, supervisor.email, newcomer.email):
        assert (after[address].calendar.uid, after[address].calendar.organizer) == (
            panel_uid, OLD_FROM)


def test_a_cancel_after_the_base_url_and_sender_change_keeps_uid_and_organizer(
        booked, recruiter, moved_house):
    before = identities(booked)
    moved_house()
    cancel(booked, recruiter)

    assert identities(booked) == before
    assert {mail.method for mail in latest(booked).values()} == {"CANCEL"}


def test_an_interview_booked_after_the_change_gets_the_new_identity(
        people, book, moved_house, make_round):
    _round, _candidate, peer, supervisor, _ = people
    moved_house()
    interview = book(make_round(), at(4, 10), [(peer, "peer"), (supervisor, "supervisor")]
                     ).interview

    for uid, organizer in identities(interview).values():
        assert uid.endswith("@jobs.new-host.example")
        assert organizer == NEW_FROM


def test_a_recorded_past_interview_stores_no_identity(people, book, frozen_now):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(1, 6), [(peer, "peer"), (supervisor, "supervisor")],
                     record_past=True).interview

    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteEvent).where(
        InviteEvent.interview_id == interview.id)) == 0


def download(client, interview) -> bytes:
    candidacy = interview.round.candidacy
    response = client.get(f"/p/{links.issue(candidacy).token}/interviews/{interview.id}.ics")
    assert response.status_code == 200
    return response.data


def test_the_download_keeps_the_invites_uid_and_organizer_after_the_change(
        client, booked, people, moved_house):
    _round, candidate, *_ = people
    invite = latest(booked)[candidate.email].calendar
    moved_house()

    [event] = read_published(download(client, booked)).events
    assert (event.uid, event.organizer, event.sequence) == (
        invite.uid, invite.organizer, invite.sequence)
    assert (event.starts_at, event.ends_at, event.summary, event.location) == (
        invite.starts_at, invite.ends_at, invite.summary, invite.location)


def test_the_feed_keeps_its_uid_and_the_invites_organizer_after_the_change(
        client, booked, people, moved_house):
    _round, _candidate, peer, *_ = people
    invite = latest(booked)[peer.email].calendar
    _, secret = feeds.create_feed(peer, actor=peer)
    db.session.commit()
    moved_house()

    [event] = read_published(client.get(f"/feeds/{secret}.ics").data).events
    assert event.uid == f"interview-{booked.id}-feed@coordinator.test"
    assert (event.organizer, event.sequence, event.starts_at, event.ends_at) == (
        invite.organizer, invite.sequence, invite.starts_at, invite.ends_at)


def test_the_feed_event_says_what_the_panel_invite_says(client, people, book):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location="Room 4", video_url="https://meet.example/xyz").interview
    invite = latest(interview)[peer.email].calendar
    _, secret = feeds.create_feed(peer, actor=peer)
    db.session.commit()

    [event] = read_published(client.get(f"/feeds/{secret}.ics").data).events
    assert (event.summary, event.description, event.location, event.url, event.conference) == (
        invite.summary, invite.description, invite.location, invite.url, invite.conference)


# --- the migration keeps existing events' identity ------------------------------------------------


def test_the_migration_backfills_existing_events_with_the_uids_they_were_sent_with(tmp_path):
    kind = "postgresql" if PG_URL else "sqlite"
    with committed_app(kind, "identity", tmp_path) as migrated_app, migrated_app.app_context():
        interview = seed_booked_interview(at(2, 14))
        interview_id = interview.id
        # As on today's main: the invites hold their UIDs, nothing else does.
        db.session.execute(sa.delete(InviteEvent))
        db.session.commit()
        # The sender the events were sent with is today's configuration.
        migrated_app.config.update(MAIL_FROM="jobs@acme.example", MAIL_FROM_NAME="Acme Jobs")
        downgrade(revision="5b7e2d9c4a11")  # the revision before invite identity
        upgrade()
        rows = db.session.execute(sa.select(
            InviteEvent.interview_id, InviteEvent.audience, InviteEvent.uid,
            InviteEvent.organizer_email, InviteEvent.organizer_name)).all()
        db.session.commit()

    assert sorted(rows) == [
        (interview_id, Audience.candidate, f"interview-{interview_id}-candidate@coordinator.test",
         "jobs@acme.example", "Acme Jobs"),
        (interview_id, Audience.panel, f"interview-{interview_id}-panel@coordinator.test",
         "jobs@acme.example", "Acme Jobs"),
    ]


# --- a real CalDAV server: importing the download over the invite keeps one event --------------


class CalDAV:
    """Radicale on loopback (no auth, a temporary storage folder) and a calendar in it."""

    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"
        self.calendar = "/tester/interviews/"

    def request(self, method: str, path: str, body: bytes | None = None,
                **headers: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def put(self, name: str, data: bytes) -> int:
        # A calendar object resource carries no METHOD (RFC 4791 §4.1); clients drop it.
        stored = re.sub(rb"METHOD:[A-Z]+\r\n", b"", data)
        return self.request("PUT", self.calendar + name, stored,
                            **{"Content-Type": "text/calendar; charset=utf-8"})[0]

    def events(self) -> list:
        status, body = self.request("GET", self.calendar)
        assert status == 200, body
        calendar = vobject.readOne(body.decode())
        return list(calendar.contents.get("vevent", []))


@pytest.fixture
def caldav(tmp_path: Path) -> Iterator[CalDAV]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"{HOST}:{port}",
         "--storage-filesystem-folder", str(tmp_path / "radicale"), "--auth-type", "none",
         "--rights-type", "authenticated", "--logging-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dav = CalDAV(port)
    try:
        for _ in range(100):
            try:
                if dav.request("MKCOL", "/tester/")[0] == 201:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("Radicale did not start")
        assert dav.request("MKCALENDAR", dav.calendar)[0] == 201
        yield dav
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_importing_the_download_after_the_invite_leaves_one_event_on_a_caldav_server(
        caldav, client, booked, people, moved_house):
    _round, candidate, *_ = people
    invite = latest(booked)[candidate.email].calendar
    assert caldav.put(f"{invite.uid}.ics", invite.data) == 201
    moved_house()  # the download is fetched after the service moved
    data = download(client, booked)

    # A client importing the file stores it under its UID (replacing the invite's copy)…
    assert caldav.put(f"{invite.uid}.ics", data) in {200, 201, 204}
    # …and a server refuses a second resource with the same UID (CalDAV no-uid-conflict).
    assert caldav.put("downloaded.ics", data) == 409

    [event] = caldav.events()
    assert event.uid.value == invite.uid
    assert event.organizer.value == f"mailto:{invite.organizer[0]}"
    assert int(event.sequence.value) == invite.sequence
    assert (event.dtstart.value, event.dtend.value) == (invite.starts_at, invite.ends_at)
    assert len(mails(booked)) == 3
