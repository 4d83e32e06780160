"""Private calendar feeds: hashed secrets, rotation and revocation, the user's interviews only."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites import feeds
from coordinator.invites import operations as invites
from coordinator.invites.models import Audience, CalendarFeed
from coordinator.scheduling import operations
from coordinator.timeutil import freeze
from tests.portal.published import read_published
from tests.scheduling.conftest import NOW, at

BASE = "http://coordinator.test"


@pytest.fixture
def booked(make_round, panelists, book, make_user):
    """The peer sits on two interviews; another interviewer on a third."""
    peer, supervisor = panelists
    other = make_user(("interviewer",), name="Otto Other")
    first = book(
        make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")], location="Room 4"
    ).interview
    second = book(make_round(), at(3, 9), [(peer, "peer"), (supervisor, "supervisor")]).interview
    third = book(make_round(), at(4, 9), [(other, "peer"), (supervisor, "supervisor")]).interview
    return first, second, third


def fuid(interview) -> str:
    """The feed UID of an interview: its panel event's UID, as ``-feed@``."""
    return feeds.feed_uid(invites.uid(interview, Audience.panel))


def new_feed(user) -> str:
    _, secret = feeds.create_feed(user, actor=user)
    db.session.commit()
    return secret


def fetch(client, secret: str):
    return client.get(f"/feeds/{secret}.ics")


def test_feed_secret_is_stored_only_as_its_sha256(interviewer):
    secret = new_feed(interviewer)

    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == interviewer.id))
    assert feed.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in feed.token_hash
    assert len(secret) >= 40


def test_feed_is_a_publish_calendar_without_rsvp(client, panelists, booked):
    response = fetch(client, new_feed(panelists[0]))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    published = read_published(response.data)
    assert published.method == "PUBLISH"
    assert all(e.attendees == 0 for e in published.events)
    assert "X-WR-CALNAME:Interviews — Priya Peer" in published.text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in published.text
    assert "X-PUBLISHED-TTL:PT1H" in published.text


def test_feed_lists_only_the_users_interviews(client, panelists, booked):
    first, second, _third = booked

    published = read_published(fetch(client, new_feed(panelists[0])).data)

    assert published.uids == [fuid(first), fuid(second)]
    assert published.event(fuid(first)).starts_at == at(2, 9)
    assert "Room 4" in published.event(fuid(first)).location


def test_feed_uid_is_stable_and_distinct_from_the_invites(client, panelists, booked):
    first = booked[0]

    published = read_published(fetch(client, new_feed(panelists[0])).data)

    uid = f"interview-{first.id}-feed@coordinator.test"
    assert uid in published.uids
    assert uid not in {invites.uid(first, Audience.panel), invites.uid(first, Audience.candidate)}


def test_moved_interview_keeps_its_uid_with_a_higher_sequence(client, panelists, booked, recruiter):
    first = booked[0]
    secret = new_feed(panelists[0])
    operations.reschedule_interview(
        first, actor=recruiter, reason="Room clash", starts_at=at(5, 13)
    )
    db.session.commit()

    event = read_published(fetch(client, secret).data).event(fuid(first))

    assert (event.starts_at, event.sequence) == (at(5, 13), 1)


def test_recently_cancelled_interview_is_listed_as_cancelled(client, panelists, booked, recruiter):
    first = booked[0]
    secret = new_feed(panelists[0])
    operations.cancel_interview(first, actor=recruiter, reason="Candidate withdrew")
    db.session.commit()

    published = read_published(fetch(client, secret).data)

    event = published.event(fuid(first))
    assert event.status == "CANCELLED"
    assert event.sequence == 1
    assert published.event(fuid(booked[1])).status == "CONFIRMED"
    assert "Candidate withdrew" not in published.text


def test_cancellation_drops_out_of_the_feed_after_two_weeks(client, panelists, booked, recruiter):
    first = booked[0]
    secret = new_feed(panelists[0])
    operations.cancel_interview(first, actor=recruiter, reason="Candidate withdrew")
    db.session.commit()
    freeze(NOW + feeds.RECENTLY_CANCELLED + timedelta(minutes=1))

    published = read_published(fetch(client, secret).data)

    assert fuid(first) not in published.uids


def test_removed_panel_member_no_longer_sees_the_interview(
    client, panelists, booked, recruiter, make_user
):
    first = booked[0]
    peer, supervisor = panelists
    stand_in = make_user(("interviewer",))
    secret = new_feed(peer)
    operations.reschedule_interview(
        first,
        actor=recruiter,
        reason="Peer on leave",
        panel=[operations.Seat(stand_in.id, "peer"), operations.Seat(supervisor.id, "supervisor")],
    )
    db.session.commit()

    assert fuid(first) not in read_published(fetch(client, secret).data).uids


def test_feed_query_count_does_not_grow_with_interviews(
    client, panelists, make_round, book, count_queries
):
    peer, supervisor = panelists
    secret = new_feed(peer)
    book(make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])
    fetch(client, secret)
    with count_queries() as one:
        fetch(client, secret)
    for day in (3, 4, 5, 8):
        book(make_round(), at(day, 9), [(peer, "peer"), (supervisor, "supervisor")])
    with count_queries() as five:
        fetch(client, secret)

    assert five.count == one.count, str(five)


def test_unknown_feed_is_404(client, interviewer):
    new_feed(interviewer)

    assert fetch(client, "not-a-feed-secret").status_code == 404
    assert fetch(client, "x" * 500).status_code == 404


def test_revoked_feed_is_404(client, interviewer):
    secret = new_feed(interviewer)
    feeds.revoke_feeds(interviewer, actor=interviewer)
    db.session.commit()

    assert fetch(client, secret).status_code == 404


def test_new_feed_url_stops_the_previous_one(client, interviewer):
    old = new_feed(interviewer)

    new = new_feed(interviewer)

    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200


def test_feed_of_a_deactivated_user_is_404(client, interviewer):
    secret = new_feed(interviewer)
    interviewer.is_active = False
    db.session.commit()

    assert fetch(client, secret).status_code == 404


# --- the profile page ----------------------------------------------------------------------------


def test_profile_offers_a_feed_url(login, interviewer):
    page = login(interviewer).get("/profile").get_data(as_text=True)

    assert 'id="calendar-feed"' in page
    assert 'action="/profile/calendar-feed"' in page
    assert "/profile/calendar-feed/revoke" not in page


def test_making_a_feed_url_shows_it_once(login, interviewer):
    client = login(interviewer)

    response = client.post("/profile/calendar-feed")

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    url = re.search(
        r'value="(http://coordinator\.test/feeds/[^"]+\.ics)"', response.get_data(as_text=True)
    ).group(1)
    assert "webcal://coordinator.test/feeds/" in response.get_data(as_text=True)
    profile = client.get("/profile").get_data(as_text=True)
    assert url not in profile
    assert "/profile/calendar-feed/revoke" in profile
    client.post("/logout")
    assert client.get(url.removeprefix(BASE)).status_code == 200


def test_revoke_button_stops_the_feed(login, interviewer):
    client = login(interviewer)
    secret = new_feed(interviewer)

    response = client.post("/profile/calendar-feed/revoke")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/profile#calendar-feed")
    assert fetch(client, secret).status_code == 404


def test_feed_buttons_need_a_signed_in_user(client):
    assert client.post("/profile/calendar-feed").status_code == 302
    assert client.post("/profile/calendar-feed/revoke").status_code == 302
