"""The web door's shared parts: error pages and problem documents, template helpers, headers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from flask import Flask, Response, g, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from coordinator.access import Unauthenticated, is_api_request
from coordinator.errors import Conflict, DomainError, MalformedInput, RuleViolation
from coordinator.timeutil import format_local, isoformat_z, to_zone, utcnow
from coordinator.validation import MAX_ID, MAX_PAGE, page_parameter, refused_character


class StoredIdConverter(IntegerConverter):
    """``<int:...>`` in URL rules: an id no integer column can hold is a 404 before any query sees
    it (PostgreSQL would refuse it with an error). Raised here rather than refused as a mismatch,
    which Werkzeug would answer with 405 when the path has rules for other methods."""

    def to_python(self, value: str) -> Any:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound("No such object.")
        return number


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """An ``application/problem+json`` response (RFC 9457)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail or title}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def problem_for(err: DomainError) -> Response:
    extra: dict[str, Any] = {}
    if isinstance(err, RuleViolation):
        extra["errors"] = err.errors
    if isinstance(err, Conflict):
        extra["conflicts"] = err.conflicts
        if err.field:
            extra["errors"] = {err.field: [err.message]}
    return problem(err.status, err.title, err.message, **extra)


def id_links(endpoint: str, name: str, **values: Any) -> Callable[[int], str]:
    """``url_for(endpoint, **{name: id}, **values)`` for many ids (a table's rows) at the cost
    of one ``url_for``: the URL is built once around a mark no stored id can be (past
    ``MAX_ID``) and each id is put in its place."""
    mark = MAX_ID + 1
    head, found, tail = url_for(endpoint, **{name: mark}, **values).partition(str(mark))
    if not found or str(mark) in tail:  # not a plain path segment: build each one
        return lambda id_: url_for(endpoint, **{name: id_}, **values)
    return lambda id_: f"{head}{int(id_)}{tail}"


def render_form(template: str, **context: Any) -> Any:
    """A form page: 200 when first shown, 422 when a submission was refused."""
    return render_template(template, **context), 422 if request.method == "POST" else 200


def viewer_zone() -> str:
    """The zone to show times in: ?tz= when valid, else the signed-in user's, else UTC."""
    from coordinator.timeutil import is_valid_zone

    asked = request.args.get("tz")
    if asked and is_valid_zone(asked):
        return asked
    if current_user and current_user.is_authenticated:
        return current_user.time_zone
    return "UTC"


T = TypeVar("T")


@dataclass
class ListPage(Generic[T]):
    """One page of rows already selected and sorted, shaped like Flask-SQLAlchemy's pagination
    (for the ``pager`` macro)."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @classmethod
    def of(cls, rows: Sequence[T], page: int, per_page: int) -> ListPage[T]:
        """The ``page``-th slice of ``rows``."""
        start = (page - 1) * per_page
        return cls(rows[start : start + per_page], page, per_page, len(rows))


def page_number(name: str = "page") -> int:
    """The 1-based page asked for in the query string (400 when it is not a usable page)."""
    return page_parameter(name, request.args.get(name), 1, MAX_PAGE)


def search_text(name: str = "q", max_length: int = 200) -> str:
    """A search term from the query string (400 when too long or holding a control character)."""
    value = (request.args.get(name) or "").strip()
    message = refused_character(value)
    if message is None and len(value) > max_length:
        message = f"Search for at most {max_length} characters."
    if message is not None:
        raise MalformedInput(name, message)
    return value


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret.

    Flask builds a new ``URLSafeTimedSerializer`` to open and again to save the session, on
    every request; building one runs a trial JSON dump. A serializer holds no request state, so
    one is kept per (secret key, fallback keys) and a changed key gets a new one.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {key: serializer}
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> Any:
        if is_api_request():
            response = problem_for(err)
            if isinstance(err, Unauthenticated):
                response.headers["WWW-Authenticate"] = 'Bearer realm="coordinator"'
            return response
        if isinstance(err, Unauthenticated):
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return render_template("error.html", status=err.status, title=err.title,
                               detail=err.message), err.status

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError) -> Any:
        detail = "The form was open too long or came from elsewhere. Reload the page and try again."
        return render_template("error.html", status=400, title="Form expired",
                               detail=detail), 400

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        status = err.code or 500
        if request.path.startswith("/api/"):
            return problem(status, err.name, err.description or err.name)
        return render_template("error.html", status=status, title=err.name,
                               detail=err.description), status

    @app.errorhandler(429)
    def _too_many_requests(err: HTTPException) -> Any:
        """Rate limited: pages say when to try again and, signed out, lead back to sign-in."""
        from coordinator.extensions import limiter

        breached = limiter.current_limit
        wait = max(1, breached.reset_at - int(time.time())) if breached is not None else 60
        if request.path.startswith("/api/"):
            response = problem(429, err.name, err.description or err.name)
        else:
            signed_in = bool(current_user and current_user.is_authenticated)
            response = app.make_response((render_template(
                "rate_limited.html", minutes=max(1, round(wait / 60)),
                retry_at=utcnow() + timedelta(seconds=wait), signed_in=signed_in,
                is_sign_in=request.endpoint == "accounts.login"), 429))
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(OperationalError)
    def _database_busy(err: OperationalError) -> Any:
        """SQLite's single writer: a write that waited too long is refused, not crashed."""
        if "database is locked" not in str(err.orig):
            raise err
        from coordinator.db import db

        db.session.rollback()
        detail = "The database is busy with another change. Try again in a moment."
        if is_api_request() or request.path.startswith("/api/"):
            response = problem(503, "Busy", detail)
        else:
            response = app.make_response((render_template("error.html", status=503, title="Busy",
                                                          detail=detail), 503))
        response.headers["Retry-After"] = "2"
        return response

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.template_filter("local")
    def _local(instant: datetime | None, zone_name: str | None = None,
               with_zone: bool = True) -> str:
        if instant is None:
            return ""
        return format_local(instant, zone_name or viewer_zone(), with_zone)

    @app.template_filter("iso")
    def _iso(instant: datetime | None) -> str:
        return isoformat_z(instant) or ""

    @app.template_filter("local_dt")
    def _local_dt(instant: datetime, zone_name: str | None = None) -> datetime:
        return to_zone(instant, zone_name or viewer_zone())

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        from coordinator.accounts.models import Role

        return {"Role": Role, "viewer_zone": viewer_zone, "current_actor": g.get("user")}
