"""Where each candidacy of a job stands: its current round and its pipeline status.

A candidacy's **current round** is its opened (not cancelled) round furthest along the job's plan;
candidacies with no round yet have none. Its **status** is the first of these that holds:

- ``closed``: rejected or withdrawn;
- ``offer``: the candidacy is at ``offer`` or ``hired``, or its compensation stage was opened
  (open or concluded);
- ``scheduled``: a live interview has not ended yet;
- ``awaiting_assessments``: an interview has started and an assessment of it is still owed
  (:func:`coordinator.assessments.owing.owed_seat`);
- ``ready_for_decision``: every assessment is in and nothing was decided since
  (:func:`coordinator.shortlist.todos.ready_for_decision`, the hiring manager's to-do);
- ``waiting_to_schedule``: it passed a round and has no next round
  (:func:`coordinator.shortlist.todos.passed_without_next_round`, the recruiter's to-do), has no
  round yet, or its current round is open with no interview booked;
- ``on_hold``: anything else (held by a decision, or a round closed without one).

Statuses are computed in SQL, so filtering, counting and paginating take a fixed number of
statements however many candidacies a job has: the plan, the counts, and one page of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.assessments.owing import owed_seat
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.compensation.models import CompensationStage
from coordinator.db import TitledEnum, db
from coordinator.jobs.models import Job, PlannedRound
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round, RoundState
from coordinator.scheduling.selfschedule import SelfScheduleRequest, SelfScheduleState
from coordinator.shortlist.todos import passed_without_next_round, ready_for_decision

#: Candidacy states shown unless the filter asks for others: those still in play.
DEFAULT_STATES = (CandidacyState.active, CandidacyState.shortlisted, CandidacyState.offer)
#: The round filter's value for candidacies that have no round yet.
NO_ROUND = "none"


class Status(TitledEnum):
    waiting_to_schedule = "waiting_to_schedule", "Waiting to schedule"
    scheduled = "scheduled", "Scheduled"
    awaiting_assessments = "awaiting_assessments", "Awaiting assessments"
    ready_for_decision = "ready_for_decision", "Ready for decision"
    offer = "offer", "Offer"
    on_hold = "on_hold", "On hold"
    closed = "closed", "Closed"


@dataclass(frozen=True)
class Filters:
    """Which candidacies to list; an empty ``statuses`` means every status."""

    statuses: tuple[Status, ...] = ()
    #: The current round (a planned round of the job), or :data:`NO_ROUND`, or None for any.
    round: int | str | None = None
    states: tuple[CandidacyState, ...] = DEFAULT_STATES
    #: Part of the candidate's name (case-insensitive).
    text: str = ""


@dataclass(frozen=True)
class NextStep:
    """Where the next step for a row is taken: a label and an endpoint with its values."""

    label: str
    endpoint: str
    values: dict[str, Any]


@dataclass
class Row:
    candidacy: Candidacy
    status: Status
    #: The current round's planned round and the round itself (None before the first round).
    round: PlannedRound | None
    round_id: int | None
    round_state: RoundState | None
    #: The first planned round after the current one (the first of the plan before any).
    next_round: PlannedRound | None
    #: The start of the earliest live interview that has not ended.
    next_interview_at: datetime | None
    #: The deadline of an open self-scheduling offer of the current round.
    offer_expires_at: datetime | None

    @property
    def candidate(self) -> Candidate:
        return self.candidacy.candidate

    def next_step(self, *, schedules: bool) -> NextStep:
        """Where to act on this row; ``schedules`` says whether the viewer schedules."""
        candidacy_id = self.candidacy.id
        candidacy_page = NextStep("Open candidacy", "candidates.show_candidacy",
                                  {"candidacy_id": candidacy_id})
        if self.status is Status.ready_for_decision:
            return NextStep("Decide", "shortlist.new_decision",
                            {"job_id": self.candidacy.job_id, "candidacy_id": candidacy_id})
        if not schedules:
            return candidacy_page
        round_page = NextStep(
            f"Schedule {self.round.title}" if self.round else "Open round",
            "scheduling.show_round", {"candidacy_id": candidacy_id, "round_id": self.round_id},
        )
        if self.status is Status.waiting_to_schedule:
            if self.round_id is not None and self.round_state is RoundState.open \
                    and not self.passed:
                return round_page
            if self.next_round is not None:
                return NextStep(f"Open {self.next_round.title}", "candidates.show_candidacy",
                                {"candidacy_id": candidacy_id, "_anchor": "rounds"})
            return NextStep("Decide", "shortlist.new_decision",
                            {"job_id": self.candidacy.job_id, "candidacy_id": candidacy_id})
        if self.status is Status.scheduled and self.round_id is not None:
            return NextStep(f"See {self.round.title if self.round else 'round'}",
                            "scheduling.show_round",
                            {"candidacy_id": candidacy_id, "round_id": self.round_id})
        return candidacy_page

    #: Set when the row waits because it passed its current round (a decision to advance).
    passed: bool = False


@dataclass
class Counts:
    by_status: dict[Status, int]
    #: (planned round or None for "no round yet", count) in plan order, rounds with none left out.
    by_round: list[tuple[PlannedRound | None, int]]
    #: Candidacies the state and name filters select (any status, any round).
    total: int


@dataclass
class Pipeline:
    job: Job
    plan: list[PlannedRound]
    counts: Counts
    rows: list[Row]
    #: Rows all filters select (every page).
    total: int
    page: int
    per_page: int


def _columns(job: Job, filters: Filters, now: datetime) -> sa.Subquery:
    """One row per candidacy of the job that the state and name filters select, with its
    status, its current round and what the page shows of it."""
    opened = (
        sa.select(Round.candidacy_id.label("candidacy_id"),
                  sa.func.max(PlannedRound.position).label("position"))
        .join(PlannedRound, PlannedRound.id == Round.planned_round_id)
        .where(PlannedRound.job_id == job.id, Round.state != RoundState.cancelled)
        .group_by(Round.candidacy_id)
        .subquery("opened")
    )
    current_plan = orm.aliased(PlannedRound, name="current_plan")
    current = orm.aliased(Round, name="current_round")
    live = Interview.state == InterviewState.scheduled
    next_interview_at = (
        sa.select(sa.func.min(Interview.starts_at))
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == Candidacy.id, live, Interview.ends_at > now)
        .scalar_subquery()
    )
    owed_now = sa.exists(
        sa.select(PanelMember.id)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == Candidacy.id, owed_seat(started_by=now))
    )
    booked = sa.exists(sa.select(Interview.id).where(Interview.round_id == current.id, live))
    has_stage = sa.exists(
        sa.select(CompensationStage.id).where(CompensationStage.candidacy_id == Candidacy.id)
    )
    offer_expires_at = (
        sa.select(sa.func.min(SelfScheduleRequest.expires_at))
        .where(SelfScheduleRequest.round_id == current.id,
               SelfScheduleRequest.state == SelfScheduleState.open,
               SelfScheduleRequest.expires_at > now)
        .scalar_subquery()
    )
    passed = passed_without_next_round()
    status = sa.case(
        (Candidacy.state.in_([CandidacyState.rejected, CandidacyState.withdrawn]),
         Status.closed.value),
        (Candidacy.state.in_([CandidacyState.offer, CandidacyState.hired]) | has_stage,
         Status.offer.value),
        (next_interview_at.is_not(None), Status.scheduled.value),
        (owed_now, Status.awaiting_assessments.value),
        (ready_for_decision(now), Status.ready_for_decision.value),
        (passed, Status.waiting_to_schedule.value),
        (opened.c.position.is_(None), Status.waiting_to_schedule.value),
        ((current.state == RoundState.open) & ~booked, Status.waiting_to_schedule.value),
        else_=Status.on_hold.value,
    )
    statement = (
        sa.select(
            Candidacy.id.label("candidacy_id"),
            status.label("status"),
            opened.c.position.label("position"),
            current.id.label("round_id"),
            current.state.label("round_state"),
            next_interview_at.label("next_interview_at"),
            offer_expires_at.label("offer_expires_at"),
            passed.label("passed"),
        )
        .select_from(Candidacy)
        .join(Candidate, Candidate.id == Candidacy.candidate_id)
        .outerjoin(opened, opened.c.candidacy_id == Candidacy.id)
        .outerjoin(current_plan, sa.and_(current_plan.job_id == job.id,
                                         current_plan.position == opened.c.position))
        .outerjoin(current, sa.and_(current.candidacy_id == Candidacy.id,
                                    current.planned_round_id == current_plan.id))
        .where(Candidacy.job_id == job.id, Candidacy.state.in_(filters.states))
    )
    if filters.text:
        statement = statement.where(Candidate.name.icontains(filters.text, autoescape=True))
    return statement.subquery("pipeline")


def _round_position(plan: Sequence[PlannedRound], wanted: int | str | None) -> int | bool | None:
    """The position the round filter selects: a position, None for "no round yet", or False
    when the filter names no round of this plan (then nothing matches)."""
    if wanted == NO_ROUND:
        return None
    for planned in plan:
        if planned.id == wanted:
            return planned.position
    return False


def build(job: Job, filters: Filters, *, now: datetime, page: int = 1,
          per_page: int = 50) -> Pipeline:
    """The job's pipeline: counts per status and per round (for the state and name filters),
    and one page of the rows all filters select, by candidate name (three statements)."""
    plan = list(job.planned_rounds)
    by_position = {p.position: p for p in plan}
    base = _columns(job, filters, now)

    by_status = dict.fromkeys(Status, 0)
    per_position: dict[int | None, int] = {}
    grid: dict[tuple[Status, int | None], int] = {}
    for status_value, position, count in db.session.execute(
        sa.select(base.c.status, base.c.position, sa.func.count())
        .group_by(base.c.status, base.c.position)
    ):
        status = Status(status_value)
        by_status[status] += count
        per_position[position] = per_position.get(position, 0) + count
        grid[(status, position)] = grid.get((status, position), 0) + count
    by_round: list[tuple[PlannedRound | None, int]] = []
    if per_position.get(None):
        by_round.append((None, per_position[None]))
    by_round += [(p, per_position[p.position]) for p in plan if per_position.get(p.position)]
    counts = Counts(by_status=by_status, by_round=by_round, total=sum(by_status.values()))

    conditions: list[sa.ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(base.c.status.in_([s.value for s in filters.statuses]))
    position: int | bool | None = None
    if filters.round is not None:
        position = _round_position(plan, filters.round)
        if position is False:
            conditions.append(sa.false())
        elif position is None:
            conditions.append(base.c.position.is_(None))
        else:
            conditions.append(base.c.position == position)
    total = sum(
        count for (status, at), count in grid.items()
        if (not filters.statuses or status in filters.statuses)
        and (filters.round is None or (position is not False and at == position))
    )

    rows: list[Row] = []
    if total:
        result = db.session.execute(
            sa.select(Candidacy, base.c.status, base.c.position, base.c.round_id,
                      base.c.round_state, base.c.next_interview_at, base.c.offer_expires_at,
                      base.c.passed)
            .join(base, base.c.candidacy_id == Candidacy.id)
            .join(Candidate, Candidate.id == Candidacy.candidate_id)
            .options(orm.contains_eager(Candidacy.candidate))
            .where(*conditions)
            .order_by(Candidate.name, Candidacy.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        for (candidacy, status_value, at, round_id, round_state, next_at, offer_at,
             passed) in result:
            later = [p for p in plan if at is None or p.position > at]
            rows.append(Row(
                candidacy=candidacy,
                status=Status(status_value),
                round=by_position.get(at) if at is not None else None,
                round_id=round_id,
                round_state=RoundState(round_state) if round_state is not None else None,
                next_round=later[0] if later else None,
                next_interview_at=next_at,
                offer_expires_at=offer_at,
                passed=bool(passed),
            ))
    return Pipeline(job=job, plan=plan, counts=counts, rows=rows, total=total, page=page,
                    per_page=per_page)

