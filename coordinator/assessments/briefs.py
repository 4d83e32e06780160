"""The brief: what earlier rounds covered and who met the candidate, for the next interviewers.

It shows, for each earlier (non-cancelled) interview of the candidacy: the round, when, the
panel with their relationships, the criteria that round rated, and the notes interviewers marked
for later interviewers. Ratings and recommendations appear only for viewers allowed to see
others' assessments (see permissions.can_see_others_assessments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.assessments.operations import SHOWN
from coordinator.assessments.owing import seat_owes
from coordinator.assessments.permissions import can_see_others_assessments
from coordinator.db import db
from coordinator.jobs.models import Relationship
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.timeutil import utcnow


@dataclass
class BriefNote:
    author: str
    text: str


@dataclass
class BriefEntry:
    round_title: str
    starts_at: datetime
    panel: list[tuple[str, str, Relationship]]
    criteria: list[str]
    notes: list[BriefNote] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def brief_for(interview: Interview, viewer: User) -> list[BriefEntry]:
    candidacy = interview.round.candidacy
    earlier = list(
        db.session.scalars(
            sa.select(Interview)
            .join(Round, Round.id == Interview.round_id)
            .options(
                sa.orm.contains_eager(Interview.round).joinedload(Round.planned_round),
                sa.orm.selectinload(Interview.panel).joinedload(PanelMember.user),
            )
            .where(
                Round.candidacy_id == candidacy.id,
                Interview.id != interview.id,
                Interview.state == InterviewState.scheduled,
                Interview.starts_at < interview.starts_at,
            )
            .order_by(Interview.starts_at)
        ).unique()
    )
    if not earlier:
        return []
    assessments = list(
        db.session.scalars(
            sa.select(Assessment).options(*SHOWN).where(
                Assessment.interview_id.in_([i.id for i in earlier]),
                Assessment.state == AssessmentState.submitted,
            )
        ).unique()
    )
    show_ratings = can_see_others_assessments(viewer, candidacy)
    now = utcnow()
    entries = []
    for item in earlier:
        own = [a for a in assessments if a.interview_id == item.id]
        entries.append(
            BriefEntry(
                round_title=item.round.title,
                starts_at=item.starts_at,
                panel=[(m.user.name, m.user.job_title, m.relationship) for m in item.panel],
                criteria=_covered(item, own),
                notes=[
                    BriefNote(a.interviewer.name, a.notes_for_later)
                    for a in own
                    if a.notes_for_later
                ],
                assessments=own if show_ratings else [],
                missing=[
                    m.user.name
                    for m in item.panel
                    if seat_owes(item, m.user_id, own, started_by=now)
                ],
            )
        )
    return entries


def _covered(interview: Interview, submitted: list[Assessment]) -> list[str]:
    """What a round rated: the criteria its submitted assessments rated (titles as they were
    then), else the round's scorecard as it stands."""
    rated: dict[int, tuple[int, str]] = {}
    for assessment in submitted:
        for rating in assessment.ratings:
            rated.setdefault(rating.criterion_id, (rating.position, rating.criterion_title))
    if rated:
        return [title for _, title in sorted(rated.values())]
    return [c.title for c in interview.round.planned_round.criteria if not c.is_retired]
