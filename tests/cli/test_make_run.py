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
