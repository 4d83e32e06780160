"""Journey 1: a recruiter books the second round with a peer and a supervisor from suggestions."""

from __future__ import annotations

import re

from tests.browser import scenario


def sign_in(live_server, journey, email: str) -> None:
    page = journey.page
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(scenario.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_recruiter_books_round_two_from_suggestions_and_sees_invites_queued(
        live_server, in_live_app, journey):
    story = scenario.build()
    page = journey.page
    sign_in(live_server, journey, story.recruiter_email)
    journey.shot("dashboard")

    page.goto(f"{live_server.url}/candidacies/{story.candidacy_id}")
    assert page.get_by_role("heading", name="Rounds").is_visible()
    journey.shot("candidacy passed round one")
    assert journey.axe() == []

    page.get_by_label("Open a round").select_option(label="2. Team interview")
    with page.expect_navigation():
        page.get_by_role("button", name="Open round").click()
    journey.shot("round two opened")
    assert re.search(r"/rounds/\d+$", page.url), page.url
    coverage = page.locator("ul.coverage")
    assert coverage.locator("li", has_text="Peer: not met yet").count() == 1
    assert coverage.locator("li", has_text="Supervisor: not met yet").count() == 1
    assert coverage.locator("li", has_text="Hiring manager: met").count() == 1

    page.get_by_role("link", name="Find times").click()
    page.get_by_label("Required interviewers 1: interviewer").select_option(
        value=str(story.peer_id))
    page.get_by_label("Required interviewers 1: relationship").select_option("peer")
    page.get_by_label("Required interviewers 2: interviewer").select_option(
        value=str(story.supervisor_id))
    page.get_by_label("Required interviewers 2: relationship").select_option("supervisor")
    journey.shot("suggestion request")
    page.get_by_role("button", name="Find times").click()
    page.wait_for_load_state()  # the click waits for the commit only
    journey.shot("suggestions")
    first_book = page.get_by_role("link", name=re.compile(r"^Book \d\d:\d\d$")).first
    assert first_book.is_visible()
    first_book.click()
    # the booking form asks for the place or video link before booking
    page.get_by_label("Video link").fill("https://meet.example.com/round-two")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_load_state()  # the click waits for the commit only
    if page.get_by_role("button", name="Book anyway").count():
        journey.shot("warnings before booking")
        page.get_by_role("button", name="Book anyway").click()
    page.wait_for_url(re.compile(r".*/rounds/\d+$"))
    journey.shot("booked")
    assert page.get_by_text("Interview booked.").is_visible()
    page.get_by_text(re.compile(r"Invites: \d+ message")).click()
    journey.shot("invites queued")
    # the candidate and both panel members each get their own invitation
    assert page.get_by_text(re.compile(r"REQUEST · candidate")).count() == 1
    assert page.get_by_text(re.compile(r"REQUEST · panel")).count() == 2
    assert page.get_by_text("Waiting to be sent").count() == 3
