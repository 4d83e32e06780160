"""A recruiter plans the team round as a day of two sessions and books it, at 1366 and 390 px."""

from __future__ import annotations

import re

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.operations import get_candidacy
from coordinator.db import db
from coordinator.jobs.operations import get_planned_round
from coordinator.scheduling import operations
from tests.browser import scenario
from tests.browser.test_recruiter_journey import sign_in


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


def _plan_and_book(live_server, journey, story, round_id: int) -> None:
    page = journey.page
    sign_in(live_server, journey, story.recruiter_email)
    page.goto(f"{live_server.url}/candidacies/{story.candidacy_id}/rounds/{round_id}")
    page.get_by_role("link", name="Plan a day").click()
    page.get_by_label("Session title").first.fill("System design")
    page.locator("#sessions-0-user_id").select_option(value=str(story.peer_id))
    page.locator("#sessions-0-relationship").select_option("peer")
    page.locator("#sessions-1-title").fill("Values")
    page.locator("#sessions-1-duration_minutes").fill("45")
    page.locator("#sessions-1-user_id").select_option(value=str(story.supervisor_id))
    page.locator("#sessions-1-relationship").select_option("supervisor")
    journey.shot("plan a day")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Find days").click()
    journey.shot("days")
    _no_sideways_scroll(page)
    assert journey.axe() == []
    page.get_by_label("Place").first.fill("Berlin office")
    page.get_by_role("button", name="Book this day").first.click()
    page.wait_for_url(re.compile(r".*/rounds/\d+$"))
    journey.shot("booked")
    assert page.get_by_text(re.compile(r"Day booked: 2 interviews")).is_visible()


def _team_round(story) -> int:
    """Open the team round (peer + supervisor) of the scenario's candidacy."""
    recruiter = db.session.scalar(sa.select(User).where(User.email == story.recruiter_email))
    candidacy = get_candidacy(story.candidacy_id)
    planned = get_planned_round(candidacy.job, story.team_planned_id)
    round_ = operations.open_round(candidacy, planned, actor=recruiter)
    db.session.commit()
    return round_.id


def test_recruiter_plans_and_books_a_day_on_a_wide_screen(live_server, in_live_app, browser,
                                                          request):
    from tests.browser.conftest import _journey

    story = scenario.build()
    round_id = _team_round(story)
    for journey in _journey(browser, request, viewport={"width": 1366, "height": 900}):
        _plan_and_book(live_server, journey, story, round_id)


def test_recruiter_plans_and_books_a_day_on_a_phone(live_server, in_live_app, phone):
    story = scenario.build()
    _plan_and_book(live_server, phone, story, _team_round(story))
