"""Whatever a client sends, the answer is a 4xx problem document and nothing is saved."""

from __future__ import annotations

import json

import pytest

from coordinator.accounts import operations as accounts
from coordinator.api.core import SPECS
from tests.api.routes import FOUNDATION_MODULES, ROUTES
from tests.api.support import assert_invalid, assert_problem, table_counts

BODY_ROUTES = [r for r in ROUTES if r.body is not None]
ID_ROUTES = [r for r in ROUTES if "<int:" in r.rule]


def test_the_routes_cover_every_foundation_endpoint(app):
    declared = {
        (rule.endpoint.split(".", 1)[1], method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and app.view_functions[rule.endpoint].__module__ in FOUNDATION_MODULES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert declared == {(r.endpoint, r.method, r.rule) for r in ROUTES}


@pytest.fixture
def admin_api(api_as, world):
    return api_as(world.users["admin"])


def by_name(route):
    return route.endpoint


NOT_JSON = [b"{not json", b'{"title": "x"', b"", b"   ", b"\xff\xfe", b"[" * 10_000,
            b'{"a": 1} trailing', b'{"a": "\\ud800"}']


@pytest.mark.parametrize("route", BODY_ROUTES, ids=by_name)
def test_body_that_is_not_json_is_400_and_saves_nothing(route, world, admin_api):
    path, _ = route.request(world)
    before = table_counts()
    for data in NOT_JSON:
        response = admin_api.open(route.method, path, data=data,
                                  headers={"Content-Type": "application/json"})
        assert_problem(response, 400)
    assert table_counts() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=by_name)
def test_body_sent_as_form_data_is_400_and_saves_nothing(route, world, admin_api):
    path, _ = route.request(world)
    before = table_counts()
    response = admin_api.open(route.method, path, data={"title": "x"})
    assert_problem(response, 400)
    assert table_counts() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=by_name)
def test_json_that_is_not_an_object_is_422_and_saves_nothing(route, world, admin_api):
    path, _ = route.request(world)
    before = table_counts()
    for body in ([], [1, 2], "text", 5, None, True):
        response = admin_api.open(route.method, path, data=json.dumps(body),
                                  headers={"Content-Type": "application/json"})
        assert_invalid(response, "_")
    assert table_counts() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=by_name)
def test_unknown_member_is_422_on_that_member_and_saves_nothing(route, world, admin_api):
    path, kwargs = route.request(world)
    before = table_counts()
    response = admin_api.open(route.method, path, json={**kwargs["json"], "surprise": 1})
    assert_invalid(response, "surprise")
    assert table_counts() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=by_name)
def test_nul_character_in_a_string_is_422_and_saves_nothing(route, world, admin_api):
    path, kwargs = route.request(world)
    body = dict(kwargs["json"])
    field = next((k for k, v in body.items() if isinstance(v, str)), None)
    if field is None:  # only ids in this body: put the NUL in a key instead
        field, body = "x\x00", {**body, "x\x00": "y"}
    else:
        body[field] = "a\x00b"
    before = table_counts()
    assert_invalid(admin_api.open(route.method, path, json=body), field)
    assert table_counts() == before


@pytest.mark.parametrize("route", ID_ROUTES, ids=by_name)
def test_id_beyond_any_row_is_404(route, world, admin_api):
    path, kwargs = route.request(world)
    parts = path.split("/")
    first_id = next(i for i, part in enumerate(parts) if part.isdigit())
    before = table_counts()
    for absurd in (2**31, 10**30):
        parts[first_id] = str(absurd)
        assert_problem(admin_api.open(route.method, "/".join(parts), **kwargs), 404)
    assert table_counts() == before


BAD_PAGES = [("page=1e20", "page"), ("per_page=10000", "per_page"), ("per_page=201", "per_page"),
             ("per_page=0", "per_page"), ("page=0", "page"), ("page=-1", "page"),
             ("page=abc", "page"), ("page=99999999999999999999", "page"), ("per_page=", "per_page"),
             ("page=" + "9" * 5000, "page")]

#: Every paginated endpoint, its path ids filled from the world (generated from the declarations).
LIST_PATHS = sorted(spec.rule.replace("<int:job_id>", "{job}")
                    for spec in SPECS.values() if spec.paginated)


def test_every_list_endpoint_is_covered():
    assert len(LIST_PATHS) >= 6
    assert all("<" not in path for path in LIST_PATHS)


@pytest.mark.parametrize("path", LIST_PATHS)
def test_page_that_is_not_a_usable_page_is_400_on_the_parameter(path, world, admin_api):
    for query, field in BAD_PAGES:
        response = admin_api.get(path.format(job=world.job.id) + "?" + query)
        body = assert_problem(response, 400)
        assert list(body["errors"]) == [field], query
        assert "whole number from 1 to" in body["errors"][field][0]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_unknown_list_parameter_is_422(path, world, admin_api):
    assert_invalid(admin_api.get(path.format(job=world.job.id) + "?surprise=1"), "surprise")


def test_nul_in_a_query_parameter_is_422(admin_api):
    assert_invalid(admin_api.get("/candidates?q=a%00b"), "q")


def test_unknown_api_path_is_a_404_problem(admin_api):
    assert_problem(admin_api.get("/no-such-thing"), 404)


def test_unsupported_method_is_a_405_problem(admin_api):
    assert_problem(admin_api.delete("/jobs"), 405)


def test_body_over_the_size_limit_is_a_413_problem(app, admin_api):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = admin_api.post("/candidates", data=b" " * size,
                              headers={"Content-Type": "application/json"})
    assert_problem(response, 413)


def test_duplicate_that_slips_past_the_check_is_still_409(admin_api, world, monkeypatch):
    """Two requests racing for one email: the database's unique index decides, not a 500."""
    monkeypatch.setattr(accounts, "get_user_by_email", lambda email: None)
    before = table_counts()
    response = admin_api.post("/users", json={"email": world.other_user.email, "name": "Twin",
                                              "roles": ["interviewer"]})
    body = assert_problem(response, 409)
    assert body["conflicts"][0]["kind"] == "integrity"
    assert table_counts() == before


def test_bad_body_on_a_route_the_role_may_not_use_is_403(api_as, world):
    response = api_as(world.users["interviewer"]).post("/jobs", data="{not json",
                                                       headers={"Content-Type":
                                                                "application/json"})
    assert_problem(response, 403)
