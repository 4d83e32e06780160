"""Domain errors: what an operation raises when a rule or a permission says no."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error an operation raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.title)
        self.message = message or self.title


class NotFound(DomainError):
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class RuleViolation(DomainError):
    """Input broke a rule; ``field`` names the form field or dotted API path it belongs to."""

    status = 422
    title = "Invalid input"

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, list[str]] = {field or "_": [message]}

    @classmethod
    def many(cls, errors: dict[str, list[str]]) -> RuleViolation:
        first_field, messages = next(iter(errors.items()))
        err = cls(first_field, messages[0])
        err.errors = errors
        return err


class MalformedInput(RuleViolation):
    """A parameter that is not of the shape asked for at all (``?page=abc``): 400, not 422."""

    status = 400
    title = "Malformed request"


class Conflict(DomainError):
    """The request conflicts with existing state; ``conflicts`` says with what."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, conflicts: list[dict[str, Any]] | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.conflicts = conflicts or [{"kind": "conflict", "detail": message}]


class Gone(DomainError):
    """The thing existed but may no longer be used (an expired link, a closed candidacy)."""

    status = 410
    title = "Gone"
