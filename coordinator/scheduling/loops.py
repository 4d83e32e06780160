"""Interview days (loops): several sessions back to back, found and booked together.

The finder reuses the slot finder's grid (:mod:`coordinator.scheduling.slots`): each session gets
a bitmask of the start times at which its required interviewers, at least ``k`` of its pool and
the candidate are free for the session's length. With the grid step dividing every duration and
the break, session *i* of a day starting at grid point *j* starts at grid point ``j + shift_i``;
so the possible day starts are the AND of each session's mask shifted right by its offset. One
pass per person over their busy time (as for single slots), then a few big-integer operations per
session order: the cost grows linearly with the busy time.

Booking goes through :func:`coordinator.scheduling.operations.schedule_interview` for each
session (every rule, conflict check and invite of a single booking applies), in one transaction
that the door commits only when every session was booked; the candidate also gets one itinerary
listing the day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise, permutations
from typing import Any
from zoneinfo import ZoneInfo

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.invites import operations as invites
from coordinator.mail import messages, outbox
from coordinator.message_templates.operations import render_mail
from coordinator.scheduling import operations, slots
from coordinator.scheduling.models import Round
from coordinator.timeutil import ensure_aware, format_local, is_valid_zone, to_zone
from coordinator.urls import mail_domain

MAX_SESSIONS = 6
#: A session may not be longer than a working day; a whole day at most this long.
MAX_SESSION_MINUTES = 480
MAX_DAY = timedelta(hours=12)
MAX_BREAK_MINUTES = 240
#: Days start on these boundaries (minutes).
START_EVERY_MINUTES = 30
#: Another order than the recruiter's costs this much score (the given order wins ties).
REORDER_PENALTY = 0.5


# --- the finder (pure) ---------------------------------------------------------------------------


@dataclass
class SessionNeed:
    """One session of a day: how long, who must be there, and k of which pool."""

    title: str
    duration: timedelta
    required: Sequence[slots.PersonCalendar] = ()
    pool: Sequence[slots.PersonCalendar] = ()
    pool_size: int = 0


@dataclass
class LoopRequest:
    starts_after: datetime
    ends_before: datetime
    sessions: Sequence[SessionNeed]
    break_: timedelta = timedelta(0)
    allow_reorder: bool = False
    start_every: timedelta = timedelta(minutes=START_EVERY_MINUTES)
    candidate_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    candidate_busy: Sequence[tuple[datetime, datetime]] = ()
    candidate_windows: Sequence[tuple[datetime, datetime]] | None = None
    limit: int = 10


@dataclass(frozen=True)
class PlannedSession:
    index: int  # position in the request's list of sessions
    title: str
    starts_at: datetime
    ends_at: datetime
    interviewer_ids: tuple[int, ...]


@dataclass(frozen=True)
class LoopDay:
    starts_at: datetime
    ends_at: datetime
    sessions: tuple[PlannedSession, ...]
    score: float

    @property
    def gaps(self) -> int:
        """Waits between sessions longer than the break asked for (back to back: none)."""
        return 0


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


@dataclass
class _Session:
    need: SessionNeed
    grid: slots.Grid
    mask: int
    pool_masks: list[tuple[slots.PersonCalendar, int]]


def _at_least(masks: Sequence[int], k: int, full: int) -> int:
    """Bits set in at least ``k`` of ``masks`` (k ≤ len(masks))."""
    counts = [full] + [0] * k  # counts[j]: bits set in at least j of the masks seen so far
    for mask in masks:
        for j in range(k, 0, -1):
            counts[j] |= counts[j - 1] & mask
    return counts[k]


def _prepare(request: LoopRequest, need: SessionNeed, step: timedelta) -> _Session:
    slot_request = slots.SlotRequest(
        starts_after=request.starts_after,
        ends_before=request.ends_before,
        duration=need.duration,
        required=need.required,
        pool=need.pool,
        pool_size=need.pool_size,
        granularity=step,
    )
    grid = slots.Grid(slot_request)
    mask = grid.full & ~grid.blocked_by(request.candidate_busy)
    if request.candidate_windows is not None:
        windows = 0
        for begin, end in request.candidate_windows:
            windows |= grid.inside(begin, end)
        mask &= windows
    for person in need.required:
        if mask:
            mask &= slots.free_mask(grid, person, timedelta(0))
    pool_masks: list[tuple[slots.PersonCalendar, int]] = []
    if need.pool_size and mask:
        pool_masks = [(p, slots.free_mask(grid, p, timedelta(0))) for p in need.pool]
        mask &= _at_least([m for _, m in pool_masks], need.pool_size, grid.full)
    return _Session(need, grid, mask, pool_masks)


def _aligned(grid: slots.Grid, step_s: float, every_s: float, size: int) -> int:
    """Grid points on whole ``every`` boundaries (counted from the grid's epoch)."""
    epoch = datetime(2000, 1, 3, tzinfo=UTC)
    ratio = round(every_s / step_s)
    origin_steps = round((grid.origin - epoch).total_seconds() / step_s)
    first = (-origin_steps) % ratio
    if first >= size:
        return 0
    count = (size - 1 - first) // ratio + 1
    pattern = int(("0" * (ratio - 1) + "1") * count, 2)  # lowest bit of each group set
    return pattern << first


def _choose_pool(session: _Session, index: int, start: datetime) -> list[slots.PersonCalendar]:
    need = session.need
    if not need.pool_size:
        return []
    free = [p for p, m in session.pool_masks if m >> index & 1]
    return sorted(free, key=lambda p: (slots._load(p, start), p.user_id))[: need.pool_size]


def find_loops(request: LoopRequest) -> list[LoopDay]:
    """Days on which every session fits back to back (in the order given, or in any order when
    ``allow_reorder``), one proposal per day in the candidate's zone, best first."""
    if request.ends_before - request.starts_after > slots.MAX_RANGE:
        raise ValueError("range too long")
    if not request.sessions:
        return []
    minutes = [_minutes(s.duration) for s in request.sessions]
    every = _minutes(request.start_every)
    step_minutes = math.gcd(every, _minutes(request.break_), *minutes) or 1
    step = timedelta(minutes=step_minutes)
    prepared = [_prepare(request, need, step) for need in request.sessions]
    if any(not s.mask for s in prepared):
        return []
    grid = prepared[0].grid  # every session's grid has the same origin and step
    starts = _aligned(grid, step.total_seconds(), request.start_every.total_seconds(),
                      max(s.grid.size for s in prepared))
    identity = tuple(range(len(prepared)))
    orders = permutations(identity) if request.allow_reorder else [identity]
    gap = _minutes(request.break_) // step_minutes
    length = timedelta(minutes=sum(minutes) + _minutes(request.break_) * (len(minutes) - 1))
    # Each possible start's day and the score terms that do not depend on the order (the day
    # lasts as long in any order), once; then per order and day, the best start it allows.
    by_day: dict[date, list[tuple[float, int]]] = {}
    remaining = starts
    while remaining:
        low = remaining & -remaining
        remaining ^= low
        index = low.bit_length() - 1
        key, score = _first_look(grid.at(index), length, request)
        by_day.setdefault(key, []).append((score, index))
    day_masks: dict[date, int] = {}
    for key, found in by_day.items():
        found.sort(key=lambda item: (-item[0], item[1]))
        day_masks[key] = sum(1 << index for _, index in found)
    best: dict[date, tuple[float, int, tuple[int, ...], tuple[int, ...]]] = {}
    for order in orders:
        shifts: list[int] = []
        offset = 0
        combined = starts
        for position in order:
            shifts.append(offset)
            combined &= prepared[position].mask >> offset
            offset += minutes[position] // step_minutes + gap
        if not combined:
            continue
        penalty = 0.0 if order == identity else REORDER_PENALTY
        for key, mask in day_masks.items():
            if not combined & mask:
                continue
            score, index = next(item for item in by_day[key] if combined >> item[1] & 1)
            kept = best.get(key)
            if kept is None or (score - penalty, -index) > (kept[0], -kept[1]):
                best[key] = (score - penalty, index, order, tuple(shifts))
    days = []
    for _score, index, order, shifts in best.values():
        day = _day(grid.at(index), request, order, shifts, prepared)
        if order != identity:
            day = LoopDay(day.starts_at, day.ends_at, day.sessions,
                          round(day.score - REORDER_PENALTY, 2))
        days.append(day)
    days.sort(key=lambda d: (-d.score, d.starts_at))
    return days[: request.limit]


def _first_look(start: datetime, length: timedelta, request: LoopRequest) -> tuple[date, float]:
    """The candidate's local day of a start, and its score before the panel's load."""
    span = max((request.ends_before - request.starts_after).total_seconds(), 1.0)
    earliness = (start - request.starts_after).total_seconds() / span
    hours = slots._hour_penalty(start, request.candidate_zone, slots.CANDIDATE_DAY) + \
        slots._hour_penalty(start + length, request.candidate_zone, slots.CANDIDATE_DAY)
    return start.astimezone(request.candidate_zone).date(), 100 - 30 * earliness - 10 * hours


def _day(start: datetime, request: LoopRequest, order: Sequence[int], shifts: Sequence[int],
         prepared: Sequence[_Session]) -> LoopDay:
    planned: list[PlannedSession] = []
    load = 0
    people = 0
    for position, shift in zip(order, shifts, strict=True):
        session = prepared[position]
        index = round((start - session.grid.origin).total_seconds() / session.grid.step_s) + shift
        begins = session.grid.at(index)
        chosen = [*session.need.required, *_choose_pool(session, index, begins)]
        load += sum(slots._load(p, begins) for p in chosen)
        people += len(chosen)
        planned.append(PlannedSession(position, session.need.title, begins,
                                      begins + session.need.duration,
                                      tuple(p.user_id for p in chosen)))
    ends = planned[-1].ends_at
    _key, score = _first_look(start, ends - start, request)
    score = round(score - 8 * load / max(people, 1), 2)
    return LoopDay(start, ends, tuple(planned), score)


# --- suggestions from the database ---------------------------------------------------------------


@dataclass
class SessionSpec:
    """A session as the recruiter describes it."""

    title: str
    duration_minutes: int
    required: Sequence[User] = ()
    pool: Sequence[User] = ()
    pool_size: int = 0


def _check_specs(sessions: Sequence[SessionSpec], break_minutes: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def fail(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not sessions:
        fail("sessions", "Add at least one session.")
    if len(sessions) > MAX_SESSIONS:
        fail("sessions", f"At most {MAX_SESSIONS} sessions in one day.")
    if not 0 <= break_minutes <= MAX_BREAK_MINUTES or break_minutes % 5:
        fail("break_minutes", f"Between 0 and {MAX_BREAK_MINUTES} minutes, in steps of 5.")
    for i, spec in enumerate(sessions):
        title = spec.title.strip()
        if not title:
            fail(f"sessions.{i}.title", "Give the session a title.")
        elif len(title) > 200:
            fail(f"sessions.{i}.title", "At most 200 characters.")
        if spec.duration_minutes > MAX_SESSION_MINUTES:
            fail(f"sessions.{i}.duration_minutes",
                 "Longer than a working day: at most 8 hours (480 minutes).")
        elif spec.duration_minutes < operations.MIN_DURATION or spec.duration_minutes % 5:
            fail(f"sessions.{i}.duration_minutes", "At least 5 minutes, in steps of 5.")
        if spec.pool_size < 0:
            fail(f"sessions.{i}.pool_size", "Zero or more.")
        elif spec.pool_size and not spec.pool:
            fail(f"sessions.{i}.pool_ids", "The pool is empty: name the people to pick from.")
        elif spec.pool_size > len(spec.pool):
            fail(f"sessions.{i}.pool_size",
                 f"Larger than the pool: pick at most {len(spec.pool)}.")
        if not spec.required and not spec.pool_size:
            fail(f"sessions.{i}.interviewer_ids",
                 "Name at least one interviewer, or a pool and how many of it.")
        if {u.id for u in spec.required} & {u.id for u in spec.pool}:
            fail(f"sessions.{i}.pool_ids", "Someone is both required and in the pool.")
    total = sum(s.duration_minutes for s in sessions) + break_minutes * max(len(sessions) - 1, 0)
    if sessions and total > _minutes(MAX_DAY) and "sessions" not in errors:
        fail("sessions", "The sessions and breaks together last more than 12 hours.")
    return errors


def suggest_loops(
    round_: Round,
    *,
    sessions: Sequence[SessionSpec],
    break_minutes: int,
    starts_after: datetime,
    ends_before: datetime,
    allow_reorder: bool = False,
    limit: int = 10,
) -> list[LoopDay]:
    """Days for a round's loop, from what the database knows, best first."""
    errors = _check_specs(sessions, break_minutes)
    if errors:
        raise RuleViolation.many(errors)
    starts_after, ends_before = slots.search_range(starts_after, ends_before)
    candidacy = round_.candidacy
    people = {u.id: u for spec in sessions for u in (*spec.required, *spec.pool)}
    calendars = slots.load_calendars(list(people.values()), starts_after, ends_before)
    candidate_busy, windows = slots.candidate_constraints(candidacy, starts_after, ends_before)
    zone_name = candidacy.candidate.time_zone
    request = LoopRequest(
        starts_after=starts_after,
        ends_before=ends_before,
        sessions=[
            SessionNeed(
                title=spec.title.strip(),
                duration=timedelta(minutes=spec.duration_minutes),
                required=[calendars[u.id] for u in spec.required],
                pool=[calendars[u.id] for u in spec.pool],
                pool_size=spec.pool_size,
            )
            for spec in sessions
        ],
        break_=timedelta(minutes=break_minutes),
        allow_reorder=allow_reorder,
        candidate_zone=ZoneInfo(zone_name if is_valid_zone(zone_name) else "UTC"),
        candidate_busy=candidate_busy,
        candidate_windows=windows,
        limit=limit,
    )
    return find_loops(request)


# --- booking -------------------------------------------------------------------------------------


@dataclass
class LoopSession:
    """A session to book: its title, time and panel."""

    title: str
    starts_at: datetime
    duration_minutes: int
    panel: Sequence[operations.Seat]


@dataclass
class LoopBooking:
    changes: list[operations.InterviewChange]
    itinerary_id: int | None


def _check_sessions(sessions: Sequence[LoopSession]) -> list[tuple[str, datetime, datetime]]:
    if not sessions:
        raise RuleViolation("sessions", "Add at least one session.")
    if len(sessions) > MAX_SESSIONS:
        raise RuleViolation("sessions", f"At most {MAX_SESSIONS} sessions in one day.")
    timed: list[tuple[str, datetime, datetime]] = []
    for i, session in enumerate(sessions):
        title = session.title.strip()
        if not title or len(title) > 200:
            raise RuleViolation(f"sessions.{i}.title", "Give a title of 1 to 200 characters.")
        start = ensure_aware(session.starts_at, f"sessions.{i}.starts_at")
        minutes = session.duration_minutes
        if minutes > MAX_SESSION_MINUTES:
            raise RuleViolation(f"sessions.{i}.duration_minutes",
                                "Longer than a working day: at most 8 hours (480 minutes).")
        timed.append((title, start, start + timedelta(minutes=max(minutes, 0))))
    ordered = sorted(range(len(timed)), key=lambda i: timed[i][1])
    for before, after in pairwise(ordered):
        if timed[after][1] < timed[before][2]:
            later = max(before, after)
            other = min(before, after)
            raise RuleViolation(
                f"sessions.{later}.starts_at",
                f"“{timed[later][0]}” overlaps “{timed[other][0]}” (session {other + 1}).",
            )
    if max(t[2] for t in timed) - min(t[1] for t in timed) > MAX_DAY:
        raise RuleViolation("sessions", "A day's sessions must lie within 12 hours.")
    return timed


def _prefixed(err: RuleViolation, index: int) -> RuleViolation:
    errors = {f"sessions.{index}.{name}": messages_
              for name, messages_ in err.errors.items()}
    return RuleViolation.many(errors)


def book_loop(
    round_: Round,
    *,
    actor: User,
    time_zone: str,
    sessions: Sequence[LoopSession],
    location: str = "",
    video_url: str = "",
    override_relationships: bool = False,
    override_reason: str | None = None,
) -> LoopBooking:
    """Book every session of a day as its own interview, or none (the caller commits only when
    this returns; any error leaves the transaction to be rolled back).

    The plan's relationships are checked over the whole day: together the sessions must seat
    what the round's plan asks for (or the recruiter overrides with a reason).
    """
    timed = _check_sessions(sessions)
    day_relationships: dict[int, Any] = {}
    for i, session in enumerate(sessions):
        try:
            panel = operations._panel(session.panel)
        except RuleViolation as err:
            raise _prefixed(err, i) from err
        for user, relationship in panel:
            day_relationships.setdefault(user.id, relationship)
    missing, _surplus = operations.relationship_gaps(
        round_.planned_round, list(day_relationships.values())
    )
    if missing and not override_relationships:
        text = ", ".join(r.title.lower() for r in missing)
        raise Conflict(
            f"The plan asks for a day that seats: {text}.",
            [{"kind": "relationships", "detail": f"Missing over the day: {text}.",
              "missing": [r.value for r in missing]}],
            field="sessions",
        )
    titles = ", ".join(t for t, _, _ in timed)
    note = (
        (override_reason or "").strip()
        if missing
        else f"the day's sessions together seat the plan ({titles})"
    )
    changes: list[operations.InterviewChange] = []
    for i, session in enumerate(sessions):
        try:
            change = operations.schedule_interview(
                round_, actor=actor, starts_at=session.starts_at,
                duration_minutes=session.duration_minutes, time_zone=time_zone,
                panel=session.panel, location=location, video_url=video_url,
                override_relationships=True, override_reason=note or None,
                title=timed[i][0],
            )
        except Conflict as err:
            title = timed[i][0]
            raise Conflict(
                f"Session {i + 1} (“{title}”) clashes; nothing was booked. {err.message}",
                [{**c, "session": i, "session_title": title} for c in err.conflicts],
                field=f"sessions.{i}.{err.field or 'starts_at'}",
            ) from err
        except RuleViolation as err:
            if err.field in {"time_zone", "location", "video_url", "reason"}:
                raise
            raise _prefixed(err, i) from err
        changes.append(change)
    record(actor, "loop.booked", round_, candidacy_id=round_.candidacy_id,
           interview_ids=[c.interview.id for c in changes],
           sessions=[{"title": t, "starts_at": s.isoformat()} for t, s, _ in timed])
    row = send_itinerary(round_, [(t, c.interview) for (t, _, _), c in zip(timed, changes,
                                                                          strict=True)])
    return LoopBooking(changes, row)


# --- the itinerary -------------------------------------------------------------------------------


def itinerary_context(round_: Round, sessions: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """What the candidate's itinerary says: sessions in time order, breaks between them."""
    candidacy = round_.candidacy
    zone = candidacy.candidate.time_zone
    if not is_valid_zone(zone):
        zone = "UTC"
    ordered = sorted(sessions, key=lambda s: s[1].starts_at)
    items: list[dict[str, Any]] = []
    previous_end: datetime | None = None
    for title, interview in ordered:
        if previous_end is not None and interview.starts_at > previous_end:
            items.append({"break": True,
                          "minutes": _minutes(interview.starts_at - previous_end),
                          "from": f"{to_zone(previous_end, zone):%H:%M}",
                          "until": f"{to_zone(interview.starts_at, zone):%H:%M}"})
        items.append({
            "break": False, "title": title,
            "from": f"{to_zone(interview.starts_at, zone):%H:%M}",
            "until": f"{to_zone(interview.ends_at, zone):%H:%M}",
            "people": [(m.user.name, m.user.job_title) for m in interview.panel],
        })
        previous_end = interview.ends_at
    first, last = ordered[0][1], ordered[-1][1]
    return {
        "candidate": candidacy.candidate, "job": candidacy.job, "round": round_,
        "company": invites.company_name(), "recruiter": invites.recruiter_of(first),
        "day": format_local(first.starts_at, zone, False).split(",")[0],
        "when": format_local(first.starts_at, zone),
        "until": format_local(last.ends_at, zone, False),
        "zone": zone, "items": items, "place": invites.place(first),
        "location": first.location, "video_url": first.video_url,
        "portal_url": invites.portal_url(candidacy),
    }


def send_itinerary(round_: Round, sessions: Sequence[tuple[str, Any]]) -> int | None:
    """Queue the candidate's one message listing the day (through the outbox)."""
    context = itinerary_context(round_, sessions)
    candidate = round_.candidacy.candidate
    sender = invites.organizer()
    first = sessions[0][1]
    parts = render_mail("loop_itinerary", context, subject=(
        f"Your interview day: {round_.candidacy.job.title} — {context['day']}"))
    message = messages.compose(
        sender=messages.address(sender.email, sender.name),
        recipient=messages.address(candidate.email, candidate.name),
        subject=parts.subject, text=parts.text, html=parts.html,
        domain=mail_domain(), reply_to=invites.candidate_reply_to(first),
    )
    row = outbox.enqueue(message, kind="loop.itinerary")
    db.session.flush()
    return row.id if row is not None else None
