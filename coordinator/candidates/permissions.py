"""Who may do what with candidates and candidacies."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
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
    """The candidate's own page (every candidacy, editing): recruiters and admins."""
    return can_manage_candidates(user)


def can_list_candidates(user: User) -> bool:
    """Every role lists candidates; which ones it sees is :func:`visible_candidates_condition`."""
    return user.is_active and bool(user.roles)


def can_view_candidate_contact(user: User) -> bool:
    """A candidate's email and phone are for recruiters and admins only."""
    return can_manage_candidates(user)


#: Later domains add ways a user is connected to candidates (sitting on one of their interviews):
#: each gives a SELECT of those candidates' ids for the user.
CONNECTED_CANDIDATE_IDS: list[Callable[[User], sa.Select[tuple[int]]]] = []


def visible_candidates_condition(user: User) -> sa.ColumnElement[bool]:
    """The candidates ``user`` sees, as a WHERE clause on ``candidates``: all of them for
    recruiters and admins; otherwise the candidates for jobs they hire for and those of
    interviews they sit on."""
    if can_manage_candidates(user):
        return sa.true()
    hired_for = (sa.select(Candidacy.candidate_id).join(Job, Job.id == Candidacy.job_id)
                 .where(Job.hiring_manager_id == user.id))
    return sa.or_(Candidate.id.in_(hired_for),
                  *(Candidate.id.in_(connected(user)) for connected in CONNECTED_CANDIDATE_IDS))


def can_read_candidate(user: User, candidate: Candidate) -> bool:
    """Read a candidate's record (API): whoever the candidate is visible to."""
    if can_manage_candidates(user):
        return True
    return db.session.scalar(
        sa.select(sa.literal(True)).where(Candidate.id == candidate.id,
                                          visible_candidates_condition(user))
    ) is True


def can_edit_candidate(user: User, candidate: Candidate) -> bool:
    return can_manage_candidates(user)


def can_list_candidacies(user: User, job: Job) -> bool:
    """See who is a candidate for a job: recruiters, admins and the job's own hiring manager."""
    return can_manage_candidates(user) or is_hiring_manager_of(user, job)


def can_open_candidacy(user: User, job: Job) -> bool:
    return can_manage_candidates(user)
