"""What a viewer may see of a candidacy's assessments, round by round, for the next steps.

Per round: the assessments the viewer may read (independence: their own only until they owe
none), a criterion × interviewer table of scores with means, each interviewer's recommendation,
and who has not yet submitted. The query count does not depend on the number of rounds,
interviews, panel members or ratings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean

from coordinator.accounts.models import User
from coordinator.assessments.models import Assessment, Recommendation
from coordinator.assessments.operations import assessments_of_candidacy, visible_among
from coordinator.assessments.owing import seat_owes
from coordinator.assessments.permissions import (
    can_assess,
    can_reopen,
    own_assessment_counts,
    sees_every_assessment,
)
from coordinator.candidates.models import Candidacy
from coordinator.jobs.models import Relationship
from coordinator.scheduling.models import Interview, Round
from coordinator.scheduling.operations import rounds_of
from coordinator.timeutil import utcnow


@dataclass
class CriterionRow:
    """One criterion's scores across the visible assessments (``None``: not rated)."""

    criterion_id: int
    title: str
    scores: list[int | None]
    mean: float | None


@dataclass
class Waiting:
    """A panel seat whose assessment is not submitted."""

    interview: Interview
    user: User
    relationship: Relationship
    due_at: datetime
    is_late: bool
    has_draft: bool


@dataclass
class RoundAssessments:
    round: Round
    interviews: list[Interview]
    #: Visible assessments, in interview order; the table's columns.
    assessments: list[Assessment]
    rows: list[CriterionRow]
    recommendations: Counter[Recommendation]
    waiting: list[Waiting]
    #: Interviews not started yet (nothing to assess so far).
    upcoming: list[Interview]

    @property
    def submitted(self) -> list[Assessment]:
        return [a for a in self.assessments if a.is_submitted]


@dataclass
class CandidacyAssessments:
    rounds: list[RoundAssessments]
    #: The viewer reads colleagues' submitted assessments (else only their own).
    sees_others: bool
    #: Assessments of this candidacy the viewer still owes.
    pending_own: int
    can_reopen: bool
    now: datetime

    @property
    def is_blind(self) -> bool:
        return not self.sees_others


@dataclass
class InterviewAssessments:
    """The interview page's part: the viewer's own assessment and what else they may read."""

    interview: Interview
    is_panel_member: bool
    own: Assessment | None
    others: list[Assessment]
    sees_others: bool
    waiting: list[Waiting]
    can_reopen: bool
    due_at: datetime
    can_submit_now: bool
    rows: list[CriterionRow] = field(default_factory=list)
    #: The table's columns: the others' and, once they show, the viewer's own submitted one
    #: first (their own scores count in the means they see).
    table: list[Assessment] = field(default_factory=list)


def _due(interview: Interview, hours: int) -> datetime:
    return interview.ends_at + timedelta(hours=hours)


def _rows(assessments: list[Assessment]) -> list[CriterionRow]:
    """Criteria as the assessments rated them (titles copied then), in scorecard order."""
    found: dict[int, tuple[int, str]] = {}
    for assessment in assessments:
        for rating in assessment.ratings:
            found.setdefault(rating.criterion_id, (rating.position, rating.criterion_title))
    scores = [{r.criterion_id: r.score for r in a.ratings} for a in assessments]
    rows = []
    for criterion_id, (_position, title) in sorted(found.items(), key=lambda kv: kv[1]):
        cells = [by_criterion.get(criterion_id) for by_criterion in scores]
        counted = [
            score
            for score, a in zip(cells, assessments, strict=True)
            if score is not None and a.is_submitted
        ]
        rows.append(
            CriterionRow(criterion_id, title, cells, round(fmean(counted), 2) if counted else None)
        )
    return rows


def _waiting(
    interviews: list[Interview], every: list[Assessment], hours: int, now: datetime
) -> list[Waiting]:
    """Panel seats that owe an assessment now (:mod:`.owing`: the interview has started)."""
    state = {(a.interview_id, a.interviewer_id): a for a in every}
    waiting = []
    for interview in interviews:
        due = _due(interview, hours)
        for member in interview.panel:
            if not seat_owes(interview, member.user_id, every, started_by=now):
                continue
            assessment = state.get((interview.id, member.user_id))
            waiting.append(
                Waiting(
                    interview,
                    member.user,
                    member.relationship,
                    due,
                    due <= now,
                    assessment is not None,
                )
            )
    return waiting


def candidacy_assessments(viewer: User, candidacy: Candidacy) -> CandidacyAssessments:
    """Every round's assessments as ``viewer`` may see them (a constant number of queries)."""
    now = utcnow()
    rounds = rounds_of(candidacy)
    every = assessments_of_candidacy(candidacy)
    pending, submitted = own_assessment_counts(viewer, candidacy)
    sees_others = not pending and (sees_every_assessment(viewer, candidacy.job) or submitted > 0)
    visible = visible_among(every, viewer, sees_others)
    hours = candidacy.job.assessment_due_hours
    result = []
    for round_ in rounds:
        interviews = list(round_.interviews)
        ids = {i.id for i in interviews}
        shown = [a for a in visible if a.interview_id in ids]
        result.append(
            RoundAssessments(
                round=round_,
                interviews=interviews,
                assessments=shown,
                rows=_rows(shown),
                recommendations=Counter(
                    a.recommendation for a in shown if a.is_submitted and a.recommendation
                ),
                waiting=_waiting(
                    interviews, [a for a in every if a.interview_id in ids], hours, now
                ),
                upcoming=[i for i in interviews if not i.is_cancelled and i.starts_at > now],
            )
        )
    return CandidacyAssessments(
        rounds=result,
        sees_others=sees_others,
        pending_own=pending,
        can_reopen=can_reopen(viewer),
        now=now,
    )


def interview_assessments(viewer: User, interview: Interview) -> InterviewAssessments:
    """The viewer's own assessment of an interview and the others they may read."""
    now = utcnow()
    candidacy = interview.round.candidacy
    every = [a for a in assessments_of_candidacy(candidacy) if a.interview_id == interview.id]
    pending, submitted = own_assessment_counts(viewer, candidacy)
    sees_others = not pending and (sees_every_assessment(viewer, candidacy.job) or submitted > 0)
    own = next((a for a in every if a.interviewer_id == viewer.id), None)
    others = [a for a in visible_among(every, viewer, sees_others) if a is not own]
    table = ([own] if own is not None and own.is_submitted and others else []) + others
    hours = candidacy.job.assessment_due_hours
    on_panel = can_assess(viewer, interview)
    return InterviewAssessments(
        interview=interview,
        is_panel_member=on_panel,
        own=own,
        others=others,
        sees_others=sees_others,
        waiting=_waiting([interview], every, hours, now),
        can_reopen=can_reopen(viewer),
        due_at=_due(interview, hours),
        can_submit_now=interview.starts_at <= now and not interview.is_cancelled,
        rows=_rows(table),
        table=table,
    )
