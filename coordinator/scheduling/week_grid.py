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

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.scheduling.models import (
    BusyBlock,
    CandidateAvailability,
    Interview,
    InterviewState,
    PanelMember,
    WorkingHours,
)
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
    exclude = exclude_interview_id or -1
    if ids:
        for row in db.session.execute(
            sa.select(PanelMember.user_id, PanelMember.starts_at, PanelMember.ends_at).where(
                PanelMember.user_id.in_(ids),
                PanelMember.is_active.is_(True),
                PanelMember.starts_at < wide_end,
                PanelMember.ends_at > start,
                PanelMember.interview_id != exclude,
            )
        ):
            weeks[row.user_id].interviews.append((row.starts_at, row.ends_at))
        for row in db.session.execute(
            sa.select(BusyBlock.user_id, BusyBlock.starts_at, BusyBlock.ends_at).where(
                BusyBlock.user_id.in_(ids),
                BusyBlock.starts_at < wide_end,
                BusyBlock.ends_at > start,
            )
        ):
            weeks[row.user_id].busy.append((row.starts_at, row.ends_at))
        hours: dict[int, list[tuple[int, int, int]]] = {}
        for row in db.session.execute(
            sa.select(WorkingHours.user_id, WorkingHours.weekday, WorkingHours.start_minute,
                      WorkingHours.end_minute).where(WorkingHours.user_id.in_(ids))
        ):
            hours.setdefault(row.user_id, []).append(
                (row.weekday, row.start_minute, row.end_minute))
        warnings = calendar_warnings(ids, now)
        for user in people:
            week = weeks[user.id]
            week.hours = _hour_spans(hours.get(user.id) or DEFAULT_HOURS, _zone(user.time_zone),
                                     days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
            week.calendar_warning = warnings.get(user.id)

    candidate_interviews = [
        (r.starts_at, r.ends_at)
        for r in db.session.execute(
            sa.select(Interview.starts_at, Interview.ends_at).where(
                Interview.candidate_id == candidacy.candidate_id,
                Interview.state == InterviewState.scheduled,
                Interview.starts_at < wide_end,
                Interview.ends_at > start,
                Interview.id != exclude,
            )
        )
    ]
    windows = [
        (r.starts_at, r.ends_at)
        for r in db.session.execute(
            sa.select(CandidateAvailability.starts_at, CandidateAvailability.ends_at)
            .where(CandidateAvailability.candidacy_id == candidacy.id)
            .order_by(CandidateAvailability.starts_at)
        )
    ]
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
