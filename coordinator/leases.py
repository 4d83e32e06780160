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


def claim_statement(model: Any, pending: Any, *columns: Any) -> sa.Update:
    """One statement that takes up to ``batch_size`` due rows of ``model`` for this worker and
    returns their ``id`` and ``next_attempt_at`` (their order: sort by both), then ``columns``;
    run it with :func:`claim_parameters`. Built once, it is reused for every claim.

    On PostgreSQL the due rows are chosen ``FOR UPDATE SKIP LOCKED`` (a row changed meanwhile is
    checked again in its new version), so several workers never take the same row; SQLite runs
    the whole statement under its one write lock. Run on its own, autocommitted, it is the whole
    claim in one round trip, and the claimed rows come back with it.
    """
    now = sa.bindparam("claim_now", type_=model.next_attempt_at.type)
    free = (model.state == pending, sa.or_(model.lease_until.is_(None), model.lease_until < now))
    # MATERIALIZED and joined by primary key: the rows are chosen (and locked) once. As a plain
    # ``id IN (subquery)`` PostgreSQL may plan a semi-join that runs the LIMIT subquery again for
    # each candidate row, and so claim them all.
    due = (
        sa.select(model.id)
        .where(*free, model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id)
        .limit(sa.bindparam("claim_batch_size", type_=sa.Integer))
        .with_for_update(skip_locked=True)  # SQLite has one writer and renders nothing
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    table = model.__table__
    return (
        sa.update(table)
        .where(table.c.id == due.c.id)
        .values(
            lease_until=sa.bindparam("claim_lease_until", type_=model.lease_until.type),
            attempts=table.c.attempts + 1,
        )
        .returning(table.c.id, table.c.next_attempt_at, *columns)
    )


def claim_parameters(batch_size: int, now: datetime, lease: timedelta) -> dict[str, Any]:
    return {"claim_now": now, "claim_lease_until": now + lease, "claim_batch_size": batch_size}


def in_claim_order(rows: Any) -> list[Any]:
    """Claimed rows oldest due first (RETURNING gives them in no particular order)."""
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))


def claim_due(
    model: Any, pending: Any, batch_size: int, now: datetime, lease: timedelta
) -> list[int]:
    """Take up to ``batch_size`` due rows of ``model`` for this worker (commits the claim);
    their ids, oldest due first."""
    rows = (
        db.session.connection()
        .execute(claim_statement(model, pending), claim_parameters(batch_size, now, lease))
        .all()
    )
    db.session.commit()
    return [row.id for row in in_claim_order(rows)]


def release_statement(model: Any, pending: Any, ids: list[int], lease_until: datetime) -> sa.Update:
    """Give back claimed rows that this worker will not attempt now (the attempt is not
    counted); a row whose lease is no longer this worker's is left alone."""
    table = model.__table__
    return (
        sa.update(table)
        .where(table.c.id.in_(ids), table.c.state == pending, table.c.lease_until == lease_until)
        .values(lease_until=None, attempts=table.c.attempts - 1)
    )


def release_claims(model: Any, pending: Any, ids: list[int], lease_until: datetime) -> None:
    """:func:`release_statement`, committed."""
    db.session.connection().execute(release_statement(model, pending, ids, lease_until))
    db.session.commit()


def outcome_row(
    row_id: int,
    *,
    now: datetime,
    attempts: int,
    error: str | None,
    gave_up: bool,
    done: Any,
    pending: Any,
    failed: Any,
    done_at: str,
) -> dict[str, object]:
    """The UPDATE row recording one attempt: ``done`` (stamped in the column ``done_at``) when
    there is no ``error``; else ``failed`` if the worker ``gave_up``, or ``pending`` again,
    due after the backoff for ``attempts``. The lease is lifted either way."""
    if error is None:
        return {
            "id": row_id,
            "state": done,
            done_at: now,
            "lease_until": None,
            "last_error": None,
            "next_attempt_at": now,
        }
    return {
        "id": row_id,
        "state": failed if gave_up else pending,
        done_at: None,
        "lease_until": None,
        "last_error": error[:2000],
        "next_attempt_at": now + backoff(attempts),
    }
