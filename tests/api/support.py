"""Helpers for API tests: problem documents, database snapshots, OpenAPI response checks."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import sqlalchemy as sa

from coordinator.db import db

PROBLEM_MEMBERS = {"type", "title", "status", "detail"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body  # type: ignore[no-any-return]


def assert_invalid(response: Any, *fields: str) -> dict[str, Any]:
    """A 422 problem whose ``errors`` name exactly these dotted paths (at least these, if any)."""
    body = assert_problem(response, 422)
    assert isinstance(body.get("errors"), dict) and body["errors"], body
    for field in fields:
        assert field in body["errors"], body["errors"]
    return body


def assert_conflict(response: Any, kind: str) -> dict[str, Any]:
    body = assert_problem(response, 409)
    assert body["conflicts"], body
    assert all({"kind", "detail"} <= set(item) for item in body["conflicts"])
    assert kind in {item["kind"] for item in body["conflicts"]}, body["conflicts"]
    return body


def table_counts() -> dict[str, int]:
    """Rows in every table: a request that saved nothing leaves these unchanged."""
    existing = set(sa.inspect(db.session.connection()).get_table_names())
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
        if table.name in existing
    }


_PARAM = re.compile(r"<(?:[a-z]+:)?(\w+)>")


def openapi_path(rule: str) -> str:
    """The OpenAPI path of a Flask rule (``/jobs/<int:job_id>`` → ``/jobs/{job_id}``)."""
    return _PARAM.sub(r"{\1}", rule)


def response_schema(document: dict[str, Any], path: str, method: str, status: int,
                    media_type: str) -> dict[str, Any]:
    operation = document["paths"][path][method.lower()]
    assert str(status) in operation["responses"], (
        f"{method} {path} answered {status}, which its OpenAPI operation does not document"
    )
    content = operation["responses"][str(status)]["content"]
    assert media_type in content, (method, path, status, media_type)
    return content[media_type]["schema"]  # type: ignore[no-any-return]


def assert_matches_document(document: dict[str, Any], path: str, method: str,
                            response: Any) -> None:
    """The response's status is documented for the operation and its body fits the schema
    (a response documented without content, such as a 204, has an empty body)."""
    documented = document["paths"][path][method.lower()]["responses"].get(
        str(response.status_code), {})
    if documented and "content" not in documented:
        assert response.get_data() == b"", (method, path, response.status_code)
        return
    schema = dict(response_schema(document, path, method, response.status_code,
                                  response.mimetype))
    schema["components"] = document["components"]
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
