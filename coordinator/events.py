"""Domain events: one seam for "something happened" (STYLE §9b).

An operation sends a signal once its change is flushed —
``interview_scheduled.send(interview, actor=actor, change=change)`` — and knows nothing of who
listens. Invites, reminders, webhooks and to-dos connect receivers in their own package, once,
from ``create_app``. Receivers run inside the sender's transaction and only write rows (outbox,
deliveries, to-dos); nothing leaves the process before the commit.

The sender is the object the event is about; keyword arguments, always including ``actor``
(``None`` when nobody signed in did it, e.g. a reply by mail), say the rest.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: An interview was booked. ``change``: :class:`scheduling.operations.InterviewChange`.
interview_scheduled = _signals.signal("interview-scheduled")
#: An interview's time, place, zone or panel changed. ``change`` says what; ``removed_users`` are
#: the panel members taken off it.
interview_rescheduled = _signals.signal("interview-rescheduled")
#: An interview was cancelled. ``change``, ``reason``.
interview_cancelled = _signals.signal("interview-cancelled")
#: Someone answered an invite. ``response``, ``previous``, and ``user_id`` (a panel member) or
#: ``candidate_id`` (the candidate).
interview_response = _signals.signal("interview-response")
#: An interviewer submitted an assessment (sender: the assessment).
assessment_submitted = _signals.signal("assessment-submitted")
#: A decision was recorded on a candidacy (sender: the decision).
decision_recorded = _signals.signal("decision-recorded")
#: A compensation stage reached its outcome (sender: the stage). Receivers must never pass its
#: figures on.
compensation_concluded = _signals.signal("compensation-concluded")
