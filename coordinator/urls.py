"""Absolute URLs on COORDINATOR_BASE_URL, built without a request (mail, invites, CLI)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def mail_domain() -> str:
    """The host part used in Message-IDs and iCalendar UIDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "coordinator.local"
