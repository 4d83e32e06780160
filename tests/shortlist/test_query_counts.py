"""The shortlist answers with the same number of SQL statements however many rows it has."""

from __future__ import annotations

import pytest

from coordinator.db import db
from coordinator.shortlist import operations
from tests.shortlist.conftest import at, criterion_ids


@pytest.fixture
def grow(scenario, make_candidacy, make_candidate, recruiter, book, open_round, assess):
    """Add candidacies, each with a first round assessed by two people and a decision."""
    ivan, priya = scenario.people["ivan"], scenario.people["priya"]
    ps, comm = criterion_ids(scenario.first)
    added = 0

    def more(n: int) -> None:
        nonlocal added
        for _ in range(n):
            candidacy = make_candidacy(
                job=scenario.job, actor=recruiter, candidate=make_candidate(actor=recruiter)
            )
            interview = book(open_round(candidacy, scenario.first), at(5, 8 + added), [ivan, priya])
            assess(interview, ivan, {ps: 3, comm: 4}, "yes", notes="Good")
            assess(interview, priya, {ps: 2, comm: 3}, "no")
            operations.record_decision(
                candidacy, actor=recruiter, outcome="advance", reason="Next round"
            )
            db.session.commit()
            added += 1

    return more


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/{job}/shortlist",
        "/jobs/{job}/shortlist?sort=-calibrated&state=active,shortlisted,rejected",
        "/jobs/{job}/shortlist.csv",
    ],
)
def test_shortlist_page_query_count_does_not_grow(
    path, scenario, grow, login, recruiter, count_queries
):
    grow(1)
    client = login(recruiter)
    url = path.format(job=scenario.job.id)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(5)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), f"{small}\n---\n{large}"
    assert len(small) <= 20, str(small)


def test_shortlist_api_query_count_does_not_grow(scenario, grow, api_as, recruiter, count_queries):
    grow(1)
    api = api_as(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist?per_page=200"
    with count_queries() as small:
        assert api.get(url).status_code == 200
    grow(5)
    with count_queries() as large:
        assert api.get(url).status_code == 200
    assert len(large) == len(small), f"{small}\n---\n{large}"


def _shortlist_statements(queries) -> list[str]:
    return [s for s in queries.statements if "shortlist_caches" in s]


@pytest.mark.parametrize(
    "path",
    ["/jobs/{job}/shortlist?per_page=200", "/jobs/{job}/shortlist/chart",
     "/jobs/{job}/shortlist?sort=-calibrated&state=active,shortlisted,rejected"],
)
def test_a_cached_shortlist_read_is_a_small_constant_number_of_statements(
    path, scenario, grow, api_as, recruiter, count_queries
):
    grow(1)
    api = api_as(recruiter)
    url = path.format(job=scenario.job.id)
    assert api.get(url).status_code == 200  # a miss: computes and stores the rows
    with count_queries() as small:
        assert api.get(url).status_code == 200
    grow(5)
    assert api.get(url).status_code == 200
    with count_queries() as large:
        assert api.get(url).status_code == 200
    assert len(large) == len(small), f"{small}\n---\n{large}"
    # The rows: one primary-key read of the job's cache row, nothing stored.
    assert len(_shortlist_statements(small)) == 1, str(small)
    assert len(small) <= 8, str(small)


def test_a_shortlist_cache_miss_is_constant_in_data_size(
    scenario, grow, api_as, recruiter, count_queries
):
    from coordinator.shortlist import cache

    api = api_as(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist?per_page=200&sort=-calibrated"

    def miss() -> object:
        cache.invalidate([scenario.job.id])
        db.session.commit()
        with count_queries() as queries:
            assert api.get(url).status_code == 200
        return queries

    grow(1)
    small = miss()
    grow(5)
    large = miss()
    assert len(large) == len(small), f"{small}\n---\n{large}"
    with count_queries() as hit:
        assert api.get(url).status_code == 200
    assert len(hit) < len(small)
