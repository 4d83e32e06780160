"""An interviewer's day from the dashboard: the to-do list leads to the assessment to write and
the interview's brief; the dashboard is accessible and fits a phone."""

from __future__ import annotations

import re

from tests.browser import scenario
from tests.browser.test_candidate_journey import journey_has_no_horizontal_scroll
from tests.browser.test_recruiter_journey import sign_in


def test_interviewer_goes_from_todo_to_brief_to_assessment(live_server, in_live_app, journey):
    world = scenario.build_assessed(peer_submits=False)
    page = journey.page
    sign_in(live_server, journey, world.story.peer_email)
    journey.shot("dashboard with to-dos")
    assert journey.axe() == []
    todo = page.locator("#assessments-to-write + ul a").first
    assert todo.is_visible()
    todo.click()
    page.wait_for_load_state()
    assert re.search(r"/interviews/\d+/assessment$", page.url)
    interview_id = re.search(r"/interviews/(\d+)/", page.url).group(1)
    page.goto(f"{live_server.url}/interviews/{interview_id}#brief")
    journey.shot("brief")
    assert page.get_by_role("heading", name="Brief: earlier interviews").is_visible()
    page.goto(f"{live_server.url}/interviews/{interview_id}/assessment")
    assert page.get_by_role("button", name="Submit").is_visible()


def test_recruiter_dashboard_fits_a_phone(live_server, in_live_app, phone):
    world = scenario.build_assessed(peer_submits=False)
    sign_in(live_server, phone, world.story.recruiter_email)
    phone.shot("recruiter dashboard on a phone")
    assert phone.page.locator("#todos").is_visible()
    assert journey_has_no_horizontal_scroll(phone.page)
    assert phone.axe() == []
