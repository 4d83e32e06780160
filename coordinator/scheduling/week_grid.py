"""A week of half hours, in the viewer's zone, showing each chosen person's free and busy time
(interviews, imported or synced calendars, outside working hours) and the candidate's
availability, and which cells an interview of the round's length could start in.

Six queries whatever the number of people or interviews: panel seats, busy blocks and working
hours of the people; the candidate's interviews and availability windows; calendar sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.scheduling import slots
from coordinator.scheduling.panel_suggestions import calendar_warnings
from coordinator.scheduling.slots import CANDIDATE_DAY, DEFAULT_HOURS
from coordinator.timeutil import is_valid_zone

STEP = timedelta(minutes=30)
#: Rows shown, in the viewer's zone: 07:00 to 21:00.
FIRST_ROW, LAST_ROW = time(7, 0), time(21, 0)

Span = tuple[datetime, datetime]
REASONS = ("interview", "busy in their calendar", "outside working hours")


@dataclass
class PersonWeek:
    user: User
    interviews: list[Span] = field(default_factory=list)
    busy: list[Span] = field(default_factory=list)
    hours: list[Span] = field(default_factory=list)
    calendar_warning: str | None = None
    #: A short label for grid cells ("Priya Peer" → "PP"), explained in the people list.
    initials: str = ""

    @property
    def interview_count(self) -> int:
        return len(self.interviews)


def initials(name: str) -> str:
    words = [w for w in name.split() if w]
    return "".join(w[0] for w in words[:3]).upper() or "?"


@dataclass(frozen=True)
class Cell:
    starts_at: datetime
    local: datetime
    #: (initials, why) for each person not free in this half hour.
    busy: tuple[tuple[str, str], ...]
    #: What the candidate's side says for this half hour ("" when nothing to say).
    candidate: str
    #: An interview of the round's length can start here for everyone, without warnings.
    is_free: bool
    is_past: bool

    @property
    def by_reason(self) -> list[tuple[str, list[str]]]:
        """Who is not free, grouped by why ("interview": [names], …), in a fixed order."""
        groups: dict[str, list[str]] = {}
        for name, why in self.busy:
            groups.setdefault(why, []).append(name)
        return [(why, groups[why]) for why in REASONS if why in groups]


@dataclass
class WeekGrid:
    week_start: date
    zone_name: str
    days: list[date]
    times: list[time]
    #: rows[time index][day index]; None where the local time does not exist (DST gap).
    rows: list[list[Cell | None]]
    people: list[PersonWeek]
    candidate_windows: list[Span]
    candidate_zone: str

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


def _overlaps(spans: Sequence[Span], begin: datetime, end: datetime) -> bool:
    return any(s < end and begin < e for s, e in spans)


def _inside(spans: Sequence[Span], begin: datetime, end: datetime) -> bool:
    return any(s <= begin and end <= e for s, e in spans)


def _local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time, or None when it does not exist (DST gap)."""
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_zone(name) else "UTC")


def _hour_spans(rows: Sequence[tuple[int, int, int]], zone: ZoneInfo, first: date,
                last: date) -> list[Span]:
    spans = []
    day = first
    while day <= last:
        for weekday, start, end in rows:
            if weekday == day.weekday():
                midnight = datetime.combine(day, time(0), tzinfo=zone)
                begin = (midnight + timedelta(minutes=start)).astimezone(UTC)
                finish = (midnight + timedelta(minutes=end)).astimezone(UTC)
                spans.append((begin, finish))
        day += timedelta(days=1)
    return spans


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def build(
    candidacy: Candidacy,
    people: Sequence[User],
    *,
    week_start: date,
    zone_name: str,
    duration: timedelta,
    now: datetime,
    exclude_interview_id: int | None = None,
) -> WeekGrid:
    """The week from ``week_start`` (a Monday) in ``zone_name`` for these people."""
    viewer = _zone(zone_name)
    days = [week_start + timedelta(days=n) for n in range(7)]
    start = datetime.combine(days[0], time(0), tzinfo=viewer).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=viewer).astimezone(UTC)
    # Wide enough for an interview that starts in the last row to be checked whole.
    wide_end = end + timedelta(hours=9)
    ids = [u.id for u in people]
    weeks = {u.id: PersonWeek(u) for u in people}
    labels = [initials(u.name) for u in people]
    for user, label in zip(people, labels, strict=True):
        # Two people with the same initials are told apart by a number.
        same = [u for u, other in zip(people, labels, strict=True) if other == label]
        weeks[user.id].initials = label + (str(same.index(user) + 1) if len(same) > 1 else "")
    # The slot finder's own readers: the same interviews, busy time, hours and candidate
    # constraints the finder and the booking check see.
    calendars = slots.load_calendars(people, start, wide_end, exclude_interview_id)
    warnings = calendar_warnings(ids, now) if ids else {}
    for user in people:
        week, calendar = weeks[user.id], calendars[user.id]
        # The finder reads a wider range (whole weeks, for load limits); the grid keeps its own.
        week.interviews = [(b, e) for b, e in calendar.busy if b < wide_end and e > start]
        week.busy = [(datetime.fromtimestamp(b, UTC), datetime.fromtimestamp(e, UTC))
                     for b, e in calendar.busy_seconds]
        week.hours = _hour_spans(calendar.working_hours or DEFAULT_HOURS, calendar.zone,
                                 days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
        week.calendar_warning = warnings.get(user.id)
    candidate_interviews, found_windows = slots.candidate_constraints(
        candidacy, start, wide_end, exclude_interview_id)
    windows = sorted(found_windows or [])
    candidate_zone_name = candidacy.candidate.time_zone
    candidate_zone = _zone(candidate_zone_name)
    reasonable = _hour_spans([(d, *CANDIDATE_DAY) for d in range(7)], candidate_zone,
                             days[0] - timedelta(days=1), days[-1] + timedelta(days=1))

    times = []
    clock = datetime.combine(days[0], FIRST_ROW)
    while clock.time() < LAST_ROW:
        times.append(clock.time())
        clock += STEP
    ordered = [weeks[u.id] for u in people]
    rows: list[list[Cell | None]] = []
    for at in times:
        row: list[Cell | None] = []
        for day in days:
            begin = _local_instant(day, at, viewer)
            if begin is None:
                row.append(None)
                continue
            finish = begin + STEP
            busy = []
            for week in ordered:
                if _overlaps(week.interviews, begin, finish):
                    busy.append((week.initials, "interview"))
                elif _overlaps(week.busy, begin, finish):
                    busy.append((week.initials, "busy in their calendar"))
                elif not _inside(week.hours, begin, finish):
                    busy.append((week.initials, "outside working hours"))
            if _overlaps(candidate_interviews, begin, finish):
                said = "in another interview"
            elif windows and not _inside(windows, begin, finish):
                said = "outside their windows"
            elif not _inside(reasonable, begin, finish):
                said = "early or late for them"
            else:
                said = "available" if windows else ""
            whole = begin + duration
            free = (
                begin >= now
                and bool(ordered)
                and all(
                    not _overlaps(w.interviews, begin, whole)
                    and not _overlaps(w.busy, begin, whole)
                    and _inside(w.hours, begin, whole)
                    for w in ordered
                )
                and not _overlaps(candidate_interviews, begin, whole)
                and (not windows or _inside(windows, begin, whole))
                and _inside(reasonable, begin, whole)
            )
            row.append(Cell(begin, begin.astimezone(viewer), tuple(busy), said, free,
                            begin < now))
        rows.append(row)
    # Leave out the early and late rows when nobody on the panel works then on any day.
    def all_off(row: list[Cell | None]) -> bool:
        return all(
            cell is None
            or (len(cell.busy) == len(ordered)
                and all(why == "outside working hours" for _, why in cell.busy))
            for cell in row
        )

    first, last = 0, len(rows)
    while ordered and first < last - 1 and all_off(rows[first]):
        first += 1
    while ordered and last - 1 > first and all_off(rows[last - 1]):
        last -= 1
    return WeekGrid(week_start, zone_name, days, times[first:last], rows[first:last], ordered,
                    windows, candidate_zone_name)
