"""What invites do when interviews change: connected to the domain events from create_app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coordinator.accounts.models import User
from coordinator.events import interview_cancelled, interview_rescheduled, interview_scheduled
from coordinator.invites import operations as invites
from coordinator.invites import responses
from coordinator.scheduling.models import Interview
from coordinator.scheduling.operations import InterviewChange


def on_scheduled(interview: Interview, *, change: InterviewChange, **_: Any) -> None:
    invites.notify(change)


def on_rescheduled(interview: Interview, *, change: InterviewChange,
                   removed_users: Sequence[User] = (), **_: Any) -> None:
    if change.time_changed:
        # The new REQUEST asks everyone again (PARTSTAT=NEEDS-ACTION).
        responses.reset_responses(interview)
    if change.time_changed or change.place_changed or change.panel_changed:
        invites.notify(change, removed_users=removed_users, updated=True)


def on_cancelled(interview: Interview, *, change: InterviewChange, **_: Any) -> None:
    invites.notify(change)


def register() -> None:
    """Connect once (blinker keeps one connection per receiver however often this runs)."""
    interview_scheduled.connect(on_scheduled)
    interview_rescheduled.connect(on_rescheduled)
    interview_cancelled.connect(on_cancelled)
