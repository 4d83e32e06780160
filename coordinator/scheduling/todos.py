"""The scheduling to-dos: an interviewer's interviews in the coming week, each with its brief."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.todos import SHOWN, Kind, ToDo, provider

UPCOMING = Kind("upcoming-interviews", "Your interviews this week", 10)
#: How far ahead the dashboard lists one's interviews.
AHEAD = timedelta(days=7)


def seats(viewer: User) -> sa.Select[tuple[Interview]]:
    """Live interviews of open candidacies on whose panel the viewer sits (add conditions)."""
    return (
        sa.select(Interview)
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(
            PanelMember.user_id == viewer.id,
            PanelMember.is_active,
            Interview.state == InterviewState.scheduled,
            Candidacy.state.not_in(CLOSED_STATES),
        )
        .order_by(Interview.starts_at, Interview.id)
        .limit(SHOWN)
    )


def interview_todo(kind: Kind, interview: Interview, anchor: str, badge: str = "") -> ToDo:
    """A to-do about one interview: candidate and round, linking to a part of its page."""
    return ToDo(
        kind,
        f"{interview.round.candidacy.candidate.name} · {interview.round.title}",
        "scheduling.show_interview",
        {"interview_id": interview.id, "_anchor": anchor},
        detail=interview.round.candidacy.job.title,
        due=interview.starts_at,
        badge=badge,
    )


def upcoming(viewer: User, now: datetime) -> list[ToDo]:
    """Interviews on whose panel the viewer sits, starting within :data:`AHEAD`, soonest first;
    each links to the interview page's brief (what earlier rounds covered)."""
    interviews = db.session.scalars(
        seats(viewer).where(Interview.ends_at > now, Interview.starts_at <= now + AHEAD)
    ).unique()
    return [
        interview_todo(UPCOMING, interview, "brief", "Now" if interview.starts_at <= now else "")
        for interview in interviews
    ]


def register() -> None:
    provider(UPCOMING)(upcoming)
