"""Job pages: the job list, a job and its interview plan."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from coordinator.access import requires
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import can_view_jobs

bp = Blueprint("jobs", __name__)


@bp.get("/jobs")
@requires(can_view_jobs)
def list_jobs() -> Any:
    page = db.paginate(sa.select(Job).order_by(Job.title, Job.id),
                       page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template("jobs/list.html", page=page)
