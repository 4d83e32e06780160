"""The interview plan on a job's page: add, edit (scorecard included), reorder, remove."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.jobs import operations
from coordinator.jobs.models import Criterion, PlannedRound, Relationship, RoundKind
from tests.web.pages import field_error, is_marked_invalid, text, value_of


def _round_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Technical interview", "kind": "interview", "duration_minutes": "90",
        "description": "Pairing on a small task.",
        "seats_colleague": "0", "seats_peer": "2", "seats_supervisor": "1",
        "seats_hiring_manager": "0",
        "criteria-0-title": "Coding", "criteria-0-guidance": "Readable, tested code.",
        "criteria-0-is_required": "y", "criteria-0-relationship": "peer",
        "criteria-1-title": "Curiosity", "criteria-1-guidance": "",
        "criteria-1-relationship": "",
        "criteria-2-title": "", "criteria-2-guidance": "", "criteria-2-relationship": "",
    }
    data.update(overrides)
    return data


def _rounds(job_id: int) -> list[PlannedRound]:
    return list(db.session.scalars(
        sa.select(PlannedRound).where(PlannedRound.job_id == job_id)
        .order_by(PlannedRound.position)
    ))


def _edit_data(planned: PlannedRound) -> dict[str, Any]:
    """What the edit form posts back when nothing is changed."""
    data: dict[str, Any] = {
        "title": planned.title, "kind": planned.kind.value,
        "duration_minutes": str(planned.duration_minutes), "description": planned.description,
    }
    seats = {row.relationship: row.minimum for row in planned.required_relationships}
    for relationship in Relationship:
        data[f"seats_{relationship.value}"] = str(seats.get(relationship, 0))
    live = [c for c in planned.criteria if not c.is_retired]
    for index, criterion in enumerate(live):
        data[f"criteria-{index}-id"] = str(criterion.id)
        data[f"criteria-{index}-title"] = criterion.title
        data[f"criteria-{index}-guidance"] = criterion.guidance
        data[f"criteria-{index}-relationship"] = (criterion.relationship.value
                                                  if criterion.relationship else "")
        if criterion.is_required:
            data[f"criteria-{index}-is_required"] = "y"
    return data


def test_new_round_form_offers_three_blank_criteria(client, login, recruiter, make_job):
    job = make_job()
    login(recruiter)
    page = text(client.get(f"/jobs/{job.id}/plan/new"))
    assert page.count("New criterion") == 3
    assert 'name="criteria-3-title"' not in page


def test_recruiter_adds_a_round_with_seats_and_scorecard(client, login, recruiter, make_job):
    job = make_job()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/plan/new", data=_round_form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/jobs/{job.id}#plan")
    [planned] = _rounds(job.id)
    assert (planned.title, planned.kind, planned.duration_minutes) == (
        "Technical interview", RoundKind.interview, 90)
    assert sorted(planned.relationships) == ["peer", "peer", "supervisor"]
    coding, curiosity = planned.criteria
    assert (coding.title, coding.guidance, coding.is_required, coding.relationship) == (
        "Coding", "Readable, tested code.", True, Relationship.peer)
    assert (curiosity.title, curiosity.is_required, curiosity.relationship) == (
        "Curiosity", False, None)


def test_job_page_shows_the_plan_in_order_with_its_scorecards(client, login, hiring_manager,
                                                              make_job, make_planned_round):
    job = make_job(hiring_manager_id=hiring_manager.id)
    make_planned_round(job, title="Screen", criteria=["Motivation"])
    make_planned_round(job, title="Deep dive", relationships=["peer", "peer"])
    login(hiring_manager)
    page = text(client.get(f"/jobs/{job.id}"))
    assert page.index("Screen") < page.index("Deep dive")
    assert "Motivation" in page
    assert "Panel needs 2 peers" in page
    assert "Add a round" not in page
    assert "/move/" not in page


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"title": ""}, "title", "This field is required."),
    ({"title": "t" * 201}, "title", "Field cannot be longer than 200 characters."),
    ({"kind": "lunch"}, "kind", "Not a valid choice."),
    ({"duration_minutes": "an hour"}, "duration_minutes", "Not a valid integer value."),
    ({"duration_minutes": "481"}, "duration_minutes", "Number must be between 5 and 480."),
    ({"seats_peer": "-1"}, "seats_peer", "Number must be between 0 and 10."),
    ({"seats_peer": "many"}, "seats_peer", "Not a valid integer value."),
    ({"description": "d" * 2001}, "description", "Field cannot be longer than 2000 characters."),
    ({"criteria-1-title": "c" * 201}, "criteria-1-title",
     "Field cannot be longer than 200 characters."),
    ({"criteria-1-title": "coding"}, "criteria-1-title", "Two criteria have this title."),
    ({"criteria-2-guidance": "Guidance without a title"}, "criteria-2-title",
     "Give the criterion a title."),
    ({"criteria-0-relationship": "friend"}, "criteria-0-relationship", "Not a valid choice."),
])
def test_bad_round_input_rerenders_with_message_on_the_field(client, login, recruiter, make_job,
                                                             overrides, field_id, message):
    job = make_job()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/plan/new", data=_round_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, field_id)
    assert is_marked_invalid(page, field_id)
    assert value_of(page, "criteria-0-title") == "Coding"
    assert _rounds(job.id) == []


def test_editing_a_round_keeps_criterion_ids_and_retires_removed_ones(
        client, login, recruiter, make_job, make_planned_round):
    job = make_job()
    planned = make_planned_round(job, criteria=["Problem solving", "Communication", "Drive"])
    solving, communication, drive = planned.criteria
    ids = (solving.id, communication.id, drive.id)
    login(recruiter)
    form = text(client.get(f"/jobs/{job.id}/plan/{planned.id}/edit"))
    assert value_of(form, "criteria-0-id") == str(solving.id)
    assert form.count("New criterion") == 3

    data = _edit_data(planned)
    data.update({"title": "Renamed round", "criteria-0-title": "Problem solving (systems)",
                 "criteria-1-remove": "y", "criteria-3-title": "Teamwork"})
    response = client.post(f"/jobs/{job.id}/plan/{planned.id}/edit", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    planned = db.session.get(PlannedRound, planned.id)
    live = [c for c in planned.criteria if not c.is_retired]
    assert [(c.id, c.title) for c in live][:2] == [
        (ids[0], "Problem solving (systems)"), (ids[2], "Drive")]
    assert live[2].title == "Teamwork" and live[2].id not in ids
    assert db.session.get(Criterion, ids[1]).is_retired
    assert planned.title == "Renamed round"


def test_criterion_id_of_another_round_is_refused_on_its_row(
        client, login, recruiter, make_job, make_planned_round):
    job = make_job()
    planned = make_planned_round(job, criteria=["Mine"])
    foreign = make_planned_round(make_job(), criteria=["Theirs"]).criteria[0]
    login(recruiter)
    data = _edit_data(planned)
    data["criteria-0-id"] = str(foreign.id)
    response = client.post(f"/jobs/{job.id}/plan/{planned.id}/edit", data=data)
    assert response.status_code == 422
    assert field_error(text(response), "criteria-0-title") == "No such criterion on this round."
    db.session.refresh(foreign)
    assert foreign.title == "Theirs"


def test_tampered_criterion_id_is_refused_without_error_page(client, login, recruiter, make_job,
                                                             make_planned_round):
    job = make_job()
    planned = make_planned_round(job, criteria=["Mine"])
    login(recruiter)
    data = _edit_data(planned)
    data["criteria-0-id"] = "not-a-number"
    response = client.post(f"/jobs/{job.id}/plan/{planned.id}/edit", data=data)
    assert response.status_code == 422
    assert "This row was not recognised" in text(response)


def test_clearing_an_existing_criterion_title_asks_to_tick_remove(
        client, login, recruiter, make_job, make_planned_round):
    job = make_job()
    planned = make_planned_round(job, criteria=["Mine"])
    login(recruiter)
    data = _edit_data(planned)
    data["criteria-0-title"] = ""
    response = client.post(f"/jobs/{job.id}/plan/{planned.id}/edit", data=data)
    assert response.status_code == 422
    assert "or tick “Remove”" in field_error(text(response), "criteria-0-title")


@pytest.fixture
def plan_of_three(make_job, make_planned_round):
    job = make_job()
    rounds = [make_planned_round(job, title=title) for title in ("One", "Two", "Three")]
    return job, rounds


def test_moving_a_round_down_swaps_it_with_the_next(client, login, recruiter, plan_of_three):
    job, (one, _two, _three) = plan_of_three
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/plan/{one.id}/move/down")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#round-{one.id}")
    db.session.expire_all()
    assert [p.title for p in _rounds(job.id)] == ["Two", "One", "Three"]


def test_moving_a_round_up_swaps_it_with_the_previous(client, login, recruiter, plan_of_three):
    job, (_one, _two, three) = plan_of_three
    login(recruiter)
    assert client.post(f"/jobs/{job.id}/plan/{three.id}/move/up").status_code == 303
    db.session.expire_all()
    assert [p.title for p in _rounds(job.id)] == ["One", "Three", "Two"]


def test_moving_the_first_round_up_changes_nothing(client, login, recruiter, plan_of_three):
    job, (one, _two, _three) = plan_of_three
    login(recruiter)
    assert client.post(f"/jobs/{job.id}/plan/{one.id}/move/up").status_code == 303
    db.session.expire_all()
    assert [p.title for p in _rounds(job.id)] == ["One", "Two", "Three"]


def test_moving_needs_up_or_down(client, login, recruiter, plan_of_three):
    job, (one, _two, _three) = plan_of_three
    login(recruiter)
    assert client.post(f"/jobs/{job.id}/plan/{one.id}/move/sideways").status_code == 404


def test_move_is_post_only(client, login, recruiter, plan_of_three):
    job, (one, _two, _three) = plan_of_three
    login(recruiter)
    assert client.get(f"/jobs/{job.id}/plan/{one.id}/move/down").status_code == 405


def test_removing_a_round_closes_the_gap(client, login, recruiter, plan_of_three):
    job, (_one, two, _three) = plan_of_three
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/plan/{two.id}/remove")
    assert response.status_code == 303
    db.session.expire_all()
    assert [(p.position, p.title) for p in _rounds(job.id)] == [(0, "One"), (1, "Three")]
    assert "Round “Two” removed" in text(client.get(f"/jobs/{job.id}"))


def test_a_round_in_use_cannot_be_removed(client, login, recruiter, plan_of_three, monkeypatch):
    job, (_one, two, _three) = plan_of_three
    monkeypatch.setattr(operations, "IN_USE_CHECKS", [lambda planned: planned.id == two.id])
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/plan/{two.id}/remove")
    assert response.status_code == 422
    assert "it can no longer be removed" in text(response)
    db.session.expire_all()
    assert [p.title for p in _rounds(job.id)] == ["One", "Two", "Three"]


def test_a_scorecard_over_the_limit_is_refused_with_a_message(client, login, recruiter,
                                                              make_job, make_planned_round):
    job = make_job()
    planned = make_planned_round(job, criteria=[f"Criterion {n}" for n in
                                                range(operations.MAX_CRITERIA)])
    login(recruiter)
    data = _edit_data(planned)
    data[f"criteria-{operations.MAX_CRITERIA}-title"] = "One too many"
    response = client.post(f"/jobs/{job.id}/plan/{planned.id}/edit", data=data)
    assert response.status_code == 422
    assert f"At most {operations.MAX_CRITERIA} criteria." in text(response)
    db.session.expire_all()
    assert len(db.session.get(PlannedRound, planned.id).criteria) == operations.MAX_CRITERIA
