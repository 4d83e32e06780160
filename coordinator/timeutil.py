"""Time: one source of "now", IANA zone validation, and local ↔ UTC conversion."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from coordinator.errors import RuleViolation

_frozen_now: datetime | None = None


def utcnow() -> datetime:
    """The current instant, aware, in UTC (tests may freeze it with :func:`freeze`)."""
    if _frozen_now is not None:
        return _frozen_now
    return datetime.now(UTC)


def freeze(instant: datetime | None) -> None:
    """Freeze :func:`utcnow` at ``instant`` (``None`` unfreezes). For tests and benchmarks."""
    global _frozen_now
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen_now = instant.astimezone(UTC) if instant is not None else None


@cache
@cache
def zone_names() -> frozenset[str]:
    """The IANA zones this machine knows; read from the zone database once per process."""
    return frozenset(available_timezones())


def is_valid_zone(name: str | None) -> bool:
    if not name or name not in zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    """The ZoneInfo for an IANA name, or a RuleViolation on ``field``."""
    if not is_valid_zone(name):
        raise RuleViolation(field, f"“{name}” is not a known IANA time zone (e.g. Europe/Berlin).")
    return ZoneInfo(name)


def local_to_utc(day: date, at: time, zone_name: str, field: str = "starts_at") -> datetime:
    """Turn a wall-clock date and time in a zone into a UTC instant.

    A time that does not exist (the DST gap) is refused. A time that exists twice (the DST fold)
    resolves to the first occurrence (fold=0, the earlier instant, still on summer time).
    """
    tz = zone(zone_name)
    naive = datetime.combine(day, at)
    candidate = naive.replace(tzinfo=tz)
    round_trip = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise RuleViolation(
            field,
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks change then); "
            "choose another time.",
        )
    return candidate.astimezone(UTC)


def ensure_aware(value: datetime, field: str = "starts_at") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(
            field, "Give the time with its UTC offset (e.g. 2027-03-29T10:00:00+02:00)."
        )
    return value.astimezone(UTC)


def to_zone(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone_name) if is_valid_zone(zone_name) else UTC)


def isoformat_z(instant: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, as the API gives instants."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_local(instant: datetime, zone_name: str, with_zone: bool = True) -> str:
    local = to_zone(instant, zone_name)
    text = f"{local:%a %d %b %Y, %H:%M}"
    if with_zone:
        text += f" {zone_name} ({local:%Z})"
    return text


__all__ = [
    "UTC",
    "ensure_aware",
    "format_local",
    "freeze",
    "is_valid_zone",
    "isoformat_z",
    "local_to_utc",
    "timedelta",
    "to_zone",
    "utcnow",
    "zone",
    "zone_names",
]
