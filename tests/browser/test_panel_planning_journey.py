"""A recruiter plans a next round from a pre-filled panel through the week grid, at 1366 and
390 px: round page → seats pre-filled → week grid → a free cell → booking form filled in → video
link → book → invites queued."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates import operations as candidates
from coordinator.candidates.operations import get_candidacy
from coordinator.db import db
from coordinator.jobs.operations import get_planned_round
from coordinator.scheduling import operations
from coordinator.timeutil import utcnow
from tests.browser import scenario
from tests.browser.test_recruiter_journey import sign_in


def _fits(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


def _nothing_wider_than_the_screen(page) -> None:
    """No element reaches past the viewport's right edge, and the grid's box does not scroll
    sideways (its content fits its width)."""
    wide = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
            .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className);
    }""")
    assert wide == []
    box = page.evaluate("""() => { const b = document.querySelector('.week-one');
        return [b.scrollWidth, b.clientWidth]; }""")
    assert box[0] <= box[1], box
    _fits(page)


def _team_round_with_history(story) -> int:
    """Open the team round; the same peer and supervisor already held it for another
    candidate of the job (so they are the suggested people for those seats)."""
    recruiter = db.session.scalar(sa.select(User).where(User.email == story.recruiter_email))
    candidacy = get_candidacy(story.candidacy_id)
    planned = get_planned_round(candidacy.job, story.team_planned_id)
    other = candidates.create_candidate(actor=recruiter, name=f"Noor Haddad {story.job_id}",
                                        email=f"noor{story.job_id}@candidates.example.com",
                                        time_zone="Europe/Berlin")
    earlier = operations.open_round(candidates.open_candidacy(candidacy.job, other,
                                                              actor=recruiter),
                                    planned, actor=recruiter)
    operations.schedule_interview(
        earlier, actor=recruiter, record_past=True, duration_minutes=60,
        starts_at=(utcnow() - timedelta(days=10)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0),
        time_zone="Europe/Berlin",
        panel=[operations.Seat(story.peer_id, "peer"),
               operations.Seat(story.supervisor_id, "supervisor")])
    round_ = operations.open_round(candidacy, planned, actor=recruiter)
    db.session.commit()
    return round_.id


def _plan(live_server, journey, story, round_id: int) -> None:
    page = journey.page
    sign_in(live_server, journey, story.recruiter_email)
    page.goto(f"{live_server.url}/candidacies/{story.candidacy_id}/rounds/{round_id}")
    seats = page.locator("fieldset.seat-card")
    assert seats.count() == 2
    peer_seat = page.locator(f"#seat-0-{story.peer_id}")
    supervisor_seat = page.locator(f"#seat-1-{story.supervisor_id}")
    assert peer_seat.is_checked() and supervisor_seat.is_checked()
    assert page.locator("fieldset.seat-card").first.get_by_text(
        re.compile(r"load this week: \d")).first.is_visible()
    journey.shot("round page with the suggested panel")
    _fits(page)
    assert journey.axe() == []

    page.get_by_role("button", name="Week grid").click()
    page.wait_for_url(re.compile(r".*/week\?.*"))
    journey.shot("week grid")
    _fits(page)
    assert journey.axe() == []
    narrow = page.viewport_size["width"] < 600
    box = page.locator(".week-one" if narrow else ".week-all")
    assert box.is_visible()
    assert not page.locator(".week-one" if not narrow else ".week-all").is_visible()
    if narrow:  # the day links move one day and back, without script
        shown = page.locator(".day-list [aria-current]").inner_text()
        page.get_by_role("link", name="Next day").click()
        page.wait_for_load_state()  # the click waits for the commit only
        assert page.locator(".day-list [aria-current]").inner_text() != shown
        _nothing_wider_than_the_screen(page)
        page.get_by_role("link", name="Previous day").click()
        page.wait_for_load_state()  # the click waits for the commit only
        assert page.locator(".day-list [aria-current]").inner_text() == shown
    # a phone shows one day at a time: the next day until one has a free time
    for _ in range(14 if narrow else 3):
        if box.locator("td.free a").count():
            break
        page.get_by_role("link", name="Next day" if narrow else "Next week").click()
        page.wait_for_load_state()  # the click waits for the commit only
    if narrow:
        _nothing_wider_than_the_screen(page)
        journey.shot("a day of the grid on a phone")
        assert journey.axe() == []
    free = box.locator("td.free a").first
    assert free.is_visible()
    free.scroll_into_view_if_needed()
    box.screenshot(path=str(journey.folder / "02b-free-cells.png"))
    free.click()
    page.wait_for_url(re.compile(r".*/interviews/new\?.*"))
    assert page.get_by_text("Add the place or a video link").is_visible()
    assert page.locator("#panel-0-user_id").input_value() == str(story.peer_id)
    assert page.locator("#panel-1-user_id").input_value() == str(story.supervisor_id)
    assert page.locator("#date").input_value() != ""
    journey.shot("booking form filled in from the grid")
    _fits(page)
    assert journey.axe() == []

    page.get_by_label("Video link").fill("https://meet.example.com/team-round")
    page.get_by_role("button", name="Check conflicts").click()
    journey.shot("checked")
    _fits(page)
    assert page.locator(".check-result").is_visible()
    button = page.get_by_role("button", name=re.compile(r"^Book( anyway)?$"))
    button.click()
    page.wait_for_url(re.compile(r".*/rounds/\d+$"))
    assert page.get_by_text("Interview booked.").is_visible()
    page.get_by_text(re.compile(r"Invites: \d+ message")).click()
    journey.shot("booked, invites queued")
    assert page.get_by_text(re.compile(r"REQUEST · panel")).count() == 2
    assert page.get_by_text("Waiting to be sent").count() == 3


def test_recruiter_plans_a_next_round_from_a_prefilled_panel_through_the_week_grid(
        live_server, in_live_app, browser, request):
    from tests.browser.conftest import _journey

    story = scenario.build()
    round_id = _team_round_with_history(story)
    for journey in _journey(browser, request, viewport={"width": 1366, "height": 900}):
        _plan(live_server, journey, story, round_id)


def test_recruiter_plans_a_next_round_through_the_week_grid_on_a_phone(live_server, in_live_app,
                                                                       phone):
    story = scenario.build()
    _plan(live_server, phone, story, _team_round_with_history(story))


def _finder_and_warnings(live_server, journey, story, round_id: int) -> None:
    page = journey.page
    sign_in(live_server, journey, story.recruiter_email)
    base = f"{live_server.url}/candidacies/{story.candidacy_id}/rounds/{round_id}"
    page.goto(base + "/suggestions")
    assert page.get_by_text("Proposed panel from the plan").is_visible()
    assert page.locator("#duration_minutes").input_value() == "60"
    assert page.locator("section.slot-day").count() >= 1
    journey.shot("finder proposes the panel, times by day")
    _fits(page)
    assert journey.axe() == []
    if page.get_by_role("link", name="Show more times").count():
        page.get_by_role("link", name="Show more times").click()
        page.wait_for_url(re.compile(r".*[?&]shown=\d+"))  # waits for the new page's load
        assert page.get_by_role("link", name=re.compile(r"^Book \d\d:\d\d$")).count() > 20
        _fits(page)
    # a time that is early for the panel and the middle of the night for the candidate
    page.goto(base + f"/interviews/new?required-0-user_id={story.peer_id}"
              f"&required-0-relationship=peer&required-1-user_id={story.supervisor_id}"
              "&required-1-relationship=supervisor&time=07:00&time_zone=Europe/Berlin"
              "&date=" + (utcnow() + timedelta(days=9)).date().isoformat())
    page.get_by_label("Place").fill("Berlin office, room 4")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("This time is possible, with warnings.").is_visible()
    assert page.get_by_text("Early or late for the candidate").is_visible()
    assert page.get_by_role("button", name="Book anyway").is_visible()
    journey.shot("warnings before booking")
    _fits(page)
    assert journey.axe() == []


def test_finder_and_warnings_fit_a_wide_screen(live_server, in_live_app, browser, request):
    from tests.browser.conftest import _journey

    story = scenario.build()
    round_id = _team_round_with_history(story)
    for journey in _journey(browser, request, viewport={"width": 1366, "height": 900}):
        _finder_and_warnings(live_server, journey, story, round_id)


def test_finder_and_warnings_fit_a_phone(live_server, in_live_app, phone):
    story = scenario.build()
    _finder_and_warnings(live_server, phone, story, _team_round_with_history(story))
