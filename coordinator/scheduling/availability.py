"""When people can meet: working hours, load limits, imported busy time, candidate windows.

Busy time is imported from an iCalendar feed (``.ics``) or a VFREEBUSY, inside a bounded window.
Decisions documented here and in the README:

* recurring events are expanded with ``recurring-ical-events`` (RRULE, RDATE, EXDATE and moved
  instances via RECURRENCE-ID); a broken series is skipped, not fatal;
* events marked ``TRANSP:TRANSPARENT`` (free) or ``STATUS:CANCELLED`` are ignored;
* tentative events and ``FBTYPE=BUSY-TENTATIVE`` / ``BUSY-UNAVAILABLE`` periods count as busy
  (the coordinator would rather not book over them); ``FBTYPE=FREE`` is not busy;
* an all-day event that is not transparent blocks that whole local day in the person's zone
  (holidays and out-of-office days); calendars mark plain all-day notes as transparent;
* times without a zone ("floating") are read in the person's zone;
* a feed whose rules would expand beyond ``MAX_EXPANSION_STEPS`` steps or ``MAX_BLOCKS``
  occurrences (every minute, hourly for decades) is refused before expanding, so a few hundred
  bytes cannot cost minutes of work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling.models import (
    AvailabilitySource,
    BusyBlock,
    BusySource,
    CandidateAvailability,
    WorkingHours,
)
from coordinator.timeutil import ensure_aware, is_valid_zone, utcnow
from coordinator.validation import check_not_too_far_ahead, horizon

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far back and ahead an imported feed is expanded.
IMPORT_PAST = timedelta(days=1)
IMPORT_AHEAD = timedelta(days=120)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_BLOCKS = 20_000
MAX_WINDOWS = 200
#: Recurrence steps one import may take (about a second): the expander steps every rule from its
#: DTSTART, so a rule repeating every second, or daily for decades, is refused before expanding.
MAX_EXPANSION_STEPS = 500_000
_STEPS_PER_DAY = {"SECONDLY": 86_400.0, "MINUTELY": 1_440.0, "HOURLY": 24.0, "DAILY": 1.0,
                  "WEEKLY": 1 / 7, "MONTHLY": 1 / 28, "YEARLY": 1 / 365}
_COARSER_THAN = {"HOURLY": {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}}
_COARSER_THAN["MINUTELY"] = {"HOURLY", *_COARSER_THAN["HOURLY"]}
_COARSER_THAN["SECONDLY"] = {"MINUTELY", *_COARSER_THAN["MINUTELY"]}
#: BYxxx parts that multiply the occurrences of a coarser FREQ (BYHOUR on a DAILY rule, ...).
_EXPANDING_PARTS = (("BYHOUR", "HOURLY"), ("BYMINUTE", "MINUTELY"), ("BYSECOND", "SECONDLY"))
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH")


# --- working hours and limits --------------------------------------------------------------------


def _minute(text: str, field: str) -> int:
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError) as err:
        raise RuleViolation(field, f"“{text}” is not a time like 09:00.") from err
    if not (0 <= int(minutes) < 60 and 0 <= value <= 1440):
        raise RuleViolation(field, f"“{text}” is not a time like 09:00.")
    return value


def set_working_hours(
    user: User,
    days: Mapping[str, Sequence[Sequence[str]]],
    *,
    actor: User,
    time_zone: str | None = None,
) -> list[WorkingHours]:
    """Replace a user's weekly working hours (local times in their zone, which may be set too)."""
    if time_zone is not None:
        if not is_valid_zone(time_zone):
            raise RuleViolation("time_zone", f"“{time_zone}” is not a known IANA time zone.")
        user.time_zone = time_zone
    rows: list[WorkingHours] = []
    for key, spans in days.items():
        if key not in WEEKDAYS:
            raise RuleViolation(f"days.{key}", "Use mon, tue, wed, thu, fri, sat or sun.")
        parsed: list[tuple[int, int]] = []
        for index, span in enumerate(spans):
            field = f"days.{key}.{index}"
            if len(span) != 2:
                raise RuleViolation(field, 'Give a start and an end, e.g. ["09:00", "17:00"].')
            start, end = _minute(span[0], field), _minute(span[1], field)
            if start >= end:
                raise RuleViolation(field, "The end must be after the start.")
            parsed.append((start, end))
        parsed.sort()
        for (_, end_a), (start_b, _) in pairwise(parsed):
            if start_b < end_a:
                raise RuleViolation(f"days.{key}", "Spans of one day must not overlap.")
        rows += [
            WorkingHours(user_id=user.id, weekday=WEEKDAYS.index(key), start_minute=s, end_minute=e)
            for s, e in parsed
        ]
    db.session.execute(sa.delete(WorkingHours).where(WorkingHours.user_id == user.id))
    db.session.add_all(rows)
    db.session.flush()
    record(
        actor,
        "user.working_hours_set",
        user,
        days={k: list(v) for k, v in days.items()},
        time_zone=user.time_zone,
    )
    return rows


def working_hours_of(user: User) -> dict[str, list[list[str]]]:
    rows = db.session.scalars(
        sa.select(WorkingHours)
        .where(WorkingHours.user_id == user.id)
        .order_by(WorkingHours.weekday, WorkingHours.start_minute)
    )
    days: dict[str, list[list[str]]] = {}
    for row in rows:
        days.setdefault(WEEKDAYS[row.weekday], []).append(
            [
                f"{row.start_minute // 60:02d}:{row.start_minute % 60:02d}",
                f"{row.end_minute // 60:02d}:{row.end_minute % 60:02d}",
            ]
        )
    return days


def set_limits(user: User, *, actor: User, per_day: int | None, per_week: int | None) -> User:
    """Set the user's load limits; ``None`` is no limit. Each limit is checked on its own, so a
    week's limit below a day's limit is allowed and simply binds first (API.md v1.1)."""
    for field, value in (
        ("max_interviews_per_day", per_day),
        ("max_interviews_per_week", per_week),
    ):
        if value is not None and (isinstance(value, bool) or not 0 <= value <= 50):
            raise RuleViolation(field, "Between 0 and 50, or empty for no limit.")
    user.max_interviews_per_day, user.max_interviews_per_week = per_day, per_week
    db.session.flush()
    record(actor, "user.limits_set", user, per_day=per_day, per_week=per_week)
    return user


# --- busy time -----------------------------------------------------------------------------------


def _as_instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _event_blocks(
    calendar: icalendar.Calendar, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    blocks: list[tuple[datetime, datetime]] = []
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    for event in query.between(start, end):
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = event.get("DTSTART")
        if dtstart is None:
            continue
        begin = dtstart.dt
        if event.get("DTEND") is not None:
            finish = event["DTEND"].dt
        elif event.get("DURATION") is not None:
            finish = begin + event["DURATION"].dt
        else:
            finish = begin + (
                timedelta(days=1) if not isinstance(begin, datetime) else timedelta(0)
            )
        block = (_as_instant(begin, zone), _as_instant(finish, zone))
        if block[1] > block[0]:
            blocks.append(block)
    return blocks


def _freebusy_blocks(
    calendar: icalendar.Calendar, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    blocks: list[tuple[datetime, datetime]] = []
    for component in calendar.walk("VFREEBUSY"):
        values = component.get("FREEBUSY")
        if values is None:
            continue
        for period in values if isinstance(values, list) else [values]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            begin, other = period.dt
            finish = begin + other if isinstance(other, timedelta) else other
            block = (_as_instant(begin, zone), _as_instant(finish, zone))
            if block[1] > block[0]:
                blocks.append(block)
    return blocks


def _expansion_estimate(
    calendar: icalendar.Calendar, zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[float, float]:
    """Upper bounds of the recurrence steps (from each DTSTART) and occurrences (in the window)."""
    steps = occurrences = 0.0
    window_days = (end - start).total_seconds() / 86_400 + 1
    for component in calendar.walk("VEVENT"):
        try:
            rules = component.get("RRULE")
            if rules is None:
                continue
            dtstart = component.get("DTSTART")
            first = _as_instant(dtstart.dt, zone) if dtstart is not None else start
            days = max((end - first).total_seconds() / 86_400, 0) + 1
            for rule in rules if isinstance(rules, list) else [rules]:
                freq = str((rule.get("FREQ") or ["DAILY"])[0]).upper()
                per_day = _STEPS_PER_DAY.get(freq, 1.0)
                if any(rule.get(part) for part in _DAY_PARTS):
                    per_day = max(per_day, 1.0)
                for part, finer in _EXPANDING_PARTS:
                    if freq in _COARSER_THAN[finer] and rule.get(part):
                        per_day *= len(rule[part])
                per_day /= max(int((rule.get("INTERVAL") or [1])[0]), 1)
                count = float(rule["COUNT"][0]) if rule.get("COUNT") else math.inf
                steps += min(per_day * days, count)
                occurrences += min(per_day * min(days, window_days), count)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
            continue  # a broken series: the expander skips it too
    return steps, occurrences


def parse_busy_calendar(
    data: bytes, zone_name: str, *, now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """Busy periods from an ``.ics`` feed or VFREEBUSY, expanded inside the import window."""
    if len(data) > MAX_IMPORT_BYTES:
        raise RuleViolation("file", f"The calendar is larger than {MAX_IMPORT_BYTES // 1024} KiB.")
    if not data.strip():
        raise RuleViolation("file", "The calendar file is empty.")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as err:  # icalendar raises ValueError, KeyError, IndexError, …
        raise RuleViolation("file", f"Not a valid iCalendar file: {str(err)[:200]}") from err
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise RuleViolation("file", "Not a VCALENDAR.")
    return busy_periods(calendar, zone_name, now=now)


def busy_periods(
    calendar: icalendar.Calendar, zone_name: str, *, now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """Busy periods of a parsed calendar, expanded inside the import window (merged)."""
    zone = ZoneInfo(zone_name if is_valid_zone(zone_name) else "UTC")
    moment = now or utcnow()
    start, end = moment - IMPORT_PAST, moment + IMPORT_AHEAD
    try:
        steps, occurrences = _expansion_estimate(calendar, zone, start, end)
        if steps > MAX_EXPANSION_STEPS or occurrences > MAX_BLOCKS:
            raise RuleViolation(
                "file",
                "The calendar repeats too often to import (every minute, or daily for decades); "
                "export a shorter range.",
            )
        blocks = _event_blocks(calendar, zone, start, end) + _freebusy_blocks(calendar, zone)
    except RuleViolation:
        raise
    except Exception as err:
        raise RuleViolation("file", f"The calendar could not be read: {str(err)[:200]}") from err
    clipped = [(max(b, start), min(e, end)) for b, e in blocks if e > start and b < end]
    return merge([b for b in clipped if b[1] > b[0]])


def merge(blocks: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in sorted(blocks):
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged


def replace_busy_blocks(
    user: User,
    blocks: Sequence[tuple[datetime, datetime]],
    *,
    actor: User | None,
    source: BusySource = BusySource.uploaded,
) -> int:
    """Replace a user's busy time of one source (all or nothing, in the caller's transaction):
    an upload leaves the synced blocks alone, and a sync the uploaded ones.

    Busy time more than two years ahead is clipped there (nothing can be booked later), so
    that a calendar with far-off events imports without a refusal.
    """
    if len(blocks) > MAX_BLOCKS:
        raise RuleViolation("file", f"More than {MAX_BLOCKS} busy periods; import a shorter feed.")
    now = utcnow()
    last = horizon(now)
    blocks = [(b, min(e, last)) for b, e in blocks if b < last]
    db.session.execute(
        sa.delete(BusyBlock).where(BusyBlock.user_id == user.id, BusyBlock.source == source)
    )
    if blocks:
        db.session.execute(
            sa.insert(BusyBlock),
            [
                {"user_id": user.id, "starts_at": b, "ends_at": e, "imported_at": now,
                 "source": source}
                for b, e in blocks
            ],
        )
    db.session.flush()
    record(actor, "user.busy_imported", user, blocks=len(blocks), source=source.value)
    return len(blocks)


def import_busy_calendar(user: User, data: bytes, *, actor: User) -> int:
    return replace_busy_blocks(user, parse_busy_calendar(data, user.time_zone), actor=actor)


def windows_from(
    items: Sequence[Mapping[str, Any]], field: str = "windows", *, clip_far_ahead: bool = False
) -> list[tuple[datetime, datetime]]:
    """Validate ``[{starts_at, ends_at}]`` (aware datetimes) into sorted, merged intervals.

    A period ending more than two years ahead is refused, unless ``clip_far_ahead`` (busy
    time, which :func:`replace_busy_blocks` clips instead).
    """
    if len(items) > MAX_BLOCKS:
        raise RuleViolation(field, f"At most {MAX_BLOCKS} periods.")
    now = utcnow()
    spans: list[tuple[datetime, datetime]] = []
    for index, item in enumerate(items):
        begin = ensure_aware(item["starts_at"], f"{index}.starts_at")
        finish = ensure_aware(item["ends_at"], f"{index}.ends_at")
        if finish <= begin:
            raise RuleViolation(f"{index}.ends_at", "The end must be after the start.")
        if finish - begin > timedelta(days=31):
            raise RuleViolation(f"{index}.ends_at", "One period spans at most 31 days.")
        if not clip_far_ahead:
            check_not_too_far_ahead(f"{index}.ends_at", finish, now)
        spans.append((begin, finish))
    return merge(spans)


# --- candidate availability ----------------------------------------------------------------------


def set_candidate_availability(
    candidacy: Candidacy,
    windows: Sequence[tuple[datetime, datetime]],
    *,
    actor: User | None,
    source: AvailabilitySource,
) -> list[CandidateAvailability]:
    """Replace the candidacy's availability windows (past windows are dropped)."""
    if len(windows) > MAX_WINDOWS:
        raise RuleViolation("windows", f"At most {MAX_WINDOWS} windows.")
    if candidacy.is_closed:
        raise RuleViolation("windows", "This candidacy is closed.")
    now = utcnow()
    for _begin, finish in windows:
        check_not_too_far_ahead("windows", finish, now)
    kept = merge((max(b, now), e) for b, e in windows if e > now)
    db.session.execute(
        sa.delete(CandidateAvailability).where(CandidateAvailability.candidacy_id == candidacy.id)
    )
    rows = [
        CandidateAvailability(candidacy_id=candidacy.id, starts_at=b, ends_at=e, source=source)
        for b, e in kept
    ]
    db.session.add_all(rows)
    db.session.flush()
    record(
        actor,
        "candidacy.availability_set",
        candidacy,
        candidacy_id=candidacy.id,
        windows=len(rows),
        source=source.value,
    )
    return rows


def candidate_availability(candidacy: Candidacy) -> list[CandidateAvailability]:
    return list(
        db.session.scalars(
            sa.select(CandidateAvailability)
            .where(CandidateAvailability.candidacy_id == candidacy.id)
            .order_by(CandidateAvailability.starts_at)
        )
    )
