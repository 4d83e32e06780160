"""Compensation fixtures: a frozen clock, a job whose plan has a compensation discussion, a
candidacy with its stage open, and the people around it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from coordinator.compensation import operations
from coordinator.compensation.models import CompensationStage
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze

#: Monday 1 March 2027, 08:00 UTC — "now" in compensation tests.
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(app) -> datetime:
    freeze(NOW)
    return NOW


@pytest.fixture
def people(make_user) -> SimpleNamespace:
    """Everyone a compensation stage meets: who may see figures, approve, or neither."""
    return SimpleNamespace(
        admin=make_user(("admin",), name="Ada Admin"),
        recruiter=make_user(("recruiter",), name="Rita Recruiter"),
        hiring_manager=make_user(("hiring_manager",), name="Hugo Manager"),
        other_hiring_manager=make_user(("hiring_manager",), name="Olga Elsewhere"),
        interviewer=make_user(("interviewer",), name="Ivan Interviewer"),
    )


@pytest.fixture
def job(make_job, people):
    """Band 70,000–90,000 EUR a year; Hugo is its hiring manager."""
    return make_job(
        actor=people.recruiter,
        hiring_manager_id=people.hiring_manager.id,
        pay_band_min="70000",
        pay_band_max="90000",
        pay_band_currency="EUR",
    )


@pytest.fixture
def plan(job, make_planned_round, people) -> SimpleNamespace:
    first = make_planned_round(
        job, actor=people.recruiter, title="First interview", relationships=["peer"]
    )
    pay = make_planned_round(
        job,
        actor=people.recruiter,
        title="Compensation discussion",
        kind="compensation_discussion",
        relationships=["peer"],
        criteria=[],
    )
    return SimpleNamespace(first=first, pay=pay)


@pytest.fixture
def candidacy(make_candidacy, job, plan, people):
    return make_candidacy(job=job, actor=people.recruiter)


@pytest.fixture
def stage(candidacy, plan, people) -> CompensationStage:
    """The stage, opened the usual way: by opening the plan's compensation-discussion round."""
    scheduling.open_round(candidacy, plan.pay, actor=people.recruiter)
    db.session.commit()
    found = operations.stage_of(candidacy)
    assert found is not None
    return found


@pytest.fixture
def propose(people) -> Callable[..., Any]:
    """Add a proposal as someone (the recruiter by default) and commit."""

    def do(
        stage: CompensationStage,
        amount: str,
        currency: str = "EUR",
        *,
        actor: Any = None,
        **kwargs: Any,
    ) -> Any:
        proposal = operations.propose(
            stage, actor=actor or people.recruiter, amount=amount, currency=currency, **kwargs
        )
        db.session.commit()
        return proposal

    return do


def compensation_path(candidacy: Any) -> str:
    return f"/candidacies/{candidacy.id}/compensation"


def decide_current(
    stage: CompensationStage, actor: Any, *, approved: bool = True, reason: str = "Fine"
) -> Any:
    """Approve (or refuse) the stage's current proposal, naming it as the page and API do."""
    current = stage.current_proposal
    return operations.decide_approval(
        stage,
        actor=actor,
        proposal_id=current.id if current is not None else None,
        approved=approved,
        reason=reason,
    )
