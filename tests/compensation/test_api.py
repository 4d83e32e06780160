"""The compensation API: who gets what, the contract's shape, input errors, audited reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.api.openapi import build
from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.compensation import operations
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from tests.api.support import (
    assert_conflict,
    assert_invalid,
    assert_matches_document,
    assert_problem,
    openapi_path,
    table_counts,
)
from tests.compensation.conftest import NOW, compensation_path

WHO = ["admin", "recruiter", "hiring_manager", "other_hiring_manager", "interviewer", None]
RULE = "/api/v1/candidacies/<int:candidacy_id>/compensation"


@dataclass
class Route:
    name: str
    method: str
    rule: str
    body: dict[str, Any] | None
    allowed: dict[str, int]
    #: Make what the request acts on: the stage (and a pending proposal) or a bare candidacy.
    needs_stage: bool = True
    pending_by: str | None = None

    def expected(self, who: str | None) -> int:
        return 401 if who is None else self.allowed.get(who, 403)


CIRCLE = {"admin": 200, "recruiter": 200, "hiring_manager": 200}
ROUTES = [
    Route("show", "GET", RULE, None, CIRCLE),
    Route("update", "PUT", RULE, {"expected_notes": "Flexible on start"}, CIRCLE),
    Route("open", "POST", RULE, None, {k: 201 for k in CIRCLE}, needs_stage=False),
    Route(
        "approve",
        "POST",
        RULE + "/approval",
        {"decision": "approved", "reason": "Fair"},
        {"admin": 200, "hiring_manager": 200},
        pending_by="recruiter",
    ),
]


@pytest.fixture
def on_panel(candidacy, plan, people):
    """The interviewer sits on the candidacy's first interview."""
    round_ = scheduling.open_round(candidacy, plan.first, actor=people.recruiter)
    scheduling.schedule_interview(
        round_,
        actor=people.recruiter,
        starts_at=NOW + timedelta(days=1),
        duration_minutes=60,
        time_zone="UTC",
        panel=[scheduling.Seat(people.interviewer.id, "peer")],
    )
    db.session.commit()


@pytest.fixture
def prepare(candidacy, plan, people, propose, on_panel) -> Callable[[Route], Route]:
    """Make what the route acts on; the route comes back with its path (and, for an approval,
    the pending proposal's id in its body)."""

    def do(route: Route) -> Route:
        body = route.body
        if route.needs_stage:
            scheduling.open_round(candidacy, plan.pay, actor=people.recruiter)
            db.session.commit()
            if route.pending_by:
                pending = propose(
                    operations.stage_of(candidacy), "99000", actor=getattr(people, route.pending_by)
                )
                body = {**(body or {}), "proposal_id": pending.id}
        path = compensation_path(candidacy) + route.rule.removeprefix(RULE)
        return replace(route, rule=path, body=body)

    return do


def _send(api_as, user, route: Route) -> Any:
    """``route`` as :func:`prepare` returns it: ``rule`` is the path to request."""
    kwargs = {"json": route.body} if route.body is not None else {}
    return api_as(user).open(route.method, route.rule, **kwargs)


@pytest.mark.parametrize(
    ("route", "who"),
    [pytest.param(r, w, id=f"{r.name}-{w or 'anonymous'}") for r in ROUTES for w in WHO],
)
def test_role_gets_the_contract_status(route, who, prepare, api_as, people):
    ready = prepare(route)
    user = getattr(people, who) if who else None
    response = _send(api_as, user, ready)
    assert response.status_code == route.expected(who), response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_answer_is_documented(route, prepare, api_as, people, app):
    ready = prepare(route)
    with app.app_context():
        document = build(app)
    for who in WHO:
        response = _send(api_as, getattr(people, who) if who else None, ready)
        db.session.rollback()
        assert_matches_document(document, openapi_path(route.rule), route.method, response)


def test_the_proposer_gets_403_when_approving(stage, propose, api_as, people, candidacy):
    mine = propose(stage, "99000", actor=people.hiring_manager)
    response = api_as(people.hiring_manager).post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": mine.id, "decision": "approved", "reason": "Me"},
    )
    assert_problem(response, 403)


def test_without_a_stage_get_is_404(candidacy, api_as, people):
    assert_problem(api_as(people.recruiter).get(compensation_path(candidacy)), 404)


def test_put_without_a_stage_opens_it_and_applies_the_change(candidacy, api_as, people):
    response = api_as(people.recruiter).put(
        compensation_path(candidacy), json={"expected_notes": "Flexible"}
    )
    stage = operations.stage_of(candidacy)
    assert (response.status_code, response.get_json()["expected_notes"], stage is not None) == (
        200,
        "Flexible",
        True,
    )


def test_a_refused_put_without_a_stage_opens_nothing(candidacy, api_as, people):
    response = api_as(people.recruiter).put(
        compensation_path(candidacy), json={"proposal": {"amount": "-1", "currency": "EUR"}}
    )
    assert_invalid(response, "proposal.amount")
    assert operations.stage_of(candidacy) is None


def test_put_on_a_closed_candidacy_without_a_stage_is_422(candidacy, api_as, people):
    set_candidacy_state(
        candidacy, CandidacyState.withdrawn, actor=people.recruiter, reason="Elsewhere"
    )
    db.session.commit()
    response = api_as(people.recruiter).put(
        compensation_path(candidacy), json={"expected_notes": "x"}
    )
    assert_invalid(response, "candidacy")
    assert operations.stage_of(candidacy) is None


@pytest.mark.parametrize("who", ["interviewer", "other_hiring_manager"])
def test_put_without_a_stage_by_an_outsider_is_403_and_opens_nothing(
    candidacy, api_as, people, who
):
    response = api_as(getattr(people, who)).put(
        compensation_path(candidacy), json={"expected_notes": "x"}
    )
    assert_problem(response, 403)
    assert operations.stage_of(candidacy) is None


def test_opening_an_open_stage_is_409(stage, api_as, people, candidacy):
    assert_conflict(api_as(people.recruiter).post(compensation_path(candidacy)), "stage_exists")


def test_an_unknown_candidacy_is_404(stage, api_as, people):
    assert_problem(api_as(people.recruiter).get("/candidacies/999999/compensation"), 404)


def test_get_answers_the_contract_shape(stage, propose, api_as, people, candidacy):
    operations.set_expectations(stage, actor=people.recruiter, amount="95000", currency="EUR")
    propose(stage, "92000.5", notes="Plus 10% bonus")
    body = api_as(people.hiring_manager).get(compensation_path(candidacy)).get_json()
    assert body["expected"] == {"amount": "95000.00", "currency": "EUR"}
    assert body["band"] == {"min": "70000.00", "max": "90000.00", "currency": "EUR"}
    assert body["position"] == {
        "where": "above",
        "by": {"amount": "5000.00", "currency": "EUR"},
        "percent": 5.6,
    }
    assert {
        k: body["proposal"][k]
        for k in (
            "amount",
            "currency",
            "period",
            "notes",
            "approval",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decision_reason",
        )
    } == {
        "amount": "92000.50",
        "currency": "EUR",
        "period": "year",
        "notes": "Plus 10% bonus",
        "approval": "pending",
        "proposed_by": people.recruiter.id,
        "proposed_at": "2027-03-01T08:00:00Z",
        "decided_by": None,
        "decision_reason": "",
    }
    assert (len(body["proposals"]), body["state"], body["outcome"]) == (1, "open", None)


def test_put_records_expectations(stage, api_as, people, candidacy):
    response = api_as(people.recruiter).put(
        compensation_path(candidacy),
        json={
            "expected": {"amount": "88000.00", "currency": "EUR"},
            "expected_period": "year",
            "bonus_notes": "10%",
            "equity_notes": "RSUs",
            "earliest_start": "2027-06-01",
            "notice_period": "3 months",
            "expected_notes": "Remote",
        },
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["expected"]["amount"], body["earliest_start"], body["position"]["where"]) == (
        "88000.00",
        "2027-06-01",
        "inside",
    )


def test_put_with_a_proposal_adds_it_as_current(stage, api_as, people, candidacy):
    api = api_as(people.recruiter)
    api.put(compensation_path(candidacy), json={"proposal": {"amount": "80000", "currency": "EUR"}})
    body = api.put(
        compensation_path(candidacy),
        json={
            "proposal": {"amount": "7000", "currency": "EUR"},
            "proposal_period": "month",
            "proposal_notes": "Monthly",
        },
    ).get_json()
    assert [p["amount"] for p in body["proposals"]] == ["80000.00", "7000.00"]
    assert (body["proposal"]["period"], body["proposal"]["approval"]) == ("month", "not_needed")


def test_put_with_an_outcome_concludes_and_moves_the_candidacy(
    stage, propose, api_as, people, candidacy
):
    propose(stage, "80000")
    body = (
        api_as(people.recruiter)
        .put(compensation_path(candidacy), json={"outcome": "agreed", "outcome_reason": "Signed"})
        .get_json()
    )
    db.session.refresh(candidacy)
    assert (body["state"], body["outcome"], candidacy.state.value) == ("agreed", "agreed", "offer")


def test_changing_an_agreed_outcome_is_409(stage, propose, api_as, people, candidacy):
    propose(stage, "80000")
    api = api_as(people.recruiter)
    api.put(compensation_path(candidacy), json={"outcome": "agreed"})
    assert_conflict(
        api.put(compensation_path(candidacy), json={"outcome": "declined"}), "stage_closed"
    )


def test_approval_answers_the_compensation_with_the_decision(
    stage, propose, api_as, people, candidacy
):
    pending = propose(stage, "99000")
    response = api_as(people.hiring_manager).post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": pending.id, "decision": "refused", "reason": "Above what we can pay"},
    )
    proposal = response.get_json()["proposal"]
    assert (
        response.status_code,
        proposal["approval"],
        proposal["decided_by"],
        proposal["decision_reason"],
    ) == (200, "refused", people.hiring_manager.id, "Above what we can pay")


def test_approval_with_nothing_pending_is_409(stage, propose, api_as, people, candidacy):
    inside = propose(stage, "80000")
    response = api_as(people.admin).post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": inside.id, "decision": "approved", "reason": "Fine"},
    )
    assert_conflict(response, "nothing_pending")


def test_approval_without_a_reason_is_422(stage, propose, api_as, people, candidacy):
    pending = propose(stage, "99000")
    response = api_as(people.admin).post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": pending.id, "decision": "approved", "reason": ""},
    )
    assert_invalid(response, "reason")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expected": {"amount": "-5", "currency": "EUR"}}, "expected.amount"),
        ({"expected": {"amount": "0", "currency": "EUR"}}, "expected.amount"),
        ({"expected": {"amount": "1e12", "currency": "EUR"}}, "expected.amount"),
        ({"expected": {"amount": "95,000", "currency": "EUR"}}, "expected.amount"),
        ({"expected": {"amount": 95000, "currency": "EUR"}}, "expected.amount"),
        ({"expected": {"amount": "95000", "currency": "ABC"}}, "expected.currency"),
        ({"expected": {"amount": "95000", "currency": "USD"}}, "conversion_note"),
        ({"expected": {"amount": "95000"}}, "expected.currency"),
        ({"proposal": {"amount": "-1", "currency": "EUR"}}, "proposal.amount"),
        ({"proposal": {"amount": "85000", "currency": "GBP"}}, "conversion_note"),
        (
            {"proposal": {"amount": "85000", "currency": "EUR"}, "proposal_period": "week"},
            "proposal_period",
        ),
        ({"proposal": None}, "proposal"),
        ({"proposal_notes": "alone"}, "proposal_notes"),
        ({"earliest_start": "2020-01-01"}, "earliest_start"),
        ({"earliest_start": "soon"}, "earliest_start"),
        ({"expected_period": "fortnight"}, "expected_period"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "agreed"}, "outcome"),
        ({"outcome_reason": "alone"}, "outcome_reason"),
        ({"expected_notes": "x" * 4001}, "expected_notes"),
        ({"salary": "95000"}, "salary"),
        ({}, "_"),
    ],
    ids=[
        "negative",
        "zero",
        "absurd",
        "grouped-digits",
        "number-not-string",
        "unknown-currency",
        "other-currency-without-note",
        "no-currency",
        "negative-proposal",
        "proposal-currency-without-note",
        "bad-period",
        "null-proposal",
        "proposal-notes-alone",
        "start-in-past",
        "start-not-a-date",
        "bad-expected-period",
        "unknown-outcome",
        "agreed-without-proposal",
        "reason-without-outcome",
        "too-long",
        "unknown-member",
        "empty",
    ],
)
def test_bad_input_is_422_on_its_field(stage, api_as, people, candidacy, body, field):
    assert_invalid(api_as(people.recruiter).put(compensation_path(candidacy), json=body), field)


def test_a_body_that_is_not_json_is_400(stage, api_as, people, candidacy):
    response = api_as(people.recruiter).put(
        compensation_path(candidacy), data="amount=5", content_type="application/json"
    )
    assert_problem(response, 400)


def test_a_refused_put_saves_nothing(stage, api_as, people, candidacy):
    api = api_as(people.recruiter)
    before = table_counts()
    response = api.put(
        compensation_path(candidacy),
        json={
            "expected": {"amount": "88000", "currency": "EUR"},
            "proposal": {"amount": "-1", "currency": "EUR"},
        },
    )
    assert_invalid(response, "proposal.amount")
    db.session.refresh(stage)
    assert (stage.expected_amount, table_counts()) == (None, before)


def test_another_currency_with_a_conversion_note_is_accepted(stage, api_as, people, candidacy):
    body = (
        api_as(people.recruiter)
        .put(
            compensation_path(candidacy),
            json={
                "expected": {"amount": "100000", "currency": "usd"},
                "conversion_note": "1 USD = 0.92 EUR on 1 March 2027",
            },
        )
        .get_json()
    )
    assert (body["expected"], body["position"]["where"]) == (
        {"amount": "100000.00", "currency": "USD"},
        "not_comparable",
    )


def _reads() -> list[AuditEvent]:
    return list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "compensation.viewed"))
    )


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PUT", {"expected_notes": "Flexible"})]
)
def test_every_answer_with_figures_is_audited(stage, api_as, people, candidacy, method, body):
    kwargs = {"json": body} if body else {}
    api_as(people.hiring_manager).open(method, compensation_path(candidacy), **kwargs)
    reads = _reads()
    assert [(e.actor_id, e.object_id) for e in reads] == [(people.hiring_manager.id, stage.id)]


def test_a_refused_request_records_no_read(stage, api_as, people, candidacy):
    api_as(people.interviewer).get(compensation_path(candidacy))
    api_as(people.recruiter).put(compensation_path(candidacy), json={"outcome": "maybe"})
    assert _reads() == []
