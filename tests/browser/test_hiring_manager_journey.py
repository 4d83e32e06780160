"""Journey 4: a hiring manager compares two candidacies on the shortlist and records a decision
with a reason."""

from __future__ import annotations

from tests.browser import scenario
from tests.browser.test_recruiter_journey import sign_in


def test_hiring_manager_compares_two_and_records_a_decision(live_server, in_live_app, journey):
    world = scenario.build_assessed(peer_submits=True)
    first_id, second_id = world.candidacy_ids
    page = journey.page
    sign_in(live_server, journey, world.story.manager_email)
    page.goto(f"{live_server.url}/jobs/{world.story.job_id}/shortlist")
    journey.shot("shortlist")
    assert journey.axe() == []
    page.locator(f"#compare-{first_id}").check()
    page.locator(f"#compare-{second_id}").check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_load_state()
    journey.shot("side by side")
    assert page.get_by_text("Sharp trade-off reasoning.").first.is_visible()
    assert journey.axe() == []

    page.goto(f"{live_server.url}/candidacies/{first_id}")
    page.get_by_label("Advance").check()
    page.get_by_label("Reason").fill("Strongest system design of the two; meet the director.")
    journey.shot("decision filled")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    journey.shot("decision recorded")
    assert page.get_by_text("Strongest system design of the two").first.is_visible()
    assert page.get_by_text("Shortlisted").first.is_visible()
