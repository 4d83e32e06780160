"""A recruiter works a job's pipeline: filters, selects two candidacies and rejects them with one
reason after one confirmation; the page fits 1366 px and a phone and passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coordinator.accounts import operations as accounts
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs.models import Job
from tests.browser import scenario
from tests.browser.conftest import Journey, _journey
from tests.browser.test_recruiter_journey import sign_in

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def desktop(browser, request) -> Iterator[Journey]:
    yield from _journey(browser, request, viewport={"width": 1366, "height": 900})


def _pipeline_story() -> tuple[scenario.Scenario, list[str]]:
    """The scenario's job with three more candidates who have no round yet."""
    story = scenario.build()
    job = db.session.get(Job, story.job_id)
    recruiter = accounts.get_user_by_email(story.recruiter_email)
    names = [f"Béatrice Dupont-Larochefoucauld {story.job_id}", f"Chen Wei {story.job_id}",
             f"نور الهدى {story.job_id}"]
    for n, name in enumerate(names):
        person = candidates.create_candidate(
            actor=recruiter, name=name, email=f"pipe{story.job_id}-{n}@candidates.example.com",
            time_zone="Europe/Paris")
        candidates.open_candidacy(job, person, actor=recruiter)
    db.session.commit()
    return story, names


def test_recruiter_rejects_two_candidacies_with_one_reason(live_server, in_live_app, desktop):
    story, names = _pipeline_story()
    page = desktop.page
    sign_in(live_server, desktop, story.recruiter_email)
    page.goto(f"{live_server.url}/jobs/{story.job_id}")
    page.get_by_role("link", name="Pipeline", exact=True).click()
    page.wait_for_load_state()
    desktop.shot("pipeline at 1366")
    assert page.evaluate(FITS)
    assert desktop.axe() == []
    assert page.locator("#status-counts").get_by_text("Waiting to schedule 3").is_visible()

    page.get_by_label("Select " + names[0]).check()
    page.get_by_label("Select " + names[1]).check()
    page.get_by_label("Action").select_option("reject")
    page.get_by_label("Reason (for rejecting)").fill("We filled the role internally.")
    page.get_by_role("button", name="Continue…").click()
    page.wait_for_load_state()
    desktop.shot("confirmation")
    assert desktop.axe() == []
    assert page.locator("#confirm-list li").count() == 2
    page.get_by_role("button", name="Confirm: reject").click()
    page.wait_for_load_state()
    desktop.shot("after rejecting")
    assert page.get_by_text("Reject: 2 done.").is_visible()
    # Rejected candidacies leave the default view; the third is still waiting.
    assert page.get_by_role("link", name=names[0], exact=True).count() == 0
    assert page.get_by_role("link", name=names[2], exact=True).is_visible()
    page.get_by_label("Rejected").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "state=" in page.url and "rejected" in page.url
    assert page.locator("tr[data-status=closed]").count() == 2


def test_pipeline_rows_are_cards_on_a_phone(live_server, in_live_app, phone):
    story, names = _pipeline_story()
    sign_in(live_server, phone, story.recruiter_email)
    phone.page.goto(f"{live_server.url}/jobs/{story.job_id}/pipeline")
    phone.shot("pipeline on a phone")
    assert phone.page.evaluate(FITS)
    assert phone.axe() == []
    card = phone.page.locator("table.pipeline tbody tr").first
    box = card.bounding_box()
    assert box is not None and box["width"] <= 390
    phone.page.get_by_label("Select " + names[1]).check()
    phone.page.get_by_label("Action").select_option("open_next_round")
    phone.page.get_by_role("button", name="Continue…").click()
    phone.page.wait_for_load_state()
    phone.shot("confirm on a phone")
    assert phone.page.evaluate(FITS)
    phone.page.get_by_role("button", name="Confirm: open the next round").click()
    phone.page.wait_for_load_state()
    phone.shot("after opening a round on a phone")
    assert phone.page.get_by_text("Open the next round: 1 done.").is_visible()
