"""Role × route: every endpoint of the foundation API answers each role as the contract says."""

from __future__ import annotations

import pytest

from tests.api.conftest import ROLES
from tests.api.routes import FOUNDATION_MODULES, ROUTES
from tests.api.support import assert_matches_document, assert_problem, openapi_path

CASES = [pytest.param(route, role, id=f"{route.endpoint}-{role or 'anonymous'}")
         for route in ROUTES for role in ROLES]


def test_matrix_covers_every_foundation_endpoint(app):
    declared = {
        (rule.endpoint.split(".", 1)[1], method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and app.view_functions[rule.endpoint].__module__ in FOUNDATION_MODULES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert declared == {(r.endpoint, r.method, r.rule) for r in ROUTES}


@pytest.mark.parametrize(("route", "role"), CASES)
def test_role_gets_the_contract_status(route, role, world, api_as):
    response = route.call(api_as(world.users[role]), world)
    assert response.status_code == route.expected[role], response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_every_role_gets_a_documented_answer(route, world, api_as, openapi_document):
    """Each role's answer has a status the operation documents, and fits its schema
    (refusals fit the Problem schema, so they are problem documents)."""
    path, kwargs = route.request(world)
    for role in ROLES:
        response = api_as(world.users[role]).open(route.method, path, **kwargs)
        assert_matches_document(openapi_document, "/api/v1" + openapi_path(route.rule),
                                route.method, response)


def test_unauthenticated_answers_ask_for_a_bearer_token(world, api_as):
    response = api_as(None).get("/jobs")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
