"""Compensation pages and API answers are never stored by browsers or proxies."""

from __future__ import annotations

import pytest

from tests.compensation.conftest import compensation_path


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("who", ["recruiter", "interviewer"])
def test_the_stage_page_is_not_stored(who, stage, candidacy, people, login):
    response = login(getattr(people, who)).get(compensation_path(candidacy))
    assert (response.status_code in (200, 403), _no_store(response)) == (True, True)


def test_a_refused_stage_form_is_not_stored(stage, candidacy, people, login):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/proposals", data={"proposal-amount": "-5"}
    )
    assert (response.status_code, _no_store(response)) == (422, True)


def test_the_redirect_after_a_form_is_not_stored(stage, candidacy, people, login):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/expectations",
        data={"expected-amount": "85000", "expected-currency": "EUR", "expected-period": "year"},
    )
    assert (response.status_code, _no_store(response)) == (303, True)


def test_the_stage_page_without_a_stage_is_not_stored(candidacy, people, login):
    response = login(people.recruiter).get(compensation_path(candidacy))
    assert (response.status_code, _no_store(response)) == (404, True)


@pytest.mark.parametrize(
    ("who", "status"), [("hiring_manager", 200), ("interviewer", 403), (None, 401)]
)
def test_the_api_answer_is_not_stored(who, status, stage, candidacy, people, api_as):
    user = getattr(people, who) if who else None
    response = api_as(user).get(compensation_path(candidacy))
    assert (response.status_code, _no_store(response)) == (status, True)


def test_an_api_error_is_not_stored(stage, candidacy, people, api_as):
    response = api_as(people.recruiter).put(compensation_path(candidacy), json={"outcome": "x"})
    assert (response.status_code, _no_store(response)) == (422, True)


def test_an_approval_answer_is_not_stored(stage, candidacy, people, api_as):
    response = api_as(people.recruiter).post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": 1, "decision": "approved", "reason": "x"},
    )
    assert (response.status_code, _no_store(response)) == (403, True)


def test_other_api_answers_keep_their_caching(stage, people, api_as):
    assert not _no_store(api_as(people.recruiter).get("/jobs"))
