"""Who may see a job's shortlist and record decisions."""

from __future__ import annotations

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import is_hiring_manager_of


def can_reach_shortlists(user: User) -> bool:
    """Reach shortlist pages at all (each job is then checked with :func:`can_view_shortlist`)."""
    return user.has_role(Role.admin, Role.recruiter, Role.hiring_manager)


def can_view_shortlist(user: User, job: Job) -> bool:
    return user.has_role(Role.admin, Role.recruiter) or is_hiring_manager_of(user, job)


def can_decide(user: User, candidacy: Candidacy) -> bool:
    """Recruiters, admins and the job's own hiring manager record decisions."""
    return can_view_shortlist(user, candidacy.job)
