"""The candidacy and interview pages send the same number of SQL statements however many rounds,
interviewers, criteria and assessments a candidacy has (DESIGN.md, Scale)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput
from coordinator.timeutil import freeze
from tests.assessments.conftest import NOW, scorecard_input


@pytest.fixture
def grow(make_job, make_candidacy, make_user, recruiter, hiring_manager, book, submit):
    """A candidacy that gains rounds; each round's panel submits, but for one late member."""
    job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id)
    candidacy = make_candidacy(job=job, actor=recruiter)
    first_panelist = make_user(("interviewer",), name="First Panelist")
    state = SimpleNamespace(
        candidacy=candidacy, rounds=0, interviews=[], first_panelist=first_panelist
    )

    def more(rounds: int, panel_size: int, criteria: int) -> SimpleNamespace:
        for _ in range(rounds):
            state.rounds += 1
            planned = jobs.add_planned_round(
                job,
                scorecard_input(
                    f"Round {state.rounds}",
                    [CriterionInput(f"Criterion {state.rounds}.{n}") for n in range(criteria)],
                ),
                actor=recruiter,
            )
            db.session.commit()
            panel = [make_user(("interviewer",)) for _ in range(panel_size)]
            if state.rounds == 1:
                panel[0] = first_panelist
            freeze(NOW)
            interview = book(candidacy, planned, NOW + timedelta(days=state.rounds), panel)
            freeze(interview.ends_at + timedelta(hours=1))
            late = panel[-1] if panel_size > 1 else None
            for member in panel:
                if member is not late:
                    submit(interview, member, notes_for_later=f"Note by {member.name}")
            state.interviews.append(interview)
        freeze(NOW + timedelta(days=30))
        return state

    return more


def page_queries(client, url: str, count_queries) -> int:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return queries.count


@pytest.mark.parametrize("viewer", ["recruiter", "hiring_manager", "first_panelist"])
def test_candidacy_page_query_count_does_not_grow_with_rounds_or_assessments(
    client, login, grow, count_queries, request, viewer
):
    state = grow(rounds=1, panel_size=1, criteria=2)
    login(state.first_panelist if viewer == "first_panelist" else request.getfixturevalue(viewer))
    url = f"/candidacies/{state.candidacy.id}"
    small = page_queries(client, url, count_queries)
    grow(rounds=3, panel_size=4, criteria=8)
    large = page_queries(client, url, count_queries)
    assert large == small


def test_interview_page_query_count_does_not_grow_with_earlier_rounds(
    client, login, grow, count_queries, recruiter
):
    state = grow(rounds=2, panel_size=1, criteria=2)
    login(recruiter)
    small = page_queries(client, f"/interviews/{state.interviews[-1].id}", count_queries)
    grow(rounds=3, panel_size=4, criteria=8)
    large = page_queries(client, f"/interviews/{state.interviews[-1].id}", count_queries)
    assert large == small


def test_dashboard_query_count_does_not_grow_with_overdue_assessments(
    client, login, grow, count_queries, recruiter
):
    grow(rounds=1, panel_size=2, criteria=2)
    freeze(NOW + timedelta(days=10))
    login(recruiter)
    small = page_queries(client, "/", count_queries)
    grow(rounds=3, panel_size=4, criteria=3)
    freeze(NOW + timedelta(days=10))
    large = page_queries(client, "/", count_queries)
    assert large == small


# --- the busiest API doors: a stated number of statements, constant in the data -----------------

#: GET /api/v1/interviews/{id}: the token's user with their roles (1), the interview with its
#: round, candidacy, job, candidate, its panel with their users and whom of them the candidate
#: met before (1).
INTERVIEW_API_QUERIES = 2
#: PUT .../assessments/mine (a draft): the token's user (1), the interview with its panel and
#: scorecard (1), the draft locked with its ratings (1), the audit row (1); the UPDATEs of a
#: draft whose content did not change are not sent.
ASSESSMENT_DRAFT_QUERIES = 4


def api_queries(call, count_queries) -> int:
    with count_queries() as queries:
        response = call()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return queries


def test_interview_api_runs_a_stated_number_of_statements_whatever_the_history(
    api_as, grow, count_queries, recruiter
):
    state = grow(rounds=1, panel_size=1, criteria=2)
    api = api_as(recruiter)
    first = f"/interviews/{state.interviews[0].id}"
    small = api_queries(lambda: api.get(first), count_queries)
    grow(rounds=3, panel_size=4, criteria=8)
    last = f"/interviews/{state.interviews[-1].id}"
    large = api_queries(lambda: api.get(last), count_queries)
    assert small.count == INTERVIEW_API_QUERIES, str(small)
    assert large.count == small.count, str(large)


def test_assessment_draft_runs_a_stated_number_of_statements_whatever_the_history(
    api_as, grow, count_queries
):
    state = grow(rounds=1, panel_size=2, criteria=2)
    late = state.interviews[0].panel[-1].user
    api = api_as(late)
    interview = state.interviews[0]
    body = {
        "ratings": {str(c.id): 3 for c in interview.round.planned_round.criteria},
        "recommendation": "yes",
        "notes": "Draft",
        "submit": False,
    }
    path = f"/interviews/{interview.id}/assessments/mine"
    assert api.put(path, json=body).status_code == 200  # the first save creates the draft
    small = api_queries(lambda: api.put(path, json=body), count_queries)
    grow(rounds=3, panel_size=4, criteria=8)
    large = api_queries(lambda: api.put(path, json=body), count_queries)
    assert small.count == ASSESSMENT_DRAFT_QUERIES, str(small)
    assert large.count == small.count, str(large)
