"""PostgreSQL sessions are set up for short statements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.db import db


def test_postgresql_sessions_run_without_jit_compilation(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs COORDINATOR_TEST_DATABASE_URL (PostgreSQL)")
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
