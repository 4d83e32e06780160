"""Write audit rows in the caller's transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.audit.models import AuditEvent
from coordinator.db import db


def record(actor: User | None, action: str, obj: Any, *, candidacy_id: int | None = None,
           **details: Any) -> AuditEvent:
    """Append an audit event for ``obj`` (any model with an ``id``; flushed first if new)."""
    if getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(**_values(actor, action, obj, candidacy_id, details))
    db.session.add(event)
    return event


_INSERT = sa.insert(AuditEvent.__table__)


def record_now(actor: User | None, action: str, obj: Any, *, candidacy_id: int | None = None,
               **details: Any) -> None:
    """:func:`record`'s row, inserted at once with one Core statement (``obj`` must have its
    id): for hot paths that need no ``AuditEvent`` object, so no flush has to write it."""
    db.session.execute(_INSERT, _values(actor, action, obj, candidacy_id, details))


def _values(actor: User | None, action: str, obj: Any, candidacy_id: int | None,
            details: dict[str, Any]) -> dict[str, Any]:
    """An audit row's column values (``at`` is the column default)."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": type(obj).__tablename__,
        "object_id": obj.id,
        "candidacy_id": candidacy_id,
        "details": _jsonable(details),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
