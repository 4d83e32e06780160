"""Role × route: who reaches the shortlist pages and endpoints, and who is refused."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from coordinator.access import policy_of

ROLES = ("admin", "recruiter", "hiring_manager", "other_hiring_manager", "interviewer", None)
ALLOWED = {"admin", "recruiter", "hiring_manager"}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # formatted with job, candidacy, other (candidacy ids)
    ok: int
    data: dict[str, Any] | None = None

    def url(self, world: SimpleNamespace) -> str:
        return self.path.format(
            job=world.job.id, candidacy=world.candidacy.id, other=world.other.id
        )


PAGES = [
    Route("shortlist.show_shortlist", "GET", "/jobs/{job}/shortlist", 200),
    Route("shortlist.export_shortlist", "GET", "/jobs/{job}/shortlist.csv", 200),
    Route(
        "shortlist.compare_candidacies",
        "GET",
        "/jobs/{job}/shortlist/compare?ids={candidacy},{other}",
        200,
    ),
    Route("shortlist.new_decision", "GET", "/jobs/{job}/candidacies/{candidacy}/decide", 200),
    Route(
        "shortlist.record_decision",
        "POST",
        "/jobs/{job}/candidacies/{candidacy}/decisions",
        303,
        {"outcome": "hold", "reason": "Waiting for references"},
    ),
]
API = [
    Route("api.job_shortlist", "GET", "/jobs/{job}/shortlist", 200),
    Route("api.shortlist_chart", "GET", "/jobs/{job}/shortlist/chart", 200),
    Route(
        "api.compare_candidacies",
        "GET",
        "/jobs/{job}/shortlist/compare?ids={candidacy},{other}",
        200,
    ),
    Route(
        "api.record_decision",
        "POST",
        "/candidacies/{candidacy}/decisions",
        201,
        {"outcome": "hold", "reason": "Waiting for references"},
    ),
]


@pytest.fixture
def world(make_user, make_job, make_planned_round, make_candidacy, recruiter, hiring_manager):
    users = {
        "admin": make_user(("admin",)),
        "recruiter": recruiter,
        "hiring_manager": hiring_manager,
        "other_hiring_manager": make_user(("hiring_manager", "interviewer")),
        "interviewer": make_user(("interviewer",)),
        None: None,
    }
    job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id)
    make_job(actor=recruiter, hiring_manager_id=users["other_hiring_manager"].id)
    make_planned_round(job, actor=recruiter)
    return SimpleNamespace(
        users=users, job=job, candidacy=make_candidacy(job=job), other=make_candidacy(job=job)
    )


def expected(route: Route, role: str | None, api: bool) -> int:
    if role in ALLOWED:
        return route.ok
    if role is None:
        return 401 if api else 302
    return 403


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.endpoint)
def test_page_answers_each_role(route, role, world, client, login):
    if role is not None:
        login(world.users[role])
    response = client.open(route.url(world), method=route.method, data=route.data)
    assert response.status_code == expected(route, role, api=False), response.get_data(
        as_text=True
    )[:300]
    if role is None:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("route", API, ids=lambda r: r.endpoint)
def test_endpoint_answers_each_role(route, role, world, api_as):
    response = api_as(world.users[role]).open(route.method, route.url(world), json=route.data)
    assert response.status_code == expected(route, role, api=True), response.get_data(as_text=True)[
        :300
    ]


def test_every_shortlist_endpoint_is_in_these_tables(app):
    declared = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("shortlist.")
        or app.view_functions[rule.endpoint].__module__ == "coordinator.api.shortlist"
    }
    assert declared == {r.endpoint for r in PAGES + API}
    assert all(policy_of(app.view_functions[name]) == "can_reach_shortlists" for name in declared)


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/999999/shortlist",
        "/jobs/99999999999999999999/shortlist",
        "/jobs/{job}/candidacies/999999/decide",
    ],
)
def test_absent_objects_are_404_for_those_allowed(path, world, login, client):
    login(world.users["recruiter"])
    assert client.get(path.format(job=world.job.id)).status_code == 404
