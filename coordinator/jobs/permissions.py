"""Who may do what with jobs and their interview plans."""

from __future__ import annotations

from coordinator.accounts.models import Role, User
from coordinator.jobs.models import Job


def can_view_jobs(user: User) -> bool:
    """Every role reads the job list (a hiring manager's role gives nothing more on other jobs)."""
    return user.is_active and bool(user.roles)


def can_manage_jobs(user: User) -> bool:
    return user.has_role(Role.admin, Role.recruiter)


def is_hiring_manager_of(user: User, job: Job) -> bool:
    return job.hiring_manager_id is not None and job.hiring_manager_id == user.id


def can_view_job(user: User, job: Job) -> bool:
    return can_view_jobs(user)


def can_edit_job(user: User, job: Job) -> bool:
    return can_manage_jobs(user)


def can_view_pay_band(user: User, job: Job) -> bool:
    """Pay figures are for admins, recruiters and the job's own hiring manager."""
    return can_manage_jobs(user) or is_hiring_manager_of(user, job)
