"""Interview days (loops): suggestions for a round's day, and booking a whole day at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from flask import g
from pydantic import AwareDatetime, Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import Out, Schema, endpoint
from coordinator.api.scheduling import InterviewOut, SeatIn, _round, _seats, _users
from coordinator.api.schemas import TimeZone
from coordinator.db import db
from coordinator.scheduling import loops, operations
from coordinator.scheduling.permissions import can_schedule, can_schedule_for
from coordinator.timeutil import isoformat_z, utcnow

Ids = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=50)]


class LoopSessionNeedIn(Schema):
    title: Annotated[str, Field(max_length=200)]
    duration_minutes: Annotated[int, Field(ge=5, le=1440, description="At most 480; steps of 5")]
    interviewer_ids: Ids = Field(default_factory=list, description="Required interviewers")
    pool_ids: Ids = Field(default_factory=list, description="A pool to pick pool_size from")
    pool_size: Annotated[int, Field(ge=0, le=50)] = 0


class LoopSuggestionIn(Schema):
    sessions: Annotated[list[LoopSessionNeedIn], Field(min_length=1, max_length=20)]
    break_minutes: Annotated[int, Field(ge=0, le=1440)] = 0
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None
    allow_reorder: bool = Field(False, description="Sessions may be held in another order.")
    limit: Annotated[int, Field(ge=1, le=62)] = 10


class LoopSessionOut(Out):
    index: int
    title: str
    starts_at: str
    ends_at: str
    interviewer_ids: list[int]


class LoopDayOut(Out):
    starts_at: str
    ends_at: str
    score: float
    sessions: list[LoopSessionOut]


class LoopSessionIn(Schema):
    title: Annotated[str, Field(max_length=200)]
    starts_at: AwareDatetime
    duration_minutes: Annotated[int, Field(ge=5, le=1440)]
    panel: Annotated[list[SeatIn], Field(min_length=1, max_length=operations.MAX_PANEL)]


class LoopIn(Schema):
    multi_line = frozenset({"reason"})

    time_zone: TimeZone | None = Field(None, description="Display zone; default: the candidate's.")
    location: Annotated[str, Field(max_length=300)] = ""
    video_url: Annotated[str, Field(max_length=500)] = ""
    sessions: Annotated[list[LoopSessionIn], Field(min_length=1, max_length=20)]
    override_relationships: bool = False
    reason: Annotated[str, Field(max_length=1000)] | None = Field(
        None, description="Why the day departs from the plan (with override_relationships)."
    )


class LoopOut(Out):
    interviews: list[InterviewOut]


@endpoint(
    bp,
    "POST",
    "/rounds/<int:round_id>/loop-suggestions",
    summary="Days on which every session of a loop fits back to back, best first",
    allow=can_schedule,
    body=LoopSuggestionIn,
    response=list[LoopDayOut],
    tag="scheduling",
)
def loop_suggestions(round_id: int, body: LoopSuggestionIn) -> Any:
    round_ = _round(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    start = body.from_ or utcnow()
    specs = [
        loops.SessionSpec(
            title=s.title,
            duration_minutes=s.duration_minutes,
            required=_users(s.interviewer_ids, f"sessions.{i}.interviewer_ids"),
            pool=_users(s.pool_ids, f"sessions.{i}.pool_ids"),
            pool_size=s.pool_size,
        )
        for i, s in enumerate(body.sessions)
    ]
    days = loops.suggest_loops(
        round_,
        sessions=specs,
        break_minutes=body.break_minutes,
        starts_after=start,
        ends_before=body.to or start + timedelta(days=14),
        allow_reorder=body.allow_reorder,
        limit=body.limit,
    )
    return [
        LoopDayOut(
            starts_at=isoformat_z(d.starts_at) or "",
            ends_at=isoformat_z(d.ends_at) or "",
            score=d.score,
            sessions=[
                LoopSessionOut(
                    index=s.index,
                    title=s.title,
                    starts_at=isoformat_z(s.starts_at) or "",
                    ends_at=isoformat_z(s.ends_at) or "",
                    interviewer_ids=list(s.interviewer_ids),
                )
                for s in d.sessions
            ],
        )
        for d in days
    ]


@endpoint(
    bp,
    "POST",
    "/rounds/<int:round_id>/loops",
    summary="Book a whole day: every session or none",
    allow=can_schedule,
    body=LoopIn,
    response=LoopOut,
    status=201,
    errors=(409,),
    tag="scheduling",
)
def book_loop(round_id: int, body: LoopIn) -> Any:
    round_ = _round(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    booking = loops.book_loop(
        round_,
        actor=g.user,
        time_zone=body.time_zone or round_.candidacy.candidate.time_zone,
        location=body.location,
        video_url=body.video_url,
        sessions=[
            loops.LoopSession(
                title=s.title,
                starts_at=s.starts_at,
                duration_minutes=s.duration_minutes,
                panel=_seats(s.panel),
            )
            for s in body.sessions
        ],
        override_relationships=body.override_relationships,
        override_reason=body.reason,
    )
    db.session.commit()
    return LoopOut(interviews=[InterviewOut.of(c.interview, c.warnings) for c in booking.changes])
