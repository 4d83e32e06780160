"""Input no page may turn into a 500: ids beyond the database's integers, absurd page numbers."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from coordinator import create_app

ABSURD_ID = 2**31  # one past the largest id any integer column can hold


def _int_rules() -> list[tuple[str, str]]:
    """(method, rule) of every route with an ``<int:...>`` part, pages and API alike."""
    app: Flask = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


INT_RULES = _int_rules()


def _absurd_path(rule: str) -> str:
    path = re.sub(r"<int:[^>]+>", str(ABSURD_ID), rule)
    return re.sub(r"<[^>]+>", "x", path)


def test_routes_with_ids_are_found():
    assert len(INT_RULES) > 40


@pytest.mark.parametrize(("method", "rule"), INT_RULES, ids=[f"{m} {r}" for m, r in INT_RULES])
def test_id_beyond_the_integer_range_is_404(method, rule, client, login, api_as, admin):
    if rule.startswith("/api/"):
        response = api_as(admin).open(method, _absurd_path(rule).removeprefix("/api/v1"))
    else:
        login(admin)
        response = client.open(_absurd_path(rule), method=method)
    assert response.status_code == 404
