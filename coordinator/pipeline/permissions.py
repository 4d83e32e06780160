"""Who may see a job's pipeline and act on it in bulk."""

from __future__ import annotations

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.jobs.models import Job
from coordinator.scheduling.permissions import can_schedule_for
from coordinator.shortlist.permissions import can_decide, can_reach_shortlists, can_view_shortlist


def can_reach_pipelines(user: User) -> bool:
    """Reach pipeline pages at all (recruiters, admins, hiring managers); each job is then
    checked with :func:`can_view_pipeline`."""
    return can_reach_shortlists(user)


def can_view_pipeline(user: User, job: Job) -> bool:
    """Recruiters, admins and the job's own hiring manager (those who see its shortlist)."""
    return can_view_shortlist(user, job)


def can_schedule_in_bulk(user: User, candidacy: Candidacy) -> bool:
    """Open next rounds and send self-scheduling links: those who schedule (recruiters)."""
    return can_schedule_for(user, candidacy)


def can_reject_in_bulk(user: User, candidacy: Candidacy) -> bool:
    """Reject: those who record decisions on the candidacy."""
    return can_decide(user, candidacy)
