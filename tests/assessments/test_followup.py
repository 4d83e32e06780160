"""Follow-up of late assessments: reminders once each (at due time, then daily) and one word to
the recruiter who booked the interview; nothing for what no longer needs assessing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.assessments import followup
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze
from tests.assessments.conftest import NOW, after


def sent(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def reminders() -> list[str]:
    return [m.recipient for m in sent("assessment_due")]


def run(now) -> dict[str, int]:
    freeze(now)
    counts = followup.send_followups(now)
    db.session.commit()
    return counts


@pytest.fixture
def due(interview):
    """The interview's due time (24 hours after it ends, the default)."""
    return interview.ends_at + timedelta(hours=24)


def test_nothing_is_sent_before_the_assessment_is_due(interview, due):
    assert run(due - timedelta(minutes=1)) == {"assessment_reminders": 0, "late_notices": 0}
    assert reminders() == []


def test_each_late_interviewer_is_reminded_once_at_due_time(interview, panelists, due):
    peer, other = panelists
    assert run(due)["assessment_reminders"] == 2
    assert run(due + timedelta(hours=3))["assessment_reminders"] == 0
    assert sorted(reminders()) == sorted([peer.email, other.email])


def test_reminders_repeat_once_a_day_after_due(interview, panelists, submit, due):
    peer, other = panelists
    after(interview)
    submit(interview, other)
    for hours in (0, 5, 24, 30, 48, 50):
        run(due + timedelta(hours=hours))
    assert reminders() == [peer.email] * 3


def test_submitted_assessment_is_not_chased(interview, panelists, submit, due):
    peer, other = panelists
    after(interview)
    submit(interview, peer)
    submit(interview, other)
    assert run(due + timedelta(days=2)) == {"assessment_reminders": 0, "late_notices": 0}


def test_a_draft_is_still_chased(interview, panelists, draft, due):
    peer, _ = panelists
    draft(interview, peer, notes="Started")
    run(due)
    assert peer.email in reminders()


def test_booking_recruiter_hears_once_a_day_after_due(interview, panelists, submit, due, recruiter):
    peer, other = panelists
    after(interview)
    submit(interview, other)
    assert run(due + timedelta(hours=23))["late_notices"] == 0
    assert run(due + timedelta(hours=24))["late_notices"] == 1
    assert run(due + timedelta(days=3))["late_notices"] == 0
    [notice] = sent("assessment_late")
    assert notice.recipient == recruiter.email
    assert peer.name in notice.subject


def test_each_late_interviewer_is_escalated_separately(interview, panelists, due):
    run(due + timedelta(days=1))
    assert len(sent("assessment_late")) == 2


def test_the_due_time_follows_the_jobs_setting(interview, job, due):
    job.job.assessment_due_hours = 72
    db.session.commit()
    assert run(due)["assessment_reminders"] == 0
    assert run(interview.ends_at + timedelta(hours=72))["assessment_reminders"] == 2


def test_cancelled_interview_is_not_chased(interview, recruiter, due):
    scheduling.cancel_interview(interview, actor=recruiter, reason="Candidate withdrew")
    db.session.commit()
    assert run(due + timedelta(days=2)) == {"assessment_reminders": 0, "late_notices": 0}


def test_interview_recorded_after_the_fact_is_chased_like_any_other(
    book, candidacy, job, panelists, submit
):
    peer, other = panelists
    past = book(candidacy, job.first, NOW - timedelta(days=2), list(panelists), record_past=True)
    submit(past, other)
    assert run(past.ends_at + timedelta(days=2)) == {"assessment_reminders": 1, "late_notices": 1}
    assert reminders() == [peer.email]


def test_interview_recorded_after_the_fact_is_on_the_interviewers_list_to_write(
    book, candidacy, job, panelists
):
    peer, _other = panelists
    past = book(candidacy, job.first, NOW - timedelta(days=2), list(panelists), record_past=True)
    assert [item.interview.id for item in followup.owed_by(peer, NOW)] == [past.id]


@pytest.mark.parametrize(
    "state", [CandidacyState.rejected, CandidacyState.withdrawn, CandidacyState.hired]
)
def test_closed_candidacy_is_not_chased(interview, candidacy, recruiter, due, state):
    candidates.set_candidacy_state(candidacy, state, actor=recruiter, reason="Decided")
    db.session.commit()
    assert run(due + timedelta(days=2)) == {"assessment_reminders": 0, "late_notices": 0}


def test_inactive_interviewer_is_not_reminded(interview, panelists, due):
    peer, other = panelists
    other.is_active = False
    db.session.commit()
    run(due)
    assert reminders() == [peer.email]


def test_reminder_links_to_the_form_and_carries_no_colleagues_assessment(
    interview, panelists, submit, due
):
    _peer, other = panelists
    after(interview)
    submit(interview, other, notes="Secret impression", notes_for_later="For later")
    run(due)
    [message] = sent("assessment_due")
    body = message.raw.decode("utf-8", "replace")
    assert f"/interviews/{interview.id}/assessment" in body
    assert "Secret impression" not in body
    assert "For later" not in body


def test_overdue_lists_late_seats_and_filters_by_booking_recruiter(
    interview, panelists, due, make_user
):
    peer, other = panelists
    someone_else = make_user(("recruiter",))
    late = followup.overdue(due + timedelta(hours=1))
    assert {item.interviewer.id for item in late} == {peer.id, other.id}
    assert followup.overdue(due + timedelta(hours=1), scheduled_by=someone_else) == []
    assert followup.overdue(due - timedelta(hours=1)) == []


def test_owed_by_lists_ended_interviews_not_yet_submitted(interview, panelists, submit):
    peer, other = panelists
    freeze(interview.starts_at - timedelta(minutes=1))
    assert followup.owed_by(peer) == []
    after(interview, -timedelta(minutes=30))
    assert followup.owed_by(peer) == []  # still going on: not a to-do yet
    after(interview, timedelta(0))
    assert [item.interview.id for item in followup.owed_by(peer)] == [interview.id]
    submit(interview, peer)
    assert followup.owed_by(peer) == []
    assert len(followup.owed_by(other)) == 1
