"""The candidate is told that pay will be discussed, and asked to prepare; never shown figures."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa

from coordinator.candidates import links
from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations as scheduling
from tests.compensation.conftest import NOW


@pytest.fixture
def discussion(candidacy, plan, people):
    """The compensation discussion, booked: the candidate's invite is in the outbox."""
    round_ = scheduling.open_round(candidacy, plan.pay, actor=people.recruiter)
    scheduling.schedule_interview(
        round_,
        actor=people.recruiter,
        starts_at=NOW + timedelta(days=3),
        duration_minutes=30,
        time_zone="Europe/Berlin",
        panel=[scheduling.Seat(people.interviewer.id, "peer")],
    )
    db.session.commit()
    return round_


def _candidate_text(candidacy) -> str:
    row = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == candidacy.candidate.email)
    ).one()
    message = email.message_from_bytes(bytes(row.raw), policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_invite_to_the_discussion_asks_to_prepare_salary_requirements(discussion, candidacy):
    assert "salary requirements" in _candidate_text(candidacy)


def test_the_invite_to_the_discussion_shows_no_band(discussion, candidacy):
    body = _candidate_text(candidacy)
    assert "70,000" not in body and "70000" not in body and "90000" not in body


def test_the_candidates_page_says_pay_will_be_discussed(discussion, candidacy, client):
    page = client.get(f"/p/{links.issue(candidacy).token}").get_data(as_text=True)
    assert "salary requirements" in page
    assert "70000" not in page and "70,000" not in page


def test_the_candidates_page_warns_while_the_discussion_is_only_planned(candidacy, client):
    page = client.get(f"/p/{links.issue(candidacy).token}").get_data(as_text=True)
    assert "Pay will be discussed" in page
