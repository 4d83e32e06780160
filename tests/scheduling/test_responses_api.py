"""``POST /interviews/{id}/responses`` and the response fields of ``GET /interviews/{id}``
(API.md v1.1): a panel member answers for themself; nobody else may."""

from __future__ import annotations

import pytest

from tests.scheduling.conftest import NOW
from tests.scheduling.test_interviews_api import api, booked, booking, team_round  # noqa: F401


def answer(client, interview_id: int, response: str = "accepted", **extra):
    return client.post(f"/interviews/{interview_id}/responses",
                       json={"response": response, **extra})


def test_new_interview_shows_everyone_as_not_answered(booked):  # noqa: F811
    assert [(p["response"], p["responded_at"]) for p in booked["panel"]] == [
        ("needs_action", None), ("needs_action", None)]
    assert booked["candidate"] == {"response": "needs_action", "responded_at": None}


def test_panel_member_answers_for_themself(booked, panelists, api_as):  # noqa: F811
    peer, _supervisor = panelists

    response = answer(api_as(peer), booked["id"], "tentative", comment="Train may be late")

    assert response.status_code == 200, response.get_json()
    seats = {p["user_id"]: (p["response"], p["responded_at"])
             for p in response.get_json()["panel"]}
    assert seats[peer.id] == ("tentative", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_the_answer_shows_in_get_interview(booked, panelists, api_as, api):  # noqa: F811
    peer, _supervisor = panelists
    answer(api_as(peer), booked["id"], "declined")

    shown = api.get(f"/interviews/{booked['id']}").get_json()

    assert {p["user_id"]: p["response"] for p in shown["panel"]}[peer.id] == "declined"


@pytest.mark.parametrize("who", ["recruiter", "hiring_manager", "outsider"])
def test_someone_not_on_the_panel_may_not_answer(booked, api_as, recruiter, hiring_manager,  # noqa: F811
                                                 make_user, who):
    user = {"recruiter": recruiter, "hiring_manager": hiring_manager,
            "outsider": make_user(("interviewer",))}[who]

    assert answer(api_as(user), booked["id"]).status_code == 403


@pytest.mark.parametrize("body", [{"response": "needs_action"}, {"response": "maybe"},
                                  {"response": "accepted", "comment": "x" * 1001}, {}])
def test_an_invalid_answer_is_422(booked, panelists, api_as, body):  # noqa: F811
    peer, _supervisor = panelists

    response = api_as(peer).post(f"/interviews/{booked['id']}/responses", json=body)

    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_answering_a_cancelled_interview_is_409(booked, panelists, api_as, api):  # noqa: F811
    peer, _supervisor = panelists
    api.post(f"/interviews/{booked['id']}/cancel", json={"reason": "Filled"})

    assert answer(api_as(peer), booked["id"]).status_code == 409


def test_answering_an_unknown_interview_is_404(panelists, api_as):
    peer, _supervisor = panelists

    assert answer(api_as(peer), 999_999).status_code == 404


def test_the_endpoint_is_in_the_openapi_document(api):  # noqa: F811
    document = api.get("/openapi.json").get_json()

    assert "post" in document["paths"]["/api/v1/interviews/{interview_id}/responses"]
