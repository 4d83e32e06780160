"""Who may do what with calendar feeds."""

from __future__ import annotations

from coordinator.accounts.models import User


def can_manage_feed(user: User, owner: User) -> bool:
    """A feed shows its owner's interviews, so only the owner makes, sees and revokes it."""
    return user.id == owner.id
