"""Journeys that start on the dashboard's to-do list (issue 15): an interviewer's week —
upcoming interview and its brief, the answer they owe, the assessment they owe — and a hiring
manager approving a pay proposal; at 1366 px, with the dashboard also checked at 390 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coordinator.accounts import operations as accounts
from coordinator.candidates import operations as candidates
from coordinator.compensation import operations as compensation
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import utcnow
from tests.browser import scenario
from tests.browser.conftest import _journey
from tests.browser.test_recruiter_journey import sign_in


@pytest.fixture
def desktop(browser, request):
    yield from _journey(browser, request, viewport={"width": 1366, "height": 900})


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _upcoming_for_peer(world: scenario.Assessed) -> int:
    """A further team interview of the first candidacy in two days, the peer on its panel."""
    import sqlalchemy as sa

    from coordinator.accounts.models import User
    from coordinator.scheduling.models import Round

    round_ = db.session.scalar(sa.select(Round).where(
        Round.candidacy_id == world.story.candidacy_id,
        Round.planned_round_id == world.story.team_planned_id))
    soon = (utcnow() + timedelta(days=2)).replace(hour=13, minute=0, second=0, microsecond=0)
    change = scheduling.schedule_interview(
        round_, actor=accounts.get_user_by_email(world.story.recruiter_email), starts_at=soon,
        duration_minutes=60, time_zone="Europe/Berlin", location="Berlin office, room 2",
        panel=[scheduling.Seat(world.story.peer_id, "peer"),
               scheduling.Seat(world.story.supervisor_id, "supervisor")])
    db.session.commit()
    assert db.session.get(User, world.story.peer_id) is not None
    return change.interview.id


def test_interviewer_works_through_their_week_from_the_dashboard(
        live_server, in_live_app, desktop):
    world = scenario.build_assessed(peer_submits=False)
    upcoming_id = _upcoming_for_peer(world)
    page = desktop.page
    sign_in(live_server, desktop, world.story.peer_email)
    desktop.shot("the week on the dashboard")
    assert no_sideways_scroll(page)
    assert desktop.axe() == []
    for group in ("upcoming-interviews", "your-answers", "assessments-to-write"):
        assert page.locator(f"#{group}").is_visible(), group

    # the coming interview: its brief
    page.locator(f"#upcoming-interviews + ul a[href$='/interviews/{upcoming_id}#brief']").click()
    page.wait_for_load_state()
    desktop.shot("brief of the coming interview")
    assert page.get_by_role("heading", name="Brief: earlier interviews").is_visible()
    assert page.get_by_text("Ask about the database migration she led.").is_visible()

    # the answer they owe
    page.goto(live_server.url + "/")
    page.locator(f"#your-answers + ul a[href$='/interviews/{upcoming_id}#your-answer']").click()
    page.wait_for_load_state()
    page.locator("#your-answer").get_by_label("Accepted").check()
    page.get_by_role("button", name="Save my answer").click()
    page.wait_for_load_state()
    desktop.shot("answer saved")
    page.goto(live_server.url + "/")
    assert page.locator(f"a[href$='/interviews/{upcoming_id}#your-answer']").count() == 0

    # the assessments they owe: two, from yesterday's interviews
    todos = page.locator("#assessments-to-write + ul a")
    assert todos.count() == 2
    todos.first.click()
    page.wait_for_load_state()
    assert re.search(r"/interviews/\d+/assessment$", page.url)
    for criterion_id in world.criteria:
        page.locator(f"input[name='rating_{criterion_id}'][value='3']").check()
    page.locator("input[name='recommendation'][value='yes']").check()
    desktop.shot("assessment filled")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/")
    desktop.shot("one assessment left")
    assert page.locator("#assessments-to-write + ul a").count() == 1
    assert desktop.axe() == []


def test_interviewers_week_fits_a_phone(live_server, in_live_app, phone):
    world = scenario.build_assessed(peer_submits=False)
    _upcoming_for_peer(world)
    sign_in(live_server, phone, world.story.peer_email)
    phone.shot("the week on a phone")
    assert phone.page.locator("#assessments-to-write").is_visible()
    assert no_sideways_scroll(phone.page)
    assert phone.axe() == []


def test_hiring_manager_approves_a_pay_proposal_from_their_todo(
        live_server, in_live_app, desktop):
    story = scenario.build()
    candidacy = candidates.get_candidacy(story.candidacy_id)
    recruiter = accounts.get_user_by_email(story.recruiter_email)
    stage = compensation.open_stage(candidacy, actor=recruiter)
    compensation.propose(stage, actor=recruiter, amount="96000", currency="EUR")  # band 70–90k
    db.session.commit()
    page = desktop.page

    sign_in(live_server, desktop, story.manager_email)
    desktop.shot("approval waiting on the dashboard")
    assert desktop.axe() == []
    page.locator("#approvals + ul a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/candidacies/{story.candidacy_id}/compensation") or \
        f"/candidacies/{story.candidacy_id}/compensation" in page.url
    desktop.shot("the proposal to approve")
    assert desktop.axe() == []
    page.get_by_label("Approve").check()
    page.locator("#approval-reason").fill("Strong offer from a competitor; worth the stretch.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    desktop.shot("approved")
    assert page.get_by_text("Strong offer from a competitor; worth the stretch.").first \
        .is_visible()
    assert no_sideways_scroll(page)

    page.goto(live_server.url + "/")
    assert page.locator("#approvals").count() == 0
