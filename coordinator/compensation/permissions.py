"""Who may see and handle compensation figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coordinator.accounts.models import Role, User
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import is_hiring_manager_of

if TYPE_CHECKING:
    from coordinator.compensation.models import CompensationStage


def can_reach_compensation(user: User) -> bool:
    """Reach compensation routes at all (each job then checked by :func:`can_view_figures`)."""
    return user.has_role(Role.admin, Role.recruiter, Role.hiring_manager)


def can_view_figures(user: User, job: Job) -> bool:
    """Admins, recruiters and the job's own hiring manager — nobody else sees amounts."""
    return user.has_role(Role.admin, Role.recruiter) or is_hiring_manager_of(user, job)


def can_edit_stage(user: User, job: Job) -> bool:
    return can_view_figures(user, job)


def can_approve(user: User, job: Job) -> bool:
    """Admins and the job's hiring manager approve proposals outside the band (not their own)."""
    return user.has_role(Role.admin) or is_hiring_manager_of(user, job)


def can_decide_approval(user: User, stage: CompensationStage) -> bool:
    """Approve or refuse the stage's current proposal: an approver who did not propose it."""
    current = stage.current_proposal
    proposer = current.proposed_by_id if current is not None else None
    return can_approve(user, stage.candidacy.job) and proposer != user.id
