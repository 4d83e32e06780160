"""Candidate pages: list and search, add, candidacy pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from coordinator.access import requires
from coordinator.candidates.operations import search_candidates
from coordinator.candidates.permissions import can_manage_candidates
from coordinator.db import db

bp = Blueprint("candidates", __name__)


@bp.get("/candidates")
@requires(can_manage_candidates)
def list_candidates() -> Any:
    q = request.args.get("q", "")
    page = db.paginate(search_candidates(q), page=request.args.get("page", 1, type=int),
                       per_page=50, error_out=False)
    return render_template("candidates/list.html", page=page, q=q)
