"""iMIP replies: an attendee's Accept, Maybe or Decline by mail sets their response, and nothing
else; anything that is not a current reply from an attendee of one of our events changes nothing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.invites import replies
from coordinator.invites.models import Audience, Invite
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations
from coordinator.scheduling.models import Interview, InviteResponse, PanelMember
from tests.invites import replies_mail as shape
from tests.scheduling.conftest import NOW, at


def uid_sent(interview: Interview, audience: Audience) -> str:
    """The UID as recorded for the invite that went out."""
    return db.session.scalar(sa.select(Invite.uid).where(
        Invite.interview_id == interview.id, Invite.audience == audience).limit(1))


def ingest(raw: bytes) -> replies.Outcome:
    outcome = replies.ingest(raw)
    db.session.commit()
    return outcome


def responses_of(interview: Interview) -> dict[str, InviteResponse]:
    db.session.expire_all()
    fresh = db.session.get(Interview, interview.id)
    found = {m.user.email: m.response for m in fresh.panel}
    found["candidate"] = fresh.candidate_response
    return found


def recruiter_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind.in_(["response_declined", "response_missing"]))))


NOBODY_ANSWERED = {"priya@team.example": InviteResponse.needs_action,
                   "sofia@team.example": InviteResponse.needs_action,
                   "candidate": InviteResponse.needs_action}


# --- client shapes -------------------------------------------------------------------------------


def test_gmail_accept_sets_the_panel_members_response_and_time(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED")

    outcome = ingest(shape.gmail("Priya Peer <priya@team.example>", calendar))

    db.session.expire_all()
    member = db.session.get(PanelMember, seat_id(booked, "priya@team.example"))
    assert outcome.applied
    assert (member.response, member.responded_at) == (InviteResponse.accepted, NOW)


def seat_id(interview: Interview, email: str) -> int:
    return next(m.id for m in db.session.get(Interview, interview.id).panel
                if m.user.email == email)


def test_outlook_minimal_reply_with_upper_case_mailto_and_comment_is_matched(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "MAILTO:Sofia@Team.Example", "TENTATIVE", minimal=True,
                                    comment="Might be 5 minutes late")

    ingest(shape.outlook("sofia@team.example", calendar, "Tentative: Interview with Cara"))

    db.session.expire_all()
    member = db.session.get(PanelMember, seat_id(booked, "sofia@team.example"))
    assert (member.response, member.response_comment) == (InviteResponse.tentative,
                                                          "Might be 5 minutes late")


def test_apple_ics_attachment_reply_is_read(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED")

    ingest(shape.apple("priya@team.example", calendar))

    assert responses_of(booked)["priya@team.example"] is InviteResponse.accepted


def test_application_ics_only_decline_is_read(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "DECLINED")

    ingest(shape.ics_only("priya@team.example", calendar))

    assert responses_of(booked)["priya@team.example"] is InviteResponse.declined


def test_candidate_reply_sets_the_candidates_response(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.candidate),
                                    "mailto:cara@candidates.example", "ACCEPTED")

    ingest(shape.gmail("cara@candidates.example", calendar))

    assert responses_of(booked) == NOBODY_ANSWERED | {"candidate": InviteResponse.accepted}


def test_a_reply_listing_everyone_counts_only_for_the_sender(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED",
                                    extra_attendees=("sofia@team.example",))

    ingest(shape.gmail("sofia@team.example", calendar))

    assert responses_of(booked) == NOBODY_ANSWERED


def test_an_applied_reply_is_audited_without_an_actor(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED")

    ingest(shape.gmail("priya@team.example", calendar))

    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "interview.response"))
    assert (event.actor_id, event.details["response"], event.details["via"]) == (
        None, "accepted", "mail")


# --- what changes nothing ------------------------------------------------------------------------


def test_a_reply_from_someone_not_invited_changes_nothing(booked, caplog):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:mallory@elsewhere.example", "DECLINED")

    with caplog.at_level(logging.INFO, logger="coordinator.invites.replies"):
        outcome = ingest(shape.gmail("mallory@elsewhere.example", calendar))

    assert (outcome.status, outcome.detail) == ("ignored", "not an attendee of that event")
    assert responses_of(booked) == NOBODY_ANSWERED
    assert "not an attendee" in caplog.text


def test_the_candidate_cannot_answer_for_the_panels_event(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:cara@candidates.example", "DECLINED")

    ingest(shape.gmail("cara@candidates.example", calendar))

    assert responses_of(booked) == NOBODY_ANSWERED


def test_a_reply_for_an_unknown_uid_changes_nothing(booked):
    calendar = shape.reply_calendar("someone-elses-event@example.com",
                                    "mailto:priya@team.example", "DECLINED")

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.detail == "unknown UID"
    assert responses_of(booked) == NOBODY_ANSWERED


def test_a_reply_to_an_older_sequence_changes_nothing(booked, recruiter):
    operations.reschedule_interview(booked, actor=recruiter, reason="Moved", starts_at=at(3, 14))
    db.session.commit()
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", sequence=0)

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.detail == "SEQUENCE 0 older than 1 last sent"
    assert responses_of(booked) == NOBODY_ANSWERED


def test_a_reply_to_the_current_sequence_after_a_move_counts(booked, recruiter):
    operations.reschedule_interview(booked, actor=recruiter, reason="Moved", starts_at=at(3, 14))
    db.session.commit()
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", sequence=1)

    ingest(shape.gmail("priya@team.example", calendar))

    assert responses_of(booked)["priya@team.example"] is InviteResponse.accepted


def test_a_reply_to_a_cancelled_interview_changes_nothing(booked, recruiter):
    operations.cancel_interview(booked, actor=recruiter, reason="Position filled")
    db.session.commit()
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", sequence=1)

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.status == "ignored"
    assert responses_of(booked)["priya@team.example"] is InviteResponse.needs_action


def test_a_reply_from_someone_taken_off_the_panel_changes_nothing(booked, people, recruiter):
    _round, _candidate, _peer, supervisor, newcomer = people
    operations.reschedule_interview(
        booked, actor=recruiter, reason="Swap", panel=[
            operations.Seat(newcomer.id, "peer"), operations.Seat(supervisor.id, "supervisor")])
    db.session.commit()
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", sequence=1)

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.detail == "the last message to this attendee was a cancellation"
    assert recruiter_mails() == []


def test_mail_that_is_not_calendar_mail_changes_nothing(booked):
    outcome = ingest(shape.plain("priya@team.example"))

    assert (outcome.status, outcome.detail) == ("ignored", "not calendar mail")
    assert responses_of(booked) == NOBODY_ANSWERED


def test_a_request_is_not_a_reply(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", method="REQUEST")

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.detail == "no METHOD:REPLY calendar"
    assert responses_of(booked) == NOBODY_ANSWERED


@pytest.mark.parametrize("partstat", ["NEEDS-ACTION", "DELEGATED", ""])
def test_a_partstat_that_is_not_an_answer_changes_nothing(booked, partstat):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", partstat)

    outcome = ingest(shape.gmail("priya@team.example", calendar))

    assert outcome.status == "ignored"
    assert responses_of(booked) == NOBODY_ANSWERED


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe garbage",
    b"From: x\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEV",
    b"From: x\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
    b"BEGIN:VEVENT\r\nUID:x\r\nATTENDEE;PARTSTAT=ACCEPTED\r\nSEQUENCE:abc\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/ics"
    b"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--b--\r\n",
    b"From: =?utf-8?q?=ZZ?= <@>\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n\xff\xfe",
], ids=["empty", "binary", "truncated-calendar", "bad-attendee-and-sequence", "bad-base64",
        "bad-headers"])
def test_malformed_mail_is_ignored_without_raising(booked, raw):
    outcome = ingest(raw)

    assert outcome.status == "ignored"
    assert responses_of(booked) == NOBODY_ANSWERED


# --- follow-ups ----------------------------------------------------------------------------------


def test_a_decline_mails_the_recruiter_who_booked_once(booked, recruiter):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "DECLINED",
                                    comment="On holiday")

    ingest(shape.gmail("priya@team.example", calendar))
    ingest(shape.gmail("priya@team.example", calendar))

    mails = recruiter_mails()
    assert [(m.kind, m.recipient) for m in mails] == [("response_declined", recruiter.email)]
    assert b"On holiday" in mails[0].raw


def test_a_new_time_asks_everyone_again(booked, recruiter):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED")
    ingest(shape.gmail("priya@team.example", calendar))

    operations.reschedule_interview(booked, actor=recruiter, reason="Moved", starts_at=at(3, 14))
    db.session.commit()

    assert responses_of(booked) == NOBODY_ANSWERED


# --- the command (the way an MTA pipes mail to a program) ----------------------------------------


def ingest_command(application, raw: bytes):
    return application.test_cli_runner().invoke(args=["ingest-mail"], input=raw)


def test_ingest_mail_applies_a_reply_from_standard_input_and_exits_zero(app, booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "DECLINED")

    result = ingest_command(app, shape.outlook("priya@team.example", calendar))

    assert (result.exit_code, result.output.strip()) == (0, "applied: declined")
    assert responses_of(booked)["priya@team.example"] is InviteResponse.declined


def test_ingest_mail_exits_zero_on_garbage(app, booked):
    result = ingest_command(app, b"\x00\x01 not mail at all")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("ignored")


def test_ingest_mail_exits_75_when_the_database_cannot_be_reached(tmp_path):
    """Run as an MTA would: a separate process whose database file cannot be opened."""
    calendar = shape.reply_calendar("interview-1-panel@coordinator.test",
                                    "mailto:priya@team.example", "ACCEPTED")
    environment = {**os.environ,
                   "COORDINATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}",
                   "COORDINATOR_SECRET_KEY": "test-secret-key"}

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ingest-mail"],
        input=shape.gmail("priya@team.example", calendar), capture_output=True,
        env=environment, cwd=Path(__file__).resolve().parents[2], timeout=120, check=False)

    assert result.returncode == 75, result.stderr.decode()


def test_applying_a_reply_takes_six_queries(booked, count_queries):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED")
    raw = shape.gmail("priya@team.example", calendar)
    db.session.expire_all()

    with count_queries() as queries:
        replies.ingest(raw)
        db.session.flush()

    # the invite, the interview with its round, its panel, the response update, the audit row,
    # the webhook endpoints that may listen for interview.response
    assert queries.count == 6, str(queries)
