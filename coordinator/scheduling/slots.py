"""Slot suggestions: times when every required interviewer, k of a pool and the candidate are free.

The finder works on a grid of start times (every ``granularity`` from the range start). Each
person's calendar becomes a bitmask over that grid — one Python integer, where bit *i* says the
slot starting at grid point *i* is possible for them — built from their working hours (allowed),
their busy time and interviews widened by the buffer (blocked), and their load limits (days and
weeks already full are blocked). Required people are AND-ed; pool members are counted per slot.
Cost: one pass over each person's busy intervals, in any order (a difference array over the grid,
no sort), so it grows linearly with the busy time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling.models import (
    BusyBlock,
    CandidateAvailability,
    Interview,
    InterviewState,
    PanelMember,
    WorkingHours,
)
from coordinator.timeutil import ensure_aware, is_valid_zone, utcnow
from coordinator.validation import check_not_too_far_ahead

#: Working hours assumed for someone who has not set any: Monday to Friday, 09:00–17:00 local.
DEFAULT_HOURS: tuple[tuple[int, int, int], ...] = tuple((d, 9 * 60, 17 * 60) for d in range(5))
#: The candidate's reasonable local hours, used to rank (not to filter).
CANDIDATE_DAY = (8 * 60, 19 * 60)
MAX_RANGE = timedelta(days=62)


@dataclass
class PersonCalendar:
    """What the finder knows of one person."""

    user_id: int
    zone: ZoneInfo
    busy: Sequence[tuple[datetime, datetime]] = ()
    #: (weekday 0=Monday, start minute, end minute) in the person's zone; empty → DEFAULT_HOURS
    working_hours: Sequence[tuple[int, int, int]] = ()
    day_limit: int | None = None
    week_limit: int | None = None
    #: Start instants of interviews already booked (they count toward limits and load).
    booked: Sequence[datetime] = ()
    #: Busy time as (start, end) seconds since the epoch: what :func:`load_calendars` reads the
    #: imported busy blocks into (thousands per person), so no datetime is built per row.
    busy_seconds: Sequence[tuple[float, float]] = ()

    def all_busy(self) -> list[tuple[datetime, datetime]]:
        """Every busy interval as aware UTC datetimes (``busy`` and ``busy_seconds`` together)."""
        return [
            *self.busy,
            *(
                (datetime.fromtimestamp(b, UTC), datetime.fromtimestamp(e, UTC))
                for b, e in self.busy_seconds
            ),
        ]


@dataclass
class SlotRequest:
    starts_after: datetime
    ends_before: datetime
    duration: timedelta
    required: Sequence[PersonCalendar]
    pool: Sequence[PersonCalendar] = ()
    pool_size: int = 0
    granularity: timedelta = timedelta(minutes=30)
    buffer: timedelta = timedelta(0)
    candidate_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    candidate_busy: Sequence[tuple[datetime, datetime]] = ()
    #: When given, slots must lie inside one of these windows.
    candidate_windows: Sequence[tuple[datetime, datetime]] | None = None
    limit: int = 20


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    interviewer_ids: tuple[int, ...]
    score: float


class Grid:
    """Start times ``origin + i * step`` for ``i < size`` whose slot ends within the range."""

    def __init__(self, request: SlotRequest) -> None:
        step = request.granularity
        self.step_s = step.total_seconds()
        epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday; aligns the grid to whole steps
        offset = (request.starts_after - epoch).total_seconds()
        self.origin = epoch + timedelta(seconds=math.ceil(offset / self.step_s) * self.step_s)
        self.duration_s = request.duration.total_seconds()
        span = (request.ends_before - self.origin).total_seconds() - self.duration_s
        self.size = max(0, math.floor(span / self.step_s) + 1)
        self.full = (1 << self.size) - 1

    def at(self, index: int) -> datetime:
        return self.origin + timedelta(seconds=index * self.step_s)

    def _range_mask(self, lo: int, hi: int) -> int:
        lo, hi = max(lo, 0), min(hi, self.size)
        return ((1 << (hi - lo)) - 1) << lo if hi > lo else 0

    def overlapping(self, begin: datetime, end: datetime, pad_s: float = 0.0) -> int:
        """Starts whose slot [t, t+duration) overlaps [begin - pad, end + pad)."""
        b = (begin - self.origin).total_seconds() - pad_s
        e = (end - self.origin).total_seconds() + pad_s
        lo = math.floor((b - self.duration_s) / self.step_s) + 1
        hi = math.ceil(e / self.step_s)
        return self._range_mask(lo, hi)

    def inside(self, begin: datetime, end: datetime) -> int:
        """Starts whose slot lies wholly inside [begin, end)."""
        b = (begin - self.origin).total_seconds()
        e = (end - self.origin).total_seconds() - self.duration_s
        return self._range_mask(math.ceil(b / self.step_s), math.floor(e / self.step_s) + 1)

    def starting(self, begin: datetime, end: datetime) -> int:
        """Starts t with begin <= t < end."""
        b = (begin - self.origin).total_seconds()
        e = (end - self.origin).total_seconds()
        return self._range_mask(math.ceil(b / self.step_s), math.ceil(e / self.step_s))

    def blocked_by(self, intervals: Iterable[tuple[datetime, datetime]], pad_s: float = 0.0) -> int:
        """Starts whose slot overlaps any interval widened by ``pad_s`` (as :meth:`overlapping`).

        One pass in any order, no sort: each interval adds +1 where its blocked run of starts
        begins and -1 where it ends (a difference array); the running sum is the mask.
        """
        return self.blocked_by_seconds(
            ((begin.timestamp(), end.timestamp()) for begin, end in intervals), pad_s
        )

    def blocked_by_seconds(
        self, intervals: Iterable[tuple[float, float]], pad_s: float = 0.0
    ) -> int:
        """:meth:`blocked_by` for intervals given as seconds since the epoch (what imported
        busy time comes as, thousands per person, so no datetime is built per interval)."""
        size, step = self.size, self.step_s
        origin = self.origin.timestamp()
        lead = origin + self.duration_s + pad_s
        trail = origin - pad_s
        floor, ceil = math.floor, math.ceil
        marks = [0] * (size + 1)
        for begin, end in intervals:
            lo = floor((begin - lead) / step) + 1
            hi = ceil((end - trail) / step)
            if lo < 0:
                lo = 0
            if hi > size:
                hi = size
            if lo < hi:
                marks[lo] += 1
                marks[hi] -= 1
        running = list(accumulate(marks[:size]))
        bits = "".join(["1" if count else "0" for count in reversed(running)])
        return int(bits, 2) if bits else 0


def _local_days(grid: Grid, zone: ZoneInfo) -> list[date]:
    first = grid.origin.astimezone(zone).date() - timedelta(days=1)
    last = grid.at(max(grid.size - 1, 0)).astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Wall-clock ``minute`` minutes after local midnight of ``day`` (up to 1440), in UTC."""
    day += timedelta(days=minute // 1440)
    minute %= 1440
    return datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone
    ).astimezone(UTC)


def _allowed(grid: Grid, person: PersonCalendar) -> int:
    hours = person.working_hours or DEFAULT_HOURS
    mask = 0
    for day in _local_days(grid, person.zone):
        for weekday, start, end in hours:
            if weekday == day.weekday():
                mask |= grid.inside(_local(day, start, person.zone), _local(day, end, person.zone))
    return mask


def _limit_mask(grid: Grid, person: PersonCalendar) -> int:
    """Starts on local days or ISO weeks where the person already reached a limit."""
    if person.day_limit is None and person.week_limit is None:
        return 0
    per_day: dict[date, int] = {}
    per_week: dict[tuple[int, int], int] = {}
    for start in person.booked:
        day = start.astimezone(person.zone).date()
        per_day[day] = per_day.get(day, 0) + 1
        week = day.isocalendar()[:2]
        per_week[week] = per_week.get(week, 0) + 1
    mask = 0
    for day in _local_days(grid, person.zone):
        full_day = person.day_limit is not None and per_day.get(day, 0) >= person.day_limit
        full_week = (
            person.week_limit is not None
            and per_week.get(day.isocalendar()[:2], 0) >= person.week_limit
        )
        if full_day or full_week:
            # Slots that start that local day (one at the next midnight is the next day's).
            mask |= grid.starting(
                _local(day, 0, person.zone), _local(day + timedelta(days=1), 0, person.zone)
            )
    return mask


def free_mask(grid: Grid, person: PersonCalendar, buffer: timedelta) -> int:
    pad = buffer.total_seconds()
    return (
        _allowed(grid, person)
        & ~grid.blocked_by(person.busy, pad)
        & ~grid.blocked_by_seconds(person.busy_seconds, pad)
        & ~_limit_mask(grid, person)
        & grid.full
    )


def _load(person: PersonCalendar, day_of: datetime) -> int:
    day = day_of.astimezone(person.zone).date()
    return sum(1 for start in person.booked if start.astimezone(person.zone).date() == day)


def _week_load(person: PersonCalendar, day_of: datetime) -> int:
    week = day_of.astimezone(person.zone).isocalendar()[:2]
    zone = person.zone
    return sum(1 for start in person.booked if start.astimezone(zone).isocalendar()[:2] == week)


def _hour_penalty(instant: datetime, zone: ZoneInfo, day: tuple[int, int]) -> float:
    local = instant.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if minute < day[0]:
        return (day[0] - minute) / 60
    if minute > day[1]:
        return (minute - day[1]) / 60
    return 0.0


def find_slots(request: SlotRequest) -> list[Slot]:
    """Possible slots, best first (higher score is better)."""
    if request.ends_before - request.starts_after > MAX_RANGE:
        raise ValueError("range too long")
    grid = Grid(request)
    if grid.size == 0:
        return []
    mask = grid.full & ~grid.blocked_by(request.candidate_busy, request.buffer.total_seconds())
    if request.candidate_windows is not None:
        windows = 0
        for begin, end in request.candidate_windows:
            windows |= grid.inside(begin, end)
        mask &= windows
    for person in request.required:
        mask &= free_mask(grid, person, request.buffer)
        if not mask:
            return []
    pool_masks = [(person, free_mask(grid, person, request.buffer)) for person in request.pool]
    k = request.pool_size if request.pool else 0

    slots: list[Slot] = []
    index = 0
    remaining = mask
    while remaining:
        low = remaining & -remaining
        index = low.bit_length() - 1
        remaining ^= low
        start = grid.at(index)
        chosen: list[PersonCalendar] = []
        if k:
            free_pool = [p for p, m in pool_masks if m >> index & 1]
            if len(free_pool) < k:
                continue
            # Balance load: fewest interviews that week first, then that day.
            chosen = sorted(
                free_pool, key=lambda p: (_week_load(p, start), _load(p, start), p.user_id)
            )[:k]
        people = [*request.required, *chosen]
        load = sum(_load(p, start) for p in people)
        hours = _hour_penalty(start, request.candidate_zone, CANDIDATE_DAY)
        earliness = index / max(grid.size, 1)
        score = round(100 - 30 * earliness - 8 * load / max(len(people), 1) - 10 * hours, 2)
        slots.append(Slot(start, start + request.duration, tuple(p.user_id for p in people), score))
    slots.sort(key=lambda s: (-s.score, s.starts_at))
    return slots[: request.limit]


# --- loading calendars from the database ---------------------------------------------------------


class epoch_seconds(sa.sql.functions.FunctionElement[float]):
    """A UTC timestamp column as seconds since the epoch, computed by the database.

    Reading thousands of busy blocks as plain numbers skips building (and re-zoning) two
    datetime objects per row; the finder only needs the numbers. SQLite may give whole
    seconds, rounded down (use :class:`epoch_seconds_up` for ends): the finder's grid is whole
    seconds, so a busy block blocks exactly the same starts as with its exact instants.
    """

    type = sa.Float()
    inherit_cache = True


class epoch_seconds_up(epoch_seconds):
    """:class:`epoch_seconds`, rounded up on SQLite (for the end of an interval)."""

    inherit_cache = True


#: SQLite computes ``unixepoch()`` (3.38 and later) faster than ``julianday()``.
_UNIXEPOCH = (3, 38)


def _sqlite(element: epoch_seconds, compiler: SQLCompiler, up: bool, **kw: object) -> str:
    column = compiler.process(element.clauses, **kw)
    version = getattr(compiler.dialect, "server_version_info", None) or (0,)
    if tuple(version) >= _UNIXEPOCH:
        # Stored as naive UTC text; adding 0.999 s before truncating rounds a fraction up.
        return f"unixepoch({column}, '+0.999 seconds')" if up else f"unixepoch({column})"
    # julianday() is the day number of SQLite's internal whole milliseconds, so rounding it back
    # to milliseconds is exact (210866760000000 ms is 1970).
    return f"((round(julianday({column}) * 86400000.0) - 210866760000000) / 1000.0)"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: object) -> str:
    return _sqlite(element, compiler, False, **kw)


@compiles(epoch_seconds_up, "sqlite")
def _epoch_seconds_up_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: object) -> str:
    return _sqlite(element, compiler, True, **kw)


@compiles(epoch_seconds)
def _epoch_seconds_default(element: epoch_seconds, compiler: SQLCompiler, **kw: object) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS DOUBLE PRECISION)"


def _busy_seconds(
    ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple[float, float]]]:
    """Imported busy time of these people touching [start - 1 day, end + 1 day), as epoch
    seconds: for each person one range query on the covering index, whose rows — the driver's
    own (begin, end) tuples, nothing for SQLAlchemy to convert — are that person's list as is.

    (One statement per person of the request, not per row: its cost is the rows, and a single
    statement for everyone would need a person column and a Python pass to split them.)
    """
    statement = sa.select(
        epoch_seconds(BusyBlock.starts_at), epoch_seconds_up(BusyBlock.ends_at)
    ).where(
        BusyBlock.user_id == sa.bindparam("user_id"),
        BusyBlock.starts_at < end + timedelta(days=1),
        BusyBlock.ends_at > start - timedelta(days=1),
    )
    connection = db.session.connection()
    found: dict[int, list[tuple[float, float]]] = {}
    for user_id in dict.fromkeys(ids):
        result = connection.execute(statement, {"user_id": user_id})
        found[user_id] = result.cursor.fetchall()
        result.close()
    return found


def load_calendars(
    users: Sequence[User], start: datetime, end: datetime, exclude_interview_id: int | None = None
) -> dict[int, PersonCalendar]:
    """Each user's calendar over [start, end): interviews, imported busy time, hours, limits.

    Two queries for everyone plus one per person for busy time (see :func:`_busy_seconds`),
    whatever their calendars hold. Booked interviews are loaded over whole weeks
    around the range so that load limits see every interview of a week the range touches.
    """
    ids = [u.id for u in users]
    wide_start, wide_end = start - timedelta(days=8), end + timedelta(days=8)
    # Core, not the ORM: plain rows, no ORM bookkeeping per statement.
    connection = db.session.connection()
    interviews = connection.execute(
        sa.select(PanelMember.user_id, PanelMember.starts_at, PanelMember.ends_at).where(
            PanelMember.user_id.in_(ids),
            PanelMember.is_active.is_(True),
            PanelMember.starts_at >= wide_start,
            PanelMember.starts_at < wide_end,
            PanelMember.interview_id != (exclude_interview_id or -1),
        )
    ).all()
    busy = _busy_seconds(ids, start, end)
    hours = connection.execute(
        sa.select(
            WorkingHours.user_id,
            WorkingHours.weekday,
            WorkingHours.start_minute,
            WorkingHours.end_minute,
        ).where(WorkingHours.user_id.in_(ids))
    ).all()
    calendars = {
        u.id: PersonCalendar(
            user_id=u.id,
            zone=ZoneInfo(u.time_zone if is_valid_zone(u.time_zone) else "UTC"),
            busy=[],
            working_hours=[],
            booked=[],
            busy_seconds=busy[u.id],
            day_limit=u.max_interviews_per_day,
            week_limit=u.max_interviews_per_week,
        )
        for u in users
    }
    for row in interviews:
        calendar = calendars[row.user_id]
        calendar.busy.append((row.starts_at, row.ends_at))  # type: ignore[attr-defined]
        calendar.booked.append(row.starts_at)  # type: ignore[attr-defined]
    for row in hours:
        calendars[row.user_id].working_hours.append(  # type: ignore[attr-defined]
            (row.weekday, row.start_minute, row.end_minute)
        )
    return calendars


def search_range(starts_after: datetime, ends_before: datetime) -> tuple[datetime, datetime]:
    """A search range (``from``, ``to``) checked: not in the past, at most 62 days, not beyond
    the scheduling horizon."""
    starts_after = max(ensure_aware(starts_after, "from"), utcnow())
    ends_before = ensure_aware(ends_before, "to")
    if ends_before <= starts_after:
        raise RuleViolation("to", "The end of the range must be after its start (and after now).")
    if ends_before - starts_after > MAX_RANGE:
        raise RuleViolation("to", "Search at most 62 days at once.")
    now = utcnow()
    check_not_too_far_ahead("from", starts_after, now)
    check_not_too_far_ahead("to", ends_before, now)
    return starts_after, ends_before


def candidate_constraints(
    candidacy: Candidacy, start: datetime, end: datetime, exclude_interview_id: int | None = None
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]] | None]:
    """The candidate's scheduled interviews over [start, end) (but the one being moved), and
    the candidacy's availability windows (``None`` when it has none: then any time is
    possible)."""
    connection = db.session.connection()  # Core: plain rows, no ORM bookkeeping
    busy = connection.execute(
        sa.select(Interview.starts_at, Interview.ends_at).where(
            Interview.candidate_id == candidacy.candidate_id,
            Interview.state == InterviewState.scheduled,
            Interview.starts_at < end,
            Interview.ends_at > start,
            Interview.id != (exclude_interview_id or -1),
        )
    ).all()
    windows = [
        (w.starts_at, w.ends_at)
        for w in connection.execute(
            sa.select(CandidateAvailability.starts_at, CandidateAvailability.ends_at).where(
                CandidateAvailability.candidacy_id == candidacy.id
            )
        )
    ]
    return [(r.starts_at, r.ends_at) for r in busy], windows or None


def suggest(
    candidacy: Candidacy,
    *,
    required: Sequence[User],
    pool: Sequence[User] = (),
    pool_size: int = 0,
    duration_minutes: int,
    starts_after: datetime,
    ends_before: datetime,
    buffer_minutes: int = 0,
    granularity_minutes: int = 30,
    limit: int = 20,
    use_candidate_windows: bool = True,
    exclude_interview_id: int | None = None,
) -> list[Slot]:
    """Slot suggestions for a candidacy's next interview, from what the database knows.

    ``use_candidate_windows=False`` ignores the availability the candidate gave (they are
    choosing themselves); ``exclude_interview_id`` names an interview being moved, whose own
    time then blocks nobody."""
    if not required and not (pool and pool_size):
        raise RuleViolation("interviewer_ids", "Name at least one interviewer or a pool with k.")
    if pool_size < 0 or pool_size > len(pool):
        raise RuleViolation("pool_size", f"Between 0 and the pool's size ({len(pool)}).")
    overlap = {u.id for u in required} & {u.id for u in pool}
    if overlap:
        raise RuleViolation("pool_ids", "Someone is both required and in the pool.")
    if not 5 <= duration_minutes <= 480:
        raise RuleViolation("duration_minutes", "Between 5 minutes and 8 hours (480 minutes).")
    if not 0 <= buffer_minutes <= 240:
        raise RuleViolation("buffer_minutes", "Between 0 and 240 minutes.")
    if granularity_minutes not in (5, 10, 15, 20, 30, 60):
        raise RuleViolation("granularity_minutes", "One of 5, 10, 15, 20, 30 or 60.")
    starts_after, ends_before = search_range(starts_after, ends_before)
    people = [*required, *pool]
    calendars = load_calendars(people, starts_after, ends_before, exclude_interview_id)
    candidate_busy, windows = candidate_constraints(
        candidacy, starts_after, ends_before, exclude_interview_id
    )
    if not use_candidate_windows:
        windows = None  # any time the candidate is not in another interview
    zone_name = candidacy.candidate.time_zone
    request = SlotRequest(
        starts_after=starts_after,
        ends_before=ends_before,
        duration=timedelta(minutes=duration_minutes),
        required=[calendars[u.id] for u in required],
        pool=[calendars[u.id] for u in pool],
        pool_size=pool_size,
        granularity=timedelta(minutes=granularity_minutes),
        buffer=timedelta(minutes=buffer_minutes),
        candidate_zone=ZoneInfo(zone_name if is_valid_zone(zone_name) else "UTC"),
        candidate_busy=candidate_busy,
        candidate_windows=windows,
        limit=limit,
    )
    return find_slots(request)
