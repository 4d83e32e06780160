"""What invites do when something happens to an interview: connected to the domain events
(:mod:`coordinator.events`) from create_app.

* **Invites**: a REQUEST on booking, an update (and CANCELs for people taken off) on a change of
  time, place or panel, a CANCEL on cancellation; a new time asks everyone again.
* **Reminders** are derived from the interviews at each ``send-reminders`` run, so booking needs
  nothing here; a change of time, place or panel, or a cancellation, drops the reminders still
  queued for what no longer holds (:func:`.reminders.drop_queued_reminders`).
* **RSVP to-dos**: a decline is a to-do computed from the stored answer
  (:func:`.responses.todos`); the mail to the recruiter that goes with it is written here.

Receivers run inside the change's transaction and only write rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coordinator.accounts.models import User
from coordinator.events import (
    interview_cancelled,
    interview_rescheduled,
    interview_response,
    interview_scheduled,
)
from coordinator.invites import operations as invites
from coordinator.invites import reminders, responses
from coordinator.scheduling.models import Interview, InviteResponse
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


def drop_stale_reminders(interview: Interview, *, change: InterviewChange, **_: Any) -> None:
    """Reminders queued before a change of time, place or panel, or a cancellation, say what no
    longer holds (a reminder names the time, the place and the panel): unsent, they go. The
    next ``send-reminders`` run queues what is due for the interview as it now is; a reminder
    already sent stays the record, so nobody is reminded twice of the same time."""
    if change.cancelled:
        reminders.drop_queued_reminders(interview, interview.starts_at, change.kept_user_ids)
    elif change.previous is not None and (
            change.time_changed or change.place_changed or change.panel_changed):
        reminders.drop_queued_reminders(interview, change.previous.starts_at,
                                        [u.id for u in change.previous.panel])


def on_response(interview: Interview, *, response: str, user_id: int | None = None,
                **_: Any) -> None:
    """A decline is mailed to the recruiter (the to-do itself is computed from the answer)."""
    if response == InviteResponse.declined.value:
        responses.tell_recruiter_of_decline(interview, user_id=user_id)


def register() -> None:
    """Connect once (blinker keeps one connection per receiver however often this runs)."""
    interview_scheduled.connect(on_scheduled)
    interview_rescheduled.connect(on_rescheduled)
    interview_rescheduled.connect(drop_stale_reminders)
    interview_cancelled.connect(on_cancelled)
    interview_cancelled.connect(drop_stale_reminders)
    interview_response.connect(on_response)
