"""Mail about what a candidate did on their page: they gave their availability.

The recruiters of a candidacy are told: whoever opened it and whoever booked one of its
interviews, while they are active recruiters or admins. The message links to the candidacy's
availability page and carries no times (mail leaves our access rules).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template

from coordinator.accounts.models import Role, User, UserRole
from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.mail import messages, outbox
from coordinator.scheduling.models import Interview, Round
from coordinator.urls import external_url, mail_domain

AVAILABILITY_GIVEN = "availability_given"


def recruiters_of(candidacy: Candidacy) -> list[User]:
    """Active recruiters and admins who opened the candidacy or booked one of its interviews."""
    opened = sa.select(AuditEvent.actor_id).where(
        AuditEvent.action == "candidacy.opened", AuditEvent.candidacy_id == candidacy.id
    )
    booked = (
        sa.select(Interview.scheduled_by_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == candidacy.id)
    )
    schedulers = sa.select(UserRole.user_id).where(UserRole.role.in_([Role.recruiter, Role.admin]))
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.is_active,
                sa.or_(User.id.in_(opened), User.id.in_(booked)),
                User.id.in_(schedulers),
            )
            .order_by(User.id)
        )
    )


def availability_given(candidacy: Candidacy, windows: int) -> int:
    """Tell the candidacy's recruiters that the candidate gave ``windows`` times; how many mails
    were queued (in the caller's transaction)."""
    config = current_app.config
    context = {
        "candidate": candidacy.candidate,
        "job": candidacy.job,
        "windows": windows,
        "url": external_url("scheduling.candidate_availability", candidacy_id=candidacy.id),
    }
    queued = 0
    for user in recruiters_of(candidacy):
        message = messages.compose(
            sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
            recipient=messages.address(user.email, user.name),
            subject=f"Availability given: {candidacy.candidate.name} ({candidacy.job.title})",
            text=render_template(f"email/{AVAILABILITY_GIVEN}.txt", recipient=user, **context),
            html=render_template(f"email/{AVAILABILITY_GIVEN}.html", recipient=user, **context),
            domain=mail_domain(),
        )
        if outbox.enqueue(message, kind=AVAILABILITY_GIVEN) is not None:
            queued += 1
    return queued
