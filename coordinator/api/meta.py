"""The OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from coordinator.api import bp
from coordinator.api.openapi import build
from coordinator.access import public


@bp.get("/openapi.json")
@public
def openapi_document() -> Any:
    return jsonify(build(current_app))
