"""The signed-in home page: one's to-dos (composed from every domain by
:func:`coordinator.todos.compose`), where to go next, and the jobs that need attention."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template

from coordinator.access import requires
from coordinator.accounts.models import Role
from coordinator.accounts.permissions import can_manage_users, is_signed_in
from coordinator.candidates.operations import active_candidacy_counts
from coordinator.candidates.permissions import can_list_candidacies, can_manage_candidates
from coordinator.jobs.operations import recent_open_jobs
from coordinator.jobs.permissions import can_manage_jobs, can_view_jobs
from coordinator.timeutil import utcnow
from coordinator.todos import compose

bp = Blueprint("dashboard", __name__)

RECENT_JOBS = 10


@bp.get("/")
@requires(is_signed_in)
def index() -> Any:
    user = g.user
    my_jobs = recent_open_jobs(RECENT_JOBS, hiring_manager=user) \
        if user.has_role(Role.hiring_manager, Role.admin) else []
    recent = recent_open_jobs(RECENT_JOBS, viewer=user) if can_view_jobs(user) else []
    counted = {job.id for job in [*my_jobs, *recent] if can_list_candidacies(user, job)}
    return render_template(
        "dashboard/index.html", user=user, my_jobs=my_jobs, recent_jobs=recent,
        counts=active_candidacy_counts(sorted(counted)),
        can_manage_jobs=can_manage_jobs(user), can_manage_candidates=can_manage_candidates(user),
        can_manage_users=can_manage_users(user),
        todo_groups=compose(user, utcnow()),
    )
