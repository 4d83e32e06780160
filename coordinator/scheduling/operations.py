"""Scheduling operations: open rounds, schedule, reschedule and cancel interviews."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.accounts.models import Role, User, UserRole
from coordinator.audit.operations import record, record_now
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.events import interview_cancelled, interview_rescheduled, interview_scheduled
from coordinator.jobs.models import Job, PlannedRound, Relationship
from coordinator.scheduling import conflicts, meetings
from coordinator.scheduling.models import (
    Interview,
    InterviewState,
    PanelMember,
    Round,
    RoundState,
)
from coordinator.timeutil import ensure_aware, is_valid_zone, utcnow
from coordinator.validation import check_not_too_far_ahead

MIN_DURATION = 5
MAX_DURATION = 480
MAX_PANEL = 12
PANEL_ROLES = (Role.interviewer, Role.hiring_manager, Role.recruiter)


def panel_people(*, with_roles: bool = False) -> list[User]:
    """Active users who may sit on a panel, by name (``with_roles``: their roles loaded too, in a
    second query)."""
    query = (
        sa.select(User)
        .where(
            User.is_active.is_(True),
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role.in_(PANEL_ROLES))),
        )
        .order_by(User.name, User.id)
    )
    if with_roles:
        query = query.options(orm.selectinload(User.role_rows))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Seat:
    """A requested panel seat: who, in which relationship to the role."""

    user_id: int
    relationship: Relationship | str


@dataclass(frozen=True)
class InterviewSnapshot:
    """An interview's time, place and panel before a change (invites say what changed)."""

    starts_at: datetime
    ends_at: datetime
    location: str
    video_url: str
    panel: tuple[User, ...]


@dataclass
class InterviewChange:
    """What an operation did to an interview, for the door and for invites."""

    interview: Interview
    warnings: list[dict[str, Any]] = field(default_factory=list)
    added_user_ids: list[int] = field(default_factory=list)
    removed_user_ids: list[int] = field(default_factory=list)
    kept_user_ids: list[int] = field(default_factory=list)
    time_changed: bool = False
    place_changed: bool = False
    panel_changed: bool = False
    cancelled: bool = False
    previous: InterviewSnapshot | None = None
    #: The interview was created in this transaction (nothing was stored about it before).
    booked: bool = False
    #: Who met whom in the candidacy and when its last scheduled interview ends, read once (on
    #: first use) for every listener and the door.
    _candidacy: tuple[dict[int, set[int]], datetime | None] | None = field(
        default=None, init=False, repr=False
    )

    def met_before_map(self) -> dict[int, set[int]]:
        """:func:`meetings.met_before_map` of the interview's candidacy."""
        return self._read_candidacy()[0]

    def last_end(self) -> datetime | None:
        """When the candidacy's last scheduled interview ends (None without one)."""
        return self._read_candidacy()[1]

    def _read_candidacy(self) -> tuple[dict[int, set[int]], datetime | None]:
        if self._candidacy is None:
            self._candidacy = meetings.met_before_and_last_end(self.interview.round.candidacy_id)
        return self._candidacy


#: Higher domains act when a round opens (compensation opens its stage).
ROUND_OPENED: list[Callable[[Round, User], None]] = []


# --- rounds --------------------------------------------------------------------------------------


def open_round(candidacy: Candidacy, planned_round: PlannedRound, *, actor: User) -> Round:
    """Open a round of the job's plan for a candidacy (any planned round, at any time, once)."""
    if planned_round.job_id != candidacy.job_id:
        raise RuleViolation("planned_round_id", "That round belongs to another job's plan.")
    if candidacy.is_closed:
        raise RuleViolation(
            "planned_round_id", f"The candidacy is {candidacy.state.title.lower()}; no new rounds."
        )
    existing = db.session.scalar(
        sa.select(Round).where(
            Round.candidacy_id == candidacy.id, Round.planned_round_id == planned_round.id
        )
    )
    if existing is not None:
        raise Conflict(
            f"“{planned_round.title}” is already open for this candidacy.",
            [
                {
                    "kind": "round_exists",
                    "detail": "each planned round opens once per candidacy",
                    "round_id": existing.id,
                }
            ],
            field="planned_round_id",
        )
    round_ = Round(candidacy=candidacy, planned_round=planned_round, state=RoundState.open)
    db.session.add(round_)
    db.session.flush()
    record(actor, "round.opened", round_, candidacy_id=candidacy.id, title=planned_round.title)
    for listener in ROUND_OPENED:
        listener(round_, actor)
    return round_


#: Loader options are built once: building them costs more than running the statement's
#: cached compilation (hundreds of microseconds a request).
_ROUNDS_SHOWN = (
    sa.orm.joinedload(Round.planned_round),
    # a candidacy has a few rounds of a few interviews of a few people: one joined statement
    sa.orm.joinedload(Round.interviews).joinedload(Interview.panel).joinedload(PanelMember.user),
)
_INTERVIEW_SHOWN = (
    sa.orm.joinedload(Interview.round).joinedload(Round.planned_round),
    sa.orm.joinedload(Interview.round).joinedload(Round.candidacy).joinedload(Candidacy.job),
    sa.orm.joinedload(Interview.round).joinedload(Round.candidacy).joinedload(Candidacy.candidate),
    # a panel is a handful of rows: joined into the same statement, not a second round trip
    sa.orm.joinedload(Interview.panel).joinedload(PanelMember.user),
)


#: The hot reads below are statements built once: a statement object keeps its cache key, so
#: running it again skips building the statement and its options and keying the SQL cache
#: (a fifth of such a read's CPU).
_ROUNDS_OF = (
    sa.select(Round)
    .where(Round.candidacy_id == sa.bindparam("candidacy_id"))
    .options(*_ROUNDS_SHOWN)
)
_INTERVIEW_BY_ID = (
    sa.select(Interview).where(Interview.id == sa.bindparam("id")).options(*_INTERVIEW_SHOWN)
)


def rounds_of(candidacy: Candidacy) -> list[Round]:
    """The candidacy's rounds in plan order, with their interviews and panels loaded."""
    rounds = db.session.scalars(_ROUNDS_OF, {"candidacy_id": candidacy.id}).unique().all()
    return sorted(rounds, key=lambda r: (r.planned_round.position, r.id))


def get_round(candidacy: Candidacy, round_id: int) -> Round:
    round_ = db.session.scalar(
        sa.select(Round).where(Round.id == round_id, Round.candidacy_id == candidacy.id)
    )
    if round_ is None:
        raise NotFound("No such round for this candidacy.")
    return round_


#: What showing an interview reads, and no more: its round, the candidacy's job (who hires)
#: and candidate (their zone), and the panel's users (name, title, zone). The candidate's, job's
#: and users' other columns (descriptions, bios, password hashes...) stay unread.
_INTERVIEW_TO_SHOW = (
    sa.select(Interview)
    .where(Interview.id == sa.bindparam("id"))
    .options(
        sa.orm.joinedload(Interview.round)
        .joinedload(Round.candidacy)
        .load_only(Candidacy.id, Candidacy.job_id, Candidacy.candidate_id)
        .options(
            sa.orm.joinedload(Candidacy.job).load_only(Job.id, Job.hiring_manager_id),
            sa.orm.joinedload(Candidacy.candidate).load_only(Candidate.id, Candidate.time_zone),
        ),
        sa.orm.joinedload(Interview.panel)
        .joinedload(PanelMember.user)
        .load_only(User.id, User.name, User.job_title, User.time_zone),
    )
)


_INTERVIEW_TO_SHOW_MET = _INTERVIEW_TO_SHOW.add_columns(meetings.met_before_column())


def interview_to_show(interview_id: int) -> tuple[Interview, set[int]]:
    """An interview with what showing it reads (see :data:`_INTERVIEW_TO_SHOW`), and the ids of
    its panel users the candidate met before, in one statement; 404 if none."""
    row = db.session.execute(_INTERVIEW_TO_SHOW_MET, {"id": interview_id}).unique().first()
    if row is None:
        raise NotFound("No such interview.")
    interview, met = row
    return interview, {int(user_id) for user_id in met.split(",")} if met else set()


def get_interview(interview_id: int) -> Interview:
    """An interview with what its doors check and show: round, plan, candidacy, job, panel."""
    interview = db.session.scalars(_INTERVIEW_BY_ID, {"id": interview_id}).unique().first()
    if interview is None:
        raise NotFound("No such interview.")
    return interview


def get_round_interview(round_: Round, interview_id: int) -> Interview:
    interview = db.session.scalar(
        sa.select(Interview).where(Interview.id == interview_id, Interview.round_id == round_.id)
    )
    if interview is None:
        raise NotFound("No such interview in this round.")
    return interview


# --- checks --------------------------------------------------------------------------------------


def _duration(minutes: Any) -> timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise RuleViolation("duration_minutes", "Give the duration in whole minutes.")
    if minutes < MIN_DURATION:
        raise RuleViolation("duration_minutes", f"At least {MIN_DURATION} minutes.")
    if minutes > MAX_DURATION:
        raise RuleViolation("duration_minutes", "At most 8 hours (480 minutes).")
    return timedelta(minutes=minutes)


def _zone_name(name: str) -> str:
    if not is_valid_zone(name):
        raise RuleViolation("time_zone", f"“{name}” is not a known IANA time zone.")
    return name


def _place(location: str | None, video_url: str | None) -> tuple[str, str]:
    location = (location or "").strip()
    video_url = (video_url or "").strip()
    if len(location) > 300:
        raise RuleViolation("location", "At most 300 characters.")
    if len(video_url) > 500:
        raise RuleViolation("video_url", "At most 500 characters.")
    if video_url:
        parts = urlsplit(video_url)
        if (
            parts.scheme not in {"https", "http"}
            or not parts.netloc
            or any(c.isspace() for c in video_url)
        ):
            raise RuleViolation("video_url", "Give a full https:// link.")
    return location, video_url


_WITH_ROLES = orm.joinedload(User.role_rows)
#: Built once (a statement object keeps its cache key); the locking form once per dialect.
_PANEL_USERS = (
    sa.select(User).where(User.id.in_(sa.bindparam("ids", expanding=True))).options(_WITH_ROLES)
)
_LOCKING_PANEL_USERS: dict[str, sa.Select[Any]] = {}


def _panel_users(lock: bool) -> sa.Select[Any]:
    if not lock:
        return _PANEL_USERS
    dialect = db.session.get_bind().dialect.name
    statement = _LOCKING_PANEL_USERS.get(dialect)
    if statement is None:
        statement = _LOCKING_PANEL_USERS[dialect] = conflicts.locking_users(_PANEL_USERS)
    return statement


def _panel(seats: Sequence[Seat], *, lock: bool = False) -> list[tuple[User, Relationship]]:
    """The seated users, checked; ``lock``: locked as they are read (conflicts.locking_users)."""
    if not seats:
        raise RuleViolation("panel", "Seat at least one interviewer.")
    if len(seats) > MAX_PANEL:
        raise RuleViolation("panel", f"At most {MAX_PANEL} interviewers on one panel.")
    ids = [s.user_id for s in seats]
    users = {u.id: u for u in db.session.scalars(_panel_users(lock), {"ids": ids}).unique()}
    panel: list[tuple[User, Relationship]] = []
    seen: set[int] = set()
    for index, seat in enumerate(seats):
        user = users.get(seat.user_id)
        if user is None or not user.is_active:
            raise RuleViolation(f"panel.{index}.user_id", f"No active user with id {seat.user_id}.")
        if not user.has_role(*PANEL_ROLES):
            raise RuleViolation(
                f"panel.{index}.user_id",
                f"{user.name} is not an interviewer, hiring manager or recruiter.",
            )
        if user.id in seen:
            raise RuleViolation(f"panel.{index}.user_id", f"{user.name} is on the panel twice.")
        seen.add(user.id)
        try:
            relationship = Relationship(seat.relationship)
        except ValueError as err:
            raise RuleViolation(
                f"panel.{index}.relationship",
                "Choose colleague, peer, supervisor or hiring_manager.",
            ) from err
        panel.append((user, relationship))
    return panel


def relationship_gaps(
    planned_round: PlannedRound, relationships: Sequence[Relationship]
) -> tuple[list[Relationship], list[Relationship]]:
    """Seats the plan needs that the panel misses, and panel seats beyond what the plan needs."""
    needed = Counter(planned_round.relationships)
    given = Counter(relationships)
    missing = sorted((needed - given).elements())
    surplus = sorted((given - needed).elements())
    return missing, surplus


def _check_relationships(
    round_: Round,
    panel: list[tuple[User, Relationship]],
    override: bool,
    override_reason: str | None,
) -> tuple[str | None, list[dict]]:
    missing, surplus = relationship_gaps(round_.planned_round, [r for _, r in panel])
    warnings: list[dict[str, Any]] = []
    if surplus:
        warnings.append(
            {
                "kind": "surplus_relationships",
                "detail": "Beyond the plan: " + ", ".join(r.title for r in surplus) + ".",
                "surplus": [r.value for r in surplus],
            }
        )
    if not missing:
        return None, warnings
    text = ", ".join(r.title.lower() for r in missing)
    if not override:
        raise Conflict(
            f"The plan asks for a panel with: {text}.",
            [
                {
                    "kind": "relationships",
                    "detail": f"Missing: {text}. Add them, or override with a reason.",
                    "missing": [r.value for r in missing],
                    "surplus": [r.value for r in surplus],
                }
            ],
            field="panel",
        )
    reason = (override_reason or "").strip()
    if not reason:
        raise RuleViolation("reason", "Say why the panel departs from the plan.")
    if len(reason) > 1000:
        raise RuleViolation("reason", "At most 1000 characters.")
    return f"Missing {text}: {reason}", warnings


def _start(starts_at: datetime, record_past: bool, field_name: str = "starts_at") -> datetime:
    starts_at = ensure_aware(starts_at, field_name)
    now = utcnow()
    if record_past:
        if starts_at >= now:
            raise RuleViolation(
                field_name, "Only an interview that already happened can be recorded as past."
            )
    elif starts_at < now:
        raise RuleViolation(field_name, "That time is in the past.")
    check_not_too_far_ahead(field_name, starts_at, now)
    return starts_at


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("reason", "Give a reason; it is kept in the candidacy's history.")
    if len(reason) > 1000:
        raise RuleViolation("reason", "At most 1000 characters.")
    return reason


def _check_open(round_: Round) -> None:
    candidacy = round_.candidacy
    if candidacy.is_closed:
        raise RuleViolation(
            "starts_at", f"The candidacy is {candidacy.state.title.lower()}; nothing to schedule."
        )
    if round_.state is RoundState.cancelled:
        raise RuleViolation("starts_at", "This round was cancelled.")


def _proposal(
    round_: Round,
    starts_at: datetime,
    ends_at: datetime,
    panel: list[tuple[User, Relationship]],
    exclude: int | None,
) -> conflicts.Proposal:
    return conflicts.Proposal(
        starts_at=starts_at,
        ends_at=ends_at,
        users=[u for u, _ in panel],
        candidate_id=round_.candidacy.candidate_id,
        candidacy_id=round_.candidacy_id,
        exclude_interview_id=exclude,
    )


def _review(
    proposal: conflicts.Proposal, *, blocking: bool = True, users_locked: bool = False
) -> list[dict[str, Any]]:
    """The proposal's advisory warnings; with ``blocking``, the people are locked first and a
    blocking conflict is refused (one statement reads both, :func:`conflicts.review`)."""
    if blocking:
        conflicts.lock_people(
            [u.id for u in proposal.users], proposal.candidate_id, users_locked=users_locked
        )
    found, warnings = conflicts.review(proposal, blocking=blocking)
    if found:
        raise Conflict(
            "That time clashes: " + " ".join(c["detail"] for c in found), found, field="starts_at"
        )
    return warnings


# --- interviews ----------------------------------------------------------------------------------


def schedule_interview(
    round_: Round,
    *,
    actor: User | None,
    starts_at: datetime,
    duration_minutes: int,
    time_zone: str,
    panel: Sequence[Seat],
    location: str = "",
    video_url: str = "",
    override_relationships: bool = False,
    override_reason: str | None = None,
    record_past: bool = False,
    scheduled_by: User | None = None,
    title: str = "",
) -> InterviewChange:
    """Book an interview in a round, after every rule and conflict check.

    ``actor`` is None when the candidate books (self-scheduling); ``scheduled_by`` then names the
    recruiter who offered the round (told when assessments are late). ``title`` names a session
    of an interview day ("System design"); a round's single interview goes without.
    """
    _check_open(round_)
    title = (title or "").strip()
    if len(title) > 200:
        raise RuleViolation("title", "At most 200 characters.")
    zone_name = _zone_name(time_zone)
    length = _duration(duration_minutes)
    start = _start(starts_at, record_past)
    location, video_url = _place(location, video_url)
    # The panel is locked as it is read (one statement less); the candidate after it.
    seats = _panel(panel, lock=True)
    override_note, warnings = _check_relationships(
        round_, seats, override_relationships, override_reason
    )
    proposal = _proposal(round_, start, start + length, seats, None)
    warnings += _review(proposal, users_locked=True)

    interview = Interview(
        round=round_,
        candidate_id=round_.candidacy.candidate_id,
        starts_at=start,
        ends_at=start + length,
        time_zone=zone_name,
        location=location,
        video_url=video_url,
        state=InterviewState.scheduled,
        sequence=0,
        is_recorded_past=record_past,
        relationships_override_reason=override_note,
        scheduled_by_id=(scheduled_by or actor).id if (scheduled_by or actor) else None,
        title=title,
    )
    for user, relationship in seats:
        interview.panel.append(
            PanelMember(
                user=user,
                user_id=user.id,
                relationship=relationship,
                starts_at=start,
                ends_at=start + length,
            )
        )
    db.session.add(interview)
    db.session.flush()
    # Inserted at once: no later flush has to write an object nothing reads.
    record_now(
        actor,
        "interview.scheduled",
        interview,
        candidacy_id=round_.candidacy_id,
        round=round_.title,
        title=title or None,
        starts_at=start.isoformat(),
        duration_minutes=duration_minutes,
        panel=[{"user_id": u.id, "relationship": r.value} for u, r in seats],
        override=override_note,
        recorded_past=record_past,
        booked_by="recruiter" if actor is not None else "candidate",
    )
    change = InterviewChange(
        interview=interview, warnings=warnings, added_user_ids=[u.id for u, _ in seats],
        booked=True,
    )
    interview_scheduled.send(interview, actor=actor, change=change)
    return change


def reschedule_interview(
    interview: Interview,
    *,
    actor: User | None,
    reason: str,
    starts_at: datetime | None = None,
    duration_minutes: int | None = None,
    time_zone: str | None = None,
    location: str | None = None,
    video_url: str | None = None,
    panel: Sequence[Seat] | None = None,
    override_relationships: bool = False,
    override_reason: str | None = None,
) -> InterviewChange:
    """Move an interview, change its place or replace its panel; every rule runs again."""
    if interview.is_cancelled:
        raise RuleViolation("starts_at", "This interview was cancelled; schedule a new one.")
    round_ = interview.round
    _check_open(round_)
    reason = _reason(reason)
    if interview.ends_at <= utcnow() and (starts_at is not None or duration_minutes is not None):
        raise RuleViolation("starts_at", "This interview already took place.")
    new_start = _start(starts_at, False) if starts_at is not None else interview.starts_at
    new_length = (
        _duration(duration_minutes)
        if duration_minutes is not None
        else interview.ends_at - interview.starts_at
    )
    zone_name = _zone_name(time_zone) if time_zone is not None else interview.time_zone
    new_location, new_video = _place(
        location if location is not None else interview.location,
        video_url if video_url is not None else interview.video_url,
    )
    current = [(m.user, m.relationship) for m in interview.panel]
    seats = _panel(panel) if panel is not None else current
    new_end = new_start + new_length

    time_changed = (new_start, new_end) != (interview.starts_at, interview.ends_at)
    place_changed = (new_location, new_video) != (interview.location, interview.video_url)
    before = {u.id: r for u, r in current}
    after = {u.id: r for u, r in seats}
    panel_changed = before != after
    zone_changed = zone_name != interview.time_zone
    if not (time_changed or place_changed or panel_changed or zone_changed):
        raise RuleViolation("starts_at", "Nothing changed: give a new time, place or panel.")

    warnings: list[dict[str, Any]] = []
    override_note = interview.relationships_override_reason
    if panel_changed:
        override_note, warnings = _check_relationships(
            round_, seats, override_relationships, override_reason
        )
    proposal = _proposal(round_, new_start, new_end, seats, interview.id)
    warnings += _review(proposal, blocking=time_changed or panel_changed)

    previous = {
        "starts_at": interview.starts_at.isoformat(),
        "ends_at": interview.ends_at.isoformat(),
        "location": interview.location,
        "video_url": interview.video_url,
        "panel": [{"user_id": k, "relationship": v.value} for k, v in before.items()],
    }
    snapshot = InterviewSnapshot(
        interview.starts_at,
        interview.ends_at,
        interview.location,
        interview.video_url,
        tuple(u for u, _ in current),
    )
    interview.starts_at, interview.ends_at = new_start, new_end
    interview.time_zone = zone_name
    interview.location, interview.video_url = new_location, new_video
    interview.relationships_override_reason = override_note
    removed = [uid for uid in before if uid not in after]
    added = [uid for uid in after if uid not in before]
    removed_users = [m.user for m in interview.panel if m.user_id in removed]
    for member in list(interview.panel):
        if member.user_id in removed:
            interview.panel.remove(member)
        else:
            member.relationship = after[member.user_id]
            member.starts_at, member.ends_at = new_start, new_end
    users = {u.id: u for u, _ in seats}
    for uid in added:
        interview.panel.append(
            PanelMember(
                user=users[uid],
                user_id=uid,
                relationship=after[uid],
                starts_at=new_start,
                ends_at=new_end,
            )
        )
    if time_changed or place_changed or panel_changed:
        interview.sequence += 1
    db.session.flush()
    record(
        actor,
        "interview.rescheduled",
        interview,
        candidacy_id=round_.candidacy_id,
        reason=reason,
        previous=previous,
        starts_at=new_start.isoformat(),
        ends_at=new_end.isoformat(),
        location=new_location,
        video_url=new_video,
        added=added,
        removed=removed,
        override=override_note if panel_changed else None,
    )
    change = InterviewChange(
        interview=interview,
        warnings=warnings,
        added_user_ids=added,
        removed_user_ids=removed,
        kept_user_ids=[uid for uid in after if uid in before],
        time_changed=time_changed,
        place_changed=place_changed,
        panel_changed=panel_changed,
        previous=snapshot,
    )
    interview_rescheduled.send(interview, actor=actor, change=change, removed_users=removed_users)
    return change


def cancel_interview(interview: Interview, *, actor: User, reason: str) -> InterviewChange:
    if interview.is_cancelled:
        raise Conflict(
            "This interview is already cancelled.",
            [{"kind": "already_cancelled", "detail": "nothing to cancel"}],
        )
    reason = _reason(reason)
    interview.state = InterviewState.cancelled
    interview.cancelled_at = utcnow()
    interview.cancel_reason = reason
    interview.sequence += 1
    for member in interview.panel:
        member.is_active = False
    db.session.flush()
    record(
        actor,
        "interview.cancelled",
        interview,
        candidacy_id=interview.round.candidacy_id,
        reason=reason,
    )
    change = InterviewChange(
        interview=interview, kept_user_ids=[m.user_id for m in interview.panel], cancelled=True
    )
    interview_cancelled.send(interview, actor=actor, change=change, reason=reason)
    return change


def planned_round_in_use(planned_round: PlannedRound) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.literal(True)).where(Round.planned_round_id == planned_round.id).limit(1)
        )
        is True
    )


def _with_reason(text: str) -> Callable[[Any], str]:
    """A history line that ends with the event's reason, when one was given."""

    def describe(event: Any) -> str:
        reason = (event.details or {}).get("reason")
        return f"{text}: {reason}" if reason else text

    return describe


def register() -> None:
    """Tell the jobs domain that a planned round with rounds may not be removed; say in
    candidacy histories why an interview was moved or cancelled."""
    from coordinator.audit.history import DESCRIPTIONS
    from coordinator.jobs import operations as job_operations

    if planned_round_in_use not in job_operations.IN_USE_CHECKS:
        job_operations.IN_USE_CHECKS.append(planned_round_in_use)
    DESCRIPTIONS.setdefault("interview.rescheduled", _with_reason("Interview rescheduled"))
    DESCRIPTIONS.setdefault("interview.cancelled", _with_reason("Interview cancelled"))
