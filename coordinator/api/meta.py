"""The OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app

from coordinator.api import bp
from coordinator.api.core import endpoint
from coordinator.api.openapi import build


@endpoint(bp, "GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", allow=None,
          tag="meta")
def openapi_document() -> Any:
    return build(current_app)
