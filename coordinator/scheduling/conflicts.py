"""Why a proposed interview time fails (blocking conflicts) or is unwelcome (advisory warnings).

Overlap is half-open: ``a.start < b.end and b.start < a.end`` — back to back is not a conflict.
Blocking: an interviewer or the candidate already in an overlapping interview, or an interviewer
over a daily or weekly load limit (counted in the interviewer's own zone). Advisory: outside
working hours, over imported busy time, outside the candidate's availability windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidate
from coordinator.db import UTCDateTime, db
from coordinator.errors import Conflict
from coordinator.scheduling.models import (
    BusyBlock,
    CandidateAvailability,
    Interview,
    InterviewState,
    PanelMember,
    WorkingHours,
)
from coordinator.scheduling.slots import CANDIDATE_DAY, DEFAULT_HOURS
from coordinator.timeutil import format_local, is_valid_zone

#: The longest interview; bounds the index range scans of overlap checks.
MAX_DURATION = timedelta(hours=8)


@dataclass(frozen=True)
class Proposal:
    """A time for a set of people, excluding (when rescheduling) the interview itself."""

    starts_at: datetime
    ends_at: datetime
    users: Sequence[User]
    candidate_id: int
    candidacy_id: int
    exclude_interview_id: int | None = None


def locking_users(statement: sa.Select[Any]) -> sa.Select[Any]:
    """A statement reading users, made to take :func:`lock_people`'s lock on them as it reads
    (PostgreSQL: their rows, in id order); a caller that ran it passes ``users_locked``."""
    if db.session.get_bind().dialect.name != "postgresql":
        return statement
    return statement.order_by(User.id).with_for_update(of=User)


_LOCK_CANDIDATE = (
    sa.select(Candidate.id).where(Candidate.id == sa.bindparam("candidate_id")).with_for_update()
)


def lock_people(user_ids: Iterable[int], candidate_id: int, *, users_locked: bool = False) -> None:
    """Serialise bookings that involve the same people.

    On PostgreSQL the user and candidate rows are locked (in id order, so two bookings cannot
    deadlock) until the transaction ends; a second booking waits and then sees the first one's
    interview. On SQLite a no-op write takes the database's single write lock; when another
    transaction holds it, SQLite refuses at once rather than wait (this transaction has read, so
    waiting could deadlock): that is a ``Conflict`` to retry, not a server error.
    ``users_locked``: the users were read with :func:`locking_users` (the candidate is next).
    """
    ids = sorted(set(user_ids))
    if db.session.get_bind().dialect.name == "postgresql":
        if not users_locked:
            db.session.execute(
                sa.select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
            )
        db.session.execute(_LOCK_CANDIDATE, {"candidate_id": candidate_id})
        return
    try:
        db.session.execute(
            sa.update(Candidate).where(Candidate.id == candidate_id).values(id=Candidate.id)
        )
    except sa.exc.OperationalError as err:
        if "locked" not in str(err.orig).lower():
            raise
        raise Conflict(
            "Another booking is being saved at this moment; try again.",
            [{"kind": "concurrent_booking", "detail": "another booking was being saved; retry"}],
            field="starts_at",
        ) from err


def _who(user: User) -> str:
    return f"{user.name}"


#: Everything a proposal is checked against comes back from one statement: rows of one shape,
#: told apart by ``kind`` (a UNION ALL of one SELECT per kind; each check used to be a statement
#: of its own, five for every booking).
_NO_INT = sa.cast(sa.null(), sa.Integer)
_NO_TIME = sa.cast(sa.null(), UTCDateTime)
_USER_IDS = sa.bindparam("user_ids", expanding=True)
_COLUMNS = ("kind", "user_id", "ref", "first", "last", "starts_at", "ends_at")


def _facts(kind: str, *columns: Any) -> sa.Select[Any]:
    return sa.select(*(column.label(name) for column, name in zip(
        (sa.literal_column(f"'{kind}'", sa.String), *columns), _COLUMNS, strict=True)))


#: An interviewer already in an overlapping interview (ref: the interview).
_PANEL_OVERLAPS = _facts(
    "panel", PanelMember.user_id, PanelMember.interview_id, _NO_INT, _NO_INT,
    PanelMember.starts_at, PanelMember.ends_at,
).where(
    PanelMember.user_id.in_(_USER_IDS),
    PanelMember.is_active.is_(True),
    PanelMember.starts_at > sa.bindparam("earliest"),
    PanelMember.starts_at < sa.bindparam("ends_at"),
    PanelMember.ends_at > sa.bindparam("starts_at"),
    PanelMember.interview_id != sa.bindparam("exclude"),
)
#: The candidate already in an overlapping interview (ref: the interview).
_CANDIDATE_OVERLAPS = _facts(
    "candidate", _NO_INT, Interview.id, _NO_INT, _NO_INT, Interview.starts_at, Interview.ends_at,
).where(
    Interview.candidate_id == sa.bindparam("candidate_id"),
    Interview.state == InterviewState.scheduled,
    Interview.starts_at > sa.bindparam("earliest"),
    Interview.starts_at < sa.bindparam("ends_at"),
    Interview.ends_at > sa.bindparam("starts_at"),
    Interview.id != sa.bindparam("exclude"),
)
#: The panel's working hours (ref: the weekday; first, last: minutes).
_HOURS = _facts(
    "hours", WorkingHours.user_id, WorkingHours.weekday, WorkingHours.start_minute,
    WorkingHours.end_minute, _NO_TIME, _NO_TIME,
).where(WorkingHours.user_id.in_(_USER_IDS))
#: Panel members with imported busy time then.
_BUSY = _facts("busy", BusyBlock.user_id, _NO_INT, _NO_INT, _NO_INT, _NO_TIME, _NO_TIME).where(
    BusyBlock.user_id.in_(_USER_IDS),
    BusyBlock.starts_at < sa.bindparam("ends_at"),
    BusyBlock.ends_at > sa.bindparam("starts_at"),
).distinct()
#: The windows the candidate said they can do.
_WINDOWS = _facts(
    "window", _NO_INT, _NO_INT, _NO_INT, _NO_INT,
    CandidateAvailability.starts_at, CandidateAvailability.ends_at,
).where(CandidateAvailability.candidacy_id == sa.bindparam("candidacy_id"))

#: Built once (a statement object keeps its cache key), by (blocking, advisory).
_REVIEWS = {
    (True, True): sa.union_all(_PANEL_OVERLAPS, _CANDIDATE_OVERLAPS, _HOURS, _BUSY, _WINDOWS),
    (True, False): sa.union_all(_PANEL_OVERLAPS, _CANDIDATE_OVERLAPS),
    (False, True): sa.union_all(_HOURS, _BUSY, _WINDOWS),
}


def review(
    proposal: Proposal, *, blocking: bool = True, advisory: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The blocking conflicts and the advisory warnings of a proposal (either may be skipped),
    read with one statement (plus a count per load limit, when there is a limit)."""
    rows: dict[str, list[Any]] = {"panel": [], "candidate": [], "hours": [], "busy": [],
                                  "window": []}
    if blocking or advisory:
        for row in db.session.execute(_REVIEWS[blocking, advisory], {
            "user_ids": [u.id for u in proposal.users],
            "candidate_id": proposal.candidate_id,
            "candidacy_id": proposal.candidacy_id,
            "starts_at": proposal.starts_at,
            "ends_at": proposal.ends_at,
            "earliest": proposal.starts_at - MAX_DURATION,
            "exclude": proposal.exclude_interview_id or -1,
        }):
            rows[row.kind].append(row)
    found: list[dict[str, Any]] = []
    if blocking:
        found = (
            _interviewer_overlaps(proposal, rows["panel"])
            + _candidate_overlaps(rows["candidate"])
            + load_limit_conflicts(proposal)
        )
    warnings = _advisory(proposal, rows["hours"], rows["busy"], rows["window"]) if advisory else []
    return found, warnings


def _interviewer_overlaps(proposal: Proposal, rows: list[Any]) -> list[dict[str, Any]]:
    users = {u.id: u for u in proposal.users}
    return [
        {
            "kind": "interviewer_overlap",
            "detail": f"{_who(users[row.user_id])} is already in interview {row.ref} "
            f"({format_local(row.starts_at, users[row.user_id].time_zone)} – "
            f"{format_local(row.ends_at, users[row.user_id].time_zone, False)}).",
            "user_id": row.user_id,
            "interview_id": row.ref,
        }
        for row in sorted(rows, key=lambda r: (r.starts_at, r.user_id))
    ]


def _candidate_overlaps(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "kind": "candidate_overlap",
            "detail": f"The candidate already has interview {row.ref} then "
            f"({format_local(row.starts_at, 'UTC')} – "
            f"{format_local(row.ends_at, 'UTC', False)} UTC).",
            "interview_id": row.ref,
        }
        for row in sorted(rows, key=lambda r: r.starts_at)
    ]


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone if is_valid_zone(user.time_zone) else "UTC")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def local_day_bounds(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of the calendar day (in ``zone``) that holds ``instant``; DST-aware."""
    day = instant.astimezone(zone).date()
    return _midnight(day, zone), _midnight(day + timedelta(days=1), zone)


def local_week_bounds(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of the ISO week (Monday to Monday, in ``zone``) that holds ``instant``."""
    day = instant.astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    return _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)


def _count(user_id: int, start: datetime, end: datetime, exclude: int | None) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PanelMember)
            .where(
                PanelMember.user_id == user_id,
                PanelMember.is_active.is_(True),
                PanelMember.starts_at >= start,
                PanelMember.starts_at < end,
                PanelMember.interview_id != (exclude or -1),
            )
        )
        or 0
    )


def load_limit_conflicts(proposal: Proposal) -> list[dict[str, Any]]:
    conflicts: list[dict[str, Any]] = []
    for user in proposal.users:
        zone = _zone(user)
        checks = (
            ("day", user.max_interviews_per_day, local_day_bounds, "that day"),
            ("week", user.max_interviews_per_week, local_week_bounds, "that week"),
        )
        for period, limit, bounds, words in checks:
            if limit is None:
                continue
            start, end = bounds(proposal.starts_at, zone)
            booked = _count(user.id, start, end, proposal.exclude_interview_id)
            if booked + 1 > limit:
                conflicts.append(
                    {
                        "kind": "load_limit",
                        "detail": f"{_who(user)} already has {booked} interview(s) {words} "
                        f"(limit {limit} per {period}, in {user.time_zone}).",
                        "user_id": user.id,
                        "period": period,
                        "limit": limit,
                        "booked": booked,
                    }
                )
    return conflicts


def blocking_conflicts(proposal: Proposal) -> list[dict[str, Any]]:
    return review(proposal, advisory=False)[0]


def _inside_working_hours(
    user: User, rows: Sequence[tuple[int, int, int]], start: datetime, end: datetime
) -> bool:
    """Inside one of the (weekday, start minute, end minute) spans, local to the user's zone."""
    zone = _zone(user)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() != (local_end - timedelta(microseconds=1)).date():
        return False
    start_minute = local_start.hour * 60 + local_start.minute
    end_minute = start_minute + int((end - start).total_seconds() // 60)
    return any(
        weekday == local_start.weekday() and first <= start_minute and end_minute <= last
        for weekday, first, last in rows
    )


def advisory_warnings(proposal: Proposal) -> list[dict[str, Any]]:
    """Working hours, imported busy time and candidate availability: reported, not blocking."""
    return review(proposal, blocking=False)[1]


def _advisory(
    proposal: Proposal, hours_rows: list[Any], busy_rows: list[Any], windows: list[Any]
) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    hours: dict[int, list[tuple[int, int, int]]] = {}
    for row in hours_rows:
        hours.setdefault(row.user_id, []).append((row.ref, row.first, row.last))
    for user in proposal.users:
        # Someone who set no hours has the default ones, as slot suggestions assume.
        rows = hours.get(user.id) or DEFAULT_HOURS
        if not _inside_working_hours(user, rows, proposal.starts_at, proposal.ends_at):
            warnings.append(
                {
                    "kind": "outside_working_hours",
                    "user_id": user.id,
                    "detail": f"Outside {_who(user)}'s working hours "
                    f"({format_local(proposal.starts_at, user.time_zone)}).",
                }
            )
    names = {u.id: u for u in proposal.users}
    for user_id in sorted({row.user_id for row in busy_rows}):
        warnings.append(
            {
                "kind": "busy",
                "user_id": user_id,
                "detail": f"{_who(names[user_id])}'s calendar shows busy time then.",
            }
        )
    if windows and not any(
        w.starts_at <= proposal.starts_at and proposal.ends_at <= w.ends_at for w in windows
    ):
        warnings.append(
            {
                "kind": "outside_candidate_availability",
                "detail": "Outside the windows the candidate said they can do.",
            }
        )
    return warnings


def candidate_hours_warnings(
    starts_at: datetime, ends_at: datetime, zone_name: str
) -> list[dict[str, Any]]:
    """A time outside the candidate's reasonable local hours (08:00–19:00 in their zone).

    Said by the booking pages before anything is saved (the API keeps its warning kinds)."""
    if not is_valid_zone(zone_name):
        return []
    zone = ZoneInfo(zone_name)
    local_start = starts_at.astimezone(zone)
    local_end = ends_at.astimezone(zone)
    first, last = CANDIDATE_DAY
    start_minute = local_start.hour * 60 + local_start.minute
    end_minute = start_minute + int((ends_at - starts_at).total_seconds() // 60)
    same_day = local_start.date() == local_end.date() or local_end.time() == datetime.min.time()
    if same_day and first <= start_minute and end_minute <= last:
        return []
    return [
        {
            "kind": "outside_candidate_hours",
            "detail": f"Early or late for the candidate: {local_start:%H:%M}–{local_end:%H:%M} "
            f"in {zone_name} (reasonable: {first // 60:02d}:00–{last // 60:02d}:00).",
            "candidate_local_start": f"{local_start:%H:%M}",
        }
    ]
