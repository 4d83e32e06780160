"""A list's query count does not grow with its rows (DESIGN.md, Scale), and stays small.

Each list is requested with 3 rows and again with 60 (more than a page), and both requests must run
the same, stated number of SQL statements. Every row gets its own related objects (its own hiring
manager, candidacies on several jobs, a planned round), so a lazy load per row shows up as growth
instead of hiding behind the session's identity map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.models import Job
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput

SMALL, LARGE = 3, 60


@dataclass
class ListData:
    """Jobs, candidates and candidacies grown in steps; all candidates apply to the first job."""

    actor: User
    jobs: list[Job] = field(default_factory=list)
    candidate_count: int = 0

    @property
    def first_job(self) -> Job:
        return self.jobs[0]

    def grow_to(self, rows: int) -> None:
        """Have ``rows`` jobs, ``rows`` candidates and ``rows`` candidacies on the first job."""
        while len(self.jobs) < rows:
            n = len(self.jobs) + 1
            manager = accounts.create_user(actor=None, email=f"manager{n}@querycount.example",
                                           name=f"Manager {n}", roles={Role.hiring_manager})
            job = jobs.create_job(actor=self.actor, title=f"Job {n:03d}", department="Platform",
                                  location="Berlin", hiring_manager_id=manager.id,
                                  pay_band_min="70000", pay_band_max="90000",
                                  pay_band_currency="EUR")
            jobs.add_planned_round(job, PlannedRoundInput(
                title="First interview", duration_minutes=45, relationships=["peer"],
                criteria=[CriterionInput("Motivation")],
            ), actor=self.actor)
            self.jobs.append(job)
        while self.candidate_count < rows:
            n = self.candidate_count + 1
            person = candidates.create_candidate(actor=self.actor, name=f"Candidate {n:03d}",
                                                 email=f"cand{n}@querycount.example",
                                                 time_zone="Europe/Paris")
            candidates.open_candidacy(self.first_job, person, actor=self.actor)
            if n > 1:
                candidates.open_candidacy(self.jobs[n - 1], person, actor=self.actor)
            self.candidate_count = n
        db.session.commit()


@pytest.fixture
def list_data(recruiter: User) -> ListData:
    return ListData(actor=recruiter)


# name -> (path for the data, expected queries per request); API paths are under /api/v1.
# Pages: the signed-in user with their session and roles (1), then the page's rows and its count
# (2). API: the token's user with their roles (1), then the count and the rows (2). Relationships
# are lazy by default, so a list loads only what it shows: the jobs' hiring managers are joined
# into the rows' query, and nobody's roles are loaded but the viewer's.
PAGES = {
    # 1 + count + rows (with managers) + active candidacies per job (one grouped query)
    "jobs page": (lambda data: "/jobs", 4),
    "candidates page": (lambda data: "/candidates", 3),  # 1 + count + rows
}
API = {
    "api jobs": (lambda data: "/jobs?per_page=200", 3),  # 1 + count + rows (with managers)
    "api candidates": (lambda data: "/candidates?per_page=200", 3),  # 1 + count + rows
    # 1 + the job + count + rows (with their candidate)
    "api job candidacies": (lambda data: f"/jobs/{data.first_job.id}/candidacies?per_page=200",
                            4),
}


def _queries_for(get: Callable[[str], object], path: str, count_queries) -> object:
    with count_queries() as queries:
        response = get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return queries


@pytest.mark.parametrize("name", sorted(PAGES))
def test_list_page_query_count_does_not_grow_with_rows(name, list_data, recruiter, login,
                                                       count_queries):
    path_for, expected = PAGES[name]
    client = login(recruiter)

    list_data.grow_to(SMALL)
    small = _queries_for(client.get, path_for(list_data), count_queries)
    list_data.grow_to(LARGE)
    large = _queries_for(client.get, path_for(list_data), count_queries)

    assert large.count == small.count, f"{name} grows with rows (N+1?)\n{small}\n---\n{large}"
    assert small.count == expected, f"{name} (update the stated count if deliberate)\n{small}"


@pytest.mark.parametrize("name", sorted(API))
def test_api_list_query_count_does_not_grow_with_rows(name, list_data, recruiter, api_as,
                                                      count_queries):
    path_for, expected = API[name]
    api = api_as(recruiter)

    list_data.grow_to(SMALL)
    small = _queries_for(api.get, path_for(list_data), count_queries)
    list_data.grow_to(LARGE)
    large = _queries_for(api.get, path_for(list_data), count_queries)

    assert large.count == small.count, f"{name} grows with rows (N+1?)\n{small}\n---\n{large}"
    assert small.count == expected, f"{name} (update the stated count if deliberate)\n{small}"


def test_counter_sees_requests_and_skips_transaction_bookkeeping(recruiter, login, count_queries):
    client = login(recruiter)
    with count_queries() as queries:
        client.get("/jobs")
    assert queries.count > 0
    assert not any(s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))
                   for s in queries.statements)
