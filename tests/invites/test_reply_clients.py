"""Replies shaped like Gmail's, Outlook's and Apple Calendar's, end to end: the answer is stored,
and a decline reaches the recruiter (to-do and one mail) through the ``interview_response``
event."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites import responses
from coordinator.invites.models import Audience
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.models import InviteResponse
from tests.invites import replies_mail as shape
from tests.invites.test_replies import NOBODY_ANSWERED, ingest, responses_of, uid_sent


def invite_subject(email: str) -> str:
    """The subject of the invite that went to ``email`` (what a client answers with)."""
    return db.session.scalar(sa.select(OutboxMessage.subject).where(
        OutboxMessage.recipient == email).order_by(OutboxMessage.id).limit(1))


def declined_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "response_declined")))


def test_outlook_accepted_subject_with_a_minimal_vevent_without_dtstart_is_applied(booked):
    subject = f"Accepted: {invite_subject('priya@team.example')}"
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "ACCEPTED", minimal=True)
    assert b"DTSTART" not in calendar

    outcome = ingest(shape.outlook("Priya Peer <priya@team.example>", calendar, subject))

    assert outcome.applied
    assert responses_of(booked) == {**NOBODY_ANSWERED,
                                    "priya@team.example": InviteResponse.accepted}


def test_an_outlook_decline_is_a_to_do_for_the_recruiter_and_one_mail(booked, recruiter):
    subject = f"Declined: {invite_subject('sofia@team.example')}"
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:sofia@team.example", "DECLINED", minimal=True,
                                    comment="Travelling that week")

    ingest(shape.outlook("sofia@team.example", calendar, subject))
    ingest(shape.outlook("sofia@team.example", calendar, subject))

    [todo] = responses.todos(interview=booked)
    assert (todo.kind, todo.person, todo.comment) == ("declined", "Sofia Supervisor",
                                                      "Travelling that week")
    [mail] = declined_mails()
    assert mail.recipient == recruiter.email


def test_a_gmail_decline_from_the_candidate_is_a_to_do_and_one_mail(booked, recruiter):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.candidate),
                                    "mailto:cara@candidates.example", "DECLINED")

    ingest(shape.gmail("Cara Candidate <cara@candidates.example>", calendar,
                       "Declined: Interview"))

    assert [(t.kind, t.who) for t in responses.todos(interview=booked)] == [
        ("declined", "candidate")]
    assert [m.recipient for m in declined_mails()] == [recruiter.email]


def test_an_apple_calendar_tentative_is_applied_and_raises_no_to_do(booked):
    calendar = shape.reply_calendar(uid_sent(booked, Audience.panel),
                                    "mailto:priya@team.example", "TENTATIVE")

    ingest(shape.apple("priya@team.example", calendar))

    assert responses_of(booked)["priya@team.example"] is InviteResponse.tentative
    assert responses.todos(interview=booked) == []
    assert declined_mails() == []
