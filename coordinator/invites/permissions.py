"""Who may do what with calendar feeds."""

from __future__ import annotations

from coordinator.accounts.models import Role, User
from coordinator.scheduling.models import PanelMember


def can_manage_feed(user: User, owner: User) -> bool:
    """A feed shows its owner's interviews, so only the owner makes, rotates and revokes it
    (and an admin, over the API, for someone who cannot)."""
    return user.id == owner.id or user.has_role(Role.admin)


def can_answer_invite(user: User, member: PanelMember) -> bool:
    """Only the person in the seat answers for it (the recruiter reads, never answers)."""
    return member.user_id == user.id
