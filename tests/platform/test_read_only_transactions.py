"""A request's transaction that only read ends with COMMIT on PostgreSQL (psycopg forgets its
prepared statements at every ROLLBACK); anything that wrote, or holds unflushed changes, is still
left to the rollback at close."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.accounts.models import User
from coordinator.db import db, end_read_only_transaction


@pytest.fixture
def ends(app) -> Iterator[list[str]]:
    """How the engine's transactions ended (``commit`` / ``rollback``), in order."""
    seen: list[str] = []

    def on_commit(_conn: sa.engine.Connection) -> None:
        seen.append("commit")

    def on_rollback(_conn: sa.engine.Connection) -> None:
        seen.append("rollback")

    sa.event.listen(db.engine, "commit", on_commit)
    sa.event.listen(db.engine, "rollback", on_rollback)
    yield seen
    sa.event.remove(db.engine, "commit", on_commit)
    sa.event.remove(db.engine, "rollback", on_rollback)


@pytest.fixture
def own_session(app) -> Iterator[orm.Session]:
    """A session on the app's engine outside the test's wrapping transaction."""
    session = orm.Session(db.engine)
    yield session
    session.close()


def test_a_transaction_that_only_read_ends_with_commit_on_postgresql(
    own_session, ends, is_postgres
):
    own_session.execute(sa.select(sa.func.count()).select_from(User))

    end_read_only_transaction(own_session)

    if is_postgres:
        assert ends == ["commit"]
        assert not own_session.in_transaction()
    else:
        assert ends == []
        assert own_session.in_transaction()


def test_a_transaction_that_wrote_is_left_to_the_rollback(own_session, ends):
    own_session.execute(sa.text("CREATE TEMPORARY TABLE scratch_write (x INTEGER)"))

    end_read_only_transaction(own_session)

    assert ends == []
    assert own_session.in_transaction()
    own_session.close()
    assert ends == ["rollback"]


def test_unflushed_changes_are_not_committed(own_session, ends):
    own_session.execute(sa.select(sa.func.count()).select_from(User))
    own_session.add(User(email="pending@example.com", name="Pending"))

    end_read_only_transaction(own_session)

    assert ends == []
    assert own_session.in_transaction()


def test_a_session_without_a_transaction_is_left_alone(own_session, ends):
    end_read_only_transaction(own_session)

    assert ends == []
    assert not own_session.in_transaction()
