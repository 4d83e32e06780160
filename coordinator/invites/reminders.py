"""Reminders: the candidate about a day before an interview, each interviewer about an hour before.

``send_due_reminders(now)`` is run every few minutes (``flask --app wsgi send-reminders`` from cron
or a systemd timer). A reminder is due once the interview starts within its lead time
(:data:`CANDIDATE_LEAD`, :data:`PANEL_LEAD`) and has not started yet; so a run that was missed
still reminds, and an interview booked at short notice is reminded at once.

Each reminder goes once per interview *time*: its outbox ``dedupe_key`` names the interview, the
recipient and the start (``reminder:candidate:<id>:<start>``,
``reminder:panel:<id>:<user>:<start>``).
An interview moved to a new time therefore gets a new reminder; one moved back to a time already
reminded about does not. Cancelled interviews, interviews recorded after the fact and interviews
of closed candidacies get none. The messages are written to the outbox in the caller's
transaction; ``deliver-mail`` sends them.

Which reminders are due is derived from the interviews at each run, so booking an interview
needs no reminder state. What a run leaves behind is the queued message itself: a reminder
queued before the interview's time, place or panel changed, or before it was cancelled, could
still be waiting in the outbox (mail worker behind, SMTP down) and would tell someone the
wrong thing. The domain-event receivers
(:mod:`coordinator.invites.receivers`) therefore drop such messages with
:func:`drop_queued_reminders` in the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.invites import operations as invites
from coordinator.jobs.models import Job, PlannedRound, RoundKind
from coordinator.mail import messages, outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.message_templates.operations import render_mail
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.timeutil import format_local, isoformat_z, utcnow
from coordinator.urls import external_url, mail_domain

CANDIDATE_LEAD = timedelta(hours=24)
PANEL_LEAD = timedelta(hours=1)
_KEY_BATCH = 500


@dataclass
class ReminderCounts:
    candidate: int = 0
    panel: int = 0

    @property
    def total(self) -> int:
        return self.candidate + self.panel


def candidate_key(interview: Interview) -> str:
    return f"reminder:candidate:{interview.id}:{isoformat_z(interview.starts_at)}"


def panel_key(interview: Interview, user_id: int) -> str:
    return f"reminder:panel:{interview.id}:{user_id}:{isoformat_z(interview.starts_at)}"


def drop_queued_reminders(interview: Interview, starts_at: datetime, user_ids: Iterable[int],
                           *, candidate: bool = True, now: datetime | None = None) -> int:
    """Delete the reminders for ``interview`` at ``starts_at`` still waiting to be sent: the
    interviewers ``user_ids``'s and, with ``candidate``, the candidate's.

    Sent messages stay (they record that a time was reminded about), and so do messages a
    mail worker holds right now (its lease has not run out): those are already on their way.
    A time further ahead than the longest lead cannot have been reminded about yet, so then
    no query is made.
    """
    now = now or utcnow()
    if starts_at > now + max(CANDIDATE_LEAD, PANEL_LEAD):
        return 0
    start = isoformat_z(starts_at)
    keys = [f"reminder:panel:{interview.id}:{uid}:{start}" for uid in user_ids]
    if candidate:
        keys.append(f"reminder:candidate:{interview.id}:{start}")
    if not keys:
        return 0
    result = db.session.execute(
        sa.delete(OutboxMessage)
        .where(OutboxMessage.dedupe_key.in_(keys), OutboxMessage.state == OutboxState.pending,
               sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
    )
    return result.rowcount or 0


_planned = sa.orm.joinedload(Interview.round).joinedload(Round.planned_round)
_user = sa.orm.selectinload(Interview.panel).joinedload(PanelMember.user)
#: What a reminder reads and nothing more: no scorecards, required seats or roles.
_LEAN = (
    _planned.lazyload(PlannedRound.required_relationships),
    _planned.lazyload(PlannedRound.criteria),
    sa.orm.joinedload(Interview.round)
    .joinedload(Round.candidacy)
    .joinedload(Candidacy.job)
    .lazyload(Job.hiring_manager),
    _user.lazyload(User.role_rows),
)


def due_interviews(now: datetime) -> list[Interview]:
    """Interviews starting within the longest lead time that may be reminded about.

    One query (round, candidacy, candidate and job are joined eagerly) plus one for the panels.
    """
    return list(
        db.session.scalars(
            sa.select(Interview)
            .join(Round, Round.id == Interview.round_id)
            .join(Candidacy, Candidacy.id == Round.candidacy_id)
            .where(
                Interview.state == InterviewState.scheduled,
                Interview.is_recorded_past.is_(False),
                Interview.starts_at > now,
                Interview.starts_at <= now + max(CANDIDATE_LEAD, PANEL_LEAD),
                Candidacy.state.not_in(CLOSED_STATES),
            )
            .order_by(Interview.starts_at, Interview.id)
            .options(*_LEAN)
        ).unique()
    )


def _already_sent(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _KEY_BATCH):
        batch = keys[start : start + _KEY_BATCH]
        found.update(
            db.session.scalars(
                sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(batch))
            )
        )
    return found


def _enqueue(message: EmailMessage, kind: str, key: str) -> bool:
    """Queue once per key; a concurrent run that queued the same key first wins."""
    try:
        with db.session.begin_nested():
            row = outbox.enqueue(message, kind=kind, dedupe_key=key)
    except sa.exc.IntegrityError:
        return False
    return row is not None


def _sender() -> messages.Address:
    person = invites.organizer()
    return messages.address(person.email, person.name)


def _compose(
    *,
    to: messages.Address,
    subject: str,
    template: str,
    context: dict[str, object],
    reply_to: messages.Address | None = None,
) -> EmailMessage:
    parts = render_mail(template, context, subject=subject)
    return messages.compose(
        sender=_sender(),
        recipient=to,
        reply_to=reply_to,
        subject=parts.subject,
        text=parts.text,
        html=parts.html,
        domain=mail_domain(),
    )


def _remind_candidate(interview: Interview) -> bool:
    round_ = interview.round
    candidacy = round_.candidacy
    candidate, job = candidacy.candidate, candidacy.job
    zone = candidate.time_zone
    context = {
        "interview": interview,
        "candidate": candidate,
        "job": job,
        "round": round_,
        "when": format_local(interview.starts_at, zone),
        "until": format_local(interview.ends_at, zone, False),
        "zone": zone,
        "place": invites.place(interview),
        "panel": [(m.user, m.relationship) for m in interview.panel if m.is_active],
        "compensation": round_.kind is RoundKind.compensation_discussion,
        "portal_url": invites.portal_url(candidacy),
        "company": invites.company_name(),
        "recruiter": invites.recruiter_of(interview),
    }
    message = _compose(
        to=messages.address(candidate.email, candidate.name),
        reply_to=invites.candidate_reply_to(interview),
        subject=f"Reminder: your interview for {job.title} on {context['when']}",
        template="reminder_candidate",
        context=context,
    )
    return _enqueue(message, "reminder.candidate", candidate_key(interview))


def _remind_panel_member(interview: Interview, user: User) -> bool:
    round_ = interview.round
    candidacy = round_.candidacy
    context = {
        "interview": interview,
        "candidate": candidacy.candidate,
        "job": candidacy.job,
        "round": round_,
        "recipient": user,
        "when": format_local(interview.starts_at, user.time_zone),
        "until": format_local(interview.ends_at, user.time_zone, False),
        "zone": user.time_zone,
        "place": invites.place(interview),
        "panel": [(m.user, m.relationship) for m in interview.panel if m.is_active],
        "interview_url": external_url("scheduling.show_interview", interview_id=interview.id),
    }
    message = _compose(
        to=messages.address(user.email, user.name),
        subject=(
            f"Reminder: interview with {candidacy.candidate.name} "
            f"({round_.title}) at {format_local(interview.starts_at, user.time_zone)}"
        ),
        template="reminder_panel",
        context=context,
    )
    return _enqueue(message, "reminder.panel", panel_key(interview, user.id))


def _wanted(
    interviews: Iterable[Interview], now: datetime
) -> list[tuple[str, Interview, User | None]]:
    wanted: list[tuple[str, Interview, User | None]] = []
    for interview in interviews:
        if interview.starts_at <= now + CANDIDATE_LEAD:
            wanted.append((candidate_key(interview), interview, None))
        if interview.starts_at <= now + PANEL_LEAD:
            wanted.extend(
                (panel_key(interview, m.user_id), interview, m.user)
                for m in interview.panel
                if m.is_active and m.user.is_active
            )
    return wanted


def send_due_reminders(now: datetime | None = None) -> ReminderCounts:
    """Queue every reminder that is due and not yet sent for its interview's current time."""
    now = now or utcnow()
    wanted = _wanted(due_interviews(now), now)
    sent = _already_sent([key for key, _, _ in wanted])
    counts = ReminderCounts()
    for key, interview, user in wanted:
        if key in sent:
            continue
        if user is None:
            counts.candidate += _remind_candidate(interview)
        else:
            counts.panel += _remind_panel_member(interview, user)
    return counts
