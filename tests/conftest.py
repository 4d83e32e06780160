"""Test fixtures: one migrated database per worker, one rolled-back transaction per test.

SQLite by default; set COORDINATOR_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)
to run the same suite on PostgreSQL. Each xdist worker gets its own scratch database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from coordinator import create_app
from coordinator.db import db
from coordinator.timeutil import freeze

pytest_plugins = ["tests.factories", "tests.querycount"]

PG_URL = os.environ.get("COORDINATOR_TEST_DATABASE_URL", "")


def _pg_url(url: str) -> sa.engine.URL:
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


_SCRATCH: set[str] = set()


def scratch_database(name: str) -> str:
    """A fresh, empty database URL for the given name (PostgreSQL) — dropped and recreated, and
    dropped again when the test session ends."""
    base = _pg_url(PG_URL)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _SCRATCH.add(name)
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(_pg_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    _SCRATCH.discard(name or "")


@contextmanager
def committed_app(kind: str, name: str, folder: Path) -> Iterator[Flask]:
    """A migrated app on a database of its own whose sessions really commit, for tests where
    threads race each other. ``kind`` is "postgresql" (skips without a PostgreSQL URL) or
    "sqlite" (a file in ``folder``). The test's rolled-back session is set aside meanwhile."""
    if kind == "postgresql" and not PG_URL:
        pytest.skip("needs COORDINATOR_TEST_DATABASE_URL (PostgreSQL)")
    from flask_migrate import upgrade

    if kind == "postgresql":
        url = scratch_database(f"{_pg_url(PG_URL).database}_{name}_{worker_id()}")
    else:
        url = f"sqlite:///{folder / (name + '.sqlite3')}"
    test_session = db.session
    db.session = db._make_scoped_session({})
    app = make_app(url, folder)
    try:
        with app.app_context():
            upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        db.session = test_session
        if kind == "postgresql":
            drop_database(url)


def seed_booked_interview(starts_at: Any) -> Any:
    """A recruiter who books one interview (a job, its round, a candidate) on a committed app:
    data for migration tests. Returns the interview."""
    from coordinator.accounts import operations as accounts
    from coordinator.candidates import operations as candidates
    from coordinator.jobs import operations as jobs
    from coordinator.jobs.operations import PlannedRoundInput
    from coordinator.scheduling import operations as scheduling

    recruiter = accounts.create_user(actor=None, email="r@acme.example", name="Rita",
                                     roles={"recruiter", "interviewer"},
                                     password="correct horse battery staple")
    job = jobs.create_job(actor=recruiter, title="Engineer", pay_band_min="1",
                          pay_band_max="2", pay_band_currency="EUR")
    planned = jobs.add_planned_round(job, PlannedRoundInput(title="Team", relationships=[]),
                                     actor=recruiter)
    candidate = candidates.create_candidate(actor=recruiter, name="Cara",
                                            email="cara@example.com", time_zone="UTC")
    round_ = scheduling.open_round(candidates.open_candidacy(job, candidate, actor=recruiter),
                                   planned, actor=recruiter)
    return scheduling.schedule_interview(
        round_, actor=recruiter, starts_at=starts_at, duration_minutes=60, time_zone="UTC",
        panel=[scheduling.Seat(recruiter.id, "peer")], override_relationships=True,
        override_reason="test").interview


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not (PG_URL and _SCRATCH):
        return
    admin = sa.create_engine(_pg_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in sorted(_SCRATCH):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_RUN = uuid.uuid4().hex


def worker_id() -> str:
    """This run's and this worker's tag, so that two runs on one server never share databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", _RUN)[:8]
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"


@pytest.fixture(scope="session")
def is_postgres() -> bool:
    return bool(PG_URL)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        base = _pg_url(PG_URL)
        return scratch_database(f"{base.database}_coordinator_{worker_id()}")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(database_url: str, instance_path: Path, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://coordinator.test",
        "MAIL_FROM": "recruiting@coordinator.test",
        "MAIL_DIR": str(instance_path / "mail"),
        "SMTP_HOST": "",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path_factory.mktemp("instance"))
    application.test_client_class = IsolatedClient
    from flask_migrate import upgrade

    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (its own session), as in production.

    The test's own app context is set aside during the request and restored after it; the test's
    session is then expired so it reads what the request committed.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            response = super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
        if _cv_app.get(None) is not None:
            db.session.expire_all()
        return response


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks the engine by bind key; in tests use the test connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Wrap every test that touches the app in one outer transaction that is rolled back."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": ConnectionBoundSession}
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            freeze(None)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at its cheapest, so making users costs little; tests marked
    ``real_password_hashing`` keep the production parameters."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        from argon2 import PasswordHasher

        from coordinator.accounts import passwords

        monkeypatch.setattr(passwords, "_hasher",
                            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def limited_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app with rate limiting switched on (the suite's app has it off).

    Flask-Limiter keeps one state per process, so it is reset before and after, and other tests
    in this worker are not limited."""
    from coordinator.extensions import limiter

    was_enabled = limiter.enabled
    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True,
                       API_RATE_LIMIT="3 per minute")
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.enabled = was_enabled
    with limited.app_context():
        db.engine.dispose()


@pytest.fixture
def limited_client(limited_app: Flask) -> FlaskClient:
    return limited_app.test_client()
