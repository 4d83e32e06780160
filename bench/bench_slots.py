"""The slot finder as calendars fill up: 5 required interviewers and a pool of 10 (k = 2).

Pure ``find_slots`` over four weeks, a 30-minute grid and 60-minute slots. Every person has
1,000 busy blocks (then 10,000): short meetings of 5 to 30 minutes packed into two one-hour
"meeting zones" of each working day (so free time remains when people's zones differ), plus
evenings and weekends. The 10x calendars fill the same zones more densely, so the finder does ten
times the work for about the same answer.

Figures: the median time of one search (``slot_finder_ms``), how much longer ten times the busy
blocks take (``slot_finder_growth_10x``), and the time merely to ``sorted()`` the same intervals
(``slot_finder_sort_floor_ms``), the floor any exact finder pays.

Run from the project folder: ``.venv/bin/python bench/bench_slots.py`` (or ``make bench``).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from _common import report

from coordinator.scheduling.slots import PersonCalendar, SlotRequest, find_slots

RUNS = 20
REQUIRED = 5
POOL = 10
POOL_SIZE = 2
#: Monday 1 March 2027 to Monday 29 March 2027 (Berlin changes its clocks on the 28th).
START = datetime(2027, 3, 1, tzinfo=UTC)
DAYS = 28
ZONES = ["Europe/Berlin", "Europe/Berlin", "Europe/London", "Europe/Berlin", "Europe/Paris"]
MEETING_ZONES_PER_DAY = 2
#: Share of the blocks that fall in evenings and at weekends, outside working hours.
OFF_HOURS_SHARE = 0.1


def _local(day: datetime, minute: int, zone: ZoneInfo) -> datetime:
    """``minute`` minutes after local midnight of ``day``'s date, in UTC."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute)
    return local.astimezone(UTC)


def calendar(user_id: int, zone_name: str, blocks: int, seed: int) -> PersonCalendar:
    """A person with ``blocks`` busy blocks; the layout depends on the seed, not on ``blocks``."""
    layout = random.Random(seed)  # the meeting zones: the same for 1,000 and 10,000 blocks
    fill = random.Random(seed * 7919 + blocks)
    zone = ZoneInfo(zone_name)
    days = [START + timedelta(days=n) for n in range(DAYS)]
    workdays = [d for d in days if d.weekday() < 5]
    meeting_zones = []
    for day in workdays:
        hours = layout.sample(range(9 * 60, 16 * 60 + 1, 30), MEETING_ZONES_PER_DAY)
        meeting_zones += [(_local(day, m, zone), _local(day, m + 60, zone)) for m in hours]
    busy = []
    for n in range(blocks):
        length = timedelta(minutes=fill.choice((5, 10, 15, 15, 20, 25, 30)))
        if n % int(1 / OFF_HOURS_SHARE) == 0:
            day = fill.choice(days)
            minute = fill.randrange(18 * 60, 22 * 60) if day.weekday() < 5 else \
                fill.randrange(8 * 60, 20 * 60)
            begin = _local(day, minute, zone)
            busy.append((begin, begin + length))
            continue
        zone_start, zone_end = fill.choice(meeting_zones)
        offset = timedelta(minutes=fill.randrange(0, 60 - 5, 5))
        begin = zone_start + offset
        busy.append((begin, min(begin + length, zone_end)))
    fill.shuffle(busy)  # feeds do not arrive sorted
    return PersonCalendar(user_id=user_id, zone=zone, busy=busy)


def request(blocks: int) -> SlotRequest:
    required = [calendar(n + 1, ZONES[n % len(ZONES)], blocks, seed=n + 1)
                for n in range(REQUIRED)]
    pool = [calendar(100 + n, ZONES[n % len(ZONES)], blocks, seed=100 + n) for n in range(POOL)]
    return SlotRequest(
        starts_after=START,
        ends_before=START + timedelta(days=DAYS),
        duration=timedelta(minutes=60),
        required=required,
        pool=pool,
        pool_size=POOL_SIZE,
        granularity=timedelta(minutes=30),
        candidate_zone=ZoneInfo("America/New_York"),
        limit=1000,
    )


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    work()  # warm up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    small, large = request(1_000), request(10_000)
    small_ms = median_ms(lambda: find_slots(small))
    large_ms = median_ms(lambda: find_slots(large))
    people = [*small.required, *small.pool]
    sort_ms = median_ms(lambda: [sorted(p.busy) for p in people])
    found_small, found_large = len(find_slots(small)), len(find_slots(large))
    print(f"# {REQUIRED} required + {POOL_SIZE} of {POOL}, {DAYS} days, 30-minute grid, "
          f"60-minute slots: {found_small} slots with 1,000 blocks each, {found_large} with "
          f"10,000; {median_ms(lambda: find_slots(large), 3):.1f} ms for the 10x search",
          flush=True)
    report("slot_finder_ms", small_ms, "ms")
    report("slot_finder_slots_found", found_small, "slots")
    report("slot_finder_growth_10x", large_ms / small_ms, "x")
    report("slot_finder_sort_floor_ms", sort_ms, "ms")
    if found_small == 0 or found_large == 0:
        raise SystemExit("the benchmark's calendars leave no free slot; it would measure nothing")


if __name__ == "__main__":
    main()
