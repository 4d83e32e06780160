"""Who may do what with calendar feeds."""

from __future__ import annotations

from coordinator.accounts.models import User
from coordinator.scheduling.models import PanelMember


def can_manage_feed(user: User, owner: User) -> bool:
    """A feed shows its owner's interviews, so only the owner makes, sees and revokes it."""
    return user.id == owner.id


def can_answer_invite(user: User, member: PanelMember) -> bool:
    """Only the person in the seat answers for it (the recruiter reads, never answers)."""
    return member.user_id == user.id
