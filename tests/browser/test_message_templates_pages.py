"""The candidate mail pages: a recruiter edits the invitation's wording, sees a refused
placeholder named on its field, previews, saves and resets; at 1366 px and 390 px, accessible,
nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.browser import scenario
from tests.browser.conftest import _journey
from tests.browser.test_recruiter_journey import sign_in


@pytest.fixture
def desktop(browser, request):
    yield from _journey(browser, request, viewport={"width": 1366, "height": 900})


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_recruiter_words_the_invitation_previews_saves_and_resets(
        live_server, in_live_app, request, size):
    view = request.getfixturevalue(size)
    story = scenario.build()
    page = view.page
    sign_in(live_server, view, story.recruiter_email)
    page.get_by_role("link", name="Candidate mail").click()
    page.wait_for_load_state()
    view.shot("the list")
    assert no_sideways_scroll(page)
    assert view.axe() == []

    page.get_by_role("link", name="Interview invitation").click()
    page.wait_for_load_state()
    view.shot("the editor with the default and its preview")
    assert no_sideways_scroll(page)
    assert view.axe() == []

    page.get_by_label("Subject").fill("Your interview, {candidate_nam}")
    page.get_by_label("Text").fill("Dear {candidate_name},\n\nSee you {interview_time.\n\n"
                                   "{signature}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    view.shot("two refused placeholders")
    assert page.locator("#subject-error").get_by_text("Unknown placeholder {candidate_nam}") \
        .is_visible()
    assert page.locator("#body-error").get_by_text("A lone").is_visible()
    assert view.axe() == []

    page.get_by_label("Subject").fill("Your interview, {candidate_name}")
    page.get_by_label("Text").fill("Dear {candidate_name},\n\nSee you {interview_time}.\n\n"
                                   "{signature}")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    view.shot("preview of the new wording")
    assert page.locator("pre.mail-text").get_by_text("Dear Ada Lovelace,").is_visible()
    assert no_sideways_scroll(page)

    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("candidates now get this wording").is_visible()
    page.get_by_role("button", name="Reset to the default").click()
    page.wait_for_load_state()
    view.shot("back to the default")
    assert page.get_by_text("is back to the default wording").is_visible()
    assert page.get_by_label("Subject").input_value() == "Interview: {job_title} — {round_title}"
