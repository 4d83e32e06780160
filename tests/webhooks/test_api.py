"""GET/POST /webhooks and DELETE /webhooks/{id} (API.md v1.1)."""

from __future__ import annotations

import pytest

from tests.api.support import assert_invalid
from tests.webhooks.conftest import SECRET


def _body(**overrides):
    return {"url": "https://hooks.example.com/coordinator", "events": ["interview.scheduled"],
            "secret": SECRET, **overrides}


def test_admin_registers_a_webhook_and_gets_it_back_without_the_secret(api_as, admin):
    api = api_as(admin)

    created = api.post("/webhooks", json=_body())

    assert created.status_code == 201
    assert set(created.json) == {"id", "url", "events"}
    assert created.json["url"] == "https://hooks.example.com/coordinator"
    listed = api.get("/webhooks").json
    assert listed["items"] == [created.json]
    assert SECRET not in api.get("/webhooks").get_data(as_text=True)


def test_admin_deletes_a_webhook(api_as, admin):
    api = api_as(admin)
    webhook_id = api.post("/webhooks", json=_body()).json["id"]

    assert api.delete(f"/webhooks/{webhook_id}").status_code == 204
    assert api.get("/webhooks").json["items"] == []
    assert api.delete(f"/webhooks/{webhook_id}").status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer"])
def test_only_admins_register_webhooks(api_as, make_user, role):
    assert api_as(make_user((role,))).post("/webhooks", json=_body()).status_code == 403


def test_an_unknown_event_is_422(api_as, admin):
    response = api_as(admin).post("/webhooks", json=_body(events=["interview.exploded"]))
    assert_invalid(response, "events")


def test_no_event_is_422(api_as, admin):
    assert_invalid(api_as(admin).post("/webhooks", json=_body(events=[])), "events")


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/x", "not a url", "https://",
                                 "http://user:pw@hooks.example.com/", "http://[::1",
                                 "http://hooks.example.com:0/"])
def test_a_bad_url_is_422(api_as, admin, url):
    assert_invalid(api_as(admin).post("/webhooks", json=_body(url=url)), "url")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data",
                                 "http://[fe80::1]/", "http://[fd00:ec2::254]/",
                                 "http://[::ffff:169.254.169.254]/"])
def test_link_local_and_metadata_addresses_are_refused_even_when_private_is_allowed(
        api_as, admin, allow_private, url):
    assert_invalid(api_as(admin).post("/webhooks", json=_body(url=url)), "url")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://localhost/",
                                 "http://10.1.2.3/", "http://[::1]/"])
def test_private_addresses_are_refused_by_default(api_as, admin, url):
    assert_invalid(api_as(admin).post("/webhooks", json=_body(url=url)), "url")


def test_private_addresses_are_accepted_when_allowed(api_as, admin, allow_private):
    response = api_as(admin).post("/webhooks", json=_body(url="http://127.0.0.1:8080/"))
    assert response.status_code == 201


def test_a_short_secret_is_422(api_as, admin):
    assert_invalid(api_as(admin).post("/webhooks", json=_body(secret="short")), "secret")


def test_a_missing_secret_is_422(api_as, admin):
    body = _body()
    del body["secret"]
    assert_invalid(api_as(admin).post("/webhooks", json=body), "secret")
