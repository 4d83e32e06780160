"""What the candidate's page shows, built from the candidacy into plain values.

The page's template receives only these values, never the models, so an interviewer's email
address, internal notes, an override or cancel reason, the pay band or another candidacy cannot
reach it by accident.

Decisions:

* an interview is *upcoming* until it ends, *past* after;
* a cancelled interview whose time is still ahead is listed as cancelled (so the candidate knows
  the slot no longer holds), without its panel, place or calendar file; one whose time has gone
  by is left out;
* the compensation notice shows while the job's plan has a compensation discussion that the
  candidacy has not held yet (no round opened for it, or its round is open and none of its
  interviews has ended); it never carries figures.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.invites import operations as invites
from coordinator.jobs.models import PlannedRound, Relationship, RoundKind
from coordinator.scheduling import meetings
from coordinator.scheduling.models import (
    CandidateAvailability,
    Interview,
    InterviewState,
    InviteResponse,
    PanelMember,
    Round,
    RoundState,
)

#: Bios are cut to this many characters on the page.
BIO_LENGTH = 400


@dataclass(frozen=True)
class Interviewer:
    name: str
    job_title: str
    relationship: Relationship
    bio: str
    met_before: bool


@dataclass(frozen=True)
class InterviewItem:
    id: int
    round_title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    video_url: str
    is_cancelled: bool
    discusses_compensation: bool
    interviewers: tuple[Interviewer, ...]
    #: The candidate's answer to the invite (``needs_action`` until they give one).
    response: InviteResponse = InviteResponse.needs_action

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class CompensationNotice:
    round_title: str
    #: When the discussion is booked; ``None`` while it is still to be scheduled.
    starts_at: datetime | None


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Overview:
    candidate_name: str
    candidate_zone: str
    job_title: str
    job_location: str
    upcoming: tuple[InterviewItem, ...]
    past: tuple[InterviewItem, ...]
    #: Rounds opened for the candidacy with nothing booked yet (titles).
    to_schedule: tuple[str, ...]
    compensation: CompensationNotice | None
    windows: tuple[Window, ...]
    #: Whom the candidate deals with (``COMPANY_NAME``, else the sender's domain).
    company: str = ""
    #: The candidacy's recruiter (else who booked the latest interview); empty when nobody is
    #: known (or inactive).
    #: Only the name: the page never shows a staff email address.
    recruiter_name: str = ""


def short_bio(text: str, limit: int = BIO_LENGTH) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _stage_notice(stage_state: object) -> CompensationNotice | None:
    """A stage opened without a compensation round (pay discussed inside another round)."""
    from coordinator.compensation.models import StageState

    if stage_state is StageState.open:
        return CompensationNotice("Compensation discussion", None)
    return None


@dataclass
class _Interview:
    """One interview's row of :func:`_page_rows`, with its panel's seats."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    video_url: str
    state: InterviewState
    response: InviteResponse
    scheduled_by_id: int | None
    seats: list[Any] = field(default_factory=list)

    @property
    def is_cancelled(self) -> bool:
        return self.state is InterviewState.cancelled


@dataclass
class _Round:
    id: int
    title: str
    kind: RoundKind
    state: RoundState
    planned_round_id: int
    interviews: list[_Interview] = field(default_factory=list)


@functools.cache
def _stage() -> sa.ScalarSelect[Any]:
    """The candidacy's compensation stage's state (NULL without one)."""
    from coordinator.compensation.models import CompensationStage

    return (
        sa.select(CompensationStage.state)
        .where(CompensationStage.candidacy_id == sa.bindparam("candidacy_id"))
        .scalar_subquery()
    )


@functools.cache
def _page_rows() -> sa.CompoundSelect:
    """One statement for the job's plan, the candidacy's rounds of it, their interviews (in time
    order) and panels (in seat order) with the interviewers shown, the candidacy's compensation
    stage, and then (``part`` 1) the windows the candidate said they can meet in, in time order:
    only the columns the page shows, read as plain rows (building ORM objects for them was most
    of the page's CPU). Built once per process (the statement keeps its cache key); built lazily
    because the compensation models import this package's peers."""
    stage = _stage()
    page = (
        sa.select(
            sa.literal_column("0").label("part"),
            PlannedRound.position.label("plan_position"),
            PlannedRound.id.label("plan_id"),
            PlannedRound.title.label("plan_title"),
            PlannedRound.kind.label("plan_kind"),
            Round.id.label("round_id"),
            Round.state.label("round_state"),
            Interview.id.label("interview_id"),
            Interview.title.label("interview_title"),
            Interview.starts_at.label("starts_at"),
            Interview.ends_at.label("ends_at"),
            Interview.location,
            Interview.video_url,
            Interview.state.label("interview_state"),
            Interview.candidate_response,
            Interview.scheduled_by_id,
            PanelMember.id.label("seat_id"),
            PanelMember.user_id,
            PanelMember.relationship,
            User.name,
            User.job_title,
            User.bio,
            stage.label("stage_state"),
        )
        .select_from(PlannedRound)
        .outerjoin(
            Round,
            sa.and_(
                Round.planned_round_id == PlannedRound.id,
                Round.candidacy_id == sa.bindparam("candidacy_id"),
            ),
        )
        .outerjoin(Interview, Interview.round_id == Round.id)
        .outerjoin(PanelMember, PanelMember.interview_id == Interview.id)
        .outerjoin(User, User.id == PanelMember.user_id)
        .where(PlannedRound.job_id == sa.bindparam("job_id"))
    )
    # The windows fill the same columns' places (derived from the page's, so that a column
    # added there needs nothing here): their times in starts_at and ends_at.
    filled = {
        "part": sa.literal_column("1"),
        "starts_at": CandidateAvailability.starts_at,
        "ends_at": CandidateAvailability.ends_at,
        "stage_state": stage,
    }
    windows = sa.select(
        *(filled.get(column.key, sa.null()) for column in page.selected_columns)
    ).where(CandidateAvailability.candidacy_id == sa.bindparam("candidacy_id"))
    return sa.union_all(page, windows).order_by(
        sa.literal_column("part"),
        sa.literal_column("plan_position"),
        sa.literal_column("plan_id"),
        sa.literal_column("round_id"),
        sa.literal_column("starts_at"),
        sa.literal_column("interview_id"),
        sa.literal_column("seat_id"),
    )


def _read(candidacy: Candidacy) -> tuple[list[Any], list[_Round], object, list[Any]]:
    """The job's plan (id, title, kind in plan order), the candidacy's rounds with interviews
    and seats, the compensation stage's state (``None`` without one), and the candidate's
    windows (rows with ``starts_at`` and ``ends_at``, in time order)."""
    connection = db.session.connection()
    rows = connection.execute(
        _page_rows(), {"candidacy_id": candidacy.id, "job_id": candidacy.job_id}
    ).all()
    plan: dict[int, Any] = {}
    rounds: dict[int, _Round] = {}
    interviews: dict[int, _Interview] = {}
    windows: list[Any] = []
    stage_state = None
    for row in rows:
        stage_state = row.stage_state
        if row.part == 1:
            windows.append(row)
            continue
        plan.setdefault(row.plan_id, row)
        if row.round_id is None:
            continue
        round_ = rounds.get(row.round_id)
        if round_ is None:
            round_ = rounds[row.round_id] = _Round(
                row.round_id, row.plan_title, row.plan_kind, row.round_state, row.plan_id
            )
        if row.interview_id is None:
            continue
        interview = interviews.get(row.interview_id)
        if interview is None:
            interview = interviews[row.interview_id] = _Interview(
                row.interview_id,
                row.interview_title,
                row.starts_at,
                row.ends_at,
                row.location,
                row.video_url,
                row.interview_state,
                row.candidate_response,
                row.scheduled_by_id,
            )
            round_.interviews.append(interview)
        if row.user_id is not None:
            interview.seats.append(row)
    if not rows:
        stage_state = db.session.scalar(sa.select(_stage()), {"candidacy_id": candidacy.id})
    return list(plan.values()), list(rounds.values()), stage_state, windows


def _item(interview: _Interview, round_: _Round, met: set[int]) -> InterviewItem:
    cancelled = interview.is_cancelled
    interviewers = (
        ()
        if cancelled
        else tuple(
            Interviewer(
                name=seat.name,
                job_title=seat.job_title,
                relationship=seat.relationship,
                bio=short_bio(seat.bio),
                met_before=seat.user_id in met,
            )
            for seat in interview.seats
        )
    )
    return InterviewItem(
        id=interview.id,
        # A session of an interview day carries its own title after the round's.
        round_title=f"{round_.title} — {interview.title}" if interview.title else round_.title,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        location="" if cancelled else interview.location,
        video_url="" if cancelled else interview.video_url,
        is_cancelled=cancelled,
        discusses_compensation=round_.kind is RoundKind.compensation_discussion,
        interviewers=interviewers,
        response=interview.response,
    )


def compensation_notice(
    plan: Sequence[Any], rounds: Sequence[_Round], stage_state: object, now: datetime
) -> CompensationNotice | None:
    """The compensation discussion still ahead of the candidacy, if its job plans one (``plan``:
    the job's planned rounds in order, with ``plan_id``, ``plan_title`` and ``plan_kind``)."""
    by_plan = {r.planned_round_id: r for r in rounds}
    for planned in plan:
        if planned.plan_kind is not RoundKind.compensation_discussion:
            continue
        round_ = by_plan.get(planned.plan_id)
        if round_ is None:
            return CompensationNotice(planned.plan_title, None)
        if round_.state is not RoundState.open:
            continue
        live = [i for i in round_.interviews if not i.is_cancelled]
        if any(i.ends_at <= now for i in live):
            continue
        return CompensationNotice(
            planned.plan_title, min((i.starts_at for i in live), default=None)
        )
    if any(p.plan_kind is RoundKind.compensation_discussion for p in plan):
        return None
    return _stage_notice(stage_state)


def build(candidacy: Candidacy, now: datetime) -> Overview:
    """Everything the candidate's page shows, in one statement whatever the history (the
    candidacy comes loaded with its candidate, job and recruiter)."""
    plan, rounds, stage_state, seen_windows = _read(candidacy)
    met = meetings.met_before_of_seats(
        (interview.id, interview.starts_at, interview.state, seat.user_id)
        for round_ in rounds
        for interview in round_.interviews
        for seat in interview.seats
    )
    upcoming: list[InterviewItem] = []
    past: list[InterviewItem] = []
    to_schedule: list[str] = []
    for round_ in rounds:
        if round_.state is RoundState.open and all(i.is_cancelled for i in round_.interviews):
            to_schedule.append(round_.title)
        for interview in round_.interviews:
            item = _item(interview, round_, met.get(interview.id, set()))
            if interview.ends_at > now:
                upcoming.append(item)
            elif not interview.is_cancelled:
                past.append(item)
    upcoming.sort(key=lambda i: (i.starts_at, i.id))
    past.sort(key=lambda i: (i.starts_at, i.id), reverse=True)
    windows = tuple(Window(w.starts_at, w.ends_at) for w in seen_windows if w.ends_at > now)
    candidate, job = candidacy.candidate, candidacy.job
    booked = [i for r in rounds for i in r.interviews]
    latest = max(booked, key=lambda i: i.id, default=None)
    return Overview(
        candidate_name=candidate.name,
        candidate_zone=candidate.time_zone,
        job_title=job.title,
        job_location=job.location,
        upcoming=tuple(upcoming),
        past=tuple(past),
        to_schedule=tuple(to_schedule),
        compensation=compensation_notice(plan, rounds, stage_state, now),
        windows=windows,
        company=invites.company_name(),
        recruiter_name=_recruiter_name(candidacy, latest),
    )


def _recruiter_name(candidacy: Candidacy, latest: _Interview | None) -> str:
    """The recruiter the candidate hears from: the candidacy's (when active), else who booked
    the latest interview (when active) — :func:`coordinator.invites.operations.recruiter_of`
    for the latest interview; with none booked, the candidacy's recruiter only."""
    owner = candidacy.recruiter
    if owner is not None and owner.is_active:
        return owner.name
    if latest is None or latest.scheduled_by_id is None:
        return ""
    booker = db.session.get(User, latest.scheduled_by_id)
    return booker.name if booker is not None and booker.is_active else ""
