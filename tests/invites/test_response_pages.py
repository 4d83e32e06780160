"""Answering invites on pages, and the recruiter's follow-ups: the interview page (panel members
answer there), the candidate's portal page, the candidacy page and the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites import responses
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.models import Interview, InviteResponse
from coordinator.timeutil import freeze
from tests.portal.conftest import portal_path
from tests.scheduling.conftest import NOW, at


def fresh(interview: Interview) -> Interview:
    db.session.expire_all()
    return db.session.get(Interview, interview.id)


def response_of(interview: Interview, user) -> InviteResponse:
    return next(m.response for m in fresh(interview).panel if m.user_id == user.id)


def test_panel_member_answers_on_the_interview_page(booked, people, login):
    _round, _candidate, peer, _supervisor, _newcomer = people
    client = login(peer)

    response = client.post(f"/interviews/{booked.id}/response",
                           data={"response": "accepted", "comment": "See you"})

    assert response.status_code == 303
    assert response_of(booked, peer) is InviteResponse.accepted


def test_the_interview_page_offers_the_form_only_to_panel_members(booked, people, login,
                                                                  recruiter):
    _round, _candidate, peer, _supervisor, _newcomer = people

    as_recruiter = login(recruiter).get(f"/interviews/{booked.id}").get_data(as_text=True)
    login(peer)
    as_peer = login(peer).get(f"/interviews/{booked.id}").get_data(as_text=True)

    assert 'id="your-answer"' not in as_recruiter
    assert 'id="your-answer"' in as_peer


def test_an_answer_without_a_choice_re_renders_with_the_error(booked, people, login):
    _round, _candidate, peer, _supervisor, _newcomer = people

    response = login(peer).post(f"/interviews/{booked.id}/response",
                                data={"comment": "kept text"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose accepted, tentative or declined." in page
    assert "kept text" in page


def test_someone_not_on_the_panel_cannot_answer_on_the_page(booked, login, recruiter):
    response = login(recruiter).post(f"/interviews/{booked.id}/response",
                                     data={"response": "declined"})

    assert response.status_code == 403


def test_candidate_answers_on_their_portal_page(booked, client):
    path = portal_path(booked.round.candidacy)

    response = client.post(f"{path}/interviews/{booked.id}/response",
                           data={"response": "tentative", "comment": "Checking my train"})

    assert response.status_code == 303
    interview = fresh(booked)
    assert (interview.candidate_response, interview.candidate_responded_at,
            interview.candidate_response_comment) == (InviteResponse.tentative, NOW,
                                                      "Checking my train")


def test_the_portal_answer_form_needs_its_csrf_token(app, booked, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = portal_path(booked.round.candidacy)

    response = client.post(f"{path}/interviews/{booked.id}/response",
                           data={"response": "declined"})

    assert response.status_code == 400
    assert fresh(booked).candidate_response is InviteResponse.needs_action


def test_a_candidate_cannot_answer_another_candidacys_interview(booked, people, book, client,
                                                               make_candidacy, plan, recruiter):
    other = make_candidacy(job=plan[0], actor=recruiter)

    response = client.post(f"{portal_path(other)}/interviews/{booked.id}/response",
                           data={"response": "declined"})

    assert response.status_code == 404


def test_a_candidates_decline_is_a_to_do_on_the_candidacy_page_and_dashboard(booked, client,
                                                                            login, recruiter):
    client.post(f"{portal_path(booked.round.candidacy)}/interviews/{booked.id}/response",
                data={"response": "declined", "comment": "I took another offer"})

    candidacy_page = login(recruiter).get(
        f"/candidacies/{booked.round.candidacy_id}").get_data(as_text=True)
    dashboard = login(recruiter).get("/").get_data(as_text=True)

    assert "Cara Candidate declined" in candidacy_page
    assert "Cara Candidate declined" in dashboard
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "response_declined")) == 1


@pytest.fixture
def next_week(people, book):
    """An interview a week ahead (Wednesday 10 March), invited on Monday 1 March 08:00."""
    round_, _candidate, peer, supervisor, _newcomer = people
    return book(round_, at(10, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview


def test_no_answer_within_two_working_days_is_flagged(next_week):
    # Invited Monday 08:00: not late on Wednesday 07:59, late from Wednesday 08:00.
    assert responses.todos(NOW + timedelta(days=2) - timedelta(minutes=1),
                           interview=next_week) == []
    late = responses.todos(NOW + timedelta(days=2), interview=next_week)

    assert sorted(t.person for t in late if t.kind == "unanswered") == [
        "Cara Candidate", "Priya Peer", "Sofia Supervisor"]


def test_working_days_skip_the_weekend():
    friday = NOW + timedelta(days=4)

    assert responses.answer_due(friday) == friday + timedelta(days=4)  # Tuesday


def test_send_reminders_mails_the_recruiter_once_about_unanswered_invites(app, next_week,
                                                                         recruiter):
    freeze(NOW + timedelta(days=2))

    first = app.test_cli_runner().invoke(args=["send-reminders"])
    second = app.test_cli_runner().invoke(args=["send-reminders"])

    assert "3 unanswered-invite notices" in first.output
    assert "0 unanswered-invite notices" in second.output
    assert {m.recipient for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "response_missing"))} == {recruiter.email}


def test_a_panel_decline_is_a_to_do_on_the_interview_page(booked, people, login, recruiter):
    _round, _candidate, peer, _supervisor, _newcomer = people
    login(peer).post(f"/interviews/{booked.id}/response",
                     data={"response": "declined", "comment": "Out sick"})

    page = login(recruiter).get(f"/interviews/{booked.id}").get_data(as_text=True)

    assert "Priya Peer declined" in page
    assert "Out sick" in page


def test_an_invalid_choice_on_the_portal_re_renders_with_the_error(booked, client):
    path = portal_path(booked.round.candidacy)

    response = client.post(f"{path}/interviews/{booked.id}/response",
                           data={"response": "maybe-later", "comment": "kept note"})

    assert response.status_code == 422
    assert "kept note" in response.get_data(as_text=True)
    assert fresh(booked).candidate_response is InviteResponse.needs_action


def test_the_candidacy_history_says_who_answered_and_how(booked, client, login, recruiter):
    client.post(f"{portal_path(booked.round.candidacy)}/interviews/{booked.id}/response",
                data={"response": "accepted"})

    page = login(recruiter).get(
        f"/candidacies/{booked.round.candidacy_id}").get_data(as_text=True)

    assert "The candidate answered the invite: accepted (by portal)" in page
