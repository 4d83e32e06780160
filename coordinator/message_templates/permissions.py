from __future__ import annotations

from coordinator.accounts.models import Role, User


def can_edit_message_templates(user: User) -> bool:
    """Recruiters and admins word the mail candidates receive."""
    return user.has_role(Role.admin, Role.recruiter)
