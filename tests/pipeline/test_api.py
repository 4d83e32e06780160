"""The pipeline API: the same rows, counts and filters as the page; bulk actions answer 200
with one result per candidacy, 422 for bad input."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.db import db
from coordinator.webhooks.models import WebhookDelivery


def test_pipeline_lists_rows_with_status_and_counts(api_as, world, job, recruiter):
    response = api_as(recruiter).get(f"/jobs/{job.job.id}/pipeline?per_page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 6 and body["page"] == 1 and body["per_page"] == 2
    assert len(body["items"]) == 2
    assert body["items"][0]["candidate"]["name"] == "Ada Awaiting"
    assert body["items"][0]["status"] == "awaiting_assessments"
    assert body["items"][0]["current_round"]["planned_round_id"] == job.first.id
    counts = {c["status"]: c["count"] for c in body["counts"]["by_status"]}
    assert counts["waiting_to_schedule"] == 2 and counts["closed"] == 0
    assert body["counts"]["by_round"][0] == {"planned_round_id": None,
                                             "title": "No round yet", "count": 2}


def test_pipeline_filters_by_status_round_state_and_name(api_as, world, job, recruiter):
    client = api_as(recruiter)
    base = f"/jobs/{job.job.id}/pipeline"
    closed = client.get(f"{base}?state=rejected&status=closed").get_json()
    assert [r["candidate"]["name"] for r in closed["items"]] == ["Rex Rejected"]
    passed = client.get(f"{base}?round_id={job.first.id}&q=pat").get_json()
    (row,) = passed["items"]
    assert row["passed_current_round"] is True
    assert row["next_round"]["planned_round_id"] == job.second.id
    none = client.get(f"{base}?round_id=none").get_json()
    assert {r["candidate"]["name"] for r in none["items"]} == {"Nina New", "Otto Offer"}


def test_bad_filters_are_422_naming_each_field(api_as, world, job, recruiter):
    response = api_as(recruiter).get(
        f"/jobs/{job.job.id}/pipeline?status=soon&state=maybe&round_id=x")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"status", "state", "round_id"}


def test_reject_in_bulk_reports_each_candidacy_and_emits_decisions(api_as, world, job,
                                                                   hiring_manager):
    response = api_as(hiring_manager).post(
        f"/jobs/{job.job.id}/pipeline/actions",
        json={"action": "reject", "candidacy_ids": [world.new.id, world.rejected.id],
              "reason": "Position closed."})
    assert response.status_code == 200
    body = response.get_json()
    assert body["done"] == 1 and body["failed"] == 1
    results = {r["candidacy_id"]: r for r in body["results"]}
    assert results[world.new.id]["ok"] is True
    assert results[world.rejected.id]["ok"] is False
    assert "takes no more decisions" in results[world.rejected.id]["detail"]
    assert db.session.get(Candidacy, world.new.id).state is CandidacyState.rejected


def test_hiring_manager_may_not_open_rounds_in_bulk(api_as, world, job, hiring_manager):
    response = api_as(hiring_manager).post(
        f"/jobs/{job.job.id}/pipeline/actions",
        json={"action": "open_next_round", "candidacy_ids": [world.new.id]})
    assert response.status_code == 403


def test_bad_actions_are_422(api_as, world, job, recruiter, make_candidacy):
    client = api_as(recruiter)
    path = f"/jobs/{job.job.id}/pipeline/actions"
    assert client.post(path, json={"action": "hire", "candidacy_ids": [world.new.id]}
                       ).status_code == 422
    assert client.post(path, json={"action": "reject", "candidacy_ids": []}).status_code == 422
    no_reason = client.post(path, json={"action": "reject", "candidacy_ids": [world.new.id]})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    elsewhere = make_candidacy(actor=recruiter)
    other = client.post(path, json={"action": "reject", "candidacy_ids": [world.new.id,
                                                                         elsewhere.id],
                                    "reason": "x"})
    assert other.status_code == 422
    assert "candidacy_ids.1" in other.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(Candidacy, world.new.id).state is CandidacyState.active
    assert client.post(path, data="nope", content_type="application/json").status_code == 400


def test_open_next_round_gives_each_new_round(api_as, world, job, recruiter):
    response = api_as(recruiter).post(
        f"/jobs/{job.job.id}/pipeline/actions",
        json={"action": "open_next_round", "candidacy_ids": [world.passed.id, world.new.id]})
    body = response.get_json()
    assert body["done"] == 2
    assert all(r["round_id"] for r in body["results"])
    again = api_as(recruiter).post(
        f"/jobs/{job.job.id}/pipeline/actions",
        json={"action": "open_next_round", "candidacy_ids": [world.passed.id]}).get_json()
    assert again["failed"] == 1
    assert "no further round" in again["results"][0]["detail"]


def test_the_pipeline_api_runs_the_same_statements_however_many_rows(
        api_as, world, job, recruiter, make_applicant, count_queries):
    client = api_as(recruiter)
    path = f"/jobs/{job.job.id}/pipeline"
    client.get(path)
    with count_queries() as small:
        client.get(path)
    for n in range(40):
        make_applicant(f"Grown {n:03d}")
    with count_queries() as large:
        assert client.get(path).status_code == 200
    assert small.count == large.count, str(large)


def test_a_webhook_hears_each_bulk_decision(api_as, world, job, recruiter, admin):
    from coordinator.webhooks import operations as webhooks

    webhooks.create_endpoint(actor=admin, url="https://hooks.example.com/in",
                             events=["decision.recorded"], secret="s" * 20)
    db.session.commit()
    api_as(recruiter).post(f"/jobs/{job.job.id}/pipeline/actions",
                           json={"action": "reject", "reason": "Closed.",
                                 "candidacy_ids": [world.new.id, world.ready.id]})
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 2
