"""Reading the audit log: a candidacy's history, and how each kind of event reads to a person."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from coordinator.audit.models import AuditEvent


def candidacy_history(candidacy_id: int) -> sa.Select[tuple[AuditEvent]]:
    """Every event recorded for a candidacy, newest first (the actor loads in the same query)."""
    return (
        sa.select(AuditEvent)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .where(AuditEvent.candidacy_id == candidacy_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def _state_changed(event: AuditEvent, *, with_reason: bool = True) -> str:
    details = event.details or {}
    text = (f"State changed from {_title(details.get('previous'))} "
            f"to {_title(details.get('state'))}")
    reason = details.get("reason") if with_reason else None
    return f"{text}: {reason}" if reason else text


def _title(value: object) -> str:
    return str(value or "?").replace("_", " ")


#: How an action reads in a history; later domains register their own actions here.
DESCRIPTIONS: dict[str, Callable[[AuditEvent], str]] = {
    "candidacy.opened": lambda event: "Candidacy opened",
    "candidacy.state_changed": _state_changed,
}


def describe(event: AuditEvent) -> str:
    """One line saying what happened, for people (unknown actions read from their code)."""
    describer = DESCRIPTIONS.get(event.action)
    if describer is not None:
        return describer(event)
    return event.action.replace(".", " ").replace("_", " ").capitalize()


def describe_without_reasons(event: AuditEvent) -> str:
    """:func:`describe` for a viewer from whom decision reasons are withheld: a state change
    (which repeats the reason of the decision that made it) is told without its reason."""
    if event.action == "candidacy.state_changed":
        return _state_changed(event, with_reason=False)
    return describe(event)
