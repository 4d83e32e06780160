"""The candidate's page names the company and the recruiter, adds availability windows one at a
time without JavaScript, and shows interviewers' own bios only."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import article, portal_path
from tests.portal.test_availability import rows, saved


def test_page_names_the_configured_company(app, open_portal):
    app.config["COMPANY_NAME"] = "Acme Robotics"

    page = open_portal()

    assert "at <bdi>Acme Robotics</bdi>" in page


def test_page_names_the_recruiter_who_booked_without_their_address(open_portal, recruiter):
    page = open_portal()

    assert f"Your recruiter is <strong><bdi>{recruiter.name}</bdi></strong>" in page
    assert recruiter.email not in page


def test_page_tells_how_to_ask_for_another_time(open_portal):
    page = open_portal()

    assert "To ask for another time, answer “No, I cannot attend”" in page
    assert 'href="#availability"' in page


def test_availability_form_starts_with_one_window(open_portal):
    page = open_portal()

    assert 'id="windows-0-date"' in page
    assert 'id="windows-1-date"' not in page


def test_add_another_window_keeps_the_input_adds_a_row_and_saves_nothing(client, scene):
    data = rows(("2027-03-08", "09:00", "12:00")) | {"add": "1"}

    response = client.post(f"{portal_path(scene.candidacy)}/availability", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="2027-03-08"' in page
    assert 'id="windows-1-date"' in page and 'id="windows-2-date"' not in page
    assert saved(scene.candidacy) == []


def test_refused_window_summary_links_to_the_bad_field(client, scene):
    response = client.post(
        f"{portal_path(scene.candidacy)}/availability",
        data=rows(("2027-03-08", "09:00", "10:00"), ("2027-03-08", "12:00", "11:00")),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#windows-1-date">' in page
    assert re.search(r'id="windows-1-date"[^>]*aria-describedby="windows-1-date-error"', page) \
        or re.search(r'aria-describedby="windows-1-date-error"[^>]*id="windows-1-date"', page)


@pytest.mark.parametrize("bio", ["", "   "])
def test_interviewer_without_a_bio_gets_no_filler(open_portal, scene, bio):
    scene.peer.bio = bio
    page = open_portal()
    team = article(page, scene.team_interview.id)

    peer_line = team[team.index("Priya Peer"):]
    assert '<p class="hint">' not in peer_line[: peer_line.index("</li>")]


def test_demo_people_without_a_bio_of_their_own_have_none():
    from coordinator.demo import BIOS, USERS

    written = {email for email, *_ in USERS if email in BIOS}
    assert written and len(written) < len(USERS)
    assert not any("works as" in bio for bio in BIOS.values())
