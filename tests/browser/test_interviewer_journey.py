"""Journey 3: an interviewer reads the brief, cannot see others' ratings, submits after an error
on a required criterion (their input kept), then sees the others' assessments."""

from __future__ import annotations

import re

from tests.browser import scenario
from tests.browser.test_recruiter_journey import sign_in


def test_interviewer_reads_brief_submits_after_an_error_then_sees_the_others(
        live_server, in_live_app, journey):
    world = scenario.build_assessed(peer_submits=False)
    page = journey.page
    sign_in(live_server, journey, world.story.peer_email)
    page.goto(f"{live_server.url}/interviews/{world.interview_ids[0]}")
    journey.shot("interview page with brief")
    assert page.get_by_text("Ask about the database migration she led.").is_visible()
    supervisor = page.get_by_role("link", name=re.compile("Sofia Supervisor"))
    assert supervisor.count() == 0                       # blind until their own is submitted
    assert page.get_by_text("Motivation 3").count() == 0  # nor earlier rounds' ratings
    assert journey.axe() == []

    page.goto(f"{live_server.url}/interviews/{world.interview_ids[0]}/assessment")
    journey.shot("empty scorecard")
    assert journey.axe() == []
    design, collaboration, ownership = world.criteria

    def rate(criterion_id: int, score: int):
        return page.locator(f"input[name='rating_{criterion_id}'][value='{score}']")

    rate(collaboration, 3).check()
    rate(ownership, 4).check()
    page.locator("input[name='recommendation'][value='yes']").check()
    page.get_by_label("Notes", exact=True).fill("Clear on trade-offs; quiet in the group.")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    journey.shot("error on a required criterion")
    assert page.get_by_text(re.compile("System design.*required")).first.is_visible()
    assert page.get_by_label("Notes", exact=True).input_value() == \
        "Clear on trade-offs; quiet in the group."
    assert rate(ownership, 4).is_checked()

    rate(design, 4).check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    journey.shot("submitted")
    page.goto(f"{live_server.url}/interviews/{world.interview_ids[0]}")
    journey.shot("others now visible")
    assert page.get_by_role("link", name=re.compile("Sofia Supervisor")).first.is_visible()
    assert page.get_by_text("Strong yes").first.is_visible()
