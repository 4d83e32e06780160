"""Users over the API: create, read, edit; duplicates and bad input save nothing."""

from __future__ import annotations

import pytest

from coordinator.accounts.models import User
from coordinator.db import db
from tests.api.support import assert_conflict, assert_invalid, assert_problem, table_counts


@pytest.fixture
def admin_api(api_as, make_user):
    return api_as(make_user(("admin",)))


def user_body(**overrides):
    body = {"email": "grace@example.com", "name": "Grace Hopper", "job_title": "Engineer",
            "bio": "Compilers.", "time_zone": "America/New_York",
            "roles": ["interviewer", "hiring_manager"]}
    body.update(overrides)
    return body


def test_admin_creates_a_user_and_gets_201_with_it(admin_api):
    response = admin_api.post("/users", json=user_body())
    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"], "email": "grace@example.com", "name": "Grace Hopper",
        "job_title": "Engineer", "bio": "Compilers.", "time_zone": "America/New_York",
        "roles": ["hiring_manager", "interviewer"], "is_active": True,
    }


def test_created_user_email_is_stored_lower_case(admin_api):
    response = admin_api.post("/users", json=user_body(email="Grace.Hopper@Example.COM"))
    assert response.json["email"] == "grace.hopper@example.com"


def test_password_is_kept_exactly_including_spaces(admin_api):
    from coordinator.accounts.operations import authenticate

    admin_api.post("/users", json=user_body(password="  spaced secret  "))
    assert authenticate("grace@example.com", "  spaced secret  ") is not None


@pytest.mark.parametrize("email", ["grace@example.com", "GRACE@EXAMPLE.COM", " Grace@Example.com "])
def test_duplicate_email_in_any_case_is_409_and_saves_nothing(admin_api, make_user, email):
    make_user(email="grace@example.com")
    before = table_counts()
    response = admin_api.post("/users", json=user_body(email=email))
    assert_conflict(response, "duplicate_email")
    assert table_counts() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"email": "not-an-address"}, "email"),
    ({"email": 42}, "email"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"bio": "x" * 1001}, "bio"),
    ({"job_title": ["Engineer"]}, "job_title"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"time_zone": "europe/berlin"}, "time_zone"),
    ({"roles": []}, "roles"),
    ({"roles": ["boss"]}, "roles.0"),
    ({"roles": "admin"}, "roles"),
    ({"password": "short"}, "password"),
    ({"password": "elevenchars"}, "password"),
    ({"password": "Password1234!"}, "password"),
    ({"nickname": "Amazing Grace"}, "nickname"),
])
def test_invalid_user_is_422_on_the_field_and_saves_nothing(admin_api, change, field):
    before = table_counts()
    response = admin_api.post("/users", json=user_body(**change))
    assert_invalid(response, field)
    assert table_counts() == before


def test_missing_required_members_are_422_each(admin_api):
    assert_invalid(admin_api.post("/users", json={}), "email", "name", "roles")


def test_get_user_answers_the_user(admin_api, make_user):
    user = make_user(("interviewer",), name="Ivy")
    response = admin_api.get(f"/users/{user.id}")
    assert response.status_code == 200
    assert response.json["name"] == "Ivy"


def test_get_absent_user_is_404(admin_api):
    assert_problem(admin_api.get("/users/999999"), 404)


def test_user_reads_themselves_by_id(api_as, make_user):
    user = make_user(("interviewer",))
    assert api_as(user).get(f"/users/{user.id}").status_code == 200


def test_me_is_the_token_owner(api_as, make_user):
    user = make_user(("interviewer",))
    assert api_as(user).get("/users/me").json["id"] == user.id


def test_list_filters_by_role(admin_api, make_user):
    make_user(("recruiter",), name="Rita")
    make_user(("interviewer",), name="Ivan")
    names = [u["name"] for u in admin_api.get("/users?role=recruiter").json["items"]]
    assert names == ["Rita"]


def test_list_search_treats_wildcards_literally(admin_api, make_user):
    make_user(name="100% Remote")
    make_user(name="Percival")
    names = [u["name"] for u in admin_api.get("/users?q=100%25").json["items"]]
    assert names == ["100% Remote"]


def test_admin_edits_roles_and_deactivates(admin_api, make_user):
    user = make_user(("interviewer",))
    response = admin_api.patch(f"/users/{user.id}",
                               json={"roles": ["recruiter"], "is_active": False})
    assert response.status_code == 200
    assert response.json["roles"] == ["recruiter"]
    assert response.json["is_active"] is False


def test_user_edits_own_profile(api_as, make_user):
    user = make_user(("interviewer",))
    response = api_as(user).patch(f"/users/{user.id}", json={"bio": "Distributed systems."})
    assert response.status_code == 200
    assert response.json["bio"] == "Distributed systems."


def test_user_cannot_grant_themselves_roles_and_nothing_changes(api_as, make_user):
    user = make_user(("interviewer",))
    api = api_as(user)
    before = table_counts()
    response = api.patch(f"/users/{user.id}", json={"bio": "New", "roles": ["admin"]})
    assert_problem(response, 403)
    db.session.refresh(user)
    assert ({r.value for r in user.roles}, user.bio) == ({"interviewer"}, "")
    assert table_counts() == before


def test_patch_to_another_users_email_is_409_and_changes_nothing(admin_api, make_user):
    make_user(email="taken@example.com")
    user = make_user(email="mine@example.com")
    response = admin_api.patch(f"/users/{user.id}", json={"email": "TAKEN@example.com"})
    assert_conflict(response, "duplicate_email")
    db.session.refresh(user)
    assert user.email == "mine@example.com"


@pytest.mark.parametrize(("body", "field"), [
    ({"time_zone": "Nowhere/Town"}, "time_zone"),
    ({"name": ""}, "name"),
    ({"is_active": "no"}, "is_active"),
    ({"roles": ["admin", "wizard"]}, "roles.1"),
    ({"password": "can-not-patch-it"}, "password"),
])
def test_invalid_patch_is_422_and_changes_nothing(admin_api, make_user, body, field):
    user = make_user(("interviewer",), name="Unchanged", time_zone="Europe/Berlin")
    before = table_counts()
    assert_invalid(admin_api.patch(f"/users/{user.id}", json=body), field)
    db.session.refresh(user)
    assert (user.name, user.time_zone, user.is_active) == ("Unchanged", "Europe/Berlin", True)
    assert table_counts() == before


def test_admin_cannot_remove_their_own_admin_role(api_as, make_user):
    admin = make_user(("admin",))
    response = api_as(admin).patch(f"/users/{admin.id}", json={"roles": ["recruiter"]})
    assert_invalid(response, "roles")
    assert {r.value for r in db.session.get(User, admin.id).roles} == {"admin"}


# --- the private calendar feed ------------------------------------------------------------------


def feed_path(url: str) -> str:
    return url.removeprefix("http://coordinator.test")


def test_user_makes_their_calendar_feed_and_gets_201_with_a_working_url(api_as, make_user,
                                                                         client):
    user = make_user(("interviewer",))
    response = api_as(user).post(f"/users/{user.id}/feed")
    assert response.status_code == 201
    url = response.json["url"]
    assert url.startswith("http://coordinator.test/feeds/") and url.endswith(".ics")
    assert client.get(feed_path(url)).status_code == 200


def test_a_new_feed_url_stops_the_old_one(api_as, make_user, client):
    user = make_user(("interviewer",))
    api = api_as(user)
    old = api.post(f"/users/{user.id}/feed").json["url"]
    new = api.post(f"/users/{user.id}/feed").json["url"]
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_deleting_the_feed_answers_204_and_the_url_stops_working(api_as, make_user, client):
    user = make_user(("interviewer",))
    api = api_as(user)
    url = api.post(f"/users/{user.id}/feed").json["url"]
    response = api.delete(f"/users/{user.id}/feed")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get(feed_path(url)).status_code == 404


def test_admin_makes_and_revokes_another_users_feed(admin_api, make_user, client):
    user = make_user(("interviewer",))
    url = admin_api.post(f"/users/{user.id}/feed").json["url"]
    assert client.get(feed_path(url)).status_code == 200
    assert admin_api.delete(f"/users/{user.id}/feed").status_code == 204
    assert client.get(feed_path(url)).status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer"])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_others_may_not_touch_someone_elses_feed(api_as, make_user, client, role, method):
    owner = make_user(("interviewer",))
    url = api_as(owner).post(f"/users/{owner.id}/feed").json["url"]
    response = api_as(make_user((role,))).open(method, f"/users/{owner.id}/feed")
    assert_problem(response, 403)
    assert client.get(feed_path(url)).status_code == 200


def test_feed_of_an_absent_user_is_404(admin_api):
    assert_problem(admin_api.post("/users/999999/feed"), 404)
