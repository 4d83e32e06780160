"""The JSON door's machinery: declared endpoints, body and query parsing, pagination, OpenAPI.

Every API endpoint is declared with :func:`endpoint`, which records its method, path, access policy,
body, query and response models. The same declarations parse requests and generate the OpenAPI
document, so the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coordinator.access import public, requires
from coordinator.db import db
from coordinator.errors import DomainError, RuleViolation

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class BadRequest(DomainError):
    status = 400
    title = "Malformed request"


class Schema(BaseModel):
    """Base of request bodies: unknown members are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(from_attributes=True)


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


@dataclass
class EndpointSpec:
    method: str
    rule: str
    summary: str
    policy: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    paginated: bool = False
    body_media_types: Sequence[str] = ("application/json",)
    errors: Sequence[int] = field(default_factory=tuple)
    tag: str = ""


#: endpoint name (without the blueprint prefix) → its spec
SPECS: dict[str, EndpointSpec] = {}


def validation_errors(err: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in err.errors():
        path = ".".join(str(part) for part in item["loc"]) or "_"
        if prefix:
            path = f"{prefix}.{path}" if path != "_" else prefix
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        errors.setdefault(path, []).append(message)
    return errors


def parse_json_body(model: type[BaseModel]) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest("The request needs a JSON body.")
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise BadRequest("Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None and raw.strip() != b"null":
        raise BadRequest("The body is not valid JSON.")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise RuleViolation.many(validation_errors(err)) from err


def parse_query(model: type[BaseModel]) -> Any:
    data = {key: request.args.get(key) for key in request.args}
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise RuleViolation.many(validation_errors(err)) from err


def endpoint(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    allow: Callable[..., bool] | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    paginated: bool = False,
    errors: Sequence[int] = (),
    tag: str = "",
    parse_body: bool = True,
) -> Callable[[F], F]:
    """Declare an API endpoint. ``allow=None`` makes it public.

    The view receives ``body=`` (a validated model) and ``query=`` (validated query parameters)
    when declared, and returns a pydantic model, a list of them, a dict, or a Response.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if body is not None and parse_body:
                kwargs["body"] = parse_json_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            result = view(*args, **kwargs)
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        guarded = public(wrapper) if allow is None else requires(allow)(wrapper)
        spec = EndpointSpec(
            method=method.upper(), rule=rule, summary=summary,
            policy="public" if allow is None else allow.__name__,
            body=body, query=query, response=response, status=status,
            paginated=paginated, errors=tuple(errors), tag=tag or bp.name,
        )
        SPECS[view.__name__] = spec
        bp.add_url_rule(rule, view.__name__, guarded, methods=[method.upper()])
        return guarded  # type: ignore[return-value]

    return decorate


def to_jsonable(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [to_jsonable(item) for item in result]
    if isinstance(result, dict):
        return {key: to_jsonable(value) for key, value in result.items()}
    return result


def json_response(result: Any, status: int = 200) -> Response:
    response = jsonify(to_jsonable(result))
    response.status_code = status
    return response


def paginate(statement: sa.Select[Any], query: PageQuery, out: Callable[[Any], Any]) -> dict[str, Any]:
    """Run a paginated SELECT (two queries: the count and the page) into the list envelope."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.scalars(
        statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).unique().all()
    return {"items": [out(row) for row in rows], "page": query.page, "per_page": query.per_page,
            "total": total or 0}
