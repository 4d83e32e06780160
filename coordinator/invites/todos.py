"""The invite to-dos: answers the viewer has not given, and (for the recruiter who booked the
interview) declines and overdue answers to follow up (:func:`.responses.todos`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.invites import responses
from coordinator.scheduling.models import (
    Interview,
    InterviewState,
    InviteResponse,
    PanelMember,
    Round,
)
from coordinator.scheduling.permissions import can_schedule
from coordinator.todos import SHOWN, Kind, ToDo, provider

UNANSWERED = Kind("your-answers", "Invites you have not answered", 30)
FOLLOW_UP = Kind("invite-todos", "Invites to follow up", 40, tone="danger")


def unanswered(viewer: User, now: datetime) -> list[ToDo]:
    """Interviews still to come on whose panel the viewer sits and has not answered."""
    interviews = db.session.scalars(
        sa.select(Interview)
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(
            PanelMember.user_id == viewer.id,
            PanelMember.is_active,
            PanelMember.response == InviteResponse.needs_action,
            Interview.state == InterviewState.scheduled,
            Interview.starts_at > now,
            Candidacy.state.not_in(CLOSED_STATES),
        )
        .order_by(Interview.starts_at, Interview.id)
        .limit(SHOWN)
    ).unique()
    return [
        ToDo(
            UNANSWERED,
            f"{interview.round.candidacy.candidate.name} · {interview.round.title}",
            "scheduling.show_interview",
            {"interview_id": interview.id, "_anchor": "your-answer"},
            detail=interview.round.candidacy.job.title,
            due=interview.starts_at,
        )
        for interview in interviews
    ]


def follow_up(viewer: User, now: datetime) -> list[ToDo]:
    """Declines and late answers on the interviews the viewer booked."""
    if not can_schedule(viewer):
        return []
    return [
        ToDo(
            FOLLOW_UP,
            item.title,
            "scheduling.show_interview",
            {"interview_id": item.interview.id},
            detail=f"{item.candidacy.candidate.name}, {item.interview.round.title}"
            + (f" — “{item.comment}”" if item.comment else ""),
            due=item.interview.starts_at,
            since=item.since,
            badge="Declined" if item.kind == "declined" else "No answer",
            is_late=item.kind == "declined",
        )
        for item in responses.todos(now, scheduled_by=viewer, limit=SHOWN)
    ]


def register() -> None:
    provider(UNANSWERED)(unanswered)
    provider(FOLLOW_UP)(follow_up)
