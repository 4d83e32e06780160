"""Approvals cannot be skipped: the band as it stands decides, an approval names its proposal.

Reproductions of issue 11: a proposal made inside a raised band and agreed after the band was
lowered again; a manager approving a proposal that arrived after they read the page.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.compensation import operations
from coordinator.compensation.models import Approval, Proposal
from coordinator.db import db
from coordinator.errors import Conflict
from coordinator.jobs import operations as jobs
from tests.api.support import assert_conflict, assert_invalid
from tests.compensation.conftest import NOW, compensation_path
from tests.web.pages import field_error, text


def set_band(job, people, low: str, high: str) -> None:
    jobs.update_job(job, actor=people.recruiter, pay_band_min=low, pay_band_max=high)
    db.session.commit()


@pytest.fixture
def agreed_outside_the_band(stage, job, people, propose):
    """Raise the band, propose 240000 (no approval needed then), lower the band again."""
    set_band(job, people, "200000", "300000")
    proposal = propose(stage, "240000")
    assert proposal.approval is Approval.not_needed
    set_band(job, people, "70000", "90000")
    return proposal


def approve(api, candidacy, proposal_id, decision="approved"):
    return api.post(
        compensation_path(candidacy) + "/approval",
        json={"proposal_id": proposal_id, "decision": decision, "reason": "Checked"},
    )


# --- the band as it stands at the moment of agreeing ----------------------------------------------


def test_agreeing_after_the_band_was_lowered_needs_approval(stage, people, agreed_outside_the_band):
    with pytest.raises(Conflict) as caught:
        operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    assert [c["kind"] for c in caught.value.conflicts] == ["approval_needed"]


def test_agreeing_after_the_band_was_lowered_is_409_on_the_api(
    stage, candidacy, people, api_as, agreed_outside_the_band
):
    response = api_as(people.recruiter).put(
        compensation_path(candidacy), json={"outcome": "agreed"}
    )
    assert_conflict(response, "approval_needed")
    db.session.refresh(stage)
    assert stage.state.value == "open"


def test_agreeing_after_the_band_was_lowered_is_refused_on_the_page(
    stage, candidacy, people, login, agreed_outside_the_band
):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": "agreed"}
    )
    db.session.refresh(candidacy)
    assert (response.status_code, "needs approval" in text(response), candidacy.state.value) == (
        409,
        True,
        "active",
    )


def test_a_proposal_outside_the_band_as_it_stands_reads_as_pending(
    stage, candidacy, people, api_as, agreed_outside_the_band
):
    body = api_as(people.recruiter).get(compensation_path(candidacy)).get_json()
    assert (body["proposal"]["approval"], body["proposal"]["position"]["where"]) == (
        "pending",
        "above",
    )


def test_the_hiring_manager_approves_a_proposal_the_lowered_band_left_outside(
    stage, candidacy, people, api_as, agreed_outside_the_band
):
    response = approve(api_as(people.hiring_manager), candidacy, agreed_outside_the_band.id)
    assert response.get_json()["proposal"]["approval"] == "approved"
    operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    assert stage.state.value == "agreed"


def test_a_pending_proposal_inside_the_band_as_it_stands_can_be_agreed(stage, job, people, propose):
    propose(stage, "95000")
    set_band(job, people, "70000", "100000")
    operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    assert stage.state.value == "agreed"


def test_a_refused_proposal_cannot_be_agreed_even_inside_a_raised_band(stage, job, people, propose):
    proposal = propose(stage, "95000")
    operations.decide_approval(
        stage, actor=people.hiring_manager, proposal_id=proposal.id, approved=False, reason="No"
    )
    set_band(job, people, "70000", "100000")
    with pytest.raises(Conflict) as caught:
        operations.conclude(stage, actor=people.recruiter, outcome="agreed")
    assert [c["kind"] for c in caught.value.conflicts] == ["proposal_refused"]


def test_the_outcome_form_names_why_agreeing_needs_approval_on_its_field(
    stage, candidacy, people, login, agreed_outside_the_band
):
    response = login(people.recruiter).post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": "agreed"}
    )
    assert "needs approval" in field_error(text(response), "outcome-outcome")


# --- an approval names the proposal it decides ----------------------------------------------------


def test_approving_a_proposal_that_is_no_longer_current_is_409_stale(
    stage, candidacy, people, propose, api_as
):
    read = propose(stage, "100000")
    propose(stage, "250000")
    response = approve(api_as(people.hiring_manager), candidacy, read.id)
    assert_conflict(response, "stale_proposal")
    db.session.expire_all()
    assert [p.approval for p in stage.proposals] == [Approval.pending, Approval.pending]


def test_approving_a_proposal_of_another_stage_is_409_stale(
    stage, candidacy, people, propose, api_as, make_candidacy, job, plan
):
    propose(stage, "100000")
    other = operations.open_stage(
        make_candidacy(job=job, actor=people.recruiter), actor=people.recruiter
    )
    foreign = propose(other, "100000")
    assert_conflict(approve(api_as(people.admin), candidacy, foreign.id), "stale_proposal")


def test_an_approval_without_a_proposal_id_is_422(stage, candidacy, people, propose, api_as):
    propose(stage, "100000")
    response = api_as(people.hiring_manager).post(
        compensation_path(candidacy) + "/approval", json={"decision": "approved", "reason": "Ok"}
    )
    assert_invalid(response, "proposal_id")


def test_the_approval_form_names_the_current_proposal(stage, candidacy, people, propose, login):
    propose(stage, "100000")
    current = propose(stage, "110000")
    page = login(people.hiring_manager).get(compensation_path(candidacy)).get_data(as_text=True)
    assert f'name="approval-proposal_id" type="hidden" value="{current.id}"' in page


def test_approving_on_the_page_a_proposal_that_is_no_longer_current_is_refused(
    stage, candidacy, people, propose, login
):
    read = propose(stage, "100000")
    propose(stage, "250000")
    response = login(people.hiring_manager).post(
        f"{compensation_path(candidacy)}/approval",
        data={
            "approval-proposal_id": str(read.id),
            "approval-decision": "approved",
            "approval-reason": "Fine",
        },
    )
    db.session.expire_all()
    approved = db.session.scalar(
        sa.select(sa.func.count()).where(Proposal.approval == Approval.approved)
    )
    assert (response.status_code, "new proposal" in text(response), approved) == (409, True, 0)


def test_an_approval_form_without_its_proposal_is_refused(stage, candidacy, people, propose, login):
    propose(stage, "100000")
    response = login(people.hiring_manager).post(
        f"{compensation_path(candidacy)}/approval",
        data={"approval-decision": "approved", "approval-reason": "Fine"},
    )
    db.session.refresh(stage.current_proposal)
    assert (
        response.status_code,
        "reload" in text(response).lower(),
        stage.current_proposal.approval,
    ) == (422, True, Approval.pending)


def test_the_database_refuses_an_approval_by_the_proposer(stage, people, propose):
    proposal = propose(stage, "100000", actor=people.hiring_manager)
    self_approval = (
        sa.update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(
            approval=Approval.approved,
            decided_by_id=people.hiring_manager.id,
            decided_at=NOW,
            decision_reason="Mine",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(self_approval)


def test_lowering_the_band_with_patch_jobs_makes_agreeing_need_approval(
    stage, job, candidacy, people, propose, api_as
):
    api = api_as(people.recruiter)
    band = {"min": "200000", "max": "300000", "currency": "EUR"}
    assert api.patch(f"/jobs/{job.id}", json={"pay_band": band}).status_code == 200
    propose(stage, "240000")
    band = {"min": "70000", "max": "90000", "currency": "EUR"}
    assert api.patch(f"/jobs/{job.id}", json={"pay_band": band}).status_code == 200
    assert_conflict(
        api.put(compensation_path(candidacy), json={"outcome": "agreed"}), "approval_needed"
    )


def test_lowering_the_band_on_the_job_page_makes_agreeing_need_approval(
    stage, job, candidacy, people, propose, login
):
    client = login(people.recruiter)

    def edit_band(low: str, high: str) -> None:
        response = client.post(
            f"/jobs/{job.id}/edit",
            data={
                "title": job.title,
                "hiring_manager_id": str(people.hiring_manager.id),
                "pay_band_min": low,
                "pay_band_max": high,
                "pay_band_currency": "EUR",
                "assessment_due_hours": "24",
                "state": "open",
            },
        )
        assert response.status_code == 303

    edit_band("200000", "300000")
    propose(stage, "240000")
    edit_band("70000", "90000")
    response = client.post(
        f"{compensation_path(candidacy)}/outcome", data={"outcome-outcome": "agreed"}
    )
    assert response.status_code == 409


def _store(proposal_id: int, **values) -> None:
    db.session.execute(sa.update(Proposal).where(Proposal.id == proposal_id).values(**values))


def test_the_database_refuses_a_decision_without_a_reason(stage, people, propose):
    proposal = propose(stage, "100000")
    with pytest.raises(sa.exc.IntegrityError):
        _store(
            proposal.id,
            approval=Approval.approved,
            decided_by_id=people.hiring_manager.id,
            decided_at=NOW,
            decision_reason="",
        )


def test_the_database_refuses_a_decider_on_an_undecided_proposal(stage, people, propose):
    proposal = propose(stage, "100000")
    with pytest.raises(sa.exc.IntegrityError):
        _store(proposal.id, decided_by_id=people.hiring_manager.id)


def test_the_page_offers_approval_of_a_proposal_the_lowered_band_left_outside(
    stage, candidacy, people, login, agreed_outside_the_band
):
    page = text(login(people.hiring_manager).get(compensation_path(candidacy)))
    assert "Approve or refuse the current proposal" in page


def test_proposals_carry_their_id_in_the_api(stage, candidacy, people, propose, api_as):
    first, second = propose(stage, "80000"), propose(stage, "85000")
    body = api_as(people.recruiter).get(compensation_path(candidacy)).get_json()
    assert ([p["id"] for p in body["proposals"]], body["proposal"]["id"]) == (
        [first.id, second.id],
        second.id,
    )
