"""Calendar sync: one CalDAV calendar (a real Radicale server on loopback) holding 500 events, a
fifth of them weekly series, synced into a user's busy time.

Figures: ``calendar_sync_ms_500_events`` — a full sync (PROPFIND for the collection tag, the
time-range REPORT, expansion over 121 days, replacing the synced busy blocks, commit), median;
``calendar_sync_unchanged_ms`` — a sync of the same calendar when its CTag has not changed
(one PROPFIND, no REPORT, nothing replaced), median; ``calendar_sync_unchanged_ratio`` — the
second over the first (it must stay below 0.1).

Run from the project folder: ``.venv/bin/python bench/bench_calendar_sync.py`` (or ``make bench``).
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from _common import report, scratch_app

from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.scheduling import calendar_sources
from coordinator.scheduling.models import CalendarSourceKind
from coordinator.timeutil import freeze

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
EVENTS = 500
RUNS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(method: str, url: str, body: bytes | None = None) -> int:
    call = urllib.request.Request(url, data=body, method=method,
                                  headers={"Content-Type": "text/calendar; charset=utf-8"})
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


def event(n: int) -> bytes:
    start = NOW + timedelta(days=n % 90, hours=1 + n % 8)
    stamp = "%Y%m%dT%H%M%SZ"
    rule = "RRULE:FREQ=WEEKLY;COUNT=12\r\n" if n % 5 == 0 else ""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{n}@example.com\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:{start.strftime(stamp)}\r\n"
        f"DTEND:{(start + timedelta(minutes=45)).strftime(stamp)}\r\n{rule}"
        f"SUMMARY:Meeting {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="coordinator-radicale-") as folder:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
             "--storage-filesystem-folder", folder, "--auth-type", "none",
             "--rights-type", "authenticated", "--logging-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                if request("MKCOL", base + "/bench/") == 201:
                    break
                time.sleep(0.1)
            calendar = base + "/bench/work/"
            mkcalendar = urllib.request.Request(calendar, method="MKCALENDAR")
            urllib.request.urlopen(mkcalendar, timeout=10).close()
            for n in range(EVENTS):
                if request("PUT", f"{calendar}event-{n}.ics", event(n)) not in {200, 201, 204}:
                    raise SystemExit(f"could not store event {n}")
            run(calendar)
        finally:
            server.terminate()
            server.wait(10)


def run(calendar: str) -> None:
    with scratch_app() as app, app.app_context():
        app.config["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = True
        freeze(NOW)
        user = User(email="bench@example.com", name="Bench", time_zone="Europe/Berlin")
        db.session.add(user)
        db.session.flush()
        source = calendar_sources.set_source(user, actor=user, kind=CalendarSourceKind.caldav,
                                              url=calendar, username="bench", password="pw")
        db.session.commit()
        full, unchanged = [], []
        for _ in range(RUNS):
            source.etag = None  # forget the tag: the next sync fetches everything
            started = time.perf_counter()
            calendar_sources.sync_source(source)
            db.session.commit()
            full.append((time.perf_counter() - started) * 1000)
            if source.last_error:
                raise SystemExit(source.last_error)
        blocks = calendar_sources.synced_block_count(user)
        if blocks < EVENTS:
            raise SystemExit(f"only {blocks} busy blocks synced")
        for _ in range(RUNS):
            started = time.perf_counter()
            calendar_sources.sync_source(source)
            db.session.commit()
            unchanged.append((time.perf_counter() - started) * 1000)
        full_ms, unchanged_ms = statistics.median(full), statistics.median(unchanged)
        report("calendar_sync_ms_500_events", full_ms, "ms")
        report("calendar_sync_unchanged_ms", unchanged_ms, "ms")
        report("calendar_sync_unchanged_ratio", unchanged_ms / full_ms, "ratio")


if __name__ == "__main__":
    main()
