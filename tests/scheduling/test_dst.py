"""Local times at the clock changes: the gap is refused, the fold resolves to the earlier instant.

The dates are not assumed: each test first asks zoneinfo that the clocks really change then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from coordinator.errors import RuleViolation
from coordinator.timeutil import local_to_utc

BERLIN_SPRING = date(2027, 3, 28)  # last Sunday of March: 02:00 → 03:00
BERLIN_AUTUMN = date(2027, 10, 31)  # last Sunday of October: 03:00 → 02:00
NEW_YORK_SPRING = date(2027, 3, 14)  # second Sunday of March: 02:00 → 03:00
NEW_YORK_AUTUMN = date(2027, 11, 7)  # first Sunday of November: 02:00 → 01:00


def offset_change(day: date, zone_name: str) -> timedelta:
    """How far the zone's UTC offset moves between the start and the end of ``day``."""
    zone = ZoneInfo(zone_name)
    before = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
    after = datetime.combine(day, time(23, 59), tzinfo=zone).utcoffset()
    return after - before


@pytest.mark.parametrize(
    ("day", "zone_name", "change"),
    [
        (BERLIN_SPRING, "Europe/Berlin", timedelta(hours=1)),
        (BERLIN_AUTUMN, "Europe/Berlin", timedelta(hours=-1)),
        (NEW_YORK_SPRING, "America/New_York", timedelta(hours=1)),
        (NEW_YORK_AUTUMN, "America/New_York", timedelta(hours=-1)),
    ],
)
def test_the_clocks_really_change_on_these_days(day, zone_name, change):
    assert offset_change(day, zone_name) == change
    assert offset_change(day - timedelta(days=1), zone_name) == timedelta(0)
    assert offset_change(day + timedelta(days=1), zone_name) == timedelta(0)


@pytest.mark.parametrize(
    ("day", "at", "zone_name"),
    [
        (BERLIN_SPRING, time(2, 30), "Europe/Berlin"),
        (BERLIN_SPRING, time(2, 0), "Europe/Berlin"),
        (BERLIN_SPRING, time(2, 59), "Europe/Berlin"),
        (NEW_YORK_SPRING, time(2, 30), "America/New_York"),
    ],
)
def test_a_local_time_in_the_gap_is_refused(day, at, zone_name):
    with pytest.raises(RuleViolation) as err:
        local_to_utc(day, at, zone_name)
    assert err.value.field == "starts_at"
    assert "does not exist" in err.value.message


def test_the_gap_refusal_names_the_field_it_was_given():
    with pytest.raises(RuleViolation) as err:
        local_to_utc(BERLIN_SPRING, time(2, 30), "Europe/Berlin", field="time")
    assert err.value.errors == {"time": [err.value.message]}


@pytest.mark.parametrize(
    ("day", "at", "zone_name", "expected"),
    [
        # the fold: the first (earlier, still summer time) occurrence
        (BERLIN_AUTUMN, time(2, 30), "Europe/Berlin", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
        (BERLIN_AUTUMN, time(2, 0), "Europe/Berlin", datetime(2027, 10, 31, 0, 0, tzinfo=UTC)),
        (NEW_YORK_AUTUMN, time(1, 30), "America/New_York",
         datetime(2027, 11, 7, 5, 30, tzinfo=UTC)),
        # either side of the changes
        (BERLIN_SPRING, time(1, 59), "Europe/Berlin", datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),
        (BERLIN_SPRING, time(3, 0), "Europe/Berlin", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
        (BERLIN_AUTUMN, time(3, 0), "Europe/Berlin", datetime(2027, 10, 31, 2, 0, tzinfo=UTC)),
        (NEW_YORK_SPRING, time(3, 0), "America/New_York",
         datetime(2027, 3, 14, 7, 0, tzinfo=UTC)),
        (NEW_YORK_AUTUMN, time(2, 0), "America/New_York",
         datetime(2027, 11, 7, 7, 0, tzinfo=UTC)),
    ],
)
def test_local_times_resolve_to_the_expected_instant(day, at, zone_name, expected):
    assert local_to_utc(day, at, zone_name) == expected


def test_the_fold_resolves_to_the_earlier_of_the_two_instants():
    zone = ZoneInfo("Europe/Berlin")
    first = datetime(2027, 10, 31, 2, 30, tzinfo=zone, fold=0).astimezone(UTC)
    second = datetime(2027, 10, 31, 2, 30, tzinfo=zone, fold=1).astimezone(UTC)
    assert second - first == timedelta(hours=1)
    assert local_to_utc(BERLIN_AUTUMN, time(2, 30), "Europe/Berlin") == first


def test_an_unknown_zone_is_refused_on_the_zone_field():
    with pytest.raises(RuleViolation) as err:
        local_to_utc(date(2027, 3, 29), time(10, 0), "Mars/Olympus_Mons")
    assert err.value.field == "time_zone"


def test_the_result_is_aware_utc():
    instant = local_to_utc(date(2027, 3, 29), time(10, 0), "Europe/Berlin")
    assert instant.tzinfo is UTC
    assert instant == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
