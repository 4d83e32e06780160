"""The assessment to-dos: one's own to write, and (for recruiters) everyone's overdue ones.

Both read "owes" from :mod:`coordinator.assessments.owing` through :mod:`.followup`, so the
dashboard, the overdue list and the reminders count the same assessments.
"""

from __future__ import annotations

from datetime import datetime

from coordinator.accounts.models import User
from coordinator.assessments import followup
from coordinator.assessments.permissions import can_chase_assessments
from coordinator.todos import SHOWN, Kind, ToDo, provider

TO_WRITE = Kind("assessments-to-write", "Your assessments to write", 20)
OVERDUE = Kind("overdue-assessments", "Overdue assessments", 50, tone="danger")


def _subject(item: followup.Overdue) -> str:
    return f"{item.interview.round.candidacy.candidate.name} · {item.interview.round.title}"


def to_write(viewer: User, now: datetime) -> list[ToDo]:
    """Interviews the viewer sat on (ended) whose assessment they have not submitted."""
    return [
        ToDo(
            TO_WRITE,
            _subject(item),
            "assessments.edit_assessment",
            {"interview_id": item.interview.id},
            detail=item.interview.round.candidacy.job.title,
            due=item.due_at,
            badge="Overdue" if item.is_late(now) else "",
            is_late=item.is_late(now),
        )
        for item in followup.owed_by(viewer, now, limit=SHOWN)
    ]


def overdue(viewer: User, now: datetime) -> list[ToDo]:
    """Every assessment past its due time, for those who chase them (oldest first)."""
    if not can_chase_assessments(viewer):
        return []
    return [
        ToDo(
            OVERDUE,
            f"{item.interviewer.name} on {_subject(item)}",
            "candidates.show_candidacy",
            {"candidacy_id": item.interview.round.candidacy_id, "_anchor": "assessments"},
            detail=item.interview.round.candidacy.job.title,
            due=item.due_at,
            badge=f"{item.days_late(now)} d late" if item.days_late(now) else "Overdue",
            is_late=True,
        )
        for item in followup.overdue(now, limit=SHOWN)
    ]


def register() -> None:
    provider(TO_WRITE)(to_write)
    provider(OVERDUE)(overdue)
