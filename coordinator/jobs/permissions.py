"""Who may do what with jobs and their interview plans."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.db import db
from coordinator.jobs.models import Job

#: Later domains add ways a user is connected to jobs they neither manage nor hire for (sitting on
#: one of a job's panels): each gives a SELECT of those jobs' ids for the user.
CONNECTED_JOB_IDS: list[Callable[[User], sa.Select[tuple[int]]]] = []


def can_view_jobs(user: User) -> bool:
    """Every role reads the job list; which jobs it shows is :func:`visible_jobs_condition`."""
    return user.is_active and bool(user.roles)


def can_manage_jobs(user: User) -> bool:
    return user.has_role(Role.admin, Role.recruiter)


def is_hiring_manager_of(user: User, job: Job) -> bool:
    return job.hiring_manager_id is not None and job.hiring_manager_id == user.id


def visible_jobs_condition(user: User) -> sa.ColumnElement[bool]:
    """The jobs ``user`` sees, as a WHERE clause on ``jobs``: every job for recruiters and
    admins; otherwise the jobs they hire for and those of interviews they sit on."""
    if can_manage_jobs(user):
        return sa.true()
    return sa.or_(Job.hiring_manager_id == user.id,
                  *(Job.id.in_(connected(user)) for connected in CONNECTED_JOB_IDS))


def can_view_job(user: User, job: Job) -> bool:
    if can_manage_jobs(user) or is_hiring_manager_of(user, job):
        return True
    return db.session.scalar(
        sa.select(sa.literal(True)).where(Job.id == job.id, visible_jobs_condition(user))
    ) is True


def can_edit_job(user: User, job: Job) -> bool:
    return can_manage_jobs(user)


def can_view_pay_band(user: User, job: Job) -> bool:
    """Pay figures are for admins, recruiters and the job's own hiring manager."""
    return can_manage_jobs(user) or is_hiring_manager_of(user, job)
