"""Small input rules shared by every domain's operations."""

from __future__ import annotations

from coordinator.errors import RuleViolation

#: Ids are 32-bit integers on PostgreSQL; a larger number cannot name anything.
MAX_ID = 2**31 - 1


def text(field: str, value: str | None, max_length: int, required: bool = False) -> str:
    """Trimmed text of at most ``max_length`` characters (and not empty when ``required``)."""
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(field, "This field is required.")
    if len(value) > max_length:
        raise RuleViolation(field, f"At most {max_length} characters.")
    return value
