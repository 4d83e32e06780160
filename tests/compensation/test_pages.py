"""The compensation pages: the stage page, its forms, and the candidacy page's section."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.compensation import operations
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from tests.compensation.conftest import NOW, compensation_path, decide_current
from tests.web.pages import field_error, is_marked_invalid, text, value_of

WHO = ["admin", "recruiter", "hiring_manager", "other_hiring_manager", "interviewer"]
CIRCLE = {"admin", "recruiter", "hiring_manager"}


@pytest.fixture
def on_panel(candidacy, plan, people):
    """The interviewer sits on the candidacy's first interview (so may read the candidacy)."""
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


POSTS = {
    "expectations": {
        "expected-amount": "85000",
        "expected-currency": "EUR",
        "expected-period": "year",
    },
    "proposals": {
        "proposal-amount": "85000",
        "proposal-currency": "EUR",
        "proposal-period": "year",
    },
    "outcome": {"outcome-outcome": "withdrawn", "outcome-reason": "Took another offer"},
}


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_stage_page_is_for_the_circle_only(who, stage, candidacy, people, login):
    response = login(getattr(people, who)).get(compensation_path(candidacy))
    assert response.status_code == (200 if who in CIRCLE else 403)


@pytest.mark.parametrize(("who", "form"), [(w, f) for w in WHO for f in POSTS])
def test_stage_forms_are_for_the_circle_only(who, form, stage, candidacy, people, login):
    response = login(getattr(people, who)).post(
        f"{compensation_path(candidacy)}/{form}", data=POSTS[form]
    )
    assert response.status_code == (303 if who in CIRCLE else 403)


def test_signed_out_visitors_are_sent_to_sign_in(stage, candidacy, client):
    response = client.get(compensation_path(candidacy))
    assert (response.status_code, "/login" in response.headers["Location"]) == (302, True)


# --- the stage page -------------------------------------------------------------------------------


def test_stage_page_shows_band_expectation_position_and_proposals(
    stage, candidacy, people, propose, login
):
    operations.set_expectations(
        stage, actor=people.recruiter, amount="95000", currency="EUR", notice_period="3 months"
    )
    propose(stage, "92000", notes="Signing bonus")
    db.session.commit()
    page = text(login(people.hiring_manager).get(compensation_path(candidacy)))
    for expected in (
        "70,000.00 – 90,000.00 EUR per year",
        "95,000.00 EUR per year",
        "above the band by 5,000.00 a year (5.6%)",
        "92,000.00 EUR per year",
        "Waiting for approval",
        "Rita Recruiter",
        "Signing bonus",
        "3 months",
    ):
        assert expected in page, expected


def test_viewing_the_stage_page_is_audited(stage, candidacy, people, login):
    login(people.hiring_manager).get(compensation_path(candidacy))
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "compensation.viewed")
    ).all()
    assert [(e.actor_id, e.details["where"]) for e in events] == [
        (people.hiring_manager.id, "page")
    ]


def test_without_a_stage_the_page_is_404(candidacy, people, login):
    assert login(people.recruiter).get(compensation_path(candidacy)).status_code == 404


def test_expectations_are_saved_from_the_form(stage, candidacy, people, login):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/expectations",
        data={
            "expected-amount": "88000.50",
            "expected-currency": "EUR",
            "expected-period": "year",
            "expected-earliest_start": "2027-06-01",
            "expected-notice_period": "1 month",
        },
    )
    db.session.refresh(stage)
    assert (response.status_code, str(stage.expected_amount), stage.notice_period) == (
        303,
        "88000.50",
        "1 month",
    )


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"expected-amount": "-5"}, "expected-amount", "cannot be negative"),
        ({"expected-amount": "95,000"}, "expected-amount", "is not an amount"),
        ({"expected-amount": "1000000000"}, "expected-amount", "At most"),
        ({"expected-currency": "XYZ"}, "expected-currency", "ISO 4217"),
        ({"expected-currency": "USD"}, "expected-conversion_note", "The band is in EUR"),
        ({"expected-earliest_start": "2020-01-01"}, "expected-earliest_start", "past"),
    ],
    ids=[
        "negative",
        "grouped-digits",
        "absurd",
        "unknown-currency",
        "other-currency-no-note",
        "start-in-past",
    ],
)
def test_refused_expectations_show_the_message_on_the_field_and_keep_the_input(
    stage, candidacy, people, login, data, field_id, message
):
    form = {
        "expected-amount": "95000",
        "expected-currency": "EUR",
        "expected-period": "year",
        **data,
    }
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/expectations", data=form
    )
    page = text(response)
    assert response.status_code == 422
    assert message in field_error(page, field_id)
    assert is_marked_invalid(page, field_id)
    assert value_of(page, "expected-amount") == form["expected-amount"]


def test_a_refused_form_saves_nothing(stage, candidacy, people, login):
    login(people.recruiter).post(
        f"{compensation_path(candidacy)}/proposals",
        data={"proposal-amount": "-1", "proposal-currency": "EUR", "proposal-period": "year"},
    )
    db.session.refresh(stage)
    assert stage.proposals == []


def test_a_proposal_outside_the_band_is_offered_to_the_hiring_manager_for_approval(
    stage, candidacy, people, login
):
    login(people.recruiter).post(
        f"{compensation_path(candidacy)}/proposals",
        data={"proposal-amount": "99000", "proposal-currency": "EUR", "proposal-period": "year"},
    )
    page = text(login(people.hiring_manager).get(compensation_path(candidacy)))
    assert "Approve or refuse the current proposal" in page


def test_the_proposer_is_not_offered_the_approval_form(stage, candidacy, people, propose, login):
    propose(stage, "99000", actor=people.hiring_manager)
    page = text(login(people.hiring_manager).get(compensation_path(candidacy)))
    assert "Approve or refuse" not in page
    assert "someone else approves or refuses it" in page


def test_the_proposer_posting_an_approval_gets_403(stage, candidacy, people, propose, login):
    propose(stage, "99000", actor=people.hiring_manager)
    response = login(people.hiring_manager).post(
        f"{compensation_path(candidacy)}/approval",
        data={"approval-decision": "approved", "approval-reason": "Mine"},
    )
    assert response.status_code == 403


def test_an_approval_needs_a_reason_on_the_page(stage, candidacy, people, propose, login):
    pending = propose(stage, "99000")
    response = login(people.hiring_manager).post(
        f"{compensation_path(candidacy)}/approval",
        data={"approval-proposal_id": str(pending.id), "approval-decision": "approved"},
    )
    assert (
        response.status_code,
        "Give a reason" in field_error(text(response), "approval-reason"),
    ) == (422, True)


def test_an_approval_is_recorded_with_its_reason(stage, candidacy, people, propose, login):
    pending = propose(stage, "99000")
    login(people.hiring_manager).post(
        f"{compensation_path(candidacy)}/approval",
        data={
            "approval-proposal_id": str(pending.id),
            "approval-decision": "approved",
            "approval-reason": "Rare skills",
        },
    )
    db.session.refresh(stage)
    proposal = stage.current_proposal
    assert (proposal.approval.value, proposal.decision_reason) == ("approved", "Rare skills")


def test_agreeing_on_the_page_makes_the_candidacy_an_offer(
    stage, candidacy, people, propose, login
):
    propose(stage, "80000")
    login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome",
        data={"outcome-outcome": "agreed", "outcome-reason": "Signed"},
    )
    db.session.refresh(candidacy)
    assert candidacy.state.value == "offer"


def test_changing_an_agreed_outcome_on_the_page_is_409(stage, candidacy, people, propose, login):
    propose(stage, "80000")
    operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    db.session.commit()
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": "declined"}
    )
    assert (response.status_code, "cannot change" in text(response)) == (409, True)


def test_agreeing_on_a_pending_proposal_shows_why_on_the_outcome_field(
    stage, candidacy, people, propose, login
):
    propose(stage, "99000")
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": "agreed"}
    )
    assert "needs approval" in field_error(text(response), "outcome-outcome")


# --- opening the stage without a compensation round ----------------------------------------------


def test_open_button_opens_a_stage_and_shows_it(candidacy, people, login):
    response = login(people.recruiter).post(compensation_path(candidacy))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(compensation_path(candidacy))
    assert operations.stage_of(candidacy) is not None


def test_the_open_button_on_a_closed_candidacy_opens_nothing(candidacy, people, login):
    set_candidacy_state(candidacy, CandidacyState.withdrawn, actor=people.recruiter, reason="Bye")
    db.session.commit()
    login(people.recruiter).post(compensation_path(candidacy))
    assert operations.stage_of(candidacy) is None


# --- the candidacy page's section ----------------------------------------------------------------


def _section(page: str) -> str:
    start = page.find('<section aria-labelledby="compensation">')
    return page[start : page.find("</section>", start)] if start >= 0 else ""


def test_candidacy_page_offers_the_open_button_without_a_stage(candidacy, people, login):
    section = _section(text(login(people.recruiter).get(f"/candidacies/{candidacy.id}")))
    assert "Open compensation stage" in section


def test_candidacy_page_links_the_stage_for_the_circle(stage, candidacy, people, login):
    section = _section(text(login(people.hiring_manager).get(f"/candidacies/{candidacy.id}")))
    assert compensation_path(candidacy) in section


def test_candidacy_page_tells_a_panel_member_only_that_a_discussion_is_planned(
    candidacy, people, login, on_panel
):
    section = _section(text(login(people.interviewer).get(f"/candidacies/{candidacy.id}")))
    assert "A compensation discussion is planned" in section
    assert compensation_path(candidacy) not in section
    assert "Open compensation stage" not in section


def test_candidacy_page_tells_a_panel_member_only_that_a_discussion_exists(
    stage, propose, candidacy, people, login, on_panel
):
    propose(stage, "99000")
    section = _section(text(login(people.interviewer).get(f"/candidacies/{candidacy.id}")))
    assert "A compensation discussion is under way" in section
    assert "99" not in section and "approval" not in section


def test_admin_audit_log_lists_who_read_the_figures(stage, candidacy, people, login):
    login(people.hiring_manager).get(compensation_path(candidacy))
    page = text(login(people.admin).get("/admin/audit?action=compensation.viewed"))
    assert "Compensation figures read (page)" in page and "Hugo Manager" in page


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/candidacies/{id}/compensation",
        "/candidacies/{id}",
        "/api/v1/candidacies/{id}/compensation",
    ],
)
def test_query_count_does_not_grow_with_proposals(
    path, stage, candidacy, people, propose, login, api_as, count_queries
):
    client = login(people.admin)
    headers = api_as(people.admin)._headers(None)
    url = path.format(id=candidacy.id)

    def queries() -> int:
        with count_queries() as log:
            assert client.get(url, headers=headers).status_code == 200
        return log.count

    def approved(amount: str) -> None:
        propose(stage, amount, actor=people.recruiter)
        decide_current(stage, people.hiring_manager, reason="Ok")
        db.session.commit()

    approved("99000")
    few = queries()
    for amount in ("98000", "97000", "96000", "95000"):
        approved(amount)
    assert queries() <= few


def test_outcome_select_starts_on_an_empty_placeholder(stage, candidacy, people, login):
    page = text(login(people.recruiter).get(compensation_path(candidacy)))

    select = re.search(r'<select[^>]*id="outcome-outcome".*?</select>', page, re.S).group(0)
    first = re.search(r"<option[^>]*>", select).group(0)
    assert 'value=""' in first and "selected" not in select.replace(first, "")


def test_submitting_the_outcome_without_choosing_is_a_field_error(
    stage, candidacy, people, login
):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": ""}
    )
    db.session.refresh(stage)
    page = text(response)
    assert (response.status_code, field_error(page, "outcome-outcome"), stage.state.value) == (
        422, "Choose an outcome.", "open")
