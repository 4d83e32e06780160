"""Who may assess, and who may see which assessments (independence until one's own is in)."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.jobs.permissions import is_hiring_manager_of
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round


def can_assess(user: User, interview: Interview) -> bool:
    """Only the interviewers seated on the interview's panel."""
    return any(member.user_id == user.id for member in interview.panel)


def sees_every_assessment(user: User, job: Job) -> bool:
    """Recruiters, admins and the job's own hiring manager see all assessments."""
    return user.has_role(Role.admin, Role.recruiter) or is_hiring_manager_of(user, job)


def can_reopen(user: User) -> bool:
    return user.has_role(Role.admin, Role.recruiter)


def pending_own_count(user: User, candidacy: Candidacy) -> int:
    """Interviews of this candidacy on whose panel the user sits without a submitted assessment.

    Future interviews count too: someone about to interview the candidate must not be anchored by
    what colleagues wrote.
    """
    submitted = sa.select(Assessment.interview_id).where(
        Assessment.interviewer_id == user.id, Assessment.state == AssessmentState.submitted
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PanelMember)
            .join(Interview, Interview.id == PanelMember.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .where(
                Round.candidacy_id == candidacy.id,
                PanelMember.user_id == user.id,
                Interview.state == InterviewState.scheduled,
                Interview.is_recorded_past.is_(False),
                Interview.id.not_in(submitted),
            )
        )
        or 0
    )


def can_see_others_assessments(user: User, candidacy: Candidacy) -> bool:
    if sees_every_assessment(user, candidacy.job):
        return True
    from coordinator.scheduling.permissions import sits_on_candidacy

    return sits_on_candidacy(user, candidacy) and pending_own_count(user, candidacy) == 0


def can_view_assessments(user: User, interview: Interview) -> bool:
    """Reach an interview's assessments at all (own only, until submitted)."""
    return sees_every_assessment(user, interview.round.candidacy.job) or can_assess(user, interview)
