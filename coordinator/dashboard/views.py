from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template

from coordinator.access import requires
from coordinator.accounts.permissions import is_signed_in

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@requires(is_signed_in)
def index() -> Any:
    return render_template("dashboard/index.html", user=g.user)
