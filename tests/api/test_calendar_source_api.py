"""A user's calendar source over the API: connect, read (never the password), sync, remove."""

from __future__ import annotations

import pytest

from coordinator.scheduling.models import CalendarSourceKind
from tests.api.support import assert_invalid, assert_problem
from tests.scheduling.test_calendar_sync import feed  # noqa: F401 (the loopback feed server)


@pytest.fixture
def person(make_user):
    return make_user(("interviewer",))


@pytest.fixture
def own_api(api_as, person):
    return api_as(person)


def path(user) -> str:
    return f"/users/{user.id}/calendar-source"


def test_put_caldav_source_answers_it_without_the_password(own_api, person):
    response = own_api.put(path(person), json={
        "kind": "caldav", "url": "https://dav.example.com/cal/", "username": "sam",
        "password": "  app password  "})
    assert response.status_code == 200
    assert response.json == {"kind": "caldav", "url": "https://dav.example.com/cal/",
                             "username": "sam", "last_synced_at": None, "last_error": None,
                             "busy_blocks": 0}
    assert "app password" not in own_api.get(path(person)).get_data(as_text=True)


def test_a_url_that_is_not_http_is_a_422_on_url(own_api, person):
    assert_invalid(own_api.put(path(person), json={"kind": "ics_url", "url": "file:///etc/passwd"}),
                   "url")


def test_an_unknown_kind_is_a_422(own_api, person):
    assert_invalid(own_api.put(path(person), json={"kind": "exchange", "url": "https://x.io/"}),
                   "kind")


def test_get_without_a_source_is_404(own_api, person):
    assert_problem(own_api.get(path(person)), 404)


def test_another_interviewer_cannot_read_the_source(api_as, make_user, person):
    other = api_as(make_user(("interviewer",)))
    assert_problem(other.get(path(person)), 403)


def test_a_recruiter_can_ask_for_a_sync_but_not_read_the_source(api_as, make_user, own_api,
                                                                 person):
    own_api.put(path(person), json={"kind": "ics_url", "url": "https://cal.example.com/x.ics"})
    recruiter = api_as(make_user(("recruiter",)))
    assert_problem(recruiter.get(path(person)), 403)
    assert recruiter.post(path(person) + "/sync").status_code == 200


def test_sync_answers_the_source_with_its_busy_blocks(own_api, person, feed, app):  # noqa: F811
    app.config["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = True
    try:
        _state, url = feed
        own_api.put(path(person), json={"kind": "ics_url", "url": url})
        response = own_api.post(path(person) + "/sync")
    finally:
        app.config["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = False
    assert response.status_code == 200
    assert response.json["busy_blocks"] == 1
    assert response.json["last_error"] is None
    assert response.json["last_synced_at"] is not None


def test_a_failed_sync_is_200_with_last_error(own_api, person, feed):  # noqa: F811
    _state, url = feed
    own_api.put(path(person), json={"kind": "ics_url", "url": url})
    response = own_api.post(path(person) + "/sync")
    assert response.status_code == 200
    assert "loopback" in response.json["last_error"]


def test_delete_removes_the_source(own_api, person):
    own_api.put(path(person), json={"kind": CalendarSourceKind.ics_url.value,
                                    "url": "https://cal.example.com/x.ics"})
    assert own_api.delete(path(person)).status_code == 204
    assert_problem(own_api.get(path(person)), 404)
