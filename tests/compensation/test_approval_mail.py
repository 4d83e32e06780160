"""When a proposal needs approval, the people who can approve it are told by mail."""

from __future__ import annotations

import email
from email import policy

import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from tests.compensation.conftest import compensation_path

KIND = "compensation_approval_needed"


def _sent() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)
        )
    )


def _text(row: OutboxMessage) -> str:
    message = email.message_from_bytes(bytes(row.raw), policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_proposal_outside_the_band_mails_the_hiring_manager(stage, propose, people):
    propose(stage, "99000")
    assert [m.recipient for m in _sent()] == [people.hiring_manager.email]


def test_the_mail_links_to_the_stage_page(stage, propose, candidacy, app):
    propose(stage, "99000")
    url = app.config["BASE_URL"].rstrip("/") + compensation_path(candidacy)
    assert url in _text(_sent()[0])


def test_the_mail_carries_no_figures(stage, propose):
    propose(stage, "99123.45")
    raw = bytes(_sent()[0].raw).decode("ascii", "replace")
    assert not any(figure in raw for figure in ("99123", "99,123", "70000", "90000", "70,000"))


def test_a_proposal_inside_the_band_mails_nobody(stage, propose):
    propose(stage, "80000")
    assert _sent() == []


def test_the_hiring_manager_who_proposed_is_not_mailed_but_the_admins_are(stage, propose, people):
    propose(stage, "99000", actor=people.hiring_manager)
    assert [m.recipient for m in _sent()] == [people.admin.email]
