"""The pipeline page: who sees it, filters in the query string, bulk actions with one
confirmation, and a statement count that does not grow with the job's candidacies."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.db import db
from coordinator.scheduling.models import Interview, InterviewState, Round
from coordinator.shortlist.models import Decision, Outcome
from tests.pipeline.conftest import NOW


def page(client, job, query=""):
    return client.get(f"/jobs/{job.job.id}/pipeline{query}")


def test_recruiter_sees_each_candidacy_with_its_status_and_next_step(client, login, world, job,
                                                                    recruiter):
    login(recruiter)
    response = page(client, job)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="candidacy-{world.new.id}" data-status="waiting_to_schedule"' in html
    assert f'id="candidacy-{world.ready.id}" data-status="ready_for_decision"' in html
    assert f"/jobs/{job.job.id}/candidacies/{world.ready.id}/decide" in html
    assert f"Open {job.second.title}" in html  # the passed candidacy's next step
    assert "Rex Rejected" not in html  # closed candidacies are filtered out by default
    assert 'data-status="waiting_to_schedule"' in html and "<strong>2</strong>" in html


def test_filters_stay_in_the_query_string_and_on_the_pager_links(client, login, world, job,
                                                                 recruiter):
    login(recruiter)
    html = page(client, job, "?status=scheduled&q=sam").get_data(as_text=True)
    assert "Sam Scheduled" in html and "Ada Awaiting" not in html
    assert 'value="sam"' in html
    assert "status=waiting_to_schedule" in html  # the count chips keep the other filters
    assert "q=sam" in html


def test_an_unknown_filter_value_is_ignored_with_a_message_not_a_500(client, login, world, job,
                                                                     recruiter):
    login(recruiter)
    response = page(client, job, "?status=nonsense&round=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nina New" in html
    assert 'id="status-error"' in html and 'id="round-error"' in html


@pytest.mark.parametrize("who, status", [("hiring_manager", 200), ("interviewer", 403),
                                         ("other_manager", 403)])
def test_only_staff_and_the_jobs_hiring_manager_see_the_pipeline(client, login, world, job,
                                                                 make_user, who, status,
                                                                 hiring_manager, interviewer):
    users = {"hiring_manager": hiring_manager, "interviewer": interviewer,
             "other_manager": make_user(("hiring_manager",))}
    login(users[who])
    assert page(client, job).status_code == status


def test_hiring_manager_may_only_reject(client, login, world, job, hiring_manager):
    login(hiring_manager)
    html = page(client, job).get_data(as_text=True)
    assert 'value="reject"' in html and 'value="open_next_round"' not in html
    response = client.post(f"/jobs/{job.job.id}/pipeline/actions", data={
        "action": "open_next_round", "candidacy_ids": [world.new.id], "confirmed": "y"})
    assert response.status_code == 422  # not one of the choices offered to them


def _act(client, job, **data):
    return client.post(f"/jobs/{job.job.id}/pipeline/actions", data=data)


def test_bulk_reject_asks_once_then_rejects_each_with_the_reason(client, login, world, job,
                                                                recruiter):
    login(recruiter)
    ids = [world.new.id, world.ready.id]
    back = f"/jobs/{job.job.id}/pipeline?status=waiting_to_schedule"
    confirm = _act(client, job, action="reject", candidacy_ids=ids, reason="Role filled.",
                   back=back)
    assert confirm.status_code == 200
    assert "Confirm: reject" in confirm.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
        Decision.candidacy_id.in_(ids))) == 0
    done = _act(client, job, action="reject", candidacy_ids=ids, reason="Role filled.",
                confirmed="y", back=back)
    assert done.status_code == 303
    assert done.headers["Location"].endswith("status=waiting_to_schedule&state=" +
                                             "active%2Cshortlisted%2Coffer") or \
        "status=waiting_to_schedule" in done.headers["Location"]
    for candidacy_id in ids:
        candidacy = db.session.get(Candidacy, candidacy_id)
        db.session.refresh(candidacy)
        assert candidacy.state is CandidacyState.rejected
        decision = db.session.scalar(sa.select(Decision).where(
            Decision.candidacy_id == candidacy_id))
        assert decision.outcome is Outcome.reject and decision.reason == "Role filled."
    flash = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Reject: 2 done." in flash


def test_bulk_reject_without_a_reason_is_refused_on_the_field(client, login, world, job,
                                                            recruiter):
    login(recruiter)
    response = _act(client, job, action="reject", candidacy_ids=[world.new.id], reason=" ",
                    confirmed="y")
    assert response.status_code == 422
    assert "Give the reason for rejecting" in response.get_data(as_text=True)


def test_selecting_nothing_or_another_jobs_candidacy_is_refused(client, login, world, job,
                                                                recruiter, make_candidacy):
    login(recruiter)
    nothing = _act(client, job, action="reject", reason="x", confirmed="y")
    assert nothing.status_code == 422
    assert "Select at least one candidacy." in nothing.get_data(as_text=True)
    elsewhere = make_candidacy(actor=recruiter)
    other = _act(client, job, action="reject", reason="x", confirmed="y",
                 candidacy_ids=[elsewhere.id])
    assert other.status_code == 422
    db.session.refresh(elsewhere)
    assert elsewhere.state is CandidacyState.active


def test_a_failure_leaves_that_candidacy_untouched_and_is_named(client, login, world, job,
                                                               recruiter):
    login(recruiter)
    # Ada's round is the last but one; Pat passed it; Otto has no round but his stage is open.
    response = _act(client, job, action="open_next_round", confirmed="y",
                    candidacy_ids=[world.passed.id, world.rejected.id, world.new.id])
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Open the next round: 2 done, 1 failed: Rex Rejected: The candidacy is rejected" \
        in html
    rounds = db.session.scalars(sa.select(Round).where(
        Round.candidacy_id.in_([world.passed.id, world.new.id, world.rejected.id]))).all()
    assert sorted((r.candidacy_id, r.planned_round_id) for r in rounds) == sorted([
        (world.passed.id, job.first.id), (world.passed.id, job.second.id),
        (world.new.id, job.first.id)])
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "round.opened")) >= 2


def test_self_scheduling_links_use_the_rounds_duration_and_report_rounds_lacking_people(
        client, login, world, job, recruiter, panelists, make_applicant):
    from coordinator.scheduling import operations as scheduling
    from coordinator.scheduling.selfschedule import SelfScheduleRequest

    login(recruiter)
    waiting = make_applicant("Wes Waiting")
    scheduling.open_round(waiting, job.first, actor=recruiter)
    db.session.commit()
    lacking = _act(client, job, action="send_self_schedule", confirmed="y",
                   candidacy_ids=[waiting.id, world.new.id])
    text = client.get(lacking.headers["Location"]).get_data(as_text=True)
    assert "0 done, 2 failed" in text
    assert "choose interviewers for self-scheduling" in text
    assert "No open round is waiting for a time" in text
    peer, _other = panelists
    sent = _act(client, job, action="send_self_schedule", confirmed="y",
                candidacy_ids=[waiting.id], interviewer_ids=[peer.id])
    assert "1 done" in client.get(sent.headers["Location"]).get_data(as_text=True)
    offer = db.session.scalar(sa.select(SelfScheduleRequest))
    assert offer.duration_minutes == job.first.duration_minutes
    assert offer.interviewer_ids == [peer.id]
    assert offer.ends_before - offer.starts_after == timedelta(days=14)


def test_rejecting_a_scheduled_candidacy_cancels_its_interview(client, login, world, job,
                                                              recruiter):
    login(recruiter)
    _act(client, job, action="reject", confirmed="y", reason="Withdrew verbally.",
         candidacy_ids=[world.scheduled.id])
    states = db.session.scalars(sa.select(Interview.state).join(Round).where(
        Round.candidacy_id == world.scheduled.id)).all()
    assert states == [InterviewState.cancelled]


def _grow(make_applicant, book, job, panelists, count, start):
    peer, other = panelists
    for n in range(count):
        candidacy = make_applicant(f"Grown {start + n:03d}")
        if n % 2:
            book(candidacy, job.first, NOW + timedelta(days=2, hours=n), [peer if n % 4 else other])


def test_the_page_runs_the_same_statements_however_many_candidacies(
        client, login, world, job, recruiter, make_applicant, book, panelists, count_queries):
    login(recruiter)
    page(client, job)
    with count_queries() as small:
        assert page(client, job).status_code == 200
    _grow(make_applicant, book, job, panelists, 60, 0)
    with count_queries() as large:
        assert page(client, job).status_code == 200
    assert small.count == large.count, str(large)
    assert large.count <= 8, str(large)
