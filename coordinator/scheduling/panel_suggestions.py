"""Who should sit on a round's panel: one seat per relationship the plan asks for, each with the
people who fit it best (their history in that relationship for this job, their load this week,
and whether the candidate met them before), and a distinct first pick per seat.

A fixed number of statements whatever the number of people, interviews or jobs: the people who
may sit on panels, their roles, their history for the job, their load this week, who the
candidate has met and the state of their calendars are each one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs.models import Relationship
from coordinator.scheduling import calendar_sources
from coordinator.scheduling.conflicts import local_week_bounds
from coordinator.scheduling.models import (
    CalendarSource,
    Interview,
    InterviewState,
    PanelMember,
    Round,
)
from coordinator.scheduling.operations import panel_people
from coordinator.timeutil import zone

#: How many people each seat suggests.
PER_SEAT = 3


@dataclass(frozen=True)
class Person:
    """One suggested person for one seat."""

    user: User
    relationship: Relationship
    #: Interviews this person sat in, in this relationship, for this job.
    times_in_relationship: int
    #: Interviews on their calendar in the week of the reference instant (viewer's week).
    week_load: int
    met_before: bool
    is_hiring_manager: bool
    #: "calendar last synced 3 days ago" (or its last error) when their calendar is not current.
    calendar_warning: str | None = None

    @property
    def user_id(self) -> int:
        return self.user.id


@dataclass
class SeatSuggestion:
    relationship: Relationship
    people: list[Person] = field(default_factory=list)
    pick: Person | None = None


def stale_calendar_warnings(
    sources: list[CalendarSource], now: datetime
) -> dict[int, str]:
    """For each user whose connected calendar failed or is stale, what to say next to them."""
    from coordinator.scheduling.todos import STALE_AFTER

    said: dict[int, str] = {}
    for source in sources:
        stale = (
            source.last_error is not None
            or (source.last_synced_at is None and source.created_at <= now - STALE_AFTER)
            or (source.last_synced_at is not None and source.last_synced_at <= now - STALE_AFTER)
        )
        if stale:
            text = calendar_sources.sync_status(source, now)
            if source.last_error:
                text += f": {source.last_error[:200]}"
            said[source.user_id] = text
    return said


def calendar_warnings(user_ids: list[int], now: datetime) -> dict[int, str]:
    """:func:`stale_calendar_warnings` for some users, in one query."""
    if not user_ids:
        return {}
    sources = list(
        db.session.scalars(sa.select(CalendarSource).where(CalendarSource.user_id.in_(user_ids)))
    )
    return stale_calendar_warnings(sources, now)


def suggest_panel(
    round_: Round,
    candidacy: Candidacy,
    *,
    now: datetime,
    zone_name: str,
    people: list[User] | None = None,
) -> list[SeatSuggestion]:
    """One seat per relationship the round's plan asks for, with suggested people, best first.

    Ranking within a seat: the job's hiring manager first for a hiring-manager seat (and last
    elsewhere); then people who already sat in that relationship for this job (most first),
    then for any job;
    then interviewers before other roles; then people the candidate has not met yet; then the
    lightest load this week; then by name. First picks are distinct people.
    """
    wanted = list(round_.planned_round.relationships)
    if not wanted:
        return []
    people = panel_people(with_roles=True) if people is None else people
    ids = [u.id for u in people]
    job_id = candidacy.job_id
    manager_id = candidacy.job.hiring_manager_id

    # Who sat in which relationship: for this job, and for any job (one query).
    history: dict[tuple[int, Relationship], int] = {}
    anywhere: dict[tuple[int, Relationship], int] = {}
    for user_id, relationship, for_job, count in db.session.execute(
        sa.select(PanelMember.user_id, PanelMember.relationship,
                  sa.func.sum(sa.case((Candidacy.job_id == job_id, 1), else_=0)),
                  sa.func.count())
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(Interview.state == InterviewState.scheduled, PanelMember.is_active.is_(True))
        .group_by(PanelMember.user_id, PanelMember.relationship)
    ):
        anywhere[(user_id, relationship)] = count
        if for_job:
            history[(user_id, relationship)] = int(for_job)

    week_start, week_end = local_week_bounds(now, zone(zone_name))
    load: dict[int, int] = {
        user_id: count
        for user_id, count in db.session.execute(
            sa.select(PanelMember.user_id, sa.func.count())
            .where(
                PanelMember.is_active.is_(True),
                PanelMember.starts_at >= week_start,
                PanelMember.starts_at < week_end,
            )
            .group_by(PanelMember.user_id)
        )
    }
    met = set(
        db.session.scalars(
            sa.select(PanelMember.user_id)
            .join(Interview, Interview.id == PanelMember.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .where(
                Round.candidacy_id == candidacy.id,
                Interview.state == InterviewState.scheduled,
                PanelMember.is_active.is_(True),
            )
            .distinct()
        )
    )
    warnings = calendar_warnings(ids, now)

    seats: list[SeatSuggestion] = []
    for relationship in wanted:
        is_hm_seat = relationship is Relationship.hiring_manager
        ranked = []
        for user in people:
            is_manager = user.id == manager_id
            person = Person(
                user=user,
                relationship=relationship,
                times_in_relationship=history.get((user.id, relationship), 0),
                week_load=load.get(user.id, 0),
                met_before=user.id in met,
                is_hiring_manager=is_manager,
                calendar_warning=warnings.get(user.id),
            )
            manager_rank = (0 if is_manager else 1) if is_hm_seat else (1 if is_manager else 0)
            key = (
                manager_rank,
                -person.times_in_relationship,
                -anywhere.get((user.id, relationship), 0),
                0 if user.has_role(Role.interviewer, Role.hiring_manager) else 1,
                1 if person.met_before else 0,
                person.week_load,
                user.name,
                user.id,
            )
            ranked.append((key, person))
        ranked.sort(key=lambda item: item[0])
        seats.append(SeatSuggestion(relationship, [p for _, p in ranked]))

    taken: set[int] = set()
    for seat in seats:
        seat.pick = next((p for p in seat.people if p.user_id not in taken), None)
        if seat.pick is not None:
            taken.add(seat.pick.user_id)
        # Keep the pick among the shown few.
        shown = seat.people[:PER_SEAT]
        if seat.pick is not None and seat.pick not in shown:
            shown = [seat.pick, *shown[: PER_SEAT - 1]]
        seat.people = shown
    return seats
