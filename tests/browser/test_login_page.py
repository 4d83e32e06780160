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
    page.wait_for_load_state()
    journey.shot("wrong password")
    assert page.get_by_text("Wrong email or password.").is_visible()
    assert page.get_by_label("Email").input_value() == people.recruiter_email


def test_profile_lists_sessions_accessibly_and_signs_out_everywhere(live_server, in_live_app,
                                                                    journey):
    people = scenario.build()
    page = journey.page
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(people.recruiter_email)
    page.get_by_label("Password").fill(scenario.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/profile")
    journey.shot("profile with sessions")
    assert page.get_by_role("heading", name="Where you are signed in").is_visible()
    assert page.get_by_text("This browser").is_visible()
    assert journey.axe() == []
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_load_state()
    journey.shot("signed out everywhere")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.goto(live_server.url + "/profile")
    assert page.get_by_role("heading", name="Sign in").is_visible()
