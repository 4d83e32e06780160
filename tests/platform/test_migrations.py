"""Migrations create exactly the schema the models describe, and downgrade cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from coordinator.db import db
from tests.conftest import PG_URL, _pg_url, make_app, scratch_database, worker_id


@pytest.fixture
def empty_app(tmp_path: Path):
    if PG_URL:
        url = scratch_database(f"{_pg_url(PG_URL).database}_migrations_{worker_id()}")
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    application = make_app(url, tmp_path)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_upgrade_to_head_matches_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_base_removes_every_table(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
