"""The foundation API's routes, each with a request an admin can make (the input-error tests send
broken variants of it). Who gets which status on every route is tests/security/table.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.api.conftest import World

#: The API modules whose endpoints these routes cover (later domains keep their own tables).
FOUNDATION_MODULES = {"coordinator.api.users", "coordinator.api.jobs",
                      "coordinator.api.candidates", "coordinator.api.meta"}

@dataclass
class Route:
    endpoint: str
    method: str
    rule: str
    path: Callable[[World], str]
    body: Callable[[World], Any] | None = None

    def request(self, world: World) -> tuple[str, dict[str, Any]]:
        """The path and keyword arguments of a request, worked out before any is sent."""
        return self.path(world), ({"json": self.body(world)} if self.body else {})


def _job_body(world: World) -> dict[str, Any]:
    return {"title": "Data Engineer", "pay_band": {"min": "60000", "max": "80000",
                                                   "currency": "EUR"}}


def _round_body(world: World) -> dict[str, Any]:
    return {"title": "Pairing", "duration_minutes": 90, "relationships": ["peer"],
            "criteria": [{"title": "Collaboration"}]}


ROUTES = [
    Route("list_users", "GET", "/users", lambda w: "/users"),
    Route("create_user", "POST", "/users", lambda w: "/users",
          body=lambda w: {"email": "new.person@example.com", "name": "New Person",
                          "roles": ["interviewer"]}),
    Route("show_me", "GET", "/users/me", lambda w: "/users/me"),
    Route("show_user", "GET", "/users/<int:user_id>", lambda w: f"/users/{w.other_user.id}"),
    Route("update_user", "PATCH", "/users/<int:user_id>",
          lambda w: f"/users/{w.other_user.id}",
          body=lambda w: {"job_title": "Staff Engineer"}),
    Route("request_email_change", "POST", "/users/<int:user_id>/email-change",
          lambda w: f"/users/{w.users['admin'].id}/email-change",
          body=lambda w: {"email": "moved@example.com", "current_password": "irrelevant"}),
    Route("create_feed", "POST", "/users/<int:user_id>/feed",
          lambda w: f"/users/{w.other_user.id}/feed"),
    Route("revoke_feed", "DELETE", "/users/<int:user_id>/feed",
          lambda w: f"/users/{w.other_user.id}/feed"),
    Route("show_calendar_source", "GET", "/users/<int:user_id>/calendar-source",
          lambda w: f"/users/{w.other_user.id}/calendar-source"),
    Route("put_calendar_source", "PUT", "/users/<int:user_id>/calendar-source",
          lambda w: f"/users/{w.other_user.id}/calendar-source",
          body=lambda w: {"kind": "ics_url", "url": "https://calendar.example.com/x.ics"}),
    Route("delete_calendar_source", "DELETE", "/users/<int:user_id>/calendar-source",
          lambda w: f"/users/{w.other_user.id}/calendar-source"),
    Route("sync_calendar_source", "POST", "/users/<int:user_id>/calendar-source/sync",
          lambda w: f"/users/{w.other_user.id}/calendar-source/sync"),
    Route("list_jobs", "GET", "/jobs", lambda w: "/jobs"),
    Route("create_job", "POST", "/jobs", lambda w: "/jobs", body=_job_body),
    Route("show_job", "GET", "/jobs/<int:job_id>", lambda w: f"/jobs/{w.job.id}"),
    Route("update_job", "PATCH", "/jobs/<int:job_id>", lambda w: f"/jobs/{w.job.id}",
          body=lambda w: {"title": "Senior Data Engineer"}),
    Route("show_plan", "GET", "/jobs/<int:job_id>/plan", lambda w: f"/jobs/{w.job.id}/plan"),
    Route("add_planned_round", "POST", "/jobs/<int:job_id>/plan",
          lambda w: f"/jobs/{w.job.id}/plan",
          body=_round_body),
    Route("update_planned_round", "PUT", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          lambda w: f"/jobs/{w.job.id}/plan/{w.planned_rounds[0].id}", body=_round_body),
    Route("remove_planned_round", "DELETE", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          lambda w: f"/jobs/{w.job.id}/plan/{w.planned_rounds[0].id}"),
    Route("reorder_plan", "PUT", "/jobs/<int:job_id>/plan/order",
          lambda w: f"/jobs/{w.job.id}/plan/order",
          body=lambda w: {"order": [p.id for p in reversed(w.planned_rounds)]}),
    Route("list_candidates", "GET", "/candidates", lambda w: "/candidates"),
    Route("create_candidate", "POST", "/candidates", lambda w: "/candidates",
          body=lambda w: {"name": "Nia Newcomer", "email": "nia@example.com",
                          "time_zone": "Europe/Lisbon"}),
    Route("show_candidate", "GET", "/candidates/<int:candidate_id>",
          lambda w: f"/candidates/{w.candidate.id}"),
    Route("update_candidate", "PATCH", "/candidates/<int:candidate_id>",
          lambda w: f"/candidates/{w.candidate.id}",
          body=lambda w: {"phone": "+351 21 1234567"}),
    Route("list_candidacies", "GET", "/jobs/<int:job_id>/candidacies",
          lambda w: f"/jobs/{w.job.id}/candidacies"),
    Route("open_candidacy", "POST", "/jobs/<int:job_id>/candidacies",
          lambda w: f"/jobs/{w.job.id}/candidacies",
          body=lambda w: {"candidate_id": w.free_candidate.id}),
    Route("show_candidacy", "GET", "/candidacies/<int:candidacy_id>",
          lambda w: f"/candidacies/{w.candidacy.id}"),
    Route("openapi_document", "GET", "/openapi.json", lambda w: "/openapi.json"),
]
