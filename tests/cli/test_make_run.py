"""`make run`'s steps work on a fresh database: ``flask db upgrade`` then ``flask seed-demo``.

Run as real subprocesses against a scratch database: a temporary SQLite file, or a scratch
PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator import demo
from tests.conftest import PG_URL, _pg_url, scratch_database, worker_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'make-run.sqlite3'}"
        return
    name = f"{_pg_url(PG_URL).database}_make_run_{worker_id()}"
    yield scratch_database(name)
    admin = sa.create_engine(_pg_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COORDINATOR_", "FLASK_"))}
    env.update({
        "COORDINATOR_DATABASE_URL": database_url,
        "COORDINATOR_SECRET_KEY": "make-run-test-secret",
        "COORDINATOR_SMTP_HOST": "",
    })
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_db_upgrade_then_seed_demo_on_a_fresh_database_lists_the_demo_logins(fresh_database_url):
    upgraded = flask(fresh_database_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    seeded = flask(fresh_database_url, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "Demo data loaded." in seeded.stdout
    assert f"Demo logins (password for all: {demo.DEMO_PASSWORD}):" in seeded.stdout
    for email, name, *_ in demo.USERS:
        assert email in seeded.stdout
        assert name in seeded.stdout

    # `make run` seeds on every start: the second time loads nothing and still shows the logins.
    again = flask(fresh_database_url, "seed-demo")
    assert again.returncode == 0, again.stderr
    assert "nothing seeded" in again.stdout
    assert demo.USERS[0][0] in again.stdout


def make_run(tmp_path: Path, *args: str, **environment: str) -> list[str]:
    """`make run` with a stand-in ``flask`` that prints the base URL each step sees."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flask_stub = bin_dir / "flask"
    flask_stub.write_text('#!/bin/sh\necho "flask $1 sees ${COORDINATOR_BASE_URL:-unset}"\n')
    flask_stub.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COORDINATOR_", "FLASK_", "MAKE"))}
    env.update(environment)
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "run", f"BIN={bin_dir}", f"STAMP={stamp}", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("flask ")]


def test_make_run_points_mail_links_at_the_server_it_starts(tmp_path):
    seen = make_run(tmp_path, "PORT=5123")

    assert seen == [f"flask {step} sees http://127.0.0.1:5123"
                    for step in ("db", "seed-demo", "deliver-mail", "run")]


def test_make_run_keeps_a_configured_base_url(tmp_path):
    seen = make_run(tmp_path, "PORT=5123", COORDINATOR_BASE_URL="https://jobs.example.com")

    assert {line.rsplit(" ", 1)[1] for line in seen} == {"https://jobs.example.com"}
