"""Property-based API fuzzing: schemathesis generates requests from the served OpenAPI document
and checks that no answer is a server error and every answer matches the document's schemas.

The check that every schema-valid request is accepted is left out on purpose: the operations
validate more than JSON Schema can say (IANA zone names, ISO 4217 codes, email syntax, a band's
minimum below its maximum), so such requests rightly get a 422 — still a problem document that
the other checks validate.

One test per operation (so xdist spreads them), each running a bounded number of generated
cases inside the test's rolled-back transaction, authenticated as a user holding every role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from coordinator import create_app
from coordinator.accounts import operations as accounts
from coordinator.api.openapi import build
from coordinator.db import db

MAX_EXAMPLES = 8


def _operations() -> list[tuple[str, str]]:
    document_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                               "SECRET_KEY": "x"})
    with document_app.app_context():
        paths = build(document_app)["paths"]
    return [(path, method) for path, item in paths.items() for method in item]


OPERATIONS = _operations()


@contextmanager
def own_app_context() -> Iterator[None]:
    """Let each generated request push its own app context, as in production."""
    token = _cv_app.set(None)  # type: ignore[arg-type]
    try:
        yield
    finally:
        _cv_app.reset(token)


@pytest.fixture
def bearer(make_user, make_candidacy, make_planned_round, make_job) -> dict[str, str]:
    """A user with every role, and a little data for generated ids to hit."""
    user = make_user(("admin", "recruiter", "hiring_manager", "interviewer"))
    job = make_job(actor=user, hiring_manager_id=user.id)
    make_planned_round(job, actor=user)
    make_candidacy(job=job, actor=user)
    _, secret = accounts.create_token(user, actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(("path", "method"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_api_gives_no_server_error_and_matches_its_document(app, bearer, path, method):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        with own_app_context():
            case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

    run()
