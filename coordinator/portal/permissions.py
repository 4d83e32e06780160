"""Who may hand out a candidate's page link."""

from __future__ import annotations

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy


def can_issue_portal_links(user: User) -> bool:
    """Recruiters and admins issue candidates' page links (the API and the candidacy page)."""
    return user.has_role(Role.admin, Role.recruiter)


def can_issue_portal_link(user: User, candidacy: Candidacy) -> bool:
    return can_issue_portal_links(user)
