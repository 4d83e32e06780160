"""Who may schedule, see interviews, and manage people's availability."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.candidates import permissions as candidate_permissions
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs import permissions as job_permissions
from coordinator.jobs.permissions import is_hiring_manager_of
from coordinator.scheduling.models import Interview, PanelMember, Round


def can_schedule(user: User) -> bool:
    """Recruiters (and admins) open rounds, book, move and cancel interviews."""
    return user.has_role(Role.admin, Role.recruiter)


def can_schedule_for(user: User, candidacy: Candidacy) -> bool:
    return can_schedule(user)


def is_panel_member(user: User, interview: Interview) -> bool:
    return any(member.user_id == user.id for member in interview.panel)


def sits_on_candidacy(user: User, candidacy: Candidacy) -> bool:
    """The user is (or was) on a panel of one of the candidacy's interviews."""
    return db.session.scalar(
        sa.select(sa.literal(True))
        .select_from(PanelMember)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == candidacy.id, PanelMember.user_id == user.id)
        .limit(1)
    ) is True


def can_view_interview(user: User, interview: Interview) -> bool:
    candidacy = interview.round.candidacy
    return (
        can_schedule(user)
        or is_hiring_manager_of(user, candidacy.job)
        or is_panel_member(user, interview)
    )


def can_manage_availability(user: User, target: User) -> bool:
    """Import busy time: admins, recruiters, and the person themself."""
    return user.id == target.id or user.has_role(Role.admin, Role.recruiter)


def can_set_working_hours(user: User, target: User) -> bool:
    return user.id == target.id or user.has_role(Role.admin)


def panel_job_ids(user: User) -> sa.Select[tuple[int]]:
    """The jobs of the interviews the user sits (or sat) on."""
    return (
        sa.select(Candidacy.job_id)
        .join(Round, Round.candidacy_id == Candidacy.id)
        .join(Interview, Interview.round_id == Round.id)
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .where(PanelMember.user_id == user.id)
    )


def panel_candidate_ids(user: User) -> sa.Select[tuple[int]]:
    """The candidates of the interviews the user sits (or sat) on."""
    return (
        sa.select(Interview.candidate_id)
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .where(PanelMember.user_id == user.id)
    )


def register() -> None:
    """Let panel members reach the candidacies, jobs and candidates they interview for."""
    if sits_on_candidacy not in candidate_permissions.VIEW_CANDIDACY_CHECKS:
        candidate_permissions.VIEW_CANDIDACY_CHECKS.append(sits_on_candidacy)
    if panel_job_ids not in job_permissions.CONNECTED_JOB_IDS:
        job_permissions.CONNECTED_JOB_IDS.append(panel_job_ids)
    if panel_candidate_ids not in candidate_permissions.CONNECTED_CANDIDATE_IDS:
        candidate_permissions.CONNECTED_CANDIDATE_IDS.append(panel_candidate_ids)


def can_manage_calendar_source(user: User, owner: User) -> bool:
    """A calendar source holds its owner's secret address or password: the owner and admins."""
    return user.id == owner.id or user.has_role(Role.admin)


def can_sync_calendar_source(user: User, owner: User) -> bool:
    """Asking for a fresh sync reveals nothing, and recruiters need it when they schedule."""
    return user.id == owner.id or user.has_role(Role.admin, Role.recruiter)
