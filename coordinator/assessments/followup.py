"""Overdue assessments: who is late, reminders to them, and a word to the recruiter.

An assessment is due ``job.assessment_due_hours`` after its interview ends. The interviewer is
reminded when it falls due and once a day after; past ``ESCALATE_AFTER`` beyond the due time the
recruiter who booked the interview is told who is late. Every message has a dedupe key, so the
command can run as often as wanted and each reminder still goes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template

from coordinator.accounts.models import User
from coordinator.assessments.owing import owed_seat
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.mail import messages, outbox
from coordinator.scheduling.models import Interview, PanelMember, Round
from coordinator.timeutil import format_local, utcnow
from coordinator.urls import external_url, mail_domain

ESCALATE_AFTER = timedelta(hours=24)
#: Older interviews are not chased any more.
LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class Overdue:
    interview: Interview
    interviewer: User
    due_at: datetime

    def is_late(self, now: datetime) -> bool:
        return self.due_at <= now

    def days_late(self, now: datetime) -> int:
        return max(0, int((now - self.due_at) / timedelta(days=1)))


def _owed(now: datetime, *, ended: bool = False) -> sa.Select[Any]:
    """Panel seats of open candidacies that owe an assessment now (:mod:`.owing`), of
    interviews that have started (``ended``: that have ended)."""
    return (
        sa.select(Interview, PanelMember.user_id, Job.assessment_due_hours)
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .join(Job, Job.id == Candidacy.job_id)
        .options(
            sa.orm.contains_eager(Interview.round).joinedload(Round.planned_round),
            sa.orm.contains_eager(Interview.round).contains_eager(Round.candidacy)
            .contains_eager(Candidacy.job),
            sa.orm.contains_eager(Interview.round).contains_eager(Round.candidacy)
            .joinedload(Candidacy.candidate),
        )
        .where(
            owed_seat(started_by=now, ended_by=now if ended else None),
            Candidacy.state.not_in(CLOSED_STATES),
            Interview.ends_at > now - LOOKBACK,
        )
        .order_by(Interview.ends_at, PanelMember.user_id)
    )


def overdue(
    now: datetime | None = None, *, scheduled_by: User | None = None, limit: int | None = None
) -> list[Overdue]:
    """Panel seats whose assessment is past due and not submitted (two queries).

    ``scheduled_by`` keeps the interviews one recruiter booked; ``limit`` keeps the oldest few
    (a dashboard list), counted before the per-job due time is applied, so it may return fewer.
    """
    now = now or utcnow()
    statement = _owed(now).where(Interview.ends_at < now)
    if scheduled_by is not None:
        statement = statement.where(Interview.scheduled_by_id == scheduled_by.id)
    if limit is not None:
        statement = statement.limit(limit)
    rows = db.session.execute(statement).unique().all()
    users = (
        {
            u.id: u
            for u in db.session.scalars(
                sa.select(User).where(User.id.in_({r.user_id for r in rows}))
            )
        }
        if rows
        else {}
    )
    result = []
    for interview, user_id, hours in rows:
        due = interview.ends_at + timedelta(hours=hours)
        if due <= now:
            result.append(Overdue(interview, users[user_id], due))
    return result


def owed_by(user: User, now: datetime | None = None, *, limit: int = 50) -> list[Overdue]:
    """The assessments a user still has to write: interviews that have ended, oldest first."""
    now = now or utcnow()
    rows = (
        db.session.execute(
            _owed(now, ended=True)
            .where(PanelMember.user_id == user.id)
            .limit(limit)
        )
        .unique()
        .all()
    )
    return [
        Overdue(interview, user, interview.ends_at + timedelta(hours=hours))
        for interview, _user_id, hours in rows
    ]


def _send(to: User, subject: str, template: str, key: str, **context: object) -> bool:
    config = current_app.config
    message = messages.compose(
        sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
        recipient=messages.address(to.email, to.name),
        subject=subject,
        text=render_template(f"email/{template}.txt", recipient=to, **context),
        html=render_template(f"email/{template}.html", recipient=to, **context),
        domain=mail_domain(),
    )
    return outbox.enqueue(message, kind=template, dedupe_key=key) is not None


def send_followups(now: datetime | None = None) -> dict[str, int]:
    """Remind late interviewers (at due time, then daily) and tell recruiters (once)."""
    now = now or utcnow()
    counts = {"assessment_reminders": 0, "late_notices": 0}
    late_by_recruiter: dict[int, list[Overdue]] = {}
    for item in overdue(now):
        interview, user = item.interview, item.interviewer
        if not user.is_active:
            continue
        candidate = interview.round.candidacy.candidate
        day = item.days_late(now)
        url = external_url("assessments.edit_assessment", interview_id=interview.id)
        if _send(
            user,
            f"Assessment due: {candidate.name} — {interview.round.title}",
            "assessment_due",
            f"assessment-due:{interview.id}:{user.id}:{day}",
            interview=interview,
            candidate=candidate,
            url=url,
            days_late=day,
            when=format_local(interview.starts_at, user.time_zone),
        ):
            counts["assessment_reminders"] += 1
        if now - item.due_at >= ESCALATE_AFTER and interview.scheduled_by_id:
            late_by_recruiter.setdefault(interview.scheduled_by_id, []).append(item)
    for recruiter_id, items in late_by_recruiter.items():
        recruiter = db.session.get(User, recruiter_id)
        if recruiter is None or not recruiter.is_active:
            continue
        for item in items:
            candidate = item.interview.round.candidacy.candidate
            if _send(
                recruiter,
                f"Late assessment: {item.interviewer.name} on {candidate.name}",
                "assessment_late",
                f"assessment-late:{item.interview.id}:{item.interviewer.id}",
                item=item,
                candidate=candidate,
                url=external_url(
                    "candidates.show_candidacy", candidacy_id=item.interview.round.candidacy_id
                ),
                due=format_local(item.due_at, recruiter.time_zone),
            ):
                counts["late_notices"] += 1
    return counts
