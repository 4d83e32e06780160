"""Who may do what with candidates and candidacies."""

from __future__ import annotations

from collections.abc import Callable

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import is_hiring_manager_of


def can_manage_candidates(user: User) -> bool:
    return user.has_role(Role.admin, Role.recruiter)


def can_view_candidacies(user: User) -> bool:
    """Reach candidacy pages at all; each one is then checked with :func:`can_view_candidacy`."""
    return user.is_active and bool(user.roles)


def can_view_candidacy(user: User, candidacy: Candidacy) -> bool:
    """Recruiters and admins; the job's hiring manager; panel members (registered by scheduling)."""
    if can_manage_candidates(user) or is_hiring_manager_of(user, candidacy.job):
        return True
    return any(check(user, candidacy) for check in VIEW_CANDIDACY_CHECKS)


def can_edit_candidacy(user: User, candidacy: Candidacy) -> bool:
    return can_manage_candidates(user)


#: Later domains add ways a user is connected to a candidacy (e.g. sitting on one of its panels).
VIEW_CANDIDACY_CHECKS: list[Callable[[User, Candidacy], bool]] = []


def can_view_candidate(user: User, candidate: Candidate) -> bool:
    return can_manage_candidates(user)


def can_edit_candidate(user: User, candidate: Candidate) -> bool:
    return can_manage_candidates(user)


def can_list_candidacies(user: User, job: Job) -> bool:
    """See who is a candidate for a job: recruiters, admins and the job's own hiring manager."""
    return can_manage_candidates(user) or is_hiring_manager_of(user, job)


def can_open_candidacy(user: User, job: Job) -> bool:
    return can_manage_candidates(user)
