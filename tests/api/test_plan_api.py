"""A job's interview plan over the API: rounds in order, criteria with ids, wrong parents 404."""

from __future__ import annotations

import pytest

from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import PlannedRound
from tests.api.support import assert_conflict, assert_invalid, assert_problem, table_counts


@pytest.fixture
def recruiter(make_user):
    return make_user(("recruiter",))


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


@pytest.fixture
def job(make_job, recruiter):
    return make_job(actor=recruiter)


def round_body(**overrides):
    body = {"title": "Team interview", "kind": "interview", "duration_minutes": 60,
            "relationships": ["peer", "supervisor"],
            "criteria": [{"title": "System design", "guidance": "Trade-offs"},
                         {"title": "Communication"}]}
    body.update(overrides)
    return body


def test_added_round_gets_201_with_criterion_ids(api, job):
    response = api.post(f"/jobs/{job.id}/plan", json=round_body())
    assert response.status_code == 201
    assert response.json["relationships"] == ["peer", "supervisor"]
    assert [c["title"] for c in response.json["criteria"]] == ["System design", "Communication"]
    assert all(isinstance(c["id"], int) for c in response.json["criteria"])


def test_repeated_relationship_asks_for_that_many_seats(api, job):
    response = api.post(f"/jobs/{job.id}/plan", json=round_body(relationships=["peer", "peer"]))
    assert response.json["relationships"] == ["peer", "peer"]


def test_rounds_are_listed_in_plan_order(api, job, make_planned_round, recruiter):
    first = make_planned_round(job, actor=recruiter, title="Screen")
    second = make_planned_round(job, actor=recruiter, title="Onsite")
    response = api.get(f"/jobs/{job.id}/plan")
    assert [(r["id"], r["position"]) for r in response.json["items"]] == [(first.id, 0),
                                                                          (second.id, 1)]
    assert response.json["total"] == 2


def test_reorder_puts_rounds_in_the_given_order(api, job, make_planned_round, recruiter):
    first = make_planned_round(job, actor=recruiter)
    second = make_planned_round(job, actor=recruiter)
    response = api.put(f"/jobs/{job.id}/plan/order", json={"order": [second.id, first.id]})
    assert response.status_code == 200
    assert [r["id"] for r in response.json["items"]] == [second.id, first.id]


def test_update_keeps_criterion_ids_given_and_retires_the_rest(api, job, make_planned_round,
                                                               recruiter):
    planned = make_planned_round(job, actor=recruiter, criteria=["Design", "Coding"])
    design = planned.criteria[0]
    response = api.put(f"/jobs/{job.id}/plan/{planned.id}", json=round_body(
        criteria=[{"id": design.id, "title": "Design depth"}, {"title": "Testing"}]))
    assert response.status_code == 200
    criteria = response.json["criteria"]
    assert [c["title"] for c in criteria] == ["Design depth", "Testing"]
    assert criteria[0]["id"] == design.id


def test_remove_answers_the_remaining_plan(api, job, make_planned_round, recruiter):
    doomed = make_planned_round(job, actor=recruiter)
    kept = make_planned_round(job, actor=recruiter)
    response = api.delete(f"/jobs/{job.id}/plan/{doomed.id}")
    assert response.status_code == 200
    assert [(r["id"], r["position"]) for r in response.json["items"]] == [(kept.id, 0)]


def test_removing_a_round_candidacies_use_is_409_and_keeps_it(api, job, make_planned_round,
                                                              recruiter, monkeypatch):
    planned = make_planned_round(job, actor=recruiter)
    monkeypatch.setattr(jobs, "IN_USE_CHECKS", [lambda p: p.id == planned.id])
    before = table_counts()
    assert_conflict(api.delete(f"/jobs/{job.id}/plan/{planned.id}"), "planned_round_in_use")
    assert table_counts() == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_round_of_another_job_is_404_and_untouched(api, job, make_job, make_planned_round,
                                                   recruiter, method):
    foreign = make_planned_round(make_job(actor=recruiter), actor=recruiter, title="Foreign")
    before = table_counts()
    response = api.open(method, f"/jobs/{job.id}/plan/{foreign.id}",
                        **({"json": round_body()} if method == "PUT" else {}))
    assert_problem(response, 404)
    assert db.session.get(PlannedRound, foreign.id).title == "Foreign"
    assert table_counts() == before


@pytest.mark.parametrize("path", ["/jobs/999999/plan", "/jobs/999999/plan/1",
                                  "/jobs/999999/plan/order"])
def test_plan_of_an_absent_job_is_404_even_with_a_bad_body(api, path):
    method = "POST" if path.endswith("/plan") else "PUT"
    assert_problem(api.open(method, path, json={"nonsense": True}), 404)


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"kind": "panel"}, "kind"),
    ({"duration_minutes": 4}, "duration_minutes"),
    ({"duration_minutes": 481}, "duration_minutes"),
    ({"duration_minutes": "60"}, "duration_minutes"),
    ({"duration_minutes": 60.5}, "duration_minutes"),
    ({"relationships": ["boss"]}, "relationships.0"),
    ({"relationships": ["peer"] * 11}, "relationships"),
    ({"relationships": "peer"}, "relationships"),
    ({"criteria": [{"title": ""}]}, "criteria.0.title"),
    ({"criteria": [{"title": "Fine"}, {"title": "   "}]}, "criteria.1.title"),
    ({"criteria": [{"title": "Same"}, {"title": "same"}]}, "criteria.1.title"),
    ({"criteria": [{"title": "Ok", "guidance": "x" * 2001}]}, "criteria.0.guidance"),
    ({"criteria": [{"title": "Ok", "relationship": "friend"}]}, "criteria.0.relationship"),
    ({"criteria": [{"title": "Ok", "weight": 2}]}, "criteria.0.weight"),
    ({"criteria": [{"title": "Ok", "id": 999999}]}, "criteria.0.id"),
    ({"criteria": [{"title": f"C{i}"} for i in range(31)]}, "criteria"),
    ({"description": "x" * 2001}, "description"),
    ({"position": 3}, "position"),
])
def test_invalid_round_is_422_on_the_dotted_field_and_saves_nothing(api, job, change, field):
    before = table_counts()
    assert_invalid(api.post(f"/jobs/{job.id}/plan", json=round_body(**change)), field)
    assert table_counts() == before


def test_invalid_update_is_422_and_changes_nothing(api, job, make_planned_round, recruiter):
    planned = make_planned_round(job, actor=recruiter, title="Original", criteria=["Design"])
    before = table_counts()
    response = api.put(f"/jobs/{job.id}/plan/{planned.id}",
                       json=round_body(criteria=[{"title": "A"}, {"title": "a"}]))
    assert_invalid(response, "criteria.1.title")
    db.session.refresh(planned)
    assert planned.title == "Original"
    assert [c.title for c in planned.criteria if not c.is_retired] == ["Design"]
    assert table_counts() == before


@pytest.mark.parametrize(("order", "field"), [([], "order"), ("all", "order"),
                                              (["a"], "order.0"), ([0], "order.0")])
def test_malformed_order_is_422(api, job, order, field):
    assert_invalid(api.put(f"/jobs/{job.id}/plan/order", json={"order": order}), field)


def test_order_that_misses_a_round_is_422_and_changes_nothing(api, job, make_planned_round,
                                                              recruiter):
    first = make_planned_round(job, actor=recruiter)
    second = make_planned_round(job, actor=recruiter)
    assert_invalid(api.put(f"/jobs/{job.id}/plan/order", json={"order": [second.id]}), "order")
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.position, second.position) == (0, 1)


def test_order_naming_another_jobs_round_is_422(api, job, make_job, make_planned_round,
                                                recruiter):
    mine = make_planned_round(job, actor=recruiter)
    foreign = make_planned_round(make_job(actor=recruiter), actor=recruiter)
    response = api.put(f"/jobs/{job.id}/plan/order", json={"order": [mine.id, foreign.id]})
    assert_invalid(response, "order")
