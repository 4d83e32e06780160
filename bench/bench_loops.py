"""The loop finder as calendars fill up: a day of 4 sessions, each 1 required + 1 of a pool of 4.

Pure ``find_loops`` over two weeks: sessions of 60, 45, 60 and 45 minutes with 15-minute breaks
(a 15-minute grid). Every person has 1,000 busy blocks (then 10,000), laid out as in
``bench_slots.py`` (meetings packed into two one-hour zones of each working day, plus evenings and
weekends), so the 10x calendars do ten times the work for about the same answer.

Figures: the median time of one search (``loop_finder_ms``), how much longer ten times the busy
blocks take (``loop_finder_growth_10x``), and the time merely to ``sorted()`` the same intervals
(``loop_finder_sort_floor_ms``) with the search's ratio to it (``loop_finder_vs_sort_floor``).

Run from the project folder: ``.venv/bin/python bench/bench_loops.py`` (or ``make bench``).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import bench_slots
from _common import report
from bench_slots import START, ZONES, calendar, median_ms

from coordinator.scheduling.loops import LoopRequest, SessionNeed, find_loops

DAYS = 14
SESSIONS = (60, 45, 60, 45)
POOL = 4
BREAK = timedelta(minutes=15)


def request(blocks: int) -> LoopRequest:
    bench_slots.DAYS = DAYS  # the calendars' busy time covers the two weeks searched
    sessions = []
    for n, minutes in enumerate(SESSIONS):
        seed = 10 * (n + 1)
        required = calendar(seed, ZONES[n % len(ZONES)], blocks, seed=seed)
        pool = [calendar(seed + m + 1, ZONES[(n + m + 1) % len(ZONES)], blocks, seed=seed + m + 1)
                for m in range(POOL)]
        sessions.append(SessionNeed(title=f"Session {n + 1}", duration=timedelta(minutes=minutes),
                                    required=[required], pool=pool, pool_size=1))
    return LoopRequest(
        starts_after=START,
        ends_before=START + timedelta(days=DAYS),
        sessions=sessions,
        break_=BREAK,
        candidate_zone=ZoneInfo("America/New_York"),
        limit=DAYS,
    )


def main() -> None:
    small, large = request(1_000), request(10_000)
    small_ms = median_ms(lambda: find_loops(small))
    large_ms = median_ms(lambda: find_loops(large))
    people = [p for s in small.sessions for p in (*s.required, *s.pool)]
    sort_ms = median_ms(lambda: [sorted(p.busy) for p in people])
    found_small, found_large = len(find_loops(small)), len(find_loops(large))
    print(f"# 4 sessions x (1 required + 1 of {POOL}), {DAYS} days, 15-minute grid: "
          f"{found_small} days with 1,000 blocks each, {found_large} with 10,000", flush=True)
    report("loop_finder_ms", small_ms, "ms")
    report("loop_finder_days_found", found_small, "days")
    report("loop_finder_growth_10x", large_ms / small_ms, "x")
    report("loop_finder_sort_floor_ms", sort_ms, "ms")
    report("loop_finder_vs_sort_floor", small_ms / sort_ms, "x")
    if found_small == 0 or found_large == 0:
        raise SystemExit("the benchmark's calendars leave no free day; it would measure nothing")


if __name__ == "__main__":
    main()
