"""The security walker: every page and API route, as anonymous, each role, an interviewer on no
panel and another job's hiring manager, answers the status its row in ``table.py`` says.

The routes come from ``app.url_map``, so a route added without a row fails here, naming itself
and the row that would describe what it answers today (to be reviewed before it is pasted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from coordinator import create_app
from coordinator.api.core import SPECS
from coordinator.db import db
from tests.api.support import assert_matches_document, openapi_path
from tests.security.conftest import ACTORS, World
from tests.security.table import EXPECTED, SIGNED_IN, Row

#: Path parameters by name: actor → value, from the world. A new parameter name needs a line.
PARAMETERS: dict[str, Callable[[World, str, Rule], Any]] = {
    **{name: (lambda w, a, r, name=name: w.ids[name]) for name in (
        "job_id", "planned_round_id", "candidate_id", "candidacy_id", "round_id",
        "interview_id", "assessment_id", "message_id", "user_id", "self_schedule_id",
        "webhook_id", "delivery_id")},
    "token_id": lambda w, a, r: w.token_ids.get(a, w.token_ids["admin"]),
    "session_id": lambda w, a, r: w.session_ids.get(a, w.session_ids["admin"]),
    "token": lambda w, a, r: w.ids["feed_token" if r.endpoint.startswith("feeds.")
                                    else "self_schedule_token" if "self_schedule" in r.endpoint
                                    else "portal_token"],
    "direction": lambda w, a, r: "down",
    "filename": lambda w, a, r: "app.css",
    "message_key": lambda w, a, r: "interview_invitation",
}


def _rules() -> list[tuple[str, str]]:
    """(endpoint, rule) of every route, read from an app made only to list them."""
    listing = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                          "SECRET_KEY": "x"})
    return sorted((rule.endpoint, rule.rule) for rule in listing.url_map.iter_rules())


ROUTES = _rules()


def _method(rule: Rule) -> str:
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    return "GET" if "GET" in methods else methods[0]


def _is_api(rule: Rule) -> bool:
    return rule.endpoint.startswith("api.")


def _url(rule: Rule, world: World, actor: str, query: str) -> str:
    missing = [name for name in rule.arguments if name not in PARAMETERS]
    if missing:
        pytest.fail(f"{rule.endpoint} ({rule.rule}) has path parameters {missing} the walker "
                    "cannot fill: add them to PARAMETERS in tests/security/test_walker.py")
    values = {name: PARAMETERS[name](world, actor, rule) for name in rule.arguments}
    _domain, path = rule.build(values, append_unknown=False)  # type: ignore[misc]
    return path + (f"?{query}" if query else "")


def _send(app: Flask, rule: Rule, world: World, actor: str, client: Any, query: str) -> Any:
    """One request, rolled back afterwards so every actor meets the same world."""
    method, url = _method(rule), _url(rule, world, actor, query)
    db.session.commit()
    savepoint = db.session.connection().begin_nested()
    try:
        if _is_api(rule):
            headers = {} if actor == "anonymous" else {
                "Authorization": f"Bearer {world.secrets[actor]}"}
            spec = SPECS[rule.endpoint.split(".", 1)[1]]
            body = {"json": {}} if spec.body is not None and method != "GET" else {}
            return client.open(url, method=method, headers=headers, **body)
        return client.open(url, method=method, data={} if method != "GET" else None)
    finally:
        savepoint.rollback()
        db.session.expire_all()


def suggested_row(endpoint: str, observed: dict[str, int], api: bool) -> str:
    """The table line that describes ``observed`` (for a person to review, then paste)."""
    granted = {actor: status for actor, status in observed.items()
               if actor in SIGNED_IN and status != 403}
    if not granted:
        text = "ok(403"
    else:
        status = Counter(granted.values()).most_common(1)[0][0]
        named = [f'"{a}"' for a in SIGNED_IN if granted.get(a) == status]
        text = f"ok({status}, " + ", ".join(named)
        text += "".join(f", {a}={s}" for a, s in granted.items() if s != status)
    if observed["anonymous"] != (401 if api else 302):
        text += f", anonymous={observed['anonymous']}"
    return f'"{endpoint}": {text}),'


def problem(endpoint: str, route: str, observed: dict[str, int], api: bool) -> str | None:
    """What is wrong with what a route answered, naming the route; None when it fits its row."""
    today = suggested_row(endpoint, observed, api)
    if endpoint not in EXPECTED:
        return (f"No access row for {endpoint} ({route}). Review what each actor gets and add "
                f"a row to EXPECTED in tests/security/table.py; today it is:\n    {today}")
    if observed != EXPECTED[endpoint].expected(api):
        return f"{endpoint} ({route}) answers differently from its row; today:\n    {today}"
    return None


@pytest.mark.parametrize(("endpoint", "rule_text"), ROUTES, ids=[r[0] for r in ROUTES])
def test_route_answers_each_actor_as_its_row_says(endpoint, rule_text, app, security_world,
                                                 signed_in, openapi_document):
    rule = next(r for r in app.url_map.iter_rules()
                if r.endpoint == endpoint and r.rule == rule_text)
    row = EXPECTED.get(endpoint, Row({}))
    api = _is_api(rule)
    observed: dict[str, int] = {}
    for actor in ACTORS:
        response = _send(app, rule, security_world, actor, signed_in(actor), row.query)
        observed[actor] = response.status_code
        if api:
            assert_matches_document(openapi_document, openapi_path(rule.rule), _method(rule),
                                    response)
        elif response.status_code == 302 and actor == "anonymous":
            assert "/login" in response.headers["Location"]
        response.close()
    failure = problem(endpoint, f"{_method(rule)} {rule.rule}", observed, api)
    assert failure is None, failure


def test_every_row_names_a_route():
    assert sorted(set(EXPECTED) - {endpoint for endpoint, _rule in ROUTES}) == []


def test_a_route_without_a_row_is_reported_by_name_with_what_it_answers():
    observed = {"anonymous": 401, "admin": 201, **dict.fromkeys(SIGNED_IN[1:], 403)}
    message = problem("api.brand_new", "POST /api/v1/brand-new", observed, api=True)
    assert message is not None
    assert "No access row for api.brand_new (POST /api/v1/brand-new)" in message
    assert '"api.brand_new": ok(201, "admin"),' in message


def test_a_route_answering_otherwise_than_its_row_is_reported():
    observed = {**EXPECTED["api.list_outbox"].expected(api=True), "interviewer": 200}
    message = problem("api.list_outbox", "GET /api/v1/outbox", observed, api=True)
    assert message is not None and "answers differently" in message
    assert '"api.list_outbox": ok(200, "admin", "interviewer"),' in message


def test_a_route_answering_as_its_row_says_passes():
    observed = EXPECTED["jobs.list_jobs"].expected(api=False)
    assert problem("jobs.list_jobs", "GET /jobs", observed, api=False) is None
