"""Who may assess, and who may see which assessments (independence until one's own is in)."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.assessments.owing import owed_seat
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import is_hiring_manager_of
from coordinator.scheduling.models import Interview, PanelMember, Round


def can_assess(user: User, interview: Interview) -> bool:
    """Only the interviewers seated on the interview's panel."""
    return any(member.user_id == user.id for member in interview.panel)


def sees_every_assessment(user: User, job: Job) -> bool:
    """Recruiters, admins and the job's own hiring manager see all assessments."""
    return user.has_role(Role.admin, Role.recruiter) or is_hiring_manager_of(user, job)


def can_reopen(user: User) -> bool:
    """Recruiters and admins reopen a submitted assessment (with a recorded reason)."""
    return user.has_role(Role.admin, Role.recruiter)


def own_assessment_counts(user: User, candidacy: Candidacy) -> tuple[int, int]:
    """The user's seats on this candidacy's interviews: ``(pending, submitted)`` (one query).

    *Pending* counts the assessments the user owes of the candidacy (see :mod:`.owing`: every
    non-cancelled interview on whose panel they sit without a submitted assessment, including
    interviews recorded after the fact and interviews still to come: someone about to interview
    the candidate must not be anchored by what colleagues wrote). *Submitted* counts the user's
    submitted assessments of the candidacy.
    """
    row = db.session.execute(
        sa.select(
            sa.func.count(PanelMember.id).filter(owed_seat()),
            sa.func.count(Assessment.id),
        )
        .select_from(PanelMember)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .outerjoin(
            Assessment,
            sa.and_(
                Assessment.interview_id == PanelMember.interview_id,
                Assessment.interviewer_id == PanelMember.user_id,
                Assessment.state == AssessmentState.submitted,
            ),
        )
        .where(Round.candidacy_id == candidacy.id, PanelMember.user_id == user.id)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def pending_own_count(user: User, candidacy: Candidacy) -> int:
    """Interviews of this candidacy on whose panel the user sits without a submitted assessment."""
    return own_assessment_counts(user, candidacy)[0]


def can_see_others_assessments(user: User, candidacy: Candidacy) -> bool:
    """Read colleagues' submitted assessments of a candidacy.

    Independence comes first: whoever still owes an assessment of this candidacy (whatever their
    role) sees only their own. Otherwise recruiters, admins and the job's hiring manager see every
    submitted assessment, and panel members see them once they have submitted their own.
    """
    pending, submitted = own_assessment_counts(user, candidacy)
    if pending:
        return False
    return sees_every_assessment(user, candidacy.job) or submitted > 0


def can_view_assessments(user: User, interview: Interview) -> bool:
    """Reach an interview's assessments at all (own only, until submitted)."""
    return sees_every_assessment(user, interview.round.candidacy.job) or can_assess(user, interview)


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    """One assessment: its author always; others only once submitted, if they may see others'."""
    if assessment.interviewer_id == user.id:
        return True
    return assessment.is_submitted and can_see_others_assessments(
        user, assessment.interview.round.candidacy
    )


def can_chase_assessments(user: User) -> bool:
    """See every late assessment (the dashboard's list): recruiters and admins."""
    return user.has_role(Role.admin, Role.recruiter)
