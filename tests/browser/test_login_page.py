"""The sign-in page in a real browser: it works and has no serious accessibility problems."""

from __future__ import annotations

from tests.browser import scenario


def test_sign_in_page_has_no_serious_accessibility_violations(live_server, journey):
    journey.page.goto(live_server.url + "/login")
    journey.shot("sign in page")
    assert journey.axe() == []


def test_wrong_password_shows_a_message_on_the_field(live_server, in_live_app, journey):
    people = scenario.build()
    page = journey.page
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(people.recruiter_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    journey.shot("wrong password")
    assert page.get_by_text("Wrong email or password.").is_visible()
    assert page.get_by_label("Email").input_value() == people.recruiter_email
