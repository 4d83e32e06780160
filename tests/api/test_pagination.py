"""Lists answer the envelope {items, page, per_page, total}: 50 a page by default, at most 200."""

from __future__ import annotations

import pytest

from coordinator.candidates import operations as candidates
from coordinator.db import db
from tests.api.support import assert_problem


@pytest.fixture
def recruiter(make_user):
    return make_user(("recruiter",))


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


@pytest.fixture
def many_candidates(recruiter):
    for n in range(205):
        candidates.create_candidate(actor=recruiter, name=f"Candidate {n:03}",
                                    email=f"c{n}@example.com")
    db.session.commit()


def test_default_page_is_the_first_fifty(api, many_candidates):
    body = api.get("/candidates").json
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 205)
    assert len(body["items"]) == 50
    assert body["items"][0]["name"] == "Candidate 000"


def test_per_page_up_to_two_hundred(api, many_candidates):
    body = api.get("/candidates?per_page=200").json
    assert len(body["items"]) == 200


def test_per_page_above_two_hundred_is_400(api):
    body = assert_problem(api.get("/candidates?per_page=201"), 400)
    assert list(body["errors"]) == ["per_page"]


def test_last_page_holds_the_rest(api, many_candidates):
    body = api.get("/candidates?page=5&per_page=50").json
    assert [c["name"] for c in body["items"]] == [f"Candidate {n}" for n in range(200, 205)]


def test_page_past_the_end_is_empty_with_the_total(api, many_candidates):
    body = api.get("/candidates?page=9").json
    assert (body["items"], body["total"], body["page"]) == ([], 205, 9)


def test_pages_do_not_overlap(api, many_candidates):
    first = {c["id"] for c in api.get("/candidates?per_page=30&page=1").json["items"]}
    second = {c["id"] for c in api.get("/candidates?per_page=30&page=2").json["items"]}
    assert len(first | second) == 60


def test_total_counts_the_filtered_rows(api, many_candidates):
    body = api.get("/candidates?q=Candidate 19").json
    assert body["total"] == 10  # Candidate 190 to 199
