"""Shared parts of the benchmarks: a fresh app on a scratch database, timing, query counts, output.

Benchmarks print one line per figure, ``BENCH <name> <value> <unit>`` (API.md, Benchmarks).
"""

from __future__ import annotations

import logging
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# This checkout's code, whatever checkout the virtual environment was installed from.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from coordinator import create_app
from coordinator.db import db

#: Transaction bookkeeping is not a query the code under test asked for.
BOOKKEEPING = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@contextmanager
def scratch_app() -> Iterator[Flask]:
    """An app on a new SQLite database in a temporary folder, migrated to head.

    CSRF and rate limits are off so that the benchmark measures the work, not the guards.
    """
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
        directory = Path(folder)
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_DIR": str(directory / "mail"),
            "SMTP_HOST": "",
        })
        # Keep stdout and stderr to the figures: no "Running upgrade ..." lines from Alembic.
        logging.getLogger("alembic.runtime.migration").addFilter(
            lambda record: record.levelno >= logging.WARNING)
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


class QueryCounter:
    """Counts the statements an engine runs while attached (bookkeeping excluded)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.count = 0

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not BOOKKEEPING.match(statement):
            self.count += 1

    def __enter__(self) -> QueryCounter:
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)


@dataclass
class Measurement:
    timings_ms: list[float]
    queries_per_request: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)


def measure_get(client: FlaskClient, engine: sa.engine.Engine, path: str, *, requests: int = 50,
                warmup: int = 3, headers: dict[str, str] | None = None) -> Measurement:
    """Time ``requests`` GETs of ``path`` (after a few unmeasured ones) and count their queries."""
    for _ in range(warmup):
        _get(client, path, headers)
    timings = []
    with QueryCounter(engine) as counter:
        for _ in range(requests):
            started = time.perf_counter()
            _get(client, path, headers)
            timings.append((time.perf_counter() - started) * 1000)
    return Measurement(timings, counter.count / requests)


def _get(client: FlaskClient, path: str, headers: dict[str, str] | None) -> None:
    response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: "
                         f"{response.get_data(as_text=True)[:300]}")


def report(name: str, value: float, unit: str) -> None:
    """Print one figure: an int as it is, a float with two decimals."""
    text = str(value) if isinstance(value, int) else f"{value:.2f}"
    print(f"BENCH {name} {text} {unit}", flush=True)
