"""What people are told and how they join: the company and the recruiter in candidate mail
(with Reply-To), who will be in touch after a cancellation, what an update changed (in the
reader's zone), video links as join links, and page links that outlive the interview."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from coordinator import config
from coordinator.candidates import links
from coordinator.db import db
from coordinator.invites.reminders import CANDIDATE_LEAD, send_due_reminders
from coordinator.timeutil import freeze
from tests.invites.test_invites import cancel, latest, local, reschedule, seats
from tests.invites.test_reminders import reminders, text_of
from tests.scheduling.conftest import NOW, at

VIDEO = "https://meet.example.com/abc-defg-hij"


@pytest.fixture
def booked(people, book):
    round_, _candidate, peer, supervisor, _newcomer = people
    return book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                location="Room 4, Alexanderplatz").interview


# --- the company and the recruiter ----------------------------------------------------------------


def test_candidate_mail_names_the_company_and_the_recruiter_and_replies_go_to_the_recruiter(
        app, monkeypatch, people, book, recruiter):
    monkeypatch.setitem(app.config, "COMPANY_NAME", "Acme Robotics")
    round_, candidate, peer, supervisor, _ = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview

    mail = latest(interview)[candidate.email]
    assert "Acme Robotics invites you" in mail.text and "Acme Robotics" in mail.html
    assert recruiter.name in mail.text and recruiter.email in mail.text
    [reply_to] = mail.message["Reply-To"].addresses
    assert (reply_to.addr_spec, reply_to.display_name) == (recruiter.email, recruiter.name)
    assert "Acme Robotics" in mail.calendar.description


def test_without_a_company_name_candidate_mail_names_the_senders_domain(booked, people):
    _round, candidate, *_ = people

    assert "coordinator.test invites you" in latest(booked)[candidate.email].text


def test_panel_mail_has_no_reply_to(booked, people):
    _round, _candidate, peer, *_ = people

    assert latest(booked)[peer.email].message["Reply-To"] is None


def test_a_cancellation_tells_the_candidate_who_will_be_in_touch(booked, people, recruiter):
    _round, candidate, *_ = people
    cancel(booked, recruiter)

    mail = latest(booked)[candidate.email]
    assert f"{recruiter.name} ({recruiter.email}) will be in touch" in mail.text
    assert f"{recruiter.name} ({recruiter.email}) will be in touch" in mail.html


def test_the_company_name_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COORDINATOR_COMPANY_NAME", "Acme Robotics")
    app = Flask("probe", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app)

    assert app.config["COMPANY_NAME"] == "Acme Robotics"


def test_the_candidate_reminder_names_the_company_and_the_recruiter_with_reply_to(
        app, monkeypatch, booked, recruiter):
    monkeypatch.setitem(app.config, "COMPANY_NAME", "Acme Robotics")
    freeze(booked.starts_at - CANDIDATE_LEAD)
    send_due_reminders(booked.starts_at - CANDIDATE_LEAD)
    db.session.commit()

    [row] = reminders("candidate")
    text = text_of(row)
    assert "interview with Acme Robotics" in text and recruiter.name in text
    assert f"Reply-To: {recruiter.name} <{recruiter.email}>" in row.raw.decode()


# --- what changed ------------------------------------------------------------------------------


def test_an_update_says_what_changed_in_each_recipients_zone(booked, people, recruiter):
    _round, candidate, peer, _supervisor, newcomer = people
    reschedule(booked, recruiter, starts_at=at(4, 13), location="Room 9",
               panel=seats((peer, "peer"), (newcomer, "supervisor")))

    after = latest(booked)
    for person in (candidate, peer, newcomer):
        text = after[person.email].text
        zone = person.time_zone
        assert f"Time: {local(at(2, 14), zone)}" in text
        assert f"→ {local(at(4, 13), zone)}" in text
        assert "Place: Room 4, Alexanderplatz → Room 9" in text
        assert "Panel: Priya Peer, Sofia Supervisor → Priya Peer, Nikhil Newcomer" in text
        assert "Time: " in after[person.email].html
    # The candidate reads New York time, the newcomer Kolkata time.
    assert "Tue 02 Mar 2027, 09:00 America/New_York" in after[candidate.email].text
    assert "Tue 02 Mar 2027, 19:30 Asia/Kolkata" in after[newcomer.email].text


def test_an_update_names_only_what_changed(booked, people, recruiter):
    _round, candidate, *_ = people
    reschedule(booked, recruiter, location="Room 9")

    text = latest(booked)[candidate.email].text
    assert "Place: Room 4, Alexanderplatz → Room 9" in text
    assert "Time: " not in text and "Panel: " not in text


# --- joining -----------------------------------------------------------------------------------


def test_a_video_link_is_a_join_link_and_the_room_stays_in_location(people, book):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location="Room 4", video_url=VIDEO).interview

    for mail in latest(interview).values():
        calendar = mail.calendar
        assert calendar.location == "Room 4"
        assert calendar.conference == VIDEO
        assert dict(calendar.conference_params) == {
            "VALUE": "URI", "FEATURE": "VIDEO", "LABEL": "Join the video call"}
        assert calendar.url == VIDEO
        assert VIDEO in calendar.description
        assert f"Join: {VIDEO}" in mail.text


def test_a_video_only_interview_has_no_location(people, book):
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     video_url=VIDEO).interview

    for mail in latest(interview).values():
        assert mail.calendar.location == ""
        assert b"\r\nLOCATION" not in mail.calendar.data
        assert mail.calendar.conference == VIDEO


def test_without_a_video_link_the_event_url_is_the_readers_page(booked, people):
    _round, candidate, peer, *_ = people

    assert latest(booked)[candidate.email].calendar.url.startswith("http://coordinator.test/p/")
    assert latest(booked)[peer.email].calendar.url == (
        f"http://coordinator.test/interviews/{booked.id}")
    assert latest(booked)[peer.email].calendar.conference == ""


# --- page links that work until after the interview ---------------------------------------------


def portal_token(text: str) -> str:
    return re.search(r"http://coordinator\.test/p/([\w.-]+)", text).group(1)


def test_the_page_link_in_an_invite_works_until_a_week_after_the_last_interview(
        app, monkeypatch, people, book):
    monkeypatch.setitem(app.config, "PORTAL_LINK_DAYS", 45)
    round_, candidate, peer, supervisor, _ = people
    far = NOW + timedelta(days=60)
    interview = book(round_, far, [(peer, "peer"), (supervisor, "supervisor")]).interview
    token = portal_token(latest(interview)[candidate.email].text)

    freeze(interview.ends_at + timedelta(days=7) - timedelta(minutes=1))
    assert links.resolve(token).id == round_.candidacy_id


def test_the_page_link_in_a_reminder_works_until_a_week_after_the_last_interview(
        app, monkeypatch, people, book):
    monkeypatch.setitem(app.config, "PORTAL_LINK_DAYS", 1)
    round_, _candidate, peer, supervisor, _ = people
    interview = book(round_, at(3, 9), [(peer, "peer"), (supervisor, "supervisor")]).interview
    freeze(interview.starts_at - CANDIDATE_LEAD)
    send_due_reminders(interview.starts_at - CANDIDATE_LEAD)
    db.session.commit()
    token = portal_token(text_of(reminders("candidate")[0]))

    freeze(interview.ends_at + timedelta(days=6))
    assert links.resolve(token).id == round_.candidacy_id
