"""Pages fit their window: nothing scrolls sideways at 1366 px, and on a phone rows become cards."""

from __future__ import annotations

from typing import Any

import pytest

from coordinator.accounts import operations as accounts
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Job
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from tests.browser import scenario
from tests.browser.test_recruiter_journey import sign_in

LONG_NAME = "Maximiliane Alexandra Konstantinopoulou-Wolfeschlegelsteinhausen"


def _wide_shortlist() -> scenario.Assessed:
    """Six criteria (one with a long title) and a candidate with a very long name."""
    world = scenario.build_assessed(peer_submits=True)
    job = db.session.get(Job, world.story.job_id)
    recruiter = accounts.get_user_by_email(world.story.recruiter_email)
    jobs.add_planned_round(job, PlannedRoundInput(
        title="Director conversation", duration_minutes=45, relationships=["hiring_manager"],
        criteria=[CriterionInput("Strategic thinking across organisational boundaries")]),
        actor=recruiter)
    person = candidates.create_candidate(actor=recruiter, name=f"{LONG_NAME} {job.id}",
                                         email=f"long{job.id}@candidates.example.com",
                                         time_zone="Asia/Tokyo")
    candidates.open_candidacy(job, person, actor=recruiter)
    db.session.commit()
    return world


def _overflow(page: Any, selector: str) -> dict[str, int]:
    return page.evaluate(
        "s => { const e = document.querySelector(s);"
        " return {scroll: e.scrollWidth, client: e.clientWidth}; }", selector)


def _no_sideways_scroll(page: Any) -> None:
    document = _overflow(page, "html")
    assert document["scroll"] <= document["client"], document


@pytest.fixture
def desktop(browser, request):
    from tests.browser.conftest import _journey

    yield from _journey(browser, request, viewport={"width": 1366, "height": 900})


def test_shortlist_with_six_criteria_does_not_scroll_sideways_at_1366(
        live_server, in_live_app, desktop):
    world = _wide_shortlist()
    page = desktop.page
    sign_in(live_server, desktop, world.story.manager_email)
    page.goto(f"{live_server.url}/jobs/{world.story.job_id}/shortlist")
    desktop.shot("shortlist at 1366")
    assert page.locator("table.shortlist thead th").count() >= 16
    _no_sideways_scroll(page)
    container = _overflow(page, ".table-wrap")
    assert container["scroll"] <= container["client"], container
    assert desktop.axe() == []


def test_shortlist_rows_are_cards_on_a_phone(live_server, in_live_app, phone):
    world = _wide_shortlist()
    page = phone.page
    sign_in(live_server, phone, world.story.manager_email)
    page.goto(f"{live_server.url}/jobs/{world.story.job_id}/shortlist")
    phone.shot("shortlist on a phone")
    _no_sideways_scroll(page)
    row = page.locator("table.shortlist tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    assert page.locator("table.shortlist thead").evaluate(
        "e => e.getBoundingClientRect().height") <= 1
    assert page.locator("table.shortlist tbody td[data-label='Calibrated']").first.is_visible()
    assert phone.axe() == []


def test_candidate_page_has_nothing_wider_than_a_phone(live_server, in_live_app, phone):
    story = scenario.build(book_team=True)
    page = phone.page
    page.goto(live_server.url + story.portal_path)
    phone.shot("candidate page on a phone")
    _no_sideways_scroll(page)
    too_wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)")
    assert too_wide == []
    page.get_by_label("Window 1 date").fill("2030-03-04")
    page.get_by_role("button", name="Add another window").click()
    page.wait_for_load_state()
    assert page.get_by_label("Window 2 date").is_visible()
    assert page.get_by_label("Window 1 date").input_value() == "2030-03-04"
    phone.shot("second window")
    assert phone.axe() == []


def test_candidate_page_fits_at_1366(live_server, in_live_app, desktop):
    story = scenario.build(book_team=True)
    page = desktop.page
    page.goto(live_server.url + story.portal_path)
    desktop.shot("candidate page at 1366")
    _no_sideways_scroll(page)


def test_profile_with_a_wide_sessions_table_does_not_scroll_sideways_on_a_phone(
        live_server, in_live_app, phone):
    """The sessions table scrolls inside its own box; its visually hidden header cell must not
    widen the page (it did, positioned against the page instead of the box)."""
    story = scenario.build()
    page = phone.page
    sign_in(live_server, phone, story.recruiter_email)
    page.goto(f"{live_server.url}/profile")
    phone.shot("profile on a phone")
    _no_sideways_scroll(page)
