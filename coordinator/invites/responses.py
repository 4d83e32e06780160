"""Responses to invites: who accepted, who declined, and what the recruiter must follow up.

A panel member answers through an iMIP REPLY (:mod:`coordinator.invites.replies`), the interview
page or the API; the candidate through a REPLY or their portal page. The answer is kept on the
panel seat (``PanelMember.response``) or on the interview (``Interview.candidate_response``),
with its time and comment.

Follow-ups are computed, not stored:

* a *decline* on an interview still to happen is a to-do for the candidacy's recruiter (else
  the one who booked it), and a mail to them (once per person and interview SEQUENCE), written
  by the ``interview_response`` receiver (:mod:`coordinator.invites.receivers`);
* *no answer* :data:`ANSWER_WITHIN_WORKING_DAYS` working days (Monday to Friday, counted in UTC)
  after the latest invite to that person is flagged the same way, and mailed once by
  ``send-reminders`` (:func:`send_unanswered_notices`).

A reschedule to a new time asks everyone again (the new REQUEST says PARTSTAT=NEEDS-ACTION), so
the scheduling operation puts the answers back to ``needs_action``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.events import interview_response
from coordinator.invites.models import Audience, Invite, InviteMethod
from coordinator.invites.operations import recruiter_of
from coordinator.mail import messages, outbox
from coordinator.scheduling.models import (
    ANSWERS,
    Interview,
    InterviewState,
    InviteResponse,
    PanelMember,
    Round,
)
from coordinator.timeutil import format_local, utcnow
from coordinator.urls import external_url, mail_domain

ANSWER_WITHIN_WORKING_DAYS = 2
MAX_COMMENT = 1000


class Via:
    """Where an answer came from (kept in the audit row)."""

    mail = "mail"
    page = "page"
    api = "api"
    portal = "portal"


def clean_comment(comment: str | None) -> str:
    """A comment as stored: control characters (but newlines and tabs) removed, trimmed, cut."""
    text = "".join(ch for ch in (comment or "") if ch in "\n\t" or ch.isprintable())
    return text.strip()[:MAX_COMMENT]


def _answer(response: InviteResponse | str) -> InviteResponse:
    try:
        answer = InviteResponse(response)
    except ValueError:
        answer = None
    if answer not in ANSWERS:
        raise RuleViolation("response", "Answer accepted, tentative or declined.")
    return answer  # type: ignore[return-value]


def _check_live(interview: Interview) -> None:
    if interview.state is InterviewState.cancelled:
        raise Conflict("This interview was cancelled; there is nothing to answer.",
                       [{"kind": "cancelled", "detail": "the interview was cancelled"}],
                       field="response")


def record_panel_response(member: PanelMember, response: InviteResponse | str, *,
                          actor: User | None, comment: str | None = "", via: str = Via.page,
                          now: datetime | None = None) -> PanelMember:
    """Set a panel member's answer to their invite (``actor`` is ``None`` for mail)."""
    interview = member.interview
    _check_live(interview)
    answer = _answer(response)
    previous = member.response
    member.response = answer
    member.responded_at = now or utcnow()
    member.response_comment = clean_comment(comment)
    db.session.flush()
    record(actor, "interview.response", interview, candidacy_id=interview.round.candidacy_id,
           user_id=member.user_id, response=answer.value, previous=previous.value, via=via)
    interview_response.send(interview, actor=actor, user_id=member.user_id,
                            response=answer.value, previous=previous.value)
    return member


def record_candidate_response(interview: Interview, response: InviteResponse | str, *,
                              comment: str | None = "", via: str = Via.portal,
                              now: datetime | None = None) -> Interview:
    """Set the candidate's answer to their invite (they have no user account: no actor)."""
    _check_live(interview)
    answer = _answer(response)
    previous = interview.candidate_response
    interview.candidate_response = answer
    interview.candidate_responded_at = now or utcnow()
    interview.candidate_response_comment = clean_comment(comment)
    db.session.flush()
    record(None, "interview.response", interview, candidacy_id=interview.round.candidacy_id,
           candidate_id=interview.candidate_id, response=answer.value, previous=previous.value,
           via=via)
    interview_response.send(interview, actor=None, candidate_id=interview.candidate_id,
                            response=answer.value, previous=previous.value)
    return interview


def reset_responses(interview: Interview) -> None:
    """Everyone is asked again (a new time): every answer goes back to ``needs_action``."""
    for member in interview.panel:
        member.response, member.responded_at = InviteResponse.needs_action, None
        member.response_comment = ""
    interview.candidate_response = InviteResponse.needs_action
    interview.candidate_responded_at = None
    interview.candidate_response_comment = ""


def _describe(event: Any) -> str:
    details = event.details or {}
    who = "The candidate" if "candidate_id" in details else "A panel member"
    return (f"{who} answered the invite: {str(details.get('response', '?')).replace('_', ' ')}"
            f" (by {details.get('via', '?')})")


def register() -> None:
    """Say in candidacy histories what an answer to an invite was."""
    from coordinator.audit.history import DESCRIPTIONS

    DESCRIPTIONS.setdefault("interview.response", _describe)


# --- follow-ups ----------------------------------------------------------------------------------


def answer_due(invited_at: datetime, days: int = ANSWER_WITHIN_WORKING_DAYS) -> datetime:
    """When an answer to an invite sent at ``invited_at`` is late: ``days`` working days on."""
    due = invited_at
    counted = 0
    while counted < days:
        due += timedelta(days=1)
        if due.weekday() < 5:
            counted += 1
    return due


@dataclass(frozen=True)
class ToDo:
    """Something about an interview's answers that the recruiter should act on."""

    kind: str  # "declined" or "unanswered"
    interview: Interview
    person: str
    #: ``user:<id>`` for a panel member, ``candidate`` for the candidate.
    who: str
    since: datetime
    comment: str = ""

    @property
    def candidacy(self) -> Candidacy:
        return self.interview.round.candidacy

    @property
    def title(self) -> str:
        if self.kind == "declined":
            return f"{self.person} declined"
        return f"{self.person} has not answered"


def _last_requests() -> Any:
    """The latest REQUEST sent to each (interview, panel user or candidate)."""
    return (
        sa.select(Invite.interview_id, Invite.audience, Invite.user_id,
                  sa.func.max(Invite.created_at).label("invited_at"))
        .where(Invite.method == InviteMethod.request)
        .group_by(Invite.interview_id, Invite.audience, Invite.user_id)
        .subquery()
    )


def _live_interviews(now: datetime) -> Any:
    return (
        sa.select(Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(Interview.state == InterviewState.scheduled,
               Interview.is_recorded_past.is_(False),
               Interview.ends_at > now,
               Candidacy.state.not_in(CLOSED_STATES))
    )


#: What a follow-up shows of its interview (candidate, job, round title), loaded with it.
_SHOWN_WITH_INTERVIEW = (
    sa.orm.joinedload(Interview.round).joinedload(Round.candidacy)
    .joinedload(Candidacy.candidate),
    sa.orm.joinedload(Interview.round).joinedload(Round.candidacy).joinedload(Candidacy.job),
    sa.orm.joinedload(Interview.round).joinedload(Round.planned_round),
)


def todos(now: datetime | None = None, *, scheduled_by: User | None = None,
          candidacy: Candidacy | None = None, interview: Interview | None = None,
          limit: int | None = None) -> list[ToDo]:
    """Declines and overdue answers on interviews still to happen (two queries).

    Narrow with ``scheduled_by`` (a recruiter's dashboard), ``candidacy`` or ``interview``.
    """
    now = now or utcnow()
    live = _live_interviews(now)
    if scheduled_by is not None:
        live = live.where(Interview.scheduled_by_id == scheduled_by.id)
    if candidacy is not None:
        live = live.where(Round.candidacy_id == candidacy.id)
    if interview is not None:
        live = live.where(Interview.id == interview.id)
    sent = _last_requests()
    panel_rows = db.session.execute(
        sa.select(PanelMember, sent.c.invited_at)
        .outerjoin(sent, sa.and_(sent.c.interview_id == PanelMember.interview_id,
                                 sent.c.audience == Audience.panel,
                                 sent.c.user_id == PanelMember.user_id))
        .where(PanelMember.interview_id.in_(live),
               sa.or_(PanelMember.response == InviteResponse.declined,
                      sa.and_(PanelMember.response == InviteResponse.needs_action,
                              sent.c.invited_at.is_not(None))))
        .options(sa.orm.joinedload(PanelMember.interview).options(*_SHOWN_WITH_INTERVIEW),
                 sa.orm.joinedload(PanelMember.user))
        .order_by(PanelMember.interview_id, PanelMember.id)
    ).all()
    candidate_rows = db.session.execute(
        sa.select(Interview, sent.c.invited_at)
        .outerjoin(sent, sa.and_(sent.c.interview_id == Interview.id,
                                 sent.c.audience == Audience.candidate))
        .where(Interview.id.in_(live),
               sa.or_(Interview.candidate_response == InviteResponse.declined,
                      sa.and_(Interview.candidate_response == InviteResponse.needs_action,
                              sent.c.invited_at.is_not(None))))
        .options(*_SHOWN_WITH_INTERVIEW)
        .order_by(Interview.id)
    ).unique().all()
    found: list[ToDo] = []
    for member, invited_at in panel_rows:
        item = _todo(member.interview, member.user.name, f"user:{member.user_id}",
                     member.response, member.responded_at, member.response_comment,
                     invited_at, now)
        if item is not None:
            found.append(item)
    for row_interview, invited_at in candidate_rows:
        item = _todo(row_interview, row_interview.round.candidacy.candidate.name, "candidate",
                     row_interview.candidate_response, row_interview.candidate_responded_at,
                     row_interview.candidate_response_comment, invited_at, now)
        if item is not None:
            found.append(item)
    found.sort(key=lambda t: (t.kind != "declined", t.interview.starts_at, t.interview.id,
                              t.who))
    return found[:limit] if limit is not None else found


def _todo(interview: Interview, person: str, who: str, response: InviteResponse,
          responded_at: datetime | None, comment: str, invited_at: datetime | None,
          now: datetime) -> ToDo | None:
    if response is InviteResponse.declined and responded_at is not None:
        return ToDo("declined", interview, person, who, responded_at, comment)
    if invited_at is not None and answer_due(invited_at) <= now:
        return ToDo("unanswered", interview, person, who, answer_due(invited_at))
    return None


def _notify(recruiter: User, subject: str, template: str, key: str, **context: Any) -> bool:
    config = current_app.config
    message = messages.compose(
        sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
        recipient=messages.address(recruiter.email, recruiter.name),
        subject=subject,
        text=render_template(f"email/{template}.txt", recipient=recruiter, **context),
        html=render_template(f"email/{template}.html", recipient=recruiter, **context),
        domain=mail_domain(),
    )
    try:
        with db.session.begin_nested():
            row = outbox.enqueue(message, kind=template, dedupe_key=key)
    except sa.exc.IntegrityError:  # a concurrent run queued the same key first
        return False
    return row is not None


def _context(interview: Interview, recruiter: User) -> dict[str, Any]:
    candidacy = interview.round.candidacy
    return {
        "interview": interview, "candidate": candidacy.candidate, "job": candidacy.job,
        "when": format_local(interview.starts_at, recruiter.time_zone),
        "url": external_url("scheduling.show_interview", interview_id=interview.id),
    }


def tell_recruiter_of_decline(interview: Interview, *, user_id: int | None = None) -> None:
    """Mail the recruiter that a panel member (``user_id``) or the candidate declined (once per
    person and SEQUENCE); the ``interview_response`` receiver calls it."""
    recruiter = recruiter_of(interview)
    if recruiter is None or interview.ends_at <= utcnow():
        return
    if user_id is None:
        person, who = interview.round.candidacy.candidate.name, "candidate"
        comment = interview.candidate_response_comment
    else:
        member = next((m for m in interview.panel if m.user_id == user_id), None)
        if member is None:
            return
        person, who, comment = member.user.name, f"user:{user_id}", member.response_comment
    _notify(recruiter, f"Declined: {person} — {interview.round.candidacy.candidate.name}, "
            f"{interview.round.title}", "response_declined",
            f"response-declined:{interview.id}:{who}:{interview.sequence}",
            person=person, comment=comment, **_context(interview, recruiter))


def send_unanswered_notices(now: datetime | None = None) -> int:
    """Mail each booking recruiter once about every invite left unanswered too long."""
    now = now or utcnow()
    sent = 0
    for item in todos(now):
        if item.kind != "unanswered":
            continue
        recruiter = recruiter_of(item.interview)
        if recruiter is None:
            continue
        sent += _notify(
            recruiter, f"No answer: {item.person} — {item.candidacy.candidate.name}, "
            f"{item.interview.round.title}", "response_missing",
            f"response-missing:{item.interview.id}:{item.who}:{item.interview.sequence}",
            person=item.person, **_context(item.interview, recruiter))
    return sent
