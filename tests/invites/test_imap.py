"""``poll-mailbox`` against a real IMAP server (Dovecot on loopback): replies put into the
mailbox with IMAP APPEND are applied, and marked seen only once their change is committed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites import replies
from coordinator.invites.models import Audience, Invite
from coordinator.scheduling.models import Interview, InviteResponse
from tests.invites import replies_mail as shape
from tests.invites.imap_server import imap_server, mailbox  # noqa: F401


@pytest.fixture
def reading(app, mailbox, monkeypatch):  # noqa: F811
    for key, value in mailbox.settings().items():
        monkeypatch.setitem(app.config, key, value)
    return mailbox


def poll(app):
    return app.test_cli_runner().invoke(args=["poll-mailbox", "--once"])


def accept_from_priya(interview: Interview) -> bytes:
    uid = db.session.scalar(sa.select(Invite.uid).where(
        Invite.interview_id == interview.id, Invite.audience == Audience.panel).limit(1))
    return shape.gmail("priya@team.example",
                       shape.reply_calendar(uid, "mailto:priya@team.example", "ACCEPTED"))


def priya_response(interview: Interview) -> InviteResponse:
    db.session.expire_all()
    fresh = db.session.get(Interview, interview.id)
    return next(m.response for m in fresh.panel if m.user.email == "priya@team.example")


def test_poll_applies_a_reply_and_marks_it_seen(app, booked, reading):
    reading.append(accept_from_priya(booked))

    result = poll(app)

    assert result.exit_code == 0, result.output
    assert "read 1, left unseen 0" in result.output
    assert priya_response(booked) is InviteResponse.accepted
    assert (reading.unseen(), reading.seen()) == (0, 1)


def test_poll_marks_mail_that_changes_nothing_seen_too(app, booked, reading):
    reading.append(shape.plain("priya@team.example"))

    result = poll(app)

    assert result.exit_code == 0, result.output
    assert (reading.unseen(), reading.seen()) == (0, 1)


def test_a_message_whose_change_cannot_be_committed_stays_unseen(app, booked, reading,
                                                                 monkeypatch):
    reading.append(accept_from_priya(booked))

    def database_down(raw: bytes) -> replies.Outcome:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(replies, "ingest", database_down)

    result = poll(app)

    assert result.exit_code == 75, result.output
    assert (reading.unseen(), reading.seen()) == (1, 0)


def test_the_next_poll_reads_what_was_left_unseen(app, booked, reading, monkeypatch):
    reading.append(accept_from_priya(booked))
    with monkeypatch.context() as patched:
        patched.setattr(replies, "ingest", lambda raw: (_ for _ in ()).throw(
            sa.exc.OperationalError("SELECT 1", {}, Exception("down"))))
        poll(app)

    result = poll(app)

    assert result.exit_code == 0, result.output
    assert priya_response(booked) is InviteResponse.accepted


def test_a_wrong_password_is_reported_without_a_traceback(app, reading, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_PASSWORD", "wrong")

    result = poll(app)

    assert result.exit_code == 1
    assert "cannot open INBOX" in result.output
