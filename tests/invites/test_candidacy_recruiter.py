"""Candidate mail names and replies to the recruiter who owns the candidacy."""

from __future__ import annotations

from email import message_from_bytes, policy

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import operations
from tests.invites.conftest import at


def _candidate_mail(address: str) -> list:
    raws = db.session.scalars(sa.select(OutboxMessage.raw).order_by(OutboxMessage.id)).all()
    found = [message_from_bytes(raw, policy=policy.default) for raw in raws]
    return [m for m in found if address in str(m["To"])]


def test_opening_a_candidacy_makes_its_opener_the_owner(people, recruiter):
    round_, *_ = people
    assert round_.candidacy.recruiter_id == recruiter.id


def _book_as(actor, round_, seats):
    operations.schedule_interview(
        round_, actor=actor, starts_at=at(2, 14), duration_minutes=60, time_zone="Europe/Berlin",
        panel=[operations.Seat(u.id, r) for u, r in seats])
    db.session.flush()


def test_candidate_invite_replies_to_the_candidacy_owner_not_the_booker(people, make_user):
    round_, candidate, peer, supervisor, _newcomer = people
    owner = db.session.get(User, round_.candidacy.recruiter_id)
    booker = make_user(("recruiter",), name="Bea Booker", email="bea@team.example")
    _book_as(booker, round_, [(peer, "peer"), (supervisor, "supervisor")])
    mail = _candidate_mail(candidate.email)
    assert mail, "the candidate got no invite"
    assert owner.email in str(mail[-1]["Reply-To"])
    assert booker.email not in str(mail[-1]["Reply-To"])


def test_without_an_active_owner_the_booker_is_named(people, make_user):
    round_, candidate, peer, supervisor, _newcomer = people
    owner = db.session.get(User, round_.candidacy.recruiter_id)
    owner.is_active = False
    booker = make_user(("recruiter",), name="Bea Booker", email="bea@team.example")
    _book_as(booker, round_, [(peer, "peer"), (supervisor, "supervisor")])
    mail = _candidate_mail(candidate.email)
    assert booker.email in str(mail[-1]["Reply-To"])
