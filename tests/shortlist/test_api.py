"""The shortlist API: rows, filters, sorting, pages, comparison, decisions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.shortlist import operations
from coordinator.shortlist.models import Decision
from tests.api.support import (
    assert_conflict,
    assert_invalid,
    assert_matches_document,
    assert_problem,
)
from tests.shortlist.conftest import criterion_ids, expected_rows

ROW_FIELDS = {
    "candidacy_id",
    "candidate",
    "state",
    "rounds_done",
    "next_round",
    "per_criterion",
    "recommendations",
    "spread",
    "missing_assessments",
    "raw_score",
    "calibrated_score",
    "last_decision",
}


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


@pytest.fixture(scope="module")
def openapi_document(app):
    from coordinator.api.openapi import build

    with app.app_context():
        return build(app)


def shortlist(api, scenario, query: str = ""):
    return api.get(f"/jobs/{scenario.job.id}/shortlist{query}")


def test_rows_match_the_independently_computed_figures(scenario, api, openapi_document):
    response = shortlist(api, scenario)
    assert response.status_code == 200
    assert_matches_document(openapi_document, "/api/v1/jobs/{job_id}/shortlist", "GET", response)
    body = response.json
    expected = expected_rows(scenario)
    assert body["total"] == 3
    for item in body["items"]:
        assert set(item) >= ROW_FIELDS
        want = expected[item["candidacy_id"]]
        means = {s["criterion_id"]: s["mean"] for s in item["per_criterion"] if s["count"]}
        assert means == pytest.approx({k: round(v, 2) for k, v in want["means"].items()})
        assert {s["criterion_id"]: s["count"] for s in item["per_criterion"] if s["count"]} == want[
            "counts"
        ]
        assert item["recommendations"] == want["recommendations"]
        if want["spread"] is None:
            assert item["spread"] is None
        else:
            assert item["spread"] == pytest.approx(want["spread"], abs=1e-3)
        assert item["missing_assessments"] == want["missing"]
        assert item["raw_score"] == (
            None if want["raw"] is None else pytest.approx(want["raw"], abs=0.005)
        )


def test_rows_carry_candidate_rounds_and_calibration(scenario, api):
    body = shortlist(api, scenario).json
    alice = next(i for i in body["items"] if i["candidacy_id"] == scenario.candidacies["alice"].id)
    assert alice["candidate"]["name"] == "Alice Doe"
    assert alice["candidate"]["email"]
    assert (alice["rounds_done"], alice["next_round"]) == (2, None)
    assert alice["calibrated_score"] == pytest.approx(3.42)
    assert body["calibration"]["scope"] == "organisation"
    assert body["calibration"]["method"]
    assert [c["title"] for c in body["criteria"]][:2] == ["Problem solving", "Communication"]


def test_too_little_data_is_null(scenario, api):
    body = shortlist(api, scenario).json
    cara = next(i for i in body["items"] if i["candidacy_id"] == scenario.candidacies["cara"].id)
    assert cara["calibrated_score"] is None
    assert cara["spread"] is None


def test_the_hiring_manager_gets_rows_without_emails(scenario, api_as, hiring_manager):
    body = shortlist(api_as(hiring_manager), scenario).json
    assert {item["candidate"]["email"] for item in body["items"]} == {None}


def test_state_filter_is_comma_separated(scenario, api):
    body = shortlist(api, scenario, "?state=rejected,active").json
    assert body["total"] == 4


def test_unknown_state_is_refused(scenario, api):
    assert_invalid(shortlist(api, scenario, "?state=active,hired_elsewhere"), "state")


def test_round_filter(scenario, api):
    body = shortlist(api, scenario, f"?round_id={scenario.team.id}").json
    assert {i["candidacy_id"] for i in body["items"]} == {
        scenario.candidacies["alice"].id,
        scenario.candidacies["bob"].id,
    }


def test_a_round_of_another_plan_is_refused(scenario, api, make_job, make_planned_round):
    foreign = make_planned_round(make_job())
    assert_invalid(shortlist(api, scenario, f"?round_id={foreign.id}"), "round_id")


def test_sort_then_paginate(scenario, api):
    first = shortlist(api, scenario, "?sort=-raw&per_page=2").json
    second = shortlist(api, scenario, "?sort=-raw&per_page=2&page=2").json
    c = scenario.candidacies
    assert [i["candidacy_id"] for i in first["items"]] == [c["alice"].id, c["bob"].id]
    assert [i["candidacy_id"] for i in second["items"]] == [c["cara"].id]
    assert (first["total"], first["sort"]) == (3, "-raw")


def test_sort_by_criterion(scenario, api):
    ps, _ = criterion_ids(scenario.first)
    body = shortlist(api, scenario, f"?sort=-criterion:{ps}").json
    assert body["items"][0]["candidacy_id"] == scenario.candidacies["alice"].id


@pytest.mark.parametrize(
    "query",
    [
        "?sort=salary",
        "?sort=criterion:0",
        "?round_id=x",
        "?colour=blue",
    ],
)
def test_bad_query_is_422(scenario, api, query):
    assert_problem(shortlist(api, scenario, query), 422)


def test_last_decision_is_in_the_row(scenario, api, recruiter):
    operations.record_decision(
        scenario.candidacies["bob"], actor=recruiter, outcome="hold", reason="Waiting"
    )
    operations.record_decision(
        scenario.candidacies["bob"], actor=recruiter, outcome="advance", reason="Go"
    )
    db.session.commit()
    body = shortlist(api, scenario, "?state=active,shortlisted").json
    bob = next(i for i in body["items"] if i["candidacy_id"] == scenario.candidacies["bob"].id)
    assert (bob["last_decision"]["outcome"], bob["last_decision"]["reason"]) == ("advance", "Go")
    assert bob["state"] == "shortlisted"


# --- compare -----------------------------------------------------------------------------------


def test_compare_gives_rows_and_visible_assessments(scenario, api, openapi_document):
    c = scenario.candidacies
    response = api.get(
        f"/jobs/{scenario.job.id}/shortlist/compare?ids={c['bob'].id},{c['alice'].id}"
    )
    assert response.status_code == 200
    assert_matches_document(
        openapi_document, "/api/v1/jobs/{job_id}/shortlist/compare", "GET", response
    )
    body = response.json
    assert [i["candidacy_id"] for i in body["candidacies"]] == [c["bob"].id, c["alice"].id]
    alice = body["candidacies"][1]
    assert {a["interviewer_name"] for a in alice["assessments"]} == {
        "Ivan Interviewer",
        "Priya Interviewer",
    }
    assert all(a["state"] == "submitted" for a in alice["assessments"])


@pytest.mark.parametrize("ids", ["1", "1,2,3,4,5", "", "a,b"])
def test_compare_needs_two_to_four_ids(scenario, api, ids):
    assert_invalid(api.get(f"/jobs/{scenario.job.id}/shortlist/compare?ids={ids}"))


def test_compare_refuses_candidacies_of_another_job(scenario, api, make_candidacy):
    stranger = make_candidacy()
    response = api.get(
        f"/jobs/{scenario.job.id}/shortlist/compare?ids="
        f"{scenario.candidacies['alice'].id},{stranger.id}"
    )
    assert_invalid(response, "ids.1")


# --- decisions ---------------------------------------------------------------------------------


def post_decision(api, candidacy_id: int, **body):
    return api.post(f"/candidacies/{candidacy_id}/decisions", json=body)


def test_recording_a_decision_answers_201_and_the_state_follows(
    scenario, api, recruiter, openapi_document
):
    bob = scenario.candidacies["bob"]
    response = post_decision(api, bob.id, outcome="offer", reason="Best of the bunch")
    assert response.status_code == 201, response.json
    assert_matches_document(
        openapi_document, "/api/v1/candidacies/{candidacy_id}/decisions", "POST", response
    )
    assert response.json["outcome"] == "offer"
    assert response.json["actor_id"] == recruiter.id
    detail = api.get(f"/candidacies/{bob.id}").json
    assert detail["state"] == "offer"
    assert [d["reason"] for d in detail["decisions"]] == ["Best of the bunch"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "promote", "reason": "Because"}, "outcome"),
        ({"outcome": "advance", "reason": ""}, "reason"),
        ({"outcome": "advance", "reason": "   "}, "reason"),
        ({"outcome": "advance"}, "reason"),
        ({"outcome": "advance", "reason": "x" * 4001}, "reason"),
        ({"outcome": "advance", "reason": "ok", "confirm_missing": "yes"}, "confirm_missing"),
    ],
)
def test_invalid_decisions_are_422(scenario, api, body, field):
    assert_invalid(post_decision(api, scenario.candidacies["bob"].id, **body), field)
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_missing_assessments_are_a_409_until_confirmed(scenario, api):
    alice = scenario.candidacies["alice"]
    body = assert_conflict(
        post_decision(api, alice.id, outcome="advance", reason="Strong"), "missing_assessments"
    )
    assert body["conflicts"][0]["missing"] == 2
    response = post_decision(
        api, alice.id, outcome="advance", reason="Strong", confirm_missing=True
    )
    assert response.status_code == 201
    assert response.json["missing_assessments"] == 2


def test_a_closed_candidacy_is_a_409(scenario, api):
    assert_conflict(
        post_decision(api, scenario.candidacies["dan"].id, outcome="hold", reason="Again"), "closed"
    )


def test_an_unknown_candidacy_is_404(api):
    assert_problem(post_decision(api, 999_999, outcome="hold", reason="Who?"), 404)


def test_a_hiring_manager_of_another_job_is_403(scenario, api_as, make_user, make_job):
    other_manager = make_user(("hiring_manager",))
    make_job(hiring_manager_id=other_manager.id)
    response = post_decision(
        api_as(other_manager), scenario.candidacies["bob"].id, outcome="hold", reason="Not mine"
    )
    assert_problem(response, 403)


def test_a_body_that_is_not_json_is_400(scenario, api):
    response = api.post(
        f"/candidacies/{scenario.candidacies['bob'].id}/decisions",
        data="outcome=hold",
        content_type="application/json",
    )
    assert_problem(response, 400)
