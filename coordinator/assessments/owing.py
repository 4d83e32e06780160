"""Who owes an assessment: the one definition that pages, briefs, lists, reminders and the
shortlist all use.

A panel seat **owes** an assessment while its interview is not cancelled and the seat's
interviewer has not submitted an assessment of it. Interviews booked ahead and interviews
recorded after the fact (``record_past``) count alike.

Two readings of the same rule:

- *due now* (``started_by=now``): only interviews that have started, since an assessment can be
  submitted only then. Waiting lists, "missing assessments", overdue lists and reminders use it.
- *to write* (``ended_by=now``): only interviews that have ended. The interviewer's own to-do
  lists an assessment from the moment the interview ends (not while it is still going on).
- *owed at all* (no ``started_by``): interviews still to come count too. Independence uses it:
  someone who will interview the candidate tomorrow must not be anchored today by what
  colleagues wrote, so colleagues' ratings, recommendations, scores and decision reasons stay
  withheld from them until they have submitted every assessment they owe of that candidacy.

:func:`owed_seat` is the rule in SQL; :func:`seat_owes` is the same rule for objects already
loaded (pages that hold a candidacy's interviews and assessments in memory).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.accounts.models import User
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round


def owed_seat(
    started_by: datetime | None = None,
    ended_by: datetime | None = None,
    *,
    live_interview: sa.FromClause | None = None,
    submitted: sa.FromClause | None = None,
) -> sa.ColumnElement[bool]:
    """The condition on ``PanelMember`` joined with its ``Interview``: this seat owes an
    assessment (of an interview started by ``started_by``, ended by ``ended_by``, when
    given).

    A query that has already read the interviews or the submitted assessments it needs may
    name them, e.g. common table expressions: ``live_interview`` (columns ``starts_at`` and
    ``ends_at``), the seat's interview among interviews already limited to non-cancelled
    ones (so the state is not tested again: a planner has no statistics on such a set, and
    a repeated test would make it expect almost no rows); ``submitted`` (columns
    ``interview_id`` and ``interviewer_id``), the submitted assessments, at least those of
    the seats' interviews.
    """
    if submitted is None:
        # An alias, so the test stays correlated to the seat alone in queries that join
        # assessments.
        mine = orm.aliased(Assessment)
        submitted_by_seat = sa.select(mine.id).where(
            mine.interview_id == PanelMember.interview_id,
            mine.interviewer_id == PanelMember.user_id,
            mine.state == AssessmentState.submitted,
        )
    else:
        submitted_by_seat = sa.select(submitted.c.interview_id).where(
            submitted.c.interview_id == PanelMember.interview_id,
            submitted.c.interviewer_id == PanelMember.user_id,
        )
    if live_interview is None:
        starts_at, ends_at = Interview.starts_at, Interview.ends_at
        conditions = [Interview.state == InterviewState.scheduled, ~sa.exists(submitted_by_seat)]
    else:
        starts_at, ends_at = live_interview.c.starts_at, live_interview.c.ends_at
        conditions = [~sa.exists(submitted_by_seat)]
    if started_by is not None:
        conditions.append(starts_at <= started_by)
    if ended_by is not None:
        conditions.append(ends_at <= ended_by)
    return sa.and_(*conditions)


def seat_owes(
    interview: Interview,
    user_id: int,
    assessments: Iterable[Assessment],
    started_by: datetime | None = None,
) -> bool:
    """:func:`owed_seat` for loaded objects: ``assessments`` are (at least) the interview's."""
    if interview.is_cancelled:
        return False
    if started_by is not None and interview.starts_at > started_by:
        return False
    return not any(
        a.interview_id == interview.id and a.interviewer_id == user_id and a.is_submitted
        for a in assessments
    )


def owed_seats(candidacy_ids: sa.Select[tuple[int]] | list[int]) -> sa.Select:
    """``(candidacy_id, interview_id, user_id)`` of every assessment anyone owes of these
    candidacies, earliest interview first (one statement; the candidacies may be a subquery)."""
    return (
        sa.select(Round.candidacy_id, Interview.id, PanelMember.user_id)
        .select_from(PanelMember)
        .join(Interview, Interview.id == PanelMember.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id.in_(candidacy_ids), owed_seat())
        .order_by(Interview.starts_at, Interview.id, PanelMember.user_id)
    )


def owed_interviews(
    user_id: int | sa.ColumnElement[int], candidacy_ids: sa.Select[tuple[int]] | list[int]
) -> sa.Select:
    """``(candidacy_id, interview_id)`` of every assessment the user ``user_id`` owes of these
    candidacies, earliest interview first (one statement; the candidacies may be a subquery,
    the user id a bound parameter of a statement built once). Someone with no panel seat at
    all (most recruiters) owes nothing: the statement tests that first, once, by index, so
    their read walks none of the candidacies' interviews (the test is not correlated; the
    database evaluates it before any seat)."""
    any_seat = orm.aliased(PanelMember)
    return (
        owed_seats(candidacy_ids)
        .with_only_columns(Round.candidacy_id, Interview.id.label("interview_id"))
        .where(PanelMember.user_id == user_id, sa.exists().where(any_seat.user_id == user_id))
    )


def withheld_from(user: User, candidacy_ids: sa.Select[tuple[int]] | list[int]) -> dict[int, int]:
    """The candidacies (of those given) whose colleagues' findings are withheld from ``user``,
    each with the interview whose assessment the user owes first (one query)."""
    found: dict[int, int] = {}
    for candidacy_id, interview_id in db.session.execute(owed_interviews(user.id, candidacy_ids)):
        found.setdefault(candidacy_id, interview_id)
    return found


def first_owed(user: User, candidacy: Candidacy) -> int | None:
    """The interview whose assessment ``user`` owes first of this candidacy, else None."""
    return withheld_from(user, [candidacy.id]).get(candidacy.id)


def owes_assessment(user: User, candidacy: Candidacy) -> bool:
    """Whether ``user`` still owes an assessment of this candidacy (interviews to come count)."""
    return first_owed(user, candidacy) is not None
