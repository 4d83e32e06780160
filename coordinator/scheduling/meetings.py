"""Who met whom: met-before per interview, and which planned relationships the candidate met."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.jobs.models import Relationship
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.timeutil import utcnow


def met_before_map(candidacy_id: int) -> dict[int, set[int]]:
    """For each interview of a candidacy, the panel users the candidate met in an earlier one.

    "Earlier" means a non-cancelled interview of the same candidacy that started before it.
    """
    return met_before_and_last_end(candidacy_id)[0]


#: Every interview of a candidacy with its seats (an interview without any, once): built once.
_INTERVIEWS_AND_SEATS = (
    sa.select(Interview.id, Interview.starts_at, Interview.ends_at, Interview.state,
              PanelMember.user_id)
    .join(Round, Round.id == Interview.round_id)
    .outerjoin(PanelMember, PanelMember.interview_id == Interview.id)
    .where(Round.candidacy_id == sa.bindparam("candidacy_id"))
)


def met_before_and_last_end(candidacy_id: int) -> tuple[dict[int, set[int]], datetime | None]:
    """:func:`met_before_map` and when the candidacy's last scheduled interview ends (None
    without one), read with one statement."""
    rows = db.session.execute(_INTERVIEWS_AND_SEATS, {"candidacy_id": candidacy_id}).all()
    met_before = met_before_of_seats(
        (row.id, row.starts_at, row.state, row.user_id) for row in rows if row.user_id is not None
    )
    last_end = max(
        (row.ends_at for row in rows if row.state is InterviewState.scheduled), default=None
    )
    return met_before, last_end


def met_before_column() -> sa.ScalarSelect[Any]:
    """:func:`met_before_map`'s rule in SQL, for one interview: a column correlated to
    ``Interview`` (a statement reading interviews adds it), its panel users whom the candidate
    met in an earlier interview as ids separated by commas (NULL for none). "Earlier": a
    non-cancelled interview of the same candidacy that started before it. Tests hold it to
    :func:`met_before_map`."""
    other = sa.orm.aliased(Interview)
    seat = sa.orm.aliased(PanelMember)
    other_round = sa.orm.aliased(Round)
    own_round = sa.orm.aliased(Round)
    own_seat = sa.orm.aliased(PanelMember)
    return (
        sa.select(sa.func.aggregate_strings(sa.cast(seat.user_id, sa.String), ","))
        .select_from(seat)
        .join(other, other.id == seat.interview_id)
        .join(other_round, other_round.id == other.round_id)
        .where(
            other_round.candidacy_id
            == sa.select(own_round.candidacy_id)
            .where(own_round.id == Interview.round_id)
            .correlate(Interview)
            .scalar_subquery(),
            other.id != Interview.id,
            other.state == InterviewState.scheduled,
            other.starts_at < Interview.starts_at,
            seat.user_id.in_(
                sa.select(own_seat.user_id)
                .where(own_seat.interview_id == Interview.id)
                .correlate(Interview)
            ),
        )
        .correlate(Interview)
        .scalar_subquery()
    )


def met_before_in(rounds: Iterable[Round]) -> dict[int, set[int]]:
    """:func:`met_before_map` from a candidacy's rounds already loaded with their interviews
    and panels (all the candidacy's rounds, as :func:`~coordinator.scheduling.operations.rounds_of`
    gives them): no statement."""
    return met_before_of_seats(
        (interview.id, interview.starts_at, interview.state, member.user_id)
        for round_ in rounds
        for interview in round_.interviews
        for member in interview.panel
    )


def met_before_of_seats(
    seats: Iterable[tuple[int, datetime, InterviewState, int]],
) -> dict[int, set[int]]:
    """:func:`met_before_map` from (interview id, start, state, panel user id) of every seat of
    all a candidacy's interviews, read by the caller: no statement."""
    starts: dict[int, datetime] = {}
    panels: dict[int, set[int]] = {}
    live: set[int] = set()
    for interview_id, starts_at, state, user_id in seats:
        starts[interview_id] = starts_at
        panels.setdefault(interview_id, set()).add(user_id)
        if state is InterviewState.scheduled:
            live.add(interview_id)
    result: dict[int, set[int]] = {}
    for interview_id, start in starts.items():
        earlier: set[int] = set()
        for other_id in live:
            if other_id != interview_id and starts[other_id] < start:
                earlier |= panels[other_id]
        result[interview_id] = earlier & panels[interview_id]
    return result


def relationship_coverage(candidacy: Candidacy) -> dict[Relationship, str]:
    """For every relationship the job's plan asks for: ``met``, ``scheduled`` or ``not_met``."""
    planned = {r for p in candidacy.job.planned_rounds for r in p.relationships}
    rows = db.session.execute(
        sa.select(PanelMember.relationship, Interview.starts_at)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == candidacy.id, Interview.state == InterviewState.scheduled)
    ).all()
    now = utcnow()
    status: dict[Relationship, str] = {r: "not_met" for r in planned}
    for relationship, starts_at in rows:
        if starts_at <= now:
            status[relationship] = "met"
        elif status.get(relationship) != "met":
            status[relationship] = "scheduled"
    order = list(Relationship)
    return dict(sorted(status.items(), key=lambda item: order.index(item[0])))


def rounds_overview(candidacy: Candidacy) -> dict[str, object]:
    """What the candidacy page shows about rounds: rounds in plan order with interviews, the
    planned rounds not opened yet, who met whom, and relationship coverage."""
    from coordinator.jobs.operations import load_plan
    from coordinator.scheduling.operations import rounds_of

    load_plan(candidacy.job)
    rounds = rounds_of(candidacy)
    opened = {r.planned_round_id for r in rounds}
    return {
        "rounds": rounds,
        "unopened_rounds": [p for p in candidacy.job.planned_rounds if p.id not in opened],
        "met_before": met_before_in(rounds),
        "coverage": relationship_coverage(candidacy),
    }
