"""Claims with a lease, for the delivery workers (mail outbox, webhook deliveries).

A row a worker may take has ``id``, ``state``, ``attempts``, ``next_attempt_at`` and
``lease_until``. A worker claims due rows (pending, due, no lease running) by setting a lease and
counting the attempt; it gives back what it will not attempt now (the attempt not counted); and
it records each outcome as one primary-key UPDATE row, retrying a failure with exponential
backoff. Each worker keeps its own transport, its own outcome columns and how it writes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coordinator.db import db

BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at 2 hours."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_due(model: Any, pending: Any, batch_size: int, now: datetime,
              lease: timedelta) -> list[int]:
    """Take up to ``batch_size`` due rows of ``model`` for this worker (commits the claim).

    On PostgreSQL the rows are selected ``FOR UPDATE SKIP LOCKED``, so several workers never
    take the same row; the claim itself is one conditional update, so of two workers racing
    for a row (SQLite) only one gets it back. The ids come back oldest due first.
    """
    free = (model.state == pending,
            sa.or_(model.lease_until.is_(None), model.lease_until < now))
    statement = (sa.select(model.id)
                 .where(*free, model.next_attempt_at <= now)
                 .order_by(model.next_attempt_at, model.id)
                 .limit(batch_size))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(statement))
    if not ids:
        db.session.commit()
        return []
    taken = set(db.session.scalars(
        sa.update(model)
        .where(model.id.in_(ids), *free)
        .values(lease_until=now + lease, attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    return [row_id for row_id in ids if row_id in taken]


def release_claims(model: Any, pending: Any, ids: list[int], lease_until: datetime) -> None:
    """Give back claimed rows that this worker will not attempt now; the attempt is not
    counted."""
    db.session.execute(
        sa.update(model)
        .where(model.id.in_(ids), model.state == pending, model.lease_until == lease_until)
        .values(lease_until=None, attempts=model.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def outcome_row(row_id: int, *, now: datetime, attempts: int, error: str | None,
                gave_up: bool, done: Any, pending: Any, failed: Any,
                done_at: str) -> dict[str, object]:
    """The UPDATE row recording one attempt: ``done`` (stamped in the column ``done_at``) when
    there is no ``error``; else ``failed`` if the worker ``gave_up``, or ``pending`` again,
    due after the backoff for ``attempts``. The lease is lifted either way."""
    if error is None:
        return {"id": row_id, "state": done, done_at: now, "lease_until": None,
                "last_error": None, "next_attempt_at": now}
    return {"id": row_id, "state": failed if gave_up else pending, done_at: None,
            "lease_until": None, "last_error": error[:2000],
            "next_attempt_at": now + backoff(attempts)}
