"""Self-scheduling: a round offered to the candidate to book themselves, through a signed link.

A recruiter offers a round (duration, required interviewers and/or k of a pool, a date range, a
deadline, a place). The candidate's link lists live slots from the slot finder and books one
through :func:`operations.schedule_interview`, so every check a recruiter's booking meets runs
again under the same locks: two candidates racing for slots that share an interviewer cannot
both win, the loser gets ``slot_taken`` and a fresh list.

The link is signed (the request id and its deadline); an altered link is 404, an expired, used,
withdrawn or closed one is 410. A request that nobody answered by its deadline reads as expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.audit import history
from coordinator.audit.operations import record
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.errors import Conflict, Gone, NotFound, RuleViolation
from coordinator.invites import operations as invites
from coordinator.jobs.models import Relationship
from coordinator.mail import messages, outbox
from coordinator.message_templates.operations import render_mail
from coordinator.scheduling import operations, slots
from coordinator.scheduling.models import Interview, Round, RoundState
from coordinator.timeutil import UTC, ensure_aware, format_local, is_valid_zone, utcnow
from coordinator.urls import external_url, mail_domain
from coordinator.validation import check_not_too_far_ahead

SALT = "self-schedule-v1"
#: Slots a candidate is shown at most (chronological, over the whole range).
MAX_SLOTS = 3000
MAX_PEOPLE = 12


class SelfScheduleState(TitledEnum):
    open = "open", "Waiting for the candidate"
    booked = "booked", "Booked by the candidate"
    expired = "expired", "Expired unanswered"
    withdrawn = "withdrawn", "Withdrawn"


class SelfScheduleRequest(db.Model):
    """A round offered to the candidate to book themselves."""

    __tablename__ = "self_schedule_requests"
    __table_args__ = (
        sa.CheckConstraint("ends_before > starts_after", name="range_ordered"),
        sa.CheckConstraint(
            "duration_minutes >= 5 AND duration_minutes <= 480", name="duration_in_range"
        ),
        sa.CheckConstraint("pool_size >= 0", name="pool_size_not_negative"),
        sa.CheckConstraint(
            "reschedule_cutoff_hours >= 0 AND reschedule_cutoff_hours <= 336",
            name="reschedule_cutoff_in_range",
        ),
        # At most one open request per round (an overlapping offer is refused).
        sa.Index(
            "uq_self_schedule_requests_open_round",
            "round_id",
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    offered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    duration_minutes: Mapped[int]
    interviewer_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    pool_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    pool_size: Mapped[int] = mapped_column(default=0)
    starts_after: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_before: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[SelfScheduleState] = mapped_column(
        enum_column(SelfScheduleState, "self_schedule_state"), default=SelfScheduleState.open
    )
    interview_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The candidate may pick another time through the same link until this many hours before
    #: the interview (``COORDINATOR_SELF_RESCHEDULE_HOURS`` unless the recruiter set it).
    reschedule_cutoff_hours: Mapped[int] = mapped_column(default=24, server_default="24")

    round: Mapped[Round] = orm.relationship(lazy="joined")
    offered_by: Mapped[User | None] = orm.relationship()

    def current_state(self, now: datetime | None = None) -> SelfScheduleState:
        """The state as it reads now: an open request past its deadline is expired."""
        if self.state is SelfScheduleState.open and self.expires_at <= (now or utcnow()):
            return SelfScheduleState.expired
        return self.state


@dataclass(frozen=True)
class Offer:
    """What a recruiter offers (API body or form, already shaped)."""

    duration_minutes: int
    interviewer_ids: list[int]
    pool_ids: list[int]
    pool_size: int
    starts_after: datetime
    ends_before: datetime
    expires_at: datetime
    location: str = ""
    video_url: str = ""
    #: Hours before the interview until which the candidate may pick another time through the
    #: link; ``None`` takes ``COORDINATOR_SELF_RESCHEDULE_HOURS`` (24 by default).
    reschedule_cutoff_hours: int | None = None


#: The longest cutoff a recruiter may set (two weeks).
MAX_RESCHEDULE_CUTOFF_HOURS = 336


def default_reschedule_cutoff() -> int:
    """Hours before the interview until which a candidate may move it, unless the offer says
    otherwise (``COORDINATOR_SELF_RESCHEDULE_HOURS``)."""
    return int(current_app.config.get("SELF_RESCHEDULE_HOURS", 24))


# --- links ---------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(request: SelfScheduleRequest) -> str:
    """The signed token of a request's candidate link (the same every time it is asked for)."""
    return _serializer().dumps({"s": request.id, "e": int(request.expires_at.timestamp())})


def _verified(token: str) -> tuple[SelfScheduleRequest, int]:
    """The request a link names and the deadline it carries; NotFound when altered."""
    if len(token) > 500:
        raise NotFound("No such page.")
    try:
        payload = _serializer().loads(token)
        request_id, expires = int(payload["s"]), int(payload["e"])
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise NotFound("No such page.") from err
    request = db.session.get(SelfScheduleRequest, request_id)
    if request is None or int(request.expires_at.timestamp()) != expires:
        raise NotFound("No such page.")
    return request, expires


def resolve(token: str) -> SelfScheduleRequest:
    """The open request a link opens; NotFound when altered, Gone when expired, used or closed."""
    request, expires = _verified(token)
    if datetime.fromtimestamp(expires, UTC) <= utcnow():
        raise Gone("This booking link has expired. Ask your recruiter for a new one.")
    if request.round.candidacy.is_closed:
        raise Gone("This application is closed, so this page is no longer available.")
    state = request.current_state()
    if state is SelfScheduleState.booked:
        raise Gone("This link was already used to book the interview.")
    if state is not SelfScheduleState.open:
        raise Gone(f"This booking link is no longer available ({state.title.lower()}).")
    return request


def resolve_link(token: str) -> SelfScheduleRequest:
    """The request a link opens, open *or booked* (a booked one shows its booking and, until the
    cutoff, lets the candidate pick another time). NotFound when altered; Gone when the
    candidacy closed, the request was withdrawn or expired, or its interview was cancelled.

    A booked request outlives the link's deadline: that deadline is for answering, the
    reschedule cutoff governs changes afterwards.
    """
    request, expires = _verified(token)
    if request.round.candidacy.is_closed:
        raise Gone("This application is closed, so this page is no longer available.")
    if request.state is SelfScheduleState.booked:
        interview = booked_interview(request)
        if interview is None or interview.is_cancelled:
            raise Gone("This interview was cancelled. Your recruiter will be in touch.")
        return request
    if datetime.fromtimestamp(expires, UTC) <= utcnow():
        raise Gone("This booking link has expired. Ask your recruiter for a new one.")
    state = request.current_state()
    if state is not SelfScheduleState.open:
        raise Gone(f"This booking link is no longer available ({state.title.lower()}).")
    return request


# --- offering ------------------------------------------------------------------------------------


def _people(ids: list[int], field: str) -> list[User]:
    if len(ids) > MAX_PEOPLE:
        raise RuleViolation(field, f"At most {MAX_PEOPLE} people.")
    if len(set(ids)) != len(ids):
        raise RuleViolation(field, "Someone is named twice.")
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    people = []
    for index, user_id in enumerate(ids):
        user = users.get(user_id)
        if user is None or not user.is_active:
            raise RuleViolation(f"{field}.{index}", f"No active user with id {user_id}.")
        if not user.has_role(*operations.PANEL_ROLES):
            raise RuleViolation(
                f"{field}.{index}",
                f"{user.name} is not an interviewer, hiring manager or recruiter.",
            )
        people.append(user)
    return people


def _expire_stale(round_: Round, now: datetime) -> None:
    """Open requests of the round past their deadline are written down as expired."""
    for request in db.session.scalars(
        sa.select(SelfScheduleRequest).where(
            SelfScheduleRequest.round_id == round_.id,
            SelfScheduleRequest.state == SelfScheduleState.open,
            SelfScheduleRequest.expires_at <= now,
        )
    ):
        # The recruiter is offering the round again: no mail about the old offer.
        _expire(request, now, tell=False)


def _expire(request: SelfScheduleRequest, now: datetime, *, tell: bool = True) -> bool:
    """Open → expired, once: a conditional write, so two workers (or a worker and an offer)
    cannot both expire the same request; the worker that does tells the recruiter."""
    done = db.session.execute(
        sa.update(SelfScheduleRequest)
        .where(
            SelfScheduleRequest.id == request.id,
            SelfScheduleRequest.state == SelfScheduleState.open,
            SelfScheduleRequest.expires_at <= now,
        )
        .values(state=SelfScheduleState.expired, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    db.session.refresh(request)
    record(None, "self_schedule.expired", request, candidacy_id=request.round.candidacy_id)
    candidacy = request.round.candidacy
    if tell and not candidacy.is_closed:
        _mail_recruiter(
            request,
            "self_schedule_expired",
            f"No time picked: {candidacy.candidate.name} ({candidacy.job.title})",
        )
    return True


def expire_unanswered(now: datetime | None = None) -> int:
    """Mark every open request past its deadline expired and mail its recruiter (once each);
    how many were expired. Idempotent: run it as often as you like (``send-reminders`` does)."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(SelfScheduleRequest)
            .where(
                SelfScheduleRequest.state == SelfScheduleState.open,
                SelfScheduleRequest.expires_at <= now,
            )
            .order_by(SelfScheduleRequest.id)
        )
    )
    return sum(1 for request in due if _expire(request, now))


def _mail_recruiter(request: SelfScheduleRequest, template: str, subject: str,
                    **extra: Any) -> None:
    """Tell the recruiter who made the offer (while active) what happened to it, in the
    caller's transaction. The mail carries a link to the round, nothing the candidate chose."""
    recruiter = request.offered_by
    if recruiter is None or not recruiter.is_active:
        return
    config = current_app.config
    round_ = request.round
    candidacy = round_.candidacy
    context = {
        "request": request, "round": round_, "candidate": candidacy.candidate,
        "job": candidacy.job, "recipient": recruiter,
        "url": external_url("scheduling.show_round", candidacy_id=candidacy.id,
                            round_id=round_.id),
        **extra,
    }
    message = messages.compose(
        sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
        recipient=messages.address(recruiter.email, recruiter.name),
        subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        domain=mail_domain(),
    )
    outbox.enqueue(message, kind=template)


def offer(round_: Round, spec: Offer, *, actor: User) -> SelfScheduleRequest:
    """Offer a round to its candidate for self-scheduling; every rule is checked first."""
    now = utcnow()
    candidacy = round_.candidacy
    if candidacy.is_closed:
        raise RuleViolation(
            None, f"The candidacy is {candidacy.state.title.lower()}; nothing to schedule."
        )
    if round_.state is RoundState.cancelled:
        raise RuleViolation(None, "This round was cancelled.")
    duration = spec.duration_minutes
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise RuleViolation("duration_minutes", "Give the duration in whole minutes.")
    if duration < operations.MIN_DURATION:
        raise RuleViolation("duration_minutes", f"At least {operations.MIN_DURATION} minutes.")
    if duration > operations.MAX_DURATION:
        raise RuleViolation(
            "duration_minutes", "Longer than a working day: at most 8 hours (480 minutes)."
        )
    required = _people(spec.interviewer_ids, "interviewer_ids")
    pool = _people(spec.pool_ids, "pool_ids")
    if spec.pool_size and not pool:
        raise RuleViolation("pool_ids", "The pool is empty: name its members, or set k to 0.")
    if pool and spec.pool_size < 1:
        raise RuleViolation("pool_size", "Say how many of the pool sit on the panel (at least 1).")
    if spec.pool_size > len(pool):
        raise RuleViolation(
            "pool_size", f"k is larger than the pool: at most {len(pool)} of these {len(pool)}."
        )
    if not required and not pool:
        raise RuleViolation("interviewer_ids", "Name at least one interviewer or a pool with k.")
    if {u.id for u in required} & {u.id for u in pool}:
        raise RuleViolation("pool_ids", "Someone is both required and in the pool.")
    starts_after = ensure_aware(spec.starts_after, "from")
    ends_before = ensure_aware(spec.ends_before, "to")
    expires_at = ensure_aware(spec.expires_at, "expires_at").replace(microsecond=0)
    if ends_before <= max(starts_after, now):
        raise RuleViolation("to", "The range must end after it starts, and in the future.")
    if ends_before - starts_after > slots.MAX_RANGE:
        raise RuleViolation("to", "Offer at most 62 days at once.")
    check_not_too_far_ahead("from", starts_after, now)
    check_not_too_far_ahead("to", ends_before, now)
    if expires_at <= now:
        raise RuleViolation("expires_at", "The deadline is in the past.")
    if expires_at > ends_before:
        raise RuleViolation("expires_at", "The deadline must come before the range ends.")
    cutoff = spec.reschedule_cutoff_hours
    if cutoff is None:
        cutoff = default_reschedule_cutoff()
    if isinstance(cutoff, bool) or not isinstance(cutoff, int):
        raise RuleViolation("reschedule_cutoff_hours", "Give the cutoff in whole hours.")
    if not 0 <= cutoff <= MAX_RESCHEDULE_CUTOFF_HOURS:
        raise RuleViolation(
            "reschedule_cutoff_hours",
            f"Between 0 and {MAX_RESCHEDULE_CUTOFF_HOURS} hours (two weeks) before the interview.",
        )
    location, video_url = operations._place(spec.location, spec.video_url)
    _expire_stale(round_, now)
    existing = db.session.scalar(
        sa.select(SelfScheduleRequest.id).where(
            SelfScheduleRequest.round_id == round_.id,
            SelfScheduleRequest.state == SelfScheduleState.open,
        )
    )
    if existing is not None:
        raise RuleViolation(
            "round_id",
            "This round already has an open self-scheduling request; withdraw it first.",
        )
    request = SelfScheduleRequest(
        round=round_,
        round_id=round_.id,
        offered_by_id=actor.id,
        duration_minutes=duration,
        interviewer_ids=[u.id for u in required],
        pool_ids=[u.id for u in pool],
        pool_size=spec.pool_size,
        starts_after=starts_after,
        ends_before=ends_before,
        expires_at=expires_at,
        location=location,
        video_url=video_url,
        state=SelfScheduleState.open,
        reschedule_cutoff_hours=cutoff,
    )
    db.session.add(request)
    db.session.flush()
    _mail_candidate(request, actor)
    record(
        actor,
        "self_schedule.offered",
        request,
        candidacy_id=candidacy.id,
        round=round_.title,
        expires_at=expires_at.isoformat(),
    )
    return request


def _mail_candidate(request: SelfScheduleRequest, recruiter: User) -> None:
    """The candidate's mail with their link, queued in this transaction (sent after commit)."""
    config = current_app.config
    candidacy = request.round.candidacy
    candidate = candidacy.candidate
    zone = candidate.time_zone if is_valid_zone(candidate.time_zone) else "UTC"
    context = {
        "request": request, "round": request.round, "candidate": candidate,
        "job": candidacy.job, "recruiter": recruiter, "company": invites.company_name(),
        "url": external_url("portal.show_self_schedule", token=token_for(request)),
        "deadline": format_local(request.expires_at, zone),
    }
    parts = render_mail("self_schedule_offer", context,
                        subject=f"Pick a time for your interview: {candidacy.job.title}")
    message = messages.compose(
        sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
        recipient=messages.address(candidate.email, candidate.name),
        reply_to=messages.address(recruiter.email, recruiter.name),
        subject=parts.subject, text=parts.text, html=parts.html,
        domain=mail_domain(),
    )
    outbox.enqueue(message, kind="self_schedule_offer")


def withdraw(request: SelfScheduleRequest, *, actor: User) -> SelfScheduleRequest:
    """The recruiter takes an open offer back; its link then answers 410."""
    if request.current_state() is not SelfScheduleState.open:
        raise Conflict(
            f"This request is {request.current_state().value}; only an open one can be withdrawn.",
            [{"kind": "not_open", "detail": "only an open request can be withdrawn",
              "state": request.current_state().value}],
        )
    request.state = SelfScheduleState.withdrawn
    request.closed_at = utcnow()
    db.session.flush()
    record(actor, "self_schedule.withdrawn", request, candidacy_id=request.round.candidacy_id)
    return request


def requests_of_round(round_: Round) -> list[SelfScheduleRequest]:
    return list(
        db.session.scalars(
            sa.select(SelfScheduleRequest)
            .where(SelfScheduleRequest.round_id == round_.id)
            .order_by(SelfScheduleRequest.id.desc())
        )
    )


def get_request(round_: Round, request_id: int) -> SelfScheduleRequest:
    request = db.session.scalar(
        sa.select(SelfScheduleRequest).where(
            SelfScheduleRequest.id == request_id, SelfScheduleRequest.round_id == round_.id
        )
    )
    if request is None:
        raise NotFound("No such self-scheduling request for this round.")
    return request


# --- the candidate's side ------------------------------------------------------------------------


def _users(ids: list[int]) -> list[User]:
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [found[i] for i in ids if i in found and found[i].is_active]


def live_slots(request: SelfScheduleRequest, *, limit: int = MAX_SLOTS) -> list[slots.Slot]:
    """The slots the candidate can book now, earliest first (taken ones are gone).

    For a booked request these are the times the booking can move to: the booked interview's
    own time blocks neither its panel nor the candidate, and the booked time itself is left out.
    """
    exclude = request.interview_id if request.state is SelfScheduleState.booked else None
    now = utcnow()
    starts_after = max(request.starts_after, now)
    if request.ends_before <= starts_after:
        return []
    people = {u.id: u for u in _users([*request.interviewer_ids, *request.pool_ids])}
    required = [people[i] for i in request.interviewer_ids if i in people]
    pool = [people[i] for i in request.pool_ids if i in people]
    if len(required) != len(request.interviewer_ids) or len(pool) < request.pool_size:
        return []  # someone left: nothing bookable until the recruiter offers again
    found = slots.suggest(
        request.round.candidacy,
        required=required,
        pool=pool,
        pool_size=request.pool_size,
        duration_minutes=request.duration_minutes,
        starts_after=starts_after,
        ends_before=request.ends_before,
        limit=limit,
        use_candidate_windows=False,
        exclude_interview_id=exclude,
    )
    if exclude is not None:
        current = booked_interview(request)
        if current is not None:
            found = [s for s in found if s.starts_at != current.starts_at]
    return sorted(found, key=lambda s: s.starts_at)


def _slot_taken(request: SelfScheduleRequest, detail: str) -> Conflict:
    return Conflict(
        "That time was just taken. Please pick another one.",
        [{"kind": "slot_taken", "detail": detail}],
        field="starts_at",
    )


def book(request: SelfScheduleRequest, starts_at: datetime) -> operations.InterviewChange:
    """The candidate books one of the live slots, through the recruiter's booking operation.

    The panel is the required interviewers plus the k pool members the finder chose for that
    slot (fewest interviews that week first). A slot no longer free, or one another booking took
    while this one waited for its locks, is a ``Conflict`` of kind ``slot_taken``.
    """
    start = ensure_aware(starts_at, "starts_at")
    if not request.starts_after <= start < request.ends_before:
        raise RuleViolation("starts_at", "Pick one of the times offered.")
    window_end = start + timedelta(minutes=request.duration_minutes)
    chosen = [
        s
        for s in live_slots(request)
        if s.starts_at == start and s.ends_at == window_end
    ]
    if not chosen:
        raise _slot_taken(request, "that time is no longer free")
    seats = _seats(request, chosen[0])
    try:
        change = operations.schedule_interview(
            request.round,
            actor=None,
            scheduled_by=request.offered_by,
            starts_at=start,
            duration_minutes=request.duration_minutes,
            time_zone=request.round.candidacy.candidate.time_zone,
            panel=seats,
            location=request.location,
            video_url=request.video_url,
            override_relationships=True,
            override_reason="The candidate booked a time offered for self-scheduling.",
        )
    except Conflict as err:
        raise _slot_taken(request, "; ".join(c.get("detail", "") for c in err.conflicts)) from err
    # Only one booking per request: the open → booked step is a conditional write.
    done = db.session.execute(
        sa.update(SelfScheduleRequest)
        .where(
            SelfScheduleRequest.id == request.id,
            SelfScheduleRequest.state == SelfScheduleState.open,
        )
        .values(
            state=SelfScheduleState.booked,
            interview_id=change.interview.id,
            closed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Gone("This link was already used to book the interview.")
    db.session.refresh(request)
    record(
        None,
        "self_schedule.booked",
        request,
        candidacy_id=request.round.candidacy_id,
        interview_id=change.interview.id,
        starts_at=start.isoformat(),
        booked_by="candidate",
    )
    return change


# --- the candidate moves their booking ------------------------------------------------------------

RESCHEDULE_REASON = "Rescheduled by the candidate through their self-scheduling link."


def reschedule_deadline(request: SelfScheduleRequest) -> datetime | None:
    """Until when the candidate may pick another time (``None``: nothing booked to move)."""
    interview = booked_interview(request)
    if request.state is not SelfScheduleState.booked or interview is None:
        return None
    return interview.starts_at - timedelta(hours=request.reschedule_cutoff_hours)


def can_reschedule(request: SelfScheduleRequest, now: datetime | None = None) -> bool:
    """Whether the candidate may still move their booking through the link."""
    deadline = reschedule_deadline(request)
    return deadline is not None and (now or utcnow()) < deadline


def _too_late(request: SelfScheduleRequest) -> Conflict:
    recruiter = request.offered_by
    hours = request.reschedule_cutoff_hours
    who = f"{recruiter.name} ({recruiter.email})" if recruiter else "your recruiter"
    conflict: dict[str, Any] = {
        "kind": "reschedule_closed",
        "detail": f"times can be changed here until {hours} hours before the interview",
        "cutoff_hours": hours,
    }
    if recruiter is not None:
        conflict["recruiter"] = {"name": recruiter.name, "email": recruiter.email}
    return Conflict(
        f"It is too late to change the time here. Please contact {who}.",
        [conflict],
        field="starts_at",
    )


def _seats(request: SelfScheduleRequest, slot: slots.Slot) -> list[operations.Seat]:
    job = request.round.candidacy.job
    return [
        operations.Seat(
            user_id,
            Relationship.hiring_manager
            if user_id == job.hiring_manager_id
            else Relationship.colleague,
        )
        for user_id in slot.interviewer_ids
    ]


def reschedule(request: SelfScheduleRequest, starts_at: datetime) -> operations.InterviewChange:
    """The candidate moves the interview they booked to another live slot, through the
    recruiter's reschedule operation (same checks and locks; invites go out again with a
    higher SEQUENCE). Until ``reschedule_cutoff_hours`` before the interview; after that a
    ``Conflict`` of kind ``reschedule_closed``. A time no longer free is ``slot_taken``.
    """
    interview = booked_interview(request)
    if request.state is not SelfScheduleState.booked or interview is None:
        raise Conflict(
            "Nothing is booked through this link yet.",
            [{"kind": "not_booked", "detail": "book a time first"}],
        )
    if interview.is_cancelled:
        raise Gone("This interview was cancelled. Your recruiter will be in touch.")
    if not can_reschedule(request):
        raise _too_late(request)
    start = ensure_aware(starts_at, "starts_at")
    if not request.starts_after <= start < request.ends_before:
        raise RuleViolation("starts_at", "Pick one of the times offered.")
    if start == interview.starts_at:
        raise RuleViolation("starts_at", "That is the time already booked; pick another one.")
    window_end = start + timedelta(minutes=request.duration_minutes)
    chosen = [s for s in live_slots(request) if s.starts_at == start and s.ends_at == window_end]
    if not chosen:
        raise _slot_taken(request, "that time is no longer free")
    previous = interview.starts_at
    try:
        change = operations.reschedule_interview(
            interview,
            actor=None,
            reason=RESCHEDULE_REASON,
            starts_at=start,
            duration_minutes=request.duration_minutes,
            panel=_seats(request, chosen[0]),
            override_relationships=True,
            override_reason="The candidate moved a time offered for self-scheduling.",
        )
    except Conflict as err:
        raise _slot_taken(request, "; ".join(c.get("detail", "") for c in err.conflicts)) from err
    record(
        None,
        "self_schedule.rescheduled",
        request,
        candidacy_id=request.round.candidacy_id,
        interview_id=interview.id,
        previous_starts_at=previous.isoformat(),
        starts_at=start.isoformat(),
        booked_by="candidate",
    )
    candidacy = request.round.candidacy
    _mail_recruiter(
        request,
        "self_schedule_rescheduled",
        f"New time picked: {candidacy.candidate.name} ({candidacy.job.title})",
        interview=interview,
        previous=previous,
    )
    return change


def slots_document(request: SelfScheduleRequest, found: list[slots.Slot]) -> dict[str, Any]:
    """``{time_zone, slots: [{starts_at, ends_at}]}`` for the API and the 409 body."""
    from coordinator.timeutil import isoformat_z

    return {
        "time_zone": request.round.candidacy.candidate.time_zone,
        "slots": [
            {"starts_at": isoformat_z(s.starts_at), "ends_at": isoformat_z(s.ends_at)}
            for s in found
        ],
    }


def booked_interview(request: SelfScheduleRequest) -> Interview | None:
    return db.session.get(Interview, request.interview_id) if request.interview_id else None


def _describe_booked(event: Any) -> str:
    details = event.details or {}
    when = details.get("starts_at", "?")
    return f"The candidate booked {when} through their self-scheduling link"


history.DESCRIPTIONS.setdefault("self_schedule.booked", _describe_booked)
history.DESCRIPTIONS.setdefault(
    "self_schedule.offered", lambda event: "Round offered to the candidate for self-scheduling"
)


def _describe_rescheduled(event: Any) -> str:
    details = event.details or {}
    return (
        f"The candidate moved their interview from {details.get('previous_starts_at', '?')} "
        f"to {details.get('starts_at', '?')} through their self-scheduling link"
    )


history.DESCRIPTIONS.setdefault("self_schedule.rescheduled", _describe_rescheduled)
history.DESCRIPTIONS.setdefault(
    "self_schedule.expired", lambda event: "Self-scheduling offer expired unanswered"
)
