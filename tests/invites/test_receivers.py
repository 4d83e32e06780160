"""Reminders and RSVP follow-ups hang off the domain-event seam (coordinator.events)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.events import interview_cancelled, interview_rescheduled, interview_response
from coordinator.invites import receivers, responses
from coordinator.invites.reminders import CANDIDATE_LEAD, PANEL_LEAD
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.scheduling import operations
from coordinator.timeutil import freeze, isoformat_z
from tests.invites.test_reminders import START, reminders, run, text_of
from tests.invites.test_reminders import interview as interview  # a fixture

ROOT = Path(__file__).resolve().parents[2]


def queued(kind: str | None = None) -> list[OutboxMessage]:
    return [r for r in reminders(kind) if r.state is OutboxState.pending]


# --- the seam -------------------------------------------------------------------------------------


def test_reminders_and_decline_mail_listen_to_the_domain_events(app):
    assert receivers.drop_stale_reminders in [
        r() for r in interview_rescheduled.receivers.values()]
    assert receivers.drop_stale_reminders in [
        r() for r in interview_cancelled.receivers.values()]
    assert receivers.on_response in [r() for r in interview_response.receivers.values()]


@pytest.mark.parametrize("module", [
    "coordinator.scheduling.operations",
    "coordinator.invites.operations",
    "coordinator.invites.reminders",
    "coordinator.invites.responses",
    "coordinator.invites.receivers",
    "coordinator.webhooks.receivers",
])
def test_each_module_imports_on_its_own_in_a_fresh_interpreter(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr


def test_scheduling_operations_pull_in_no_invite_or_webhook_module():
    probe = ("import sys, coordinator.scheduling.operations; "
             "print(sorted(m for m in sys.modules "
             "if m.startswith(('coordinator.invites', 'coordinator.webhooks'))))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- reminders ------------------------------------------------------------------------------------


def test_a_move_drops_the_reminder_still_queued_for_the_old_time(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    assert len(queued("candidate")) == 1
    freeze(START - timedelta(hours=20))

    operations.reschedule_interview(interview, actor=recruiter, reason="Room clash",
                                    starts_at=START + timedelta(days=2))
    db.session.commit()

    assert reminders("candidate") == []


def test_a_move_keeps_a_reminder_already_sent_so_the_old_time_is_not_reminded_twice(
        interview, recruiter):
    run(START - CANDIDATE_LEAD)
    [sent] = reminders("candidate")
    sent.state, sent.sent_at = OutboxState.sent, START - CANDIDATE_LEAD
    db.session.commit()
    freeze(START - timedelta(hours=20))

    operations.reschedule_interview(interview, actor=recruiter, reason="Room clash",
                                    starts_at=START + timedelta(hours=4))
    db.session.commit()

    assert [r.dedupe_key for r in reminders("candidate")] == [sent.dedupe_key]


def test_a_move_keeps_a_reminder_a_mail_worker_holds_right_now(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    [held] = reminders("candidate")
    held.lease_until = START - timedelta(hours=19)
    db.session.commit()
    freeze(START - timedelta(hours=20))

    operations.reschedule_interview(interview, actor=recruiter, reason="Room clash",
                                    starts_at=START + timedelta(hours=4))
    db.session.commit()

    assert [r.id for r in reminders("candidate")] == [held.id]


def test_the_moved_interview_is_reminded_for_its_new_time_only(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    freeze(START - timedelta(hours=20))
    new_start = START + timedelta(hours=2)
    operations.reschedule_interview(interview, actor=recruiter, reason="Room clash",
                                    starts_at=new_start)
    db.session.commit()

    run(START - timedelta(hours=20))

    assert [r.dedupe_key for r in reminders("candidate")] == [
        f"reminder:candidate:{interview.id}:{isoformat_z(new_start)}"]


def test_a_cancellation_drops_every_queued_reminder(interview, recruiter):
    run(START - PANEL_LEAD)
    assert len(queued()) == 3
    operations.cancel_interview(interview, actor=recruiter, reason="Role filled")
    db.session.commit()

    assert reminders() == []


def test_a_panel_change_drops_the_queued_reminders_and_the_next_run_names_the_new_panel(
        interview, recruiter, panelists, make_user):
    _peer, supervisor = panelists
    run(START - PANEL_LEAD)
    stand_in = make_user(("interviewer",), name="Stan Stand-in")

    operations.reschedule_interview(
        interview, actor=recruiter, reason="Peer on leave",
        panel=[operations.Seat(stand_in.id, "peer"), operations.Seat(supervisor.id, "supervisor")],
    )
    db.session.commit()

    assert reminders() == []
    run(START - PANEL_LEAD + timedelta(minutes=5))
    assert sorted(r.recipient for r in reminders("panel")) == sorted(
        [supervisor.email, stand_in.email])
    [candidate] = reminders("candidate")
    assert "Stan Stand-in" in text_of(candidate)


def test_a_place_change_sends_the_unsent_reminder_with_the_new_place(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    operations.reschedule_interview(interview, actor=recruiter, reason="Bigger room",
                                    location="Room 9")
    db.session.commit()

    assert reminders("candidate") == []
    assert run(START - timedelta(hours=12)).candidate == 1
    [candidate] = reminders("candidate")
    assert "Room 9" in text_of(candidate) and "Room 4" not in text_of(candidate)


def test_a_change_far_from_the_interview_costs_no_reminder_query(interview, recruiter,
                                                                  count_queries):
    freeze(START - timedelta(days=5))
    with count_queries() as counted:
        operations.reschedule_interview(interview, actor=recruiter, reason="Bigger room",
                                        location="Room 9")
    assert not [s for s in counted.statements
                if s.lstrip().upper().startswith("DELETE") and "outbox_messages" in s]


# --- RSVP follow-ups ------------------------------------------------------------------------------


def recruiter_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "response_declined").order_by(OutboxMessage.id)))


def test_a_panel_decline_reaches_the_recruiter_through_the_response_event(
        interview, recruiter, panelists):
    freeze(START - timedelta(days=1))
    member = next(m for m in interview.panel if m.user_id == panelists[0].id)

    interview_response.disconnect(receivers.on_response)
    try:
        responses.record_panel_response(member, "declined", actor=panelists[0],
                                        comment="On holiday")
    finally:
        interview_response.connect(receivers.on_response)
    assert recruiter_mails() == []

    responses.record_panel_response(member, "declined", actor=panelists[0], comment="On holiday")
    db.session.commit()

    [mail] = recruiter_mails()
    assert mail.recipient == recruiter.email
    assert b"On holiday" in mail.raw


def test_a_candidates_decline_mails_the_recruiter_once(interview, recruiter):
    freeze(START - timedelta(days=1))

    responses.record_candidate_response(interview, "declined", comment="Took another offer")
    responses.record_candidate_response(interview, "declined", comment="Took another offer")
    db.session.commit()

    [mail] = recruiter_mails()
    assert mail.recipient == recruiter.email
    assert [t.kind for t in responses.todos(interview=interview)] == ["declined"]


def test_an_acceptance_mails_nobody(interview, panelists):
    freeze(START - timedelta(days=1))
    member = next(m for m in interview.panel if m.user_id == panelists[0].id)

    responses.record_panel_response(member, "accepted", actor=panelists[0])
    db.session.commit()

    assert recruiter_mails() == []
