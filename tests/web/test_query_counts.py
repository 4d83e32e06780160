"""List pages send the same number of SQL statements however much data there is."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coordinator.accounts import operations as accounts
from coordinator.audit.operations import record
from coordinator.db import db

PAGES = [
    "/",
    "/jobs",
    "/jobs?state=all",
    "/jobs/{job}",
    "/candidates",
    "/candidates?q=a",
    "/candidates/{candidate}",
    "/candidacies/{candidacy}",
    "/users",
    "/profile",
]


@pytest.fixture
def grow(admin, make_user, make_job, make_planned_round, make_candidate, make_candidacy):
    """Add ``n`` of everything around one job, one candidate and one candidacy."""
    manager = make_user(("hiring_manager",))
    job = make_job(actor=admin, hiring_manager_id=manager.id)
    candidate = make_candidate(actor=admin)
    candidacy = make_candidacy(job=job, candidate=candidate, actor=admin)
    focus = SimpleNamespace(job=job, candidate=candidate, candidacy=candidacy)

    def more(n: int) -> SimpleNamespace:
        for _ in range(n):
            other_manager = make_user(("hiring_manager", "interviewer"))
            other_job = make_job(actor=admin, hiring_manager_id=other_manager.id)
            make_planned_round(job, actor=admin)
            make_candidacy(job=job, actor=admin)
            make_candidacy(job=other_job, candidate=candidate, actor=admin)
            make_candidacy(job=other_job, actor=admin)
            record(other_manager, "candidacy.noted", candidacy, candidacy_id=candidacy.id)
            accounts.create_token(admin, actor=admin, name="token")
            db.session.commit()
        return focus

    return more


@pytest.mark.parametrize("path", PAGES)
def test_page_query_count_does_not_grow_with_the_data(client, login, admin, grow,
                                                      count_queries, path):
    focus = grow(1)
    login(admin)
    url = path.format(job=focus.job.id, candidate=focus.candidate.id,
                      candidacy=focus.candidacy.id)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(6)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def test_job_page_for_its_hiring_manager_also_stays_constant(client, login, grow, count_queries):
    focus = grow(1)
    login(focus.job.hiring_manager)
    url = f"/jobs/{focus.job.id}"
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(5)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)
