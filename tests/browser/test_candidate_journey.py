"""Journey 2: the candidate opens their link on a phone, sees whom they will meet (new or met
before), the compensation notice, downloads the .ics and gives their availability."""

from __future__ import annotations

from datetime import timedelta

from tests.browser import scenario


def test_candidate_sees_panel_pay_notice_downloads_ics_and_gives_availability(
        live_server, in_live_app, phone):
    story = scenario.build(book_team=True)
    page = phone.page
    page.goto(live_server.url + story.portal_path)
    phone.shot("portal on a phone")
    assert page.get_by_role("heading", name="Pay will be discussed").is_visible()
    assert page.get_by_text("You met before").count() == 1   # the colleague, from round one
    assert page.get_by_text("New to you").count() == 2       # the peer and the supervisor
    assert page.get_by_text("Priya Peer").first.is_visible()
    assert "@browser.example.com" not in page.content()     # interviewers' addresses stay private
    assert journey_has_no_horizontal_scroll(page)
    assert phone.axe() == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar (.ics)").first.click()
    with open(download.value.path(), encoding="utf-8") as ics:
        text = ics.read()
    assert "METHOD:PUBLISH" in text
    assert f"interview-{story.team_interview_id}-candidate@" in text
    phone.shot("after download")

    day = (scenario.utcnow() + timedelta(days=9)).date().isoformat()
    page.get_by_label("Window 1 date").fill(day)
    page.get_by_label("Window 1 from").fill("09:00")
    page.get_by_label("Window 1 to").fill("12:00")
    page.keyboard.press("Tab")
    phone.shot("availability filled")
    assert journey_has_no_horizontal_scroll(page)
    page.get_by_role("button", name="Save my availability").click()
    page.wait_for_load_state()
    phone.shot("availability saved")
    assert page.get_by_text("You told us you can meet:").is_visible()


def journey_has_no_horizontal_scroll(page) -> bool:
    """Nothing is wider than the phone's screen (390 CSS pixels)."""
    return page.evaluate("document.documentElement.scrollWidth <= 391")
