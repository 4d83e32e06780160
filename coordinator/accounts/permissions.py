"""Who may do what with accounts."""

from __future__ import annotations

from coordinator.accounts.models import Role, User


def is_signed_in(user: User) -> bool:
    """Any active, signed-in user."""
    return user.is_active


def can_manage_users(user: User) -> bool:
    return user.has_role(Role.admin)


def can_list_users(user: User) -> bool:
    """Admins manage users; recruiters pick panels and hiring managers from them."""
    return user.has_role(Role.admin, Role.recruiter)


def can_view_user(user: User, target: User) -> bool:
    return user.id == target.id or can_list_users(user)


def can_edit_user(user: User, target: User) -> bool:
    return user.id == target.id or can_manage_users(user)


def can_set_limits(user: User, target: User) -> bool:
    return user.has_role(Role.admin, Role.recruiter)


def can_manage_tokens(user: User, owner: User) -> bool:
    """API tokens act as their owner, so only the owner creates, sees and revokes them."""
    return user.id == owner.id


def can_change_email(user: User, target: User) -> bool:
    """Only users themselves, with their password; admins edit addresses on the user form."""
    return user.id == target.id


def can_manage_sessions(user: User, owner: User) -> bool:
    """Signed-in browsers are listed and ended by their owner only."""
    return user.id == owner.id
