"""Count the SQL statements a block of code runs: ``with count_queries() as queries: ...``.

The listener sits on the ``Engine`` class, so it sees every connection of every engine in this
process: the test's own connection (``tests/conftest.py`` binds sessions to it) and the sessions
that requests made through the test client open on it. Transaction bookkeeping (``BEGIN``,
``SAVEPOINT``, ``RELEASE SAVEPOINT``, ``ROLLBACK TO SAVEPOINT``, ``COMMIT``) is not counted: it
depends on how the test wraps transactions, not on what the code under test asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

BOOKKEEPING = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


class QueryLog:
    """The statements run while counting, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        lines = [f"{self.count} queries:"]
        lines.extend(f"  {n}. {' '.join(s.split())}" for n, s in enumerate(self.statements, 1))
        return "\n".join(lines)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not BOOKKEEPING.match(statement):
            self.statements.append(statement)


@contextmanager
def counting_queries() -> Iterator[QueryLog]:
    """Record the SQL statements executed inside the block, bookkeeping excluded."""
    log = QueryLog()
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", log._on_execute)
    try:
        yield log
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", log._on_execute)


@pytest.fixture
def count_queries() -> Callable[[], Any]:
    """``with count_queries() as queries: client.get(...)`` then ``queries.count``."""
    return counting_queries
