"""The candidate picks their own interview time on a phone, through their self-scheduling link."""

from __future__ import annotations

from datetime import timedelta

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs.models import PlannedRound
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling import selfschedule
from tests.browser import scenario
from tests.browser.test_candidate_journey import journey_has_no_horizontal_scroll


def _offer() -> str:
    """The scenario's team round offered with the peer required and 1 of two others."""
    story = scenario.build()
    candidacy = db.session.get(Candidacy, story.candidacy_id)
    recruiter = db.session.scalar(db.select(User).where(User.email == story.recruiter_email))
    colleague = db.session.scalar(db.select(User).where(User.email == story.colleague_email))
    team = db.session.get(PlannedRound, story.team_planned_id)
    round_ = scheduling.open_round(candidacy, team, actor=recruiter)
    now = scenario.utcnow().replace(microsecond=0)
    request = selfschedule.offer(round_, selfschedule.Offer(
        duration_minutes=60, interviewer_ids=[story.peer_id],
        pool_ids=[story.supervisor_id, colleague.id], pool_size=1,
        starts_after=now + timedelta(days=1), ends_before=now + timedelta(days=8),
        expires_at=now + timedelta(days=1), video_url="https://meet.example.com/self"),
        actor=recruiter)
    db.session.commit()
    return "/s/" + selfschedule.token_for(request)


def test_candidate_picks_a_slot_on_a_phone(live_server, in_live_app, phone):
    path = _offer()
    page = phone.page
    page.goto(live_server.url + path)
    phone.shot("free times on a phone")
    assert page.get_by_role("heading", name="Free times").is_visible()
    assert journey_has_no_horizontal_scroll(page)
    assert phone.axe() == []
    first = page.locator("button.slot").first
    picked = first.inner_text()
    first.click()
    page.wait_for_load_state()
    phone.shot("booked, on the portal")
    assert page.get_by_text("your interview is booked").is_visible()
    assert page.get_by_role("heading", name="Upcoming interviews").is_visible()
    assert picked.split(" ")[0] in page.content()
    assert journey_has_no_horizontal_scroll(page)


def _booked(cutoff_hours: int | None = None) -> str:
    """An offer (as above) the candidate already booked at its first free time."""
    path = _offer()
    request = selfschedule.resolve(path.removeprefix("/s/"))
    if cutoff_hours is not None:
        request.reschedule_cutoff_hours = cutoff_hours
    selfschedule.book(request, selfschedule.live_slots(request)[0].starts_at)
    db.session.commit()
    return path


def _check_fits(journey, width: int) -> None:
    page = journey.page
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert journey.axe() == []


def test_candidate_moves_their_booking_on_a_phone(live_server, in_live_app, phone):
    path = _booked()
    page = phone.page
    page.goto(live_server.url + path)
    phone.shot("the booking, with other times")
    assert page.get_by_role("heading", name="Booked").is_visible()
    assert page.get_by_role("heading", name="Pick another time").is_visible()
    _check_fits(phone, 390)
    page.locator("button.slot").nth(1).click()
    page.wait_for_load_state()
    phone.shot("moved")
    assert page.get_by_text("Your interview has moved").is_visible()
    _check_fits(phone, 390)


def test_after_the_cutoff_the_page_names_the_recruiter_to_contact(live_server, in_live_app,
                                                                   journey):
    path = _booked(cutoff_hours=336)  # two weeks: the booking is already inside it
    page = journey.page
    page.goto(live_server.url + path)
    journey.shot("too late to move")
    assert page.get_by_text("too late to change the time here").is_visible()
    assert page.locator("button.slot").count() == 0
    for width in (1366, 390):
        _check_fits(journey, width)
