"""The profile's calendar section and its form page, and the sync status on the finder page."""

from __future__ import annotations

from datetime import timedelta

from coordinator.db import db
from coordinator.scheduling import calendar_sources
from coordinator.scheduling.models import CalendarSourceKind
from tests.scheduling.conftest import NOW


def test_profile_offers_to_connect_a_calendar(login, interviewer):
    page = login(interviewer).get("/profile").get_data(as_text=True)
    assert "No calendar connected." in page
    assert "/profile/calendar-source" in page


def test_connecting_a_caldav_calendar_stores_it_and_shows_it_on_the_profile(login, interviewer):
    client = login(interviewer)
    response = client.post("/profile/calendar-source", data={
        "kind": "caldav", "url": "https://dav.example.com/cal/", "username": "sam",
        "password": "app-password"})
    assert response.status_code == 303
    source = calendar_sources.source_of(interviewer)
    assert source.kind is CalendarSourceKind.caldav
    page = client.get("/profile").get_data(as_text=True)
    assert "https://dav.example.com/cal/" in page
    assert "app-password" not in page


def test_a_bad_address_rerenders_the_form_with_the_message_on_the_address(login, interviewer):
    response = login(interviewer).post("/profile/calendar-source", data={
        "kind": "ics_url", "url": "ftp://calendar.example.com/x.ics"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give an http:// or https:// address." in page
    assert 'value="ftp://calendar.example.com/x.ics"' in page


def test_a_failed_sync_is_shown_on_the_profile(login, interviewer):
    client = login(interviewer)
    client.post("/profile/calendar-source", data={"kind": "ics_url",
                                                  "url": "http://127.0.0.1:9/x.ics"})
    assert client.post("/profile/calendar-source/sync").status_code == 303
    page = client.get("/profile").get_data(as_text=True)
    assert "Last attempt failed" in page
    assert "loopback" in page


def test_disconnecting_removes_the_source(login, interviewer):
    client = login(interviewer)
    client.post("/profile/calendar-source", data={"kind": "ics_url",
                                                  "url": "https://cal.example.com/x.ics"})
    assert client.post("/profile/calendar-source/remove").status_code == 303
    assert calendar_sources.source_of(interviewer) is None


def test_the_finder_page_says_when_each_calendar_was_last_synced(login, recruiter, make_round,
                                                                 panelists):
    peer, supervisor = panelists
    source = calendar_sources.set_source(peer, actor=peer, kind=CalendarSourceKind.ics_url,
                                         url="https://cal.example.com/x.ics")
    source.last_synced_at = NOW - timedelta(days=3)
    db.session.commit()
    round_ = make_round()
    query = {"required-0-user_id": peer.id, "required-0-relationship": "peer",
             "required-1-user_id": supervisor.id, "required-1-relationship": "supervisor",
             "date_from": "2027-03-02", "date_to": "2027-03-03"}
    page = login(recruiter).get(
        f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/suggestions",
        query_string=query).get_data(as_text=True)
    assert f"{peer.name}: calendar last synced 3 days ago" in page
    assert f"{supervisor.name}: no calendar connected" in page


def _dashboard_group(page: str, key: str) -> str:
    if f'<h3 id="{key}">' not in page:
        return ""
    return page.split(f'<h3 id="{key}">', 1)[1].split("</section>", 1)[0]


def test_a_calendar_whose_sync_failed_is_a_to_do_for_recruiters(login, interviewer, recruiter):
    client = login(interviewer)
    client.post("/profile/calendar-source", data={"kind": "ics_url",
                                                  "url": "http://127.0.0.1:9/x.ics"})
    client.post("/profile/calendar-source/sync")
    assert _dashboard_group(client.get("/").get_data(as_text=True),
                            "calendars-not-syncing") == ""  # interviewers schedule nobody
    group = _dashboard_group(login(recruiter).get("/").get_data(as_text=True),
                             "calendars-not-syncing")
    assert interviewer.name in group
    assert f'href="/users/{interviewer.id}/busy"' in group


def test_a_calendar_that_syncs_is_no_to_do(login, interviewer, recruiter):
    calendar_sources.set_source(interviewer, actor=interviewer, kind=CalendarSourceKind.ics_url,
                                url="https://cal.example.com/x.ics", username="", password=None)
    source = calendar_sources.source_of(interviewer)
    source.last_synced_at = NOW - timedelta(hours=2)
    db.session.commit()
    page = login(recruiter).get("/").get_data(as_text=True)
    assert _dashboard_group(page, "calendars-not-syncing") == ""
