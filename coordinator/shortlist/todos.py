"""The shortlist to-dos: candidacies waiting for the hiring manager's decision, and candidacies
that passed a round (an ``advance`` decision) with no round opened since, for recruiters."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.owing import owed_seat
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.db import db
from coordinator.jobs.models import Job, JobState
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.scheduling.permissions import can_schedule
from coordinator.shortlist.models import Decision, Outcome
from coordinator.todos import SHOWN, Kind, ToDo, provider

AWAITING_DECISION = Kind("awaiting-decision", "Candidacies waiting for your decision", 35)
NEXT_ROUND = Kind("needs-next-round", "Passed a round, no next round yet", 45)

#: Candidacies still before a decision (an offer has been decided already).
UNDECIDED_STATES = (CandidacyState.active, CandidacyState.shortlisted)


def ready_for_decision(now: datetime) -> sa.ColumnElement[bool]:
    """The condition on ``Candidacy``: every live interview has ended, every assessment of them
    is in (:mod:`coordinator.assessments.owing`), and no decision came after the last one."""
    last_end = (
        sa.select(sa.func.max(Interview.ends_at))
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == Candidacy.id, Interview.state == InterviewState.scheduled)
        # Correlated explicitly: it is also used inside ``decided``, two levels down.
        .correlate(Candidacy)
        .scalar_subquery()
    )
    owed = (
        sa.select(PanelMember.id)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == Candidacy.id, owed_seat(started_by=now))
    )
    decided = sa.select(Decision.id).where(
        Decision.candidacy_id == Candidacy.id, Decision.created_at >= last_end
    )
    return sa.and_(
        Candidacy.state.in_(UNDECIDED_STATES),
        last_end.is_not(None),
        last_end <= now,
        ~sa.exists(owed),
        ~sa.exists(decided),
    )


def awaiting_decision(viewer: User, now: datetime) -> list[ToDo]:
    """Candidacies of the open jobs the viewer hires for that are ready for a decision."""
    candidacies = db.session.scalars(
        sa.select(Candidacy)
        .options(sa.orm.joinedload(Candidacy.candidate), sa.orm.contains_eager(Candidacy.job))
        .join(Job, Job.id == Candidacy.job_id)
        .where(
            Job.hiring_manager_id == viewer.id,
            Job.state == JobState.open,
            ready_for_decision(now),
        )
        .order_by(Candidacy.id)
        .limit(SHOWN)
    ).unique()
    return [
        ToDo(
            AWAITING_DECISION,
            candidacy.candidate.name,
            "shortlist.new_decision",
            {"job_id": candidacy.job_id, "candidacy_id": candidacy.id},
            detail=candidacy.job.title,
        )
        for candidacy in candidacies
    ]


def latest_decision() -> sa.Subquery:
    """Each candidacy's latest decision id."""
    return (
        sa.select(Decision.candidacy_id, sa.func.max(Decision.id).label("decision_id"))
        .group_by(Decision.candidacy_id)
        .subquery()
    )


def passed_without_next_round() -> sa.ColumnElement[bool]:
    """The condition on ``Candidacy``: its latest decision is ``advance`` and no round has been
    opened since (the one definition of "passed a round, no next round yet": the recruiter's
    to-do and the job's pipeline both use it)."""
    passed = sa.orm.aliased(Decision, name="passed")
    newer = sa.orm.aliased(Decision, name="newer")
    later_decision = sa.select(newer.id).where(
        newer.candidacy_id == passed.candidacy_id, newer.id > passed.id
    )
    later_round = sa.select(Round.id).where(
        Round.candidacy_id == passed.candidacy_id, Round.created_at >= passed.created_at
    )
    return sa.exists(
        sa.select(passed.id).where(
            passed.candidacy_id == Candidacy.id,
            passed.outcome == Outcome.advance,
            ~sa.exists(later_decision),
            ~sa.exists(later_round),
        )
    )


def needs_next_round(viewer: User, now: datetime) -> list[ToDo]:
    """Open candidacies whose latest decision is ``advance`` and that have no round opened since
    (for recruiters and admins, who open rounds)."""
    if not can_schedule(viewer):
        return []
    latest = latest_decision()
    rows = db.session.execute(
        sa.select(Candidacy, Decision.created_at)
        .options(sa.orm.joinedload(Candidacy.candidate))
        .join(latest, latest.c.candidacy_id == Candidacy.id)
        .join(Decision, Decision.id == latest.c.decision_id)
        .join(Job, Job.id == Candidacy.job_id)
        .options(sa.orm.contains_eager(Candidacy.job))
        .where(
            passed_without_next_round(),
            Candidacy.state.in_(UNDECIDED_STATES),
            Job.state == JobState.open,
        )
        .order_by(Decision.created_at, Candidacy.id)
        .limit(SHOWN)
    ).unique()
    return [
        ToDo(
            NEXT_ROUND,
            candidacy.candidate.name,
            "candidates.show_candidacy",
            {"candidacy_id": candidacy.id, "_anchor": "rounds"},
            detail=candidacy.job.title,
            since=decided_at,
        )
        for candidacy, decided_at in rows
    ]


def register() -> None:
    provider(AWAITING_DECISION)(awaiting_decision)
    provider(NEXT_ROUND)(needs_next_round)
