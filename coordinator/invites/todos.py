"""The invite to-dos: answers the viewer has not given, and (for the recruiter who booked the
interview) declines and overdue answers to follow up (:func:`.responses.todos`)."""

from __future__ import annotations

from datetime import datetime

from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.invites import responses
from coordinator.scheduling.models import Interview, InviteResponse, PanelMember
from coordinator.scheduling.permissions import can_schedule
from coordinator.scheduling.todos import interview_todo, seats
from coordinator.todos import SHOWN, Kind, ToDo, provider

UNANSWERED = Kind("your-answers", "Invites you have not answered", 30)
FOLLOW_UP = Kind("invite-todos", "Invites to follow up", 40, tone="danger")


def unanswered(viewer: User, now: datetime) -> list[ToDo]:
    """Interviews still to come on whose panel the viewer sits and has not answered."""
    interviews = db.session.scalars(
        seats(viewer).where(
            PanelMember.response == InviteResponse.needs_action, Interview.starts_at > now
        )
    ).unique()
    return [interview_todo(UNANSWERED, interview, "your-answer") for interview in interviews]


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
