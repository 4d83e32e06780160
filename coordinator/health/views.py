from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify

from coordinator.access import public
from coordinator.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def live() -> Any:
    """The process answers (touches nothing else)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def ready() -> Any:
    """The process can reach its database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
