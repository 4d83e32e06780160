"""The dashboard's to-dos: each role sees what waits for it, each item links where it is done,
and the page's query count does not grow with the data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coordinator import todos
from coordinator.accounts.models import User
from coordinator.compensation import operations as compensation
from coordinator.db import db
from coordinator.invites import responses
from coordinator.scheduling import operations as scheduling
from coordinator.shortlist import operations as shortlist
from coordinator.timeutil import freeze
from tests.assessments.conftest import NOW, after
from tests.web.pages import text


def section(page: str, key: str) -> str:
    """The HTML of one to-do group (empty when the group is not shown)."""
    if f'<h3 id="{key}">' not in page:
        return ""
    return page.split(f'<h3 id="{key}">', 1)[1].split("</section>", 1)[0]


# --- interviewers --------------------------------------------------------------------------------


def test_interviewer_sees_this_weeks_interview_linking_to_its_brief(
    client, login, interview, panelists
):
    login(panelists[0])
    group = section(text(client.get("/")), "upcoming-interviews")
    assert f'href="/interviews/{interview.id}#brief"' in group
    assert "Cleo Candidate · First interview" in group


def test_interview_more_than_a_week_ahead_is_not_a_todo_yet(
    client, login, book, candidacy, job, panelists
):
    book(candidacy, job.first, NOW + timedelta(days=9), list(panelists))
    login(panelists[0])
    assert section(text(client.get("/")), "upcoming-interviews") == ""


def test_interviewer_sees_invite_they_have_not_answered(client, login, interview, panelists):
    login(panelists[0])
    group = section(text(client.get("/")), "your-answers")
    assert f'href="/interviews/{interview.id}#your-answer"' in group


def test_answered_invite_leaves_the_todos(client, login, interview, panelists):
    member = next(m for m in interview.panel if m.user_id == panelists[0].id)
    responses.record_panel_response(member, "accepted", actor=panelists[0])
    db.session.commit()
    login(panelists[0])
    assert section(text(client.get("/")), "your-answers") == ""


def test_assessment_becomes_a_todo_once_the_interview_has_ended(
    client, login, interview, panelists
):
    login(panelists[0])
    assert section(text(client.get("/")), "assessments-to-write") == ""
    after(interview)
    login(panelists[0])  # a day on, the session has been idle too long
    group = section(text(client.get("/")), "assessments-to-write")
    assert f'href="/interviews/{interview.id}/assessment"' in group


# --- hiring managers -----------------------------------------------------------------------------


def test_hiring_manager_is_asked_to_decide_once_every_assessment_is_in(
    client, login, interview, panelists, submit, hiring_manager, candidacy, job
):
    after(interview)
    submit(interview, panelists[0])
    login(hiring_manager)
    assert section(text(client.get("/")), "awaiting-decision") == ""  # one still missing
    submit(interview, panelists[1])
    group = section(text(client.get("/")), "awaiting-decision")
    assert f'href="/jobs/{job.job.id}/candidacies/{candidacy.id}/decide"' in group


def test_decision_after_the_last_interview_clears_the_decision_todo(
    client, login, interview, panelists, submit, hiring_manager, candidacy
):
    after(interview)
    for member in panelists:
        submit(interview, member)
    shortlist.record_decision(candidacy, actor=hiring_manager, outcome="hold", reason="Wait")
    db.session.commit()
    login(hiring_manager)
    assert section(text(client.get("/")), "awaiting-decision") == ""


def test_hiring_manager_sees_pay_proposal_waiting_for_approval(
    client, login, candidacy, recruiter, hiring_manager
):
    stage = compensation.open_stage(candidacy, actor=recruiter)
    compensation.propose(stage, actor=recruiter, amount="120000", currency="EUR")
    db.session.commit()
    login(hiring_manager)
    group = section(text(client.get("/")), "approvals")
    assert f'href="/candidacies/{candidacy.id}/compensation"' in group


def test_proposal_inside_the_band_asks_nobody(client, login, candidacy, recruiter, hiring_manager):
    stage = compensation.open_stage(candidacy, actor=recruiter)
    compensation.propose(stage, actor=recruiter, amount="80000", currency="EUR")
    db.session.commit()
    login(hiring_manager)
    assert section(text(client.get("/")), "approvals") == ""


# --- recruiters ----------------------------------------------------------------------------------


def test_recruiter_sees_advanced_candidacy_without_a_next_round(
    client, login, candidacy, recruiter
):
    shortlist.record_decision(candidacy, actor=recruiter, outcome="advance", reason="Strong")
    db.session.commit()
    login(recruiter)
    group = section(text(client.get("/")), "needs-next-round")
    assert f'href="/candidacies/{candidacy.id}#rounds"' in group


def test_opening_the_next_round_clears_the_next_round_todo(
    client, login, candidacy, recruiter, job
):
    shortlist.record_decision(candidacy, actor=recruiter, outcome="advance", reason="Strong")
    freeze(NOW + timedelta(minutes=5))
    scheduling.open_round(candidacy, job.second, actor=recruiter)
    db.session.commit()
    login(recruiter)
    assert section(text(client.get("/")), "needs-next-round") == ""


def test_interviewer_sees_no_recruiter_todos(client, login, candidacy, recruiter, panelists):
    shortlist.record_decision(candidacy, actor=recruiter, outcome="advance", reason="Strong")
    db.session.commit()
    login(panelists[0])
    assert section(text(client.get("/")), "needs-next-round") == ""


# --- the registry --------------------------------------------------------------------------------


PLUGGED = todos.Kind("plugged-in", "Plugged-in work", 99)


@pytest.fixture
def plugged_provider():
    def expired_requests(viewer: User, now: datetime) -> list[todos.ToDo]:
        return [todos.ToDo(PLUGGED, f"Expired for {viewer.name}", "dashboard.index")]

    todos.provider(PLUGGED)(expired_requests)
    yield
    todos._providers.pop((expired_requests.__module__, expired_requests.__qualname__))


def test_a_registered_provider_shows_its_todos_with_a_count(
    client, login, recruiter, plugged_provider
):
    login(recruiter)
    page = text(client.get("/"))
    assert f"Expired for {recruiter.name}" in section(page, "plugged-in")
    assert 'href="#plugged-in">Plugged-in work</a> <span class="badge">1</span>' in page


# --- scale ---------------------------------------------------------------------------------------


def _queries(client, count_queries, groups: tuple[str, ...]) -> int:
    with count_queries() as queries:
        response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    for key in groups:  # the to-dos being counted are on the page
        assert section(page, key), key
    return queries.count


GROUPS = {
    "recruiter": ("needs-next-round",),
    "hiring_manager": ("approvals",),
    "interviewer": ("upcoming-interviews", "your-answers", "assessments-to-write"),
}


@pytest.mark.parametrize("viewer", sorted(GROUPS))
def test_dashboard_query_count_does_not_grow_with_todos(
    client, login, count_queries, request, viewer, make_candidate, make_candidacy, book, job,
    recruiter, hiring_manager, make_user, submit,
):
    interviewer = make_user(("interviewer",))
    users = {"recruiter": recruiter, "hiring_manager": hiring_manager, "interviewer": interviewer}

    booked = []

    def grow(n: int) -> None:
        for _ in range(n):
            booked.append(None)
            hours = 2 * len(booked)
            freeze(NOW)
            candidacy = make_candidacy(job=job.job, candidate=make_candidate(), actor=recruiter)
            late = make_user(("interviewer",))
            past = book(candidacy, job.first, NOW + timedelta(hours=hours), [interviewer, late])
            book(candidacy, job.second, NOW + timedelta(days=2, hours=hours), [interviewer])
            stage = compensation.open_stage(candidacy, actor=recruiter)
            compensation.propose(stage, actor=recruiter, amount="150000", currency="EUR")
            other = make_candidacy(job=job.job, candidate=make_candidate(), actor=recruiter)
            shortlist.record_decision(other, actor=recruiter, outcome="advance", reason="Go")
            db.session.commit()
            freeze(past.ends_at + timedelta(days=3))
        freeze(NOW + timedelta(days=1, hours=12))

    grow(1)
    login(users[viewer])
    small = _queries(client, count_queries, GROUPS[viewer])
    grow(4)
    login(users[viewer])
    large = _queries(client, count_queries, GROUPS[viewer])
    assert large == small
