"""The JSON door's machinery: declared endpoints, body and query parsing, pagination, OpenAPI.

Every API endpoint is declared with :func:`endpoint`, which records its method, path, access policy,
body, query and response models. The same declarations parse requests and generate the OpenAPI
document, so the document cannot drift from the code.

A request fails in the same order everywhere: ``401`` (no or bad token), ``403`` (the role may
not use the endpoint), ``404`` (an object in the path is absent or reached through the wrong
parent), ``403`` (not allowed on that object), ``400``/``422`` (the body or query), ``409``
(conflicts with existing state). Bodies are parsed before the view runs, but their errors are held
back until the view first reads the body, after it has loaded and checked the objects in the path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Annotated, Any, ClassVar, Generic, NoReturn, Self, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from coordinator.access import public, requires
from coordinator.db import db
from coordinator.errors import Conflict, DomainError, MalformedInput, RuleViolation
from coordinator.validation import (
    MAX_ID,
    MAX_PAGE,
    normalise_line_breaks,
    page_parameter,
    refused_character,
)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

JSON_MEDIA_TYPE = "application/json"


class BadRequest(DomainError):
    status = 400
    title = "Malformed request"


class Schema(BaseModel):
    """Base of request bodies: unknown members are refused so typos do not pass silently.

    Text members are single lines unless named in ``multi_line`` (notes, bios, reasons), which
    keep tabs and line breaks, their carriage returns turned into newlines.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    multi_line: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _normalise_line_breaks(self) -> Self:
        for name in self.multi_line:
            value = getattr(self, name)
            if isinstance(value, str):
                self.__dict__[name] = normalise_line_breaks(value)
        return self


class Out(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(from_attributes=True)


MAX_PER_PAGE = 200


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE)

    @classmethod
    def refuse_malformed(cls, data: dict[str, str | None]) -> None:
        """``page``/``per_page`` that are not usable pages are a 400, as on the pages."""
        errors: dict[str, list[str]] = {}
        for name, maximum in (("page", MAX_PAGE), ("per_page", MAX_PER_PAGE)):
            try:
                page_parameter(name, data.get(name), 1, maximum)
            except MalformedInput as err:
                errors.update(err.errors)
        if errors:
            raise MalformedInput.many(errors)


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
    body_media_types: Sequence[str] = (JSON_MEDIA_TYPE,)
    errors: Sequence[int] = field(default_factory=tuple)
    tag: str = ""
    description: str = ""


#: endpoint name (without the blueprint prefix) → its spec
SPECS: dict[str, EndpointSpec] = {}


def _path(loc: Sequence[Any], prefix: str = "") -> str:
    path = ".".join(str(part) for part in loc)
    if prefix:
        return f"{prefix}.{path}" if path else prefix
    return path or "_"


def validation_errors(err: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    """Pydantic's errors keyed by dotted paths (``pay_band.min``, ``criteria.0.title``)."""
    errors: dict[str, list[str]] = {}
    for item in err.errors():
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if item["type"] == "model_type" and not item["loc"]:
            message = "The body must be a JSON object."
        errors.setdefault(_path(item["loc"], prefix), []).append(message)
    return errors


def _unstorable(value: Any, loc: tuple[Any, ...] = (),
                multi_line: bool = False) -> Iterator[tuple[str, str]]:
    """(dotted path, message) for values no column can hold: text with a character the one text
    rule refuses (:func:`coordinator.validation.refused_character`; PostgreSQL refuses NUL) and
    whole numbers beyond the 32-bit range of every integer column."""
    if isinstance(value, str):
        message = refused_character(value, multi_line)
        if message is not None:
            yield _path(loc), message
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_ID:
            yield _path(loc), f"Out of range (at most {MAX_ID})."
    elif isinstance(value, RootModel):
        yield from _unstorable(value.root, loc)
    elif isinstance(value, BaseModel):
        multi_line_names = getattr(value, "multi_line", frozenset())
        for name in type(value).model_fields:
            yield from _unstorable(getattr(value, name), (*loc, name), name in multi_line_names)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*loc, index), multi_line)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(key, (*loc, key))
            yield from _unstorable(item, (*loc, key), multi_line)


def _refuse_unstorable(value: Any) -> None:
    errors: dict[str, list[str]] = {}
    for path, message in _unstorable(value):
        errors.setdefault(path, []).append(message)
    if errors:
        raise RuleViolation.many(errors)


def parse_json_body(model: type[BaseModel]) -> Any:
    """Validate the request's JSON body with ``model``: 400 when it is not JSON, 422 when invalid.

    JSON types are taken strictly: ``"60"`` is not a number and ``1`` is not ``true``.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("The request needs a JSON body.")
    mimetype = request.mimetype or ""
    if mimetype != JSON_MEDIA_TYPE and not mimetype.endswith("+json"):
        raise BadRequest("Send the body as application/json.")
    try:
        parsed = model.model_validate_json(raw, strict=True)
    except ValidationError as err:
        if any(item["type"] == "json_invalid" for item in err.errors()):
            raise BadRequest("The body is not valid JSON.") from err
        raise RuleViolation.many(validation_errors(err)) from err
    _refuse_unstorable(parsed)
    return parsed


def parse_query(model: type[BaseModel]) -> Any:
    """Validate the query string with ``model`` (values are strings, converted as declared)."""
    data = {key: request.args.get(key) for key in request.args}
    if issubclass(model, PageQuery):
        model.refuse_malformed(data)
    _refuse_unstorable(data)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise RuleViolation.many(validation_errors(err)) from err


class Deferred:
    """Stands in for a body or query that failed to parse; using it raises the error.

    The view loads the objects named in its path first (404) and checks what the user may do with
    them (403); only then does reading the input raise its 400 or 422.
    """

    __slots__ = ("_error",)

    def __init__(self, error: DomainError) -> None:
        object.__setattr__(self, "_error", error)

    def raise_error(self) -> NoReturn:
        raise self._error

    def __getattr__(self, name: str) -> NoReturn:
        self.raise_error()

    def __bool__(self) -> bool:
        self.raise_error()

    def __iter__(self) -> NoReturn:
        self.raise_error()

    def __len__(self) -> NoReturn:
        self.raise_error()

    def __getitem__(self, key: Any) -> NoReturn:
        self.raise_error()


def _parse_later(parse: Callable[[type[BaseModel]], Any], model: type[BaseModel]) -> Any:
    try:
        return parse(model)
    except (BadRequest, RuleViolation) as err:
        return Deferred(err)


def _storage_conflict(err: sa.exc.IntegrityError) -> Conflict:
    """A uniqueness or reference the checks passed but the database refused (a race)."""
    current_app.logger.warning("integrity error turned into 409: %s", err.orig)
    return Conflict(
        "The change conflicts with data saved at the same time; reload and try again.",
        [{"kind": "integrity", "detail": "the database refused the change as conflicting"}],
    )


def _storage_refusal(err: sa.exc.DataError) -> RuleViolation:
    """A value the checks passed but the database cannot store; input, so 422 and not 500."""
    current_app.logger.warning("data error turned into 422: %s", err.orig)
    return RuleViolation(None, "A value is out of the range the database can store.")


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
    description: str = "",
    parse_body: bool = True,
) -> Callable[[F], F]:
    """Declare an API endpoint. ``allow=None`` makes it public.

    The view receives ``body=`` (a validated model) and ``query=`` (validated query parameters)
    when declared, and returns a pydantic model, a list of them, a dict, or a Response. Path ids
    beyond :data:`MAX_ID` never reach it (the ``int`` URL converter answers 404). ``errors``
    lists the statuses the view itself can answer beyond those every endpoint of its shape has
    (documented in OpenAPI).
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if body is not None and parse_body:
                kwargs["body"] = _parse_later(parse_json_body, body)
            if query is not None:
                kwargs["query"] = _parse_later(parse_query, query)
            try:
                result = view(*args, **kwargs)
            except sa.exc.IntegrityError as err:
                db.session.rollback()
                raise _storage_conflict(err) from err
            except sa.exc.DataError as err:
                db.session.rollback()
                raise _storage_refusal(err) from err
            for value in (kwargs.get("body"), kwargs.get("query")):
                if isinstance(value, Deferred):
                    # A view that never read its input (or caught the error) must not succeed.
                    db.session.rollback()
                    value.raise_error()
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        guarded = public(wrapper) if allow is None else requires(allow)(wrapper)
        spec = EndpointSpec(
            method=method.upper(), rule=rule, summary=summary,
            policy="public" if allow is None else allow.__name__,
            body=body, query=query, response=response, status=status,
            paginated=paginated, errors=tuple(errors), tag=tag or bp.name,
            description=description,
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


def paginate(statement: sa.Select[Any], query: PageQuery,
             out: Callable[[Any], Any]) -> dict[str, Any]:
    """Run a paginated SELECT (two queries: the count and the page) into the list envelope."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )
    rows = db.session.scalars(
        statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).unique().all()
    return {"items": [out(row) for row in rows], "page": query.page, "per_page": query.per_page,
            "total": total or 0}
