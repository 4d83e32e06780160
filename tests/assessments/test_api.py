"""The assessment API: role × route, the statuses API.md fixes, independence, refused input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from coordinator.accounts.models import User
from coordinator.api.openapi import build
from coordinator.assessments import operations
from coordinator.assessments.models import Assessment
from coordinator.db import db
from coordinator.scheduling.models import Interview
from coordinator.timeutil import freeze
from tests.api.support import (
    assert_conflict,
    assert_invalid,
    assert_matches_document,
    assert_problem,
    openapi_path,
    table_counts,
)
from tests.assessments.conftest import after, ratings


@dataclass
class World:
    users: dict[str | None, User | None]
    interview: Interview
    #: The second panelist's submitted assessment; the first panelist ("panel") has a draft.
    submitted: Assessment


ROLES = ("admin", "recruiter", "hiring_manager", "panel", "interviewer", "other_manager", None)


@pytest.fixture
def world(
    admin, recruiter, hiring_manager, interviewer, make_user, interview, panelists, submit, draft
) -> World:
    peer, other = panelists
    after(interview)
    submitted = submit(interview, other)
    draft(interview, peer, notes="Thinking")
    users: dict[str | None, User | None] = {
        "admin": admin,
        "recruiter": recruiter,
        "hiring_manager": hiring_manager,
        "panel": peer,
        "interviewer": interviewer,
        "other_manager": make_user(("hiring_manager",)),
        None: None,
    }
    return World(users=users, interview=interview, submitted=submitted)


@pytest.fixture(scope="session")
def openapi_document(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return build(app)


def only(*roles: str, status: int = 200) -> dict[str | None, int]:
    return {role: status for role in roles}


STAFF = ("admin", "recruiter", "hiring_manager")


@dataclass
class Route:
    method: str
    rule: str
    path: Callable[[World], str]
    allowed: dict[str | None, int]
    body: Callable[[World], Any] | None = None

    def expected(self, role: str | None) -> int:
        return 401 if role is None else self.allowed.get(role, 403)


ROUTES = {
    "show_scorecard": Route(
        "GET",
        "/interviews/<int:interview_id>/scorecard",
        lambda w: f"/interviews/{w.interview.id}/scorecard",
        only(*STAFF, "panel"),
    ),
    "list_interview_assessments": Route(
        "GET",
        "/interviews/<int:interview_id>/assessments",
        lambda w: f"/interviews/{w.interview.id}/assessments",
        only(*STAFF, "panel"),
    ),
    "show_my_assessment": Route(
        "GET",
        "/interviews/<int:interview_id>/assessments/mine",
        lambda w: f"/interviews/{w.interview.id}/assessments/mine",
        only("panel"),
    ),
    "put_my_assessment": Route(
        "PUT",
        "/interviews/<int:interview_id>/assessments/mine",
        lambda w: f"/interviews/{w.interview.id}/assessments/mine",
        only("panel"),
        body=lambda w: {"notes": "More thoughts"},
    ),
    "show_assessment": Route(
        "GET",
        "/assessments/<int:assessment_id>",
        lambda w: f"/assessments/{w.submitted.id}",
        only(*STAFF),
    ),
    "reopen_assessment": Route(
        "POST",
        "/assessments/<int:assessment_id>/reopen",
        lambda w: f"/assessments/{w.submitted.id}/reopen",
        only("admin", "recruiter"),
        body=lambda w: {"reason": "Typo"},
    ),
    "list_candidacy_assessments": Route(
        "GET",
        "/candidacies/<int:candidacy_id>/assessments",
        lambda w: f"/candidacies/{w.interview.round.candidacy_id}/assessments",
        only(*STAFF, "panel"),
    ),
}


def call(api: Any, route: Route, world: World) -> Any:
    kwargs = {"json": route.body(world)} if route.body else {}
    return api.open(route.method, route.path(world), **kwargs)


def test_the_table_covers_every_assessment_endpoint(app):
    declared = {
        (rule.endpoint.split(".", 1)[1], method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and app.view_functions[rule.endpoint].__module__ == "coordinator.api.assessments"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert declared == {(name, r.method, r.rule) for name, r in ROUTES.items()}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_role_gets_the_status_the_contract_gives(name, role, world, api_as, openapi_document):
    route = ROUTES[name]
    response = call(api_as(world.users[role]), route, world)
    assert response.status_code == route.expected(role), response.get_data(as_text=True)[:400]
    assert_matches_document(
        openapi_document, "/api/v1" + openapi_path(route.rule), route.method, response
    )


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_absent_object_is_not_found(name, world, api_as):
    route = ROUTES[name]
    path = route.path(world)
    for number in {
        str(world.interview.id),
        str(world.submitted.id),
        str(world.interview.round.candidacy_id),
    }:
        path = path.replace(f"/{number}/", "/999999/").replace(f"/{number}", "/999999")
    kwargs = {"json": route.body(world)} if route.body else {}
    response = api_as(world.users["admin"]).open(route.method, path, **kwargs)
    assert_problem(response, 404)


# --- PUT /interviews/{id}/assessments/mine -------------------------------------------------------


@pytest.fixture
def peer_api(world, api_as):
    return api_as(world.users["panel"])


def mine(world: World) -> str:
    return f"/interviews/{world.interview.id}/assessments/mine"


def full_body(interview: Interview, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ratings": {str(k): v for k, v in ratings(interview, 3).items()},
        "recommendation": "yes",
        "notes": "Solid",
        "notes_for_later": "Ask about on-call",
        "submit": True,
    }
    body.update(overrides)
    return body


def test_put_saves_a_draft_and_answers_with_the_assessment(world, peer_api):
    criterion = operations.scorecard(world.interview)[0]
    response = peer_api.put(
        mine(world), json={"ratings": {str(criterion.id): 2}, "notes": "Half done"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "draft"
    assert body["ratings"] == {str(criterion.id): 2}
    assert body["rated_criteria"][0]["criterion_title"] == criterion.title
    assert body["submitted_at"] is None
    assert body["interviewer_id"] == world.users["panel"].id


def test_put_with_submit_submits(world, peer_api):
    response = peer_api.put(mine(world), json=full_body(world.interview))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "submitted"
    assert body["recommendation"] == "yes"
    assert body["notes_for_later"] == "Ask about on-call"
    assert body["submitted_at"].endswith("Z")


def test_second_submission_is_409_already_submitted(world, peer_api):
    assert peer_api.put(mine(world), json=full_body(world.interview)).status_code == 200
    before = table_counts()
    response = peer_api.put(mine(world), json=full_body(world.interview, recommendation="no"))
    assert_conflict(response, "already_submitted")
    assert table_counts() == before


def test_submitting_for_someone_else_is_impossible_off_the_panel(world, api_as):
    api = api_as(world.users["recruiter"])
    before = table_counts()
    response = api.put(mine(world), json=full_body(world.interview))
    assert_problem(response, 403)
    assert table_counts() == before


def test_submit_before_the_interview_starts_is_422(world, peer_api):
    freeze(world.interview.starts_at - timedelta(minutes=5))
    before = table_counts()
    body = assert_invalid(peer_api.put(mine(world), json=full_body(world.interview)), "submit")
    assert "started" in body["errors"]["submit"][0]
    assert table_counts() == before


def test_submit_without_a_required_rating_is_422_on_that_rating(world, peer_api):
    first, second, _optional = operations.scorecard(world.interview)
    body = assert_invalid(
        peer_api.put(mine(world), json=full_body(world.interview, ratings={str(first.id): 3})),
        f"ratings.{second.id}",
    )
    assert "required" in body["errors"][f"ratings.{second.id}"][0]


def test_submit_without_a_recommendation_is_422(world, peer_api):
    assert_invalid(
        peer_api.put(mine(world), json=full_body(world.interview, recommendation=None)),
        "recommendation",
    )


@pytest.mark.parametrize("score", [0, 5, -2, 3.5, "3", True])
def test_rating_off_the_scale_is_422_and_saves_nothing(world, peer_api, score):
    criterion = operations.scorecard(world.interview)[0]
    before = table_counts()
    response = peer_api.put(
        mine(world), json=full_body(world.interview, ratings={str(criterion.id): score})
    )
    assert_invalid(response, f"ratings.{criterion.id}")
    assert table_counts() == before


def test_criterion_of_another_scorecard_is_422(world, peer_api, job):
    foreign = job.second.criteria[0]
    body = assert_invalid(
        peer_api.put(mine(world), json={"ratings": {str(foreign.id): 3}}), f"ratings.{foreign.id}"
    )
    assert "scorecard" in body["errors"][f"ratings.{foreign.id}"][0]


@pytest.mark.parametrize("key", ["abc", "-1", "1.5", ""])
def test_rating_key_that_is_not_an_id_is_422(world, peer_api, key):
    assert_invalid(peer_api.put(mine(world), json={"ratings": {key: 3}}), f"ratings.{key}")


@pytest.mark.parametrize("value", ["maybe", "neutral", 3, "Strong yes"])
def test_recommendation_not_one_of_the_four_is_422(world, peer_api, value):
    assert_invalid(peer_api.put(mine(world), json={"recommendation": value}), "recommendation")


def test_unknown_member_is_422(world, peer_api):
    assert_invalid(peer_api.put(mine(world), json={"score": 4}), "score")


def test_body_that_is_not_json_is_400(world, peer_api):
    response = peer_api.put(
        mine(world), data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_not_on_panel_is_403_before_the_body_is_judged(world, api_as):
    response = api_as(world.users["interviewer"]).put(
        mine(world), data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 403)


# --- reading -------------------------------------------------------------------------------------


def listed(response: Any) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {item["interviewer_id"] for item in response.get_json()}


def assessments_path(world: World) -> str:
    return f"/interviews/{world.interview.id}/assessments"


def test_list_is_blind_for_a_panel_member_who_has_not_submitted(world, peer_api):
    assert listed(peer_api.get(assessments_path(world))) == {world.users["panel"].id}


def test_list_shows_colleagues_after_submitting(world, peer_api):
    peer_api.put(mine(world), json=full_body(world.interview))
    assert listed(peer_api.get(assessments_path(world))) == {
        world.users["panel"].id,
        world.submitted.interviewer_id,
    }


@pytest.mark.parametrize("role", STAFF)
def test_staff_list_every_submitted_assessment_but_no_drafts(world, api_as, role):
    assert listed(api_as(world.users[role]).get(assessments_path(world))) == {
        world.submitted.interviewer_id
    }


def test_list_items_carry_the_contract_fields(world, api_as):
    [item] = api_as(world.users["recruiter"]).get(assessments_path(world)).get_json()
    assert {"interviewer_id", "state", "recommendation", "ratings", "notes", "submitted_at"} <= set(
        item
    )
    assert item["ratings"] == {str(k): v for k, v in ratings(world.interview).items()}


def test_candidacy_list_is_blind_and_says_who_has_not_submitted(world, peer_api):
    body = peer_api.get(f"/candidacies/{world.interview.round.candidacy_id}/assessments").get_json()
    assert body["sees_others"] is False
    assert body["pending_own"] == 1
    assert {item["interviewer_id"] for item in body["items"]} == {world.users["panel"].id}
    assert [w["user_id"] for w in body["waiting"]] == [world.users["panel"].id]


def test_scorecard_gives_criteria_ids_scale_and_recommendations(world, peer_api):
    body = peer_api.get(f"/interviews/{world.interview.id}/scorecard").get_json()
    assert [c["title"] for c in body["criteria"]] == [
        "Problem solving",
        "Communication",
        "Curiosity",
    ]
    assert [c["is_required"] for c in body["criteria"]] == [True, True, False]
    assert [level["score"] for level in body["scale"]] == [1, 2, 3, 4]
    assert body["recommendations"] == ["strong_no", "no", "yes", "strong_yes"]


def test_my_assessment_is_404_before_i_start_one(world, api_as):
    response = api_as(world.users["panel"]).get(
        f"/interviews/{world.interview.id}/assessments/mine"
    )
    assert response.status_code == 200
    db.session.delete(operations.find(world.interview, world.users["panel"]))
    db.session.commit()
    assert_problem(
        api_as(world.users["panel"]).get(f"/interviews/{world.interview.id}/assessments/mine"), 404
    )


# --- reopening -----------------------------------------------------------------------------------


def test_reopen_answers_200_with_the_draft(world, api_as):
    response = api_as(world.users["recruiter"]).post(
        f"/assessments/{world.submitted.id}/reopen", json={"reason": "Wrong candidate"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "draft"
    assert response.get_json()["submitted_at"] is None


def test_reopen_of_a_draft_is_409(world, api_as):
    draft = operations.find(world.interview, world.users["panel"])
    assert_conflict(
        api_as(world.users["recruiter"]).post(
            f"/assessments/{draft.id}/reopen", json={"reason": "Nothing to reopen"}
        ),
        "not_submitted",
    )


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": 3}])
def test_reopen_needs_a_reason(world, api_as, body):
    api = api_as(world.users["recruiter"])
    before = table_counts()
    assert_invalid(api.post(f"/assessments/{world.submitted.id}/reopen", json=body), "reason")
    assert table_counts() == before
