"""The foundation API's routes, each with a request to make and the status each role gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.api.conftest import ROLES, World

#: The API modules whose endpoints these routes cover (later domains keep their own tables).
FOUNDATION_MODULES = {"coordinator.api.users", "coordinator.api.jobs",
                      "coordinator.api.candidates", "coordinator.api.meta"}

EVERYONE = {"admin": 200, "recruiter": 200, "hiring_manager": 200, "interviewer": 200}


def only(*roles: str, status: int = 200) -> dict[str, int]:
    return {role: status for role in roles}


@dataclass
class Route:
    endpoint: str
    method: str
    rule: str
    path: Callable[[World], str]
    allowed: dict[str, int]
    body: Callable[[World], Any] | None = None
    anonymous: int = 401
    expected: dict[str | None, int] = field(init=False)

    def __post_init__(self) -> None:
        self.expected = {role: self.allowed.get(role, 403) if role else self.anonymous
                         for role in ROLES}

    def request(self, world: World) -> tuple[str, dict[str, Any]]:
        """The path and keyword arguments of a request, worked out before any is sent."""
        return self.path(world), ({"json": self.body(world)} if self.body else {})

    def call(self, api: Any, world: World) -> Any:
        path, kwargs = self.request(world)
        return api.open(self.method, path, **kwargs)


def _job_body(world: World) -> dict[str, Any]:
    return {"title": "Data Engineer", "pay_band": {"min": "60000", "max": "80000",
                                                   "currency": "EUR"}}


def _round_body(world: World) -> dict[str, Any]:
    return {"title": "Pairing", "duration_minutes": 90, "relationships": ["peer"],
            "criteria": [{"title": "Collaboration"}]}


ROUTES = [
    Route("list_users", "GET", "/users", lambda w: "/users", only("admin", "recruiter")),
    Route("create_user", "POST", "/users", lambda w: "/users", only("admin", status=201),
          body=lambda w: {"email": "new.person@example.com", "name": "New Person",
                          "roles": ["interviewer"]}),
    Route("show_me", "GET", "/users/me", lambda w: "/users/me", EVERYONE),
    Route("show_user", "GET", "/users/<int:user_id>", lambda w: f"/users/{w.other_user.id}",
          only("admin", "recruiter")),
    Route("update_user", "PATCH", "/users/<int:user_id>",
          lambda w: f"/users/{w.other_user.id}", only("admin"),
          body=lambda w: {"job_title": "Staff Engineer"}),
    Route("list_jobs", "GET", "/jobs", lambda w: "/jobs", EVERYONE),
    Route("create_job", "POST", "/jobs", lambda w: "/jobs",
          only("admin", "recruiter", status=201), body=_job_body),
    Route("show_job", "GET", "/jobs/<int:job_id>", lambda w: f"/jobs/{w.job.id}", EVERYONE),
    Route("update_job", "PATCH", "/jobs/<int:job_id>", lambda w: f"/jobs/{w.job.id}",
          only("admin", "recruiter"), body=lambda w: {"title": "Senior Data Engineer"}),
    Route("show_plan", "GET", "/jobs/<int:job_id>/plan", lambda w: f"/jobs/{w.job.id}/plan",
          only("admin", "recruiter")),
    Route("add_planned_round", "POST", "/jobs/<int:job_id>/plan",
          lambda w: f"/jobs/{w.job.id}/plan", only("admin", "recruiter", status=201),
          body=_round_body),
    Route("update_planned_round", "PUT", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          lambda w: f"/jobs/{w.job.id}/plan/{w.planned_rounds[0].id}",
          only("admin", "recruiter"), body=_round_body),
    Route("remove_planned_round", "DELETE", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          lambda w: f"/jobs/{w.job.id}/plan/{w.planned_rounds[0].id}",
          only("admin", "recruiter")),
    Route("reorder_plan", "PUT", "/jobs/<int:job_id>/plan/order",
          lambda w: f"/jobs/{w.job.id}/plan/order", only("admin", "recruiter"),
          body=lambda w: {"order": [p.id for p in reversed(w.planned_rounds)]}),
    Route("list_candidates", "GET", "/candidates", lambda w: "/candidates",
          only("admin", "recruiter")),
    Route("create_candidate", "POST", "/candidates", lambda w: "/candidates",
          only("admin", "recruiter", status=201),
          body=lambda w: {"name": "Nia Newcomer", "email": "nia@example.com",
                          "time_zone": "Europe/Lisbon"}),
    Route("show_candidate", "GET", "/candidates/<int:candidate_id>",
          lambda w: f"/candidates/{w.candidate.id}", only("admin", "recruiter")),
    Route("update_candidate", "PATCH", "/candidates/<int:candidate_id>",
          lambda w: f"/candidates/{w.candidate.id}", only("admin", "recruiter"),
          body=lambda w: {"phone": "+351 21 1234567"}),
    Route("list_candidacies", "GET", "/jobs/<int:job_id>/candidacies",
          lambda w: f"/jobs/{w.job.id}/candidacies", only("admin", "recruiter")),
    Route("open_candidacy", "POST", "/jobs/<int:job_id>/candidacies",
          lambda w: f"/jobs/{w.job.id}/candidacies", only("admin", "recruiter", status=201),
          body=lambda w: {"candidate_id": w.free_candidate.id}),
    Route("show_candidacy", "GET", "/candidacies/<int:candidacy_id>",
          lambda w: f"/candidacies/{w.candidacy.id}",
          only("admin", "recruiter", "hiring_manager")),
    Route("openapi_document", "GET", "/openapi.json", lambda w: "/openapi.json", EVERYONE,
          anonymous=200),
]
