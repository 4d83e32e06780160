"""Decision reasons are withheld from whoever still owes an assessment of the candidacy: on the
candidacy page (decisions and history), the decide page and ``GET /candidacies/{id}``.

Ivan (an interviewer) and the job's hiring manager interviewed Erin; the hiring manager submitted,
Ivan has not. A recruiter then advanced her with a reason.
"""

from __future__ import annotations

import pytest

from coordinator.db import db
from coordinator.shortlist import operations
from tests.shortlist.conftest import at, criterion_ids
from tests.shortlist.pages import text

REASON = "The manager loved the design answer"
WITHHELD_TEXT = "withheld until you submit your assessment"


@pytest.fixture
def decided(erin_half_assessed, recruiter):
    erin = erin_half_assessed("manager")
    operations.record_decision(
        erin.candidacy, actor=recruiter, outcome="advance", reason=REASON, confirm_missing=True
    )
    db.session.commit()
    return erin


def test_api_withholds_decision_reasons_from_a_panel_member_who_owes(decided, api_as):
    body = api_as(decided.owes).get(f"/candidacies/{decided.candidacy.id}").json
    [decision] = body["decisions"]
    assert decision["reason"] is None
    assert decision["withheld"] is True
    assert decision["outcome"] == "advance"


def test_api_gives_the_reason_to_a_panel_member_who_submitted(decided, api_as, hiring_manager):
    body = api_as(hiring_manager).get(f"/candidacies/{decided.candidacy.id}").json
    assert body["decisions"][0]["reason"] == REASON
    assert body["decisions"][0]["withheld"] is False


def test_api_gives_the_reason_once_the_owed_assessment_is_in(decided, api_as, assess, scenario):
    ps, comm = criterion_ids(scenario.first)
    assess(decided.interview, decided.owes, {ps: 3, comm: 3}, "yes")
    body = api_as(decided.owes).get(f"/candidacies/{decided.candidacy.id}").json
    assert body["decisions"][0]["reason"] == REASON


def test_candidacy_page_withholds_the_reason_from_a_panel_member_who_owes(decided, login):
    page = text(login(decided.owes).get(f"/candidacies/{decided.candidacy.id}"))
    assert REASON not in page
    assert WITHHELD_TEXT in page
    assert f'href="/interviews/{decided.interview.id}/assessment"' in page


def test_candidacy_page_shows_the_reason_to_a_panel_member_who_submitted(
    decided, login, hiring_manager
):
    page = text(login(hiring_manager).get(f"/candidacies/{decided.candidacy.id}"))
    assert REASON in page


def test_decide_page_withholds_the_reason_from_a_recruiter_who_owes(
    decided, login, make_user, scenario, recruiter, book, open_round
):
    seated = make_user(("recruiter",), name="Sam Seated")
    book(open_round(decided.candidacy, scenario.team), at(6, 9), [seated])
    page = text(
        login(seated).get(
            f"/jobs/{scenario.job.id}/candidacies/{decided.candidacy.id}/decide"
        )
    )
    assert REASON not in page
    assert WITHHELD_TEXT in page
