"""Migrations create exactly the schema the models describe, and downgrade cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from coordinator.db import db
from tests.conftest import (
    PG_URL,
    _pg_url,
    committed_app,
    make_app,
    scratch_database,
    seed_booked_interview,
    worker_id,
)


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


def test_upgrade_to_head_gives_indexes_the_columns_they_cover(empty_app):
    """Alembic's comparison leaves out an index's INCLUDE columns (PostgreSQL only); the
    migrations must still create every covering index the models name."""
    if not PG_URL:
        pytest.skip("INCLUDE columns exist on PostgreSQL only")
    with empty_app.app_context():
        upgrade()
        wanted = {
            index.name: list(index.dialect_options["postgresql"]["include"])
            for table in db.metadata.tables.values()
            for index in table.indexes
            if index.dialect_options["postgresql"]["include"]
        }
        inspector = sa.inspect(db.engine)
        found = {
            index["name"]: index["dialect_options"]["postgresql_include"]
            for table in inspector.get_table_names()
            for index in inspector.get_indexes(table)
            if index["dialect_options"].get("postgresql_include")
        }
    assert wanted and found == wanted


def test_upgrade_to_head_compresses_cached_shortlists_with_lz4_where_the_server_has_it(empty_app):
    if not PG_URL:
        pytest.skip("column compression is PostgreSQL's")
    with empty_app.app_context():
        upgrade()
        has_lz4 = db.session.execute(sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'")).scalar()
        method = db.session.execute(sa.text(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'shortlist_caches'::regclass AND attname = 'payload'")).scalar()
    assert method == ("l" if has_lz4 else "")


def test_downgrade_to_base_removes_every_table(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


#: Tables whose rows hang off candidacies and interviews through ON DELETE CASCADE.
KEPT_TABLES = ("users", "jobs", "candidates", "candidacies", "rounds", "interviews",
               "panel_members", "invites")


def _counts() -> dict[str, int]:
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in KEPT_TABLES}


def test_migrating_down_and_up_keeps_every_row(tmp_path):
    """On SQLite a migration that alters a table copies it and drops the original; with foreign
    keys enforced that drop would cascade and empty every table below it."""
    from datetime import timedelta

    from coordinator.timeutil import utcnow

    kind = "postgresql" if PG_URL else "sqlite"
    with committed_app(kind, "keep_rows", tmp_path) as migrated_app, migrated_app.app_context():
        seed_booked_interview((utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0,
                                                                     microsecond=0))
        db.session.commit()
        before = _counts()
        db.session.commit()  # end the read, or WAL would show this snapshot again below
        downgrade(revision="2f1e678bc715")
        upgrade()
        after = _counts()
        db.session.commit()
    assert min(before.values()) > 0
    assert after == before
