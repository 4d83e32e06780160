"""Helpers for page tests: query counting and a small world with one object of each kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.db import db


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """``with count_queries() as statements:`` collects every SQL statement sent meanwhile."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def world(admin, recruiter, hiring_manager, interviewer, make_job, make_planned_round,
          make_candidate, make_candidacy) -> SimpleNamespace:
    """A job (hiring_manager hires for it) with one planned round, and one candidacy."""
    job = make_job(actor=recruiter, hiring_manager_id=hiring_manager.id)
    planned = make_planned_round(job, actor=recruiter)
    candidate = make_candidate(actor=recruiter)
    candidacy = make_candidacy(job=job, candidate=candidate, actor=recruiter)
    return SimpleNamespace(
        job=job, planned=planned, candidate=candidate, candidacy=candidacy,
        users={"admin": admin, "recruiter": recruiter, "hiring_manager": hiring_manager,
               "interviewer": interviewer},
    )

