"""Portal fixtures: the scheduling world (frozen clock, plan, panelists, booking) and a scene.

The scene: a candidate in New York; a first interview with the hiring manager on Tuesday, then a
team interview with a peer, a supervisor and the hiring manager again on Wednesday.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from coordinator.candidates import links
from coordinator.candidates.models import Candidacy

# The scheduling fixtures (frozen clock, plan, rounds, panelists, booking helper) serve here too.
from tests.scheduling.conftest import *  # noqa: F403
from tests.scheduling.conftest import at


def portal_path(candidacy: Candidacy, **kwargs: int) -> str:
    """The path of a fresh link to the candidacy's page."""
    return f"/p/{links.issue(candidacy, **kwargs).token}"


def article(page: str, interview_id: int) -> str:
    """The part of the page about one interview."""
    start = page.index(f'id="interview-{interview_id}"')
    return page[start : page.index("</article>", start)]


def tampered(path: str) -> str:
    """The same link with one character inside its signature changed (not the last one: its
    low bits are base64 padding, so some changes there leave the signature as it was)."""
    at = len(path) - 5
    return path[:at] + ("A" if path[at] != "A" else "B") + path[at + 1 :]


@pytest.fixture
def manager(make_user):
    return make_user(
        ("hiring_manager",),
        name="Hana Hiring",
        job_title="Head of Platform",
        email="hana.hiring@example.com",
        bio="Hana has led the platform group since 2019 and hires for it.",
    )


@pytest.fixture
def scene(
    plan, make_candidacy, make_candidate, make_round, panelists, manager, book, recruiter
) -> SimpleNamespace:
    job, first, team = plan
    peer, supervisor = panelists
    candidate = make_candidate(name="Nora Newyork", time_zone="America/New_York")
    candidacy = make_candidacy(job=job, candidate=candidate, actor=recruiter)
    first_round = make_round(candidacy, first)
    team_round = make_round(candidacy, team)
    first_interview = book(
        first_round, at(2, 9), [(manager, "hiring_manager")], location="Room 4, Alexanderplatz 1"
    ).interview
    team_interview = book(
        team_round,
        at(3, 9),
        [(peer, "peer"), (supervisor, "supervisor"), (manager, "hiring_manager")],
        video_url="https://meet.example.com/team-nora",
    ).interview
    return SimpleNamespace(
        job=job,
        first=first,
        team=team,
        candidate=candidate,
        candidacy=candidacy,
        first_round=first_round,
        team_round=team_round,
        first_interview=first_interview,
        team_interview=team_interview,
        peer=peer,
        supervisor=supervisor,
        manager=manager,
    )


@pytest.fixture
def open_portal(client, scene) -> Callable[..., str]:
    """GET the scene's candidate page (optionally with a query string); returns the HTML."""

    def get(query: str = "", status: int = 200) -> str:
        response = client.get(portal_path(scene.candidacy) + query)
        assert response.status_code == status, response.get_data(as_text=True)[:1000]
        return response.get_data(as_text=True)

    return get
