"""Rounds, interviews, slot suggestions, availability, working hours, limits and busy time."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import g, request
from pydantic import AwareDatetime, Field, RootModel
from sqlalchemy import orm

from coordinator.access import require
from coordinator.accounts.models import User
from coordinator.accounts.operations import get_user
from coordinator.accounts.permissions import can_set_limits, is_signed_in
from coordinator.api import bp
from coordinator.api.core import SPECS, Out, Schema, endpoint, parse_json_body
from coordinator.api.jobs import RelationshipName
from coordinator.api.schemas import TimeZone
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import get_candidacy
from coordinator.candidates.permissions import can_view_candidacy
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.invites import responses
from coordinator.invites.permissions import can_answer_invite
from coordinator.jobs.models import PlannedRound
from coordinator.jobs.operations import get_planned_round
from coordinator.scheduling import availability, meetings, operations, slots
from coordinator.scheduling.models import AvailabilitySource, Interview, Round
from coordinator.scheduling.permissions import (
    can_manage_availability,
    can_schedule,
    can_schedule_for,
    can_set_working_hours,
    can_view_interview,
)
from coordinator.timeutil import isoformat_z, utcnow

# --- shapes --------------------------------------------------------------------------------------


class RoundIn(Schema):
    planned_round_id: Annotated[int, Field(ge=1)]


class RoundOut(Out):
    id: int
    candidacy_id: int
    planned_round_id: int
    position: int
    title: str
    kind: Literal["interview", "compensation_discussion"]
    state: Literal["open", "done", "cancelled"]
    interview_ids: list[int]

    @classmethod
    def of(cls, round_: Round) -> RoundOut:
        return cls(
            id=round_.id,
            candidacy_id=round_.candidacy_id,
            planned_round_id=round_.planned_round_id,
            position=round_.position,
            title=round_.title,
            kind=round_.kind.value,
            state=round_.state.value,
            interview_ids=[i.id for i in round_.interviews],
        )


class RoundList(Out):
    items: list[RoundOut]


class SeatIn(Schema):
    user_id: Annotated[int, Field(ge=1)]
    relationship: RelationshipName


class InterviewIn(Schema):
    multi_line = frozenset({"reason"})

    starts_at: AwareDatetime
    duration_minutes: Annotated[int, Field(ge=5, le=480)]
    time_zone: TimeZone | None = Field(None, description="Display zone; default: the candidate's.")
    location: Annotated[str, Field(max_length=300)] = ""
    video_url: Annotated[str, Field(max_length=500)] = ""
    panel: Annotated[list[SeatIn], Field(min_length=1, max_length=operations.MAX_PANEL)]
    override_relationships: bool = False
    reason: Annotated[str, Field(max_length=1000)] | None = Field(
        None, description="Why the panel departs from the plan (with override_relationships)."
    )
    record_past: bool = Field(
        False, description="Record an interview that already happened (no invites are sent)."
    )


class InterviewPatch(Schema):
    multi_line = frozenset({"reason"})

    starts_at: AwareDatetime | None = None
    duration_minutes: Annotated[int, Field(ge=5, le=480)] | None = None
    time_zone: TimeZone | None = None
    location: Annotated[str, Field(max_length=300)] | None = None
    video_url: Annotated[str, Field(max_length=500)] | None = None
    panel: Annotated[list[SeatIn], Field(min_length=1, max_length=operations.MAX_PANEL)] | None = (
        None
    )
    override_relationships: bool = False
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class CancelIn(Schema):
    multi_line = frozenset({"reason"})

    reason: Annotated[str, Field(min_length=1, max_length=1000)]


ResponseName = Literal["needs_action", "accepted", "tentative", "declined"]


class PanelMemberOut(Out):
    user_id: int
    name: str
    job_title: str
    relationship: RelationshipName
    met_before: bool
    time_zone: str
    local_start: str
    response: ResponseName
    responded_at: str | None


class CandidateResponseOut(Out):
    response: ResponseName
    responded_at: str | None


class ResponseIn(Schema):
    response: Literal["accepted", "tentative", "declined"]
    comment: Annotated[str, Field(max_length=1000)] = ""


class WarningOut(Out):
    kind: str
    detail: str


class InterviewOut(Out):
    id: int
    round_id: int
    candidacy_id: int
    starts_at: str
    ends_at: str
    duration_minutes: int
    time_zone: str
    candidate_time_zone: str
    location: str
    video_url: str
    state: Literal["scheduled", "cancelled"]
    sequence: int
    title: str = Field(
        default="",
        description="A session's own title within its round "
        "(the sessions of an interview day); empty for a single interview.",
    )
    recorded_past: bool
    relationships_override_reason: str | None
    cancel_reason: str | None
    panel: list[PanelMemberOut]
    candidate: CandidateResponseOut
    warnings: list[WarningOut] = []

    @classmethod
    def of(
        cls,
        interview: Interview,
        warnings: list[dict[str, Any]] | None = None,
        met_before: dict[int, set[int]] | None = None,
    ) -> InterviewOut:
        """``met_before``: the candidacy's met-before map when the caller has it already."""
        round_ = interview.round
        if met_before is None:
            met_before = meetings.met_before_map(round_.candidacy_id)
        met = met_before.get(interview.id, set())
        return cls(
            id=interview.id,
            round_id=round_.id,
            candidacy_id=round_.candidacy_id,
            starts_at=isoformat_z(interview.starts_at) or "",
            ends_at=isoformat_z(interview.ends_at) or "",
            duration_minutes=interview.duration_minutes,
            time_zone=interview.time_zone,
            candidate_time_zone=round_.candidacy.candidate.time_zone,
            location=interview.location,
            video_url=interview.video_url,
            state=interview.state.value,
            sequence=interview.sequence,
            title=interview.title,
            recorded_past=interview.is_recorded_past,
            relationships_override_reason=interview.relationships_override_reason,
            cancel_reason=interview.cancel_reason,
            panel=[
                PanelMemberOut(
                    user_id=m.user_id,
                    name=m.user.name,
                    job_title=m.user.job_title,
                    relationship=m.relationship.value,
                    met_before=m.user_id in met,
                    time_zone=m.user.time_zone,
                    local_start=interview.starts_at.astimezone(_zone(m.user.time_zone)).isoformat(),
                    response=m.response.value,
                    responded_at=isoformat_z(m.responded_at),
                )
                for m in interview.panel
            ],
            candidate=CandidateResponseOut(
                response=interview.candidate_response.value,
                responded_at=isoformat_z(interview.candidate_responded_at),
            ),
            warnings=[WarningOut(kind=w["kind"], detail=w["detail"]) for w in warnings or []],
        )


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _ids(value: str | None, field: str) -> list[int]:
    if not value:
        return []
    try:
        ids = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as err:
        raise RuleViolation(field, "Give comma-separated ids, e.g. 3,7.") from err
    if any(i < 1 for i in ids) or len(ids) > 50:
        raise RuleViolation(field, "Give up to 50 positive ids.")
    return ids


class SuggestionQuery(Schema):
    round_id: Annotated[int, Field(ge=1)] | None = None
    interviewer_ids: (
        Annotated[
            str,
            Field(
                pattern=r"^[0-9]+(,[0-9]+)*$",
                max_length=400,
                description="Required interviewers, comma-separated",
            ),
        ]
        | None
    ) = None
    pool_ids: (
        Annotated[
            str,
            Field(
                pattern=r"^[0-9]+(,[0-9]+)*$",
                max_length=400,
                description="A pool to pick pool_size from",
            ),
        ]
        | None
    ) = None
    pool_size: Annotated[int, Field(ge=0, le=20)] = 0
    duration_minutes: Annotated[int, Field(ge=5, le=480)] | None = None
    buffer_minutes: Annotated[int, Field(ge=0, le=240)] = 0
    granularity_minutes: Annotated[
        int, Field(ge=5, le=60, description="5, 10, 15, 20, 30 or 60")
    ] = 30
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class SlotOut(Out):
    starts_at: str
    ends_at: str
    interviewer_ids: list[int]
    score: float


class WindowIn(Schema):
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class WindowsIn(RootModel[Annotated[list[WindowIn], Field(max_length=availability.MAX_WINDOWS)]]):
    pass


class WindowOut(Out):
    starts_at: str
    ends_at: str
    source: Literal["recruiter", "candidate"] | None = None


class WorkingHoursIn(Schema):
    time_zone: TimeZone | None = None
    days: dict[
        Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        Annotated[
            list[
                Annotated[
                    list[Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]],
                    Field(min_length=2, max_length=2),
                ]
            ],
            Field(max_length=6),
        ],
    ]


class WorkingHoursOut(Out):
    user_id: int
    time_zone: str
    days: dict[str, list[list[str]]]


class LimitsIn(Schema):
    """``null`` (or absent) is no limit; a week's limit below a day's limit binds first."""

    max_interviews_per_day: Annotated[int, Field(ge=0, le=50)] | None = None
    max_interviews_per_week: Annotated[int, Field(ge=0, le=50)] | None = None


class LimitsOut(Out):
    user_id: int
    max_interviews_per_day: int | None
    max_interviews_per_week: int | None


class BusyList(RootModel[Annotated[list[WindowIn], Field(max_length=availability.MAX_BLOCKS)]]):
    pass


class ImportedOut(Out):
    imported: int


# --- rounds --------------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "/candidacies/<int:candidacy_id>/rounds",
    summary="A candidacy's rounds",
    allow=can_schedule,
    response=RoundList,
    tag="scheduling",
)
def list_rounds(candidacy_id: int) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_view_candidacy(g.user, candidacy))
    return RoundList(items=[RoundOut.of(r) for r in operations.rounds_of(candidacy)])


@endpoint(
    bp,
    "POST",
    "/candidacies/<int:candidacy_id>/rounds",
    summary="Open a round of the job's plan",
    allow=can_schedule,
    body=RoundIn,
    response=RoundOut,
    status=201,
    errors=(409,),
    tag="scheduling",
)
def open_round(candidacy_id: int, body: RoundIn) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_schedule_for(g.user, candidacy))
    try:
        planned = get_planned_round(candidacy.job, body.planned_round_id)
    except NotFound as err:
        raise RuleViolation("planned_round_id", "No such round in this job's plan.") from err
    round_ = operations.open_round(candidacy, planned, actor=g.user)
    db.session.commit()
    return RoundOut.of(round_)


def _round(round_id: int, *options: Any) -> Round:
    round_ = db.session.get(Round, round_id, options=options)
    if round_ is None:
        raise NotFound("No such round.")
    return round_


#: What booking an interview reads about its round (rules, conflicts, invites), in one query.
_BOOKING_LOADS = (
    orm.joinedload(Round.candidacy).joinedload(Candidacy.candidate),
    orm.joinedload(Round.candidacy).joinedload(Candidacy.job),
    # Joined too (a plan round asks for a few relationships): one statement for the round.
    orm.joinedload(Round.planned_round).joinedload(PlannedRound.required_relationships),
)
#: Built once: a statement object keeps its cache key between runs.
_BOOKING_ROUND = sa.select(Round).where(Round.id == sa.bindparam("id")).options(*_BOOKING_LOADS)


def _round_for_booking(round_id: int) -> Round:
    round_ = db.session.scalars(_BOOKING_ROUND, {"id": round_id}).unique().first()
    if round_ is None:
        raise NotFound("No such round.")
    return round_


@endpoint(
    bp,
    "GET",
    "/rounds/<int:round_id>",
    summary="A round",
    allow=can_schedule,
    response=RoundOut,
    tag="scheduling",
)
def show_round(round_id: int) -> Any:
    return RoundOut.of(_round(round_id))


# --- interviews ----------------------------------------------------------------------------------


def _seats(panel: list[SeatIn]) -> list[operations.Seat]:
    return [operations.Seat(user_id=s.user_id, relationship=s.relationship) for s in panel]


@endpoint(
    bp,
    "POST",
    "/rounds/<int:round_id>/interviews",
    summary="Schedule an interview",
    allow=can_schedule,
    body=InterviewIn,
    response=InterviewOut,
    status=201,
    errors=(409,),
    tag="scheduling",
)
def schedule_interview(round_id: int, body: InterviewIn) -> Any:
    round_ = _round_for_booking(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    change = operations.schedule_interview(
        round_,
        actor=g.user,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        time_zone=body.time_zone or round_.candidacy.candidate.time_zone,
        location=body.location,
        video_url=body.video_url,
        panel=_seats(body.panel),
        override_relationships=body.override_relationships,
        override_reason=body.reason,
        record_past=body.record_past,
    )
    # Built before the commit, which would expire (and reload) everything it shows.
    result = InterviewOut.of(change.interview, change.warnings, change.met_before_map())
    db.session.commit()
    return result


@endpoint(
    bp,
    "GET",
    "/interviews/<int:interview_id>",
    summary="An interview with its panel",
    allow=is_signed_in,
    response=InterviewOut,
    tag="scheduling",
)
def show_interview(interview_id: int) -> Any:
    interview, met = operations.interview_to_show(interview_id)
    require(can_view_interview(g.user, interview))
    return InterviewOut.of(interview, met_before={interview.id: met})


@endpoint(
    bp,
    "PATCH",
    "/interviews/<int:interview_id>",
    summary="Reschedule, move or change the panel (reason required)",
    allow=can_schedule,
    body=InterviewPatch,
    response=InterviewOut,
    errors=(409,),
    tag="scheduling",
)
def update_interview(interview_id: int, body: InterviewPatch) -> Any:
    interview = operations.get_interview(interview_id)
    require(can_schedule_for(g.user, interview.round.candidacy))
    change = operations.reschedule_interview(
        interview,
        actor=g.user,
        reason=body.reason,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        time_zone=body.time_zone,
        location=body.location,
        video_url=body.video_url,
        panel=_seats(body.panel) if body.panel is not None else None,
        override_relationships=body.override_relationships,
        override_reason=body.reason,
    )
    # Built before the commit, which would expire (and reload) everything it shows.
    result = InterviewOut.of(change.interview, change.warnings, change.met_before_map())
    db.session.commit()
    return result


@endpoint(
    bp,
    "POST",
    "/interviews/<int:interview_id>/cancel",
    summary="Cancel an interview",
    allow=can_schedule,
    body=CancelIn,
    response=InterviewOut,
    errors=(409,),
    tag="scheduling",
)
def cancel_interview(interview_id: int, body: CancelIn) -> Any:
    interview = operations.get_interview(interview_id)
    require(can_schedule_for(g.user, interview.round.candidacy))
    operations.cancel_interview(interview, actor=g.user, reason=body.reason)
    # Built before the commit, which would expire (and reload) everything it shows.
    result = InterviewOut.of(interview)
    db.session.commit()
    return result


@endpoint(
    bp,
    "POST",
    "/interviews/<int:interview_id>/responses",
    summary="Answer one's own invite to an interview (panel members only)",
    allow=is_signed_in,
    body=ResponseIn,
    response=InterviewOut,
    errors=(409,),
    tag="scheduling",
)
def respond_to_interview(interview_id: int, body: ResponseIn) -> Any:
    interview = operations.get_interview(interview_id)
    member = next((m for m in interview.panel if m.user_id == g.user.id), None)
    require(member is not None and can_answer_invite(g.user, member))
    responses.record_panel_response(
        member, body.response, actor=g.user, comment=body.comment, via=responses.Via.api
    )
    db.session.commit()
    return InterviewOut.of(interview)


# --- suggestions and availability ----------------------------------------------------------------


def _users(ids: list[int], field: str) -> list[User]:
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    for index, user_id in enumerate(ids):
        if user_id not in found or not found[user_id].is_active:
            raise RuleViolation(f"{field}.{index}", f"No active user with id {user_id}.")
    return [found[i] for i in ids]


@endpoint(
    bp,
    "GET",
    "/candidacies/<int:candidacy_id>/slot-suggestions",
    summary="Times when the panel and the candidate are free, best first",
    allow=can_schedule,
    query=SuggestionQuery,
    response=list[SlotOut],
    tag="scheduling",
)
def slot_suggestions(candidacy_id: int, query: SuggestionQuery) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_schedule_for(g.user, candidacy))
    duration = query.duration_minutes
    if query.round_id is not None:
        round_ = db.session.get(Round, query.round_id)
        if round_ is None or round_.candidacy_id != candidacy.id:
            raise RuleViolation("round_id", "No such round for this candidacy.")
        duration = duration or round_.planned_round.duration_minutes
    start = query.from_ or utcnow()
    found = slots.suggest(
        candidacy,
        required=_users(_ids(query.interviewer_ids, "interviewer_ids"), "interviewer_ids"),
        pool=_users(_ids(query.pool_ids, "pool_ids"), "pool_ids"),
        pool_size=query.pool_size,
        duration_minutes=duration or 60,
        starts_after=start,
        ends_before=query.to or start + timedelta(days=14),
        buffer_minutes=query.buffer_minutes,
        granularity_minutes=query.granularity_minutes,
        limit=query.limit,
    )
    return [
        SlotOut(
            starts_at=isoformat_z(s.starts_at) or "",
            ends_at=isoformat_z(s.ends_at) or "",
            interviewer_ids=list(s.interviewer_ids),
            score=s.score,
        )
        for s in found
    ]


@endpoint(
    bp,
    "GET",
    "/candidacies/<int:candidacy_id>/availability",
    summary="Windows the candidate can do",
    allow=can_schedule,
    response=list[WindowOut],
    tag="scheduling",
)
def get_availability(candidacy_id: int) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_schedule_for(g.user, candidacy))
    return [
        WindowOut(
            starts_at=isoformat_z(w.starts_at) or "",
            ends_at=isoformat_z(w.ends_at) or "",
            source=w.source.value,
        )
        for w in availability.candidate_availability(candidacy)
    ]


@endpoint(
    bp,
    "PUT",
    "/candidacies/<int:candidacy_id>/availability",
    summary="Replace the candidate's availability windows",
    allow=can_schedule,
    body=WindowsIn,
    response=list[WindowOut],
    tag="scheduling",
)
def put_availability(candidacy_id: int, body: WindowsIn) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_schedule_for(g.user, candidacy))
    windows = availability.windows_from([w.model_dump() for w in body.root])
    rows = availability.set_candidate_availability(
        candidacy, windows, actor=g.user, source=AvailabilitySource.recruiter
    )
    db.session.commit()
    return [
        WindowOut(
            starts_at=isoformat_z(w.starts_at) or "",
            ends_at=isoformat_z(w.ends_at) or "",
            source=w.source.value,
        )
        for w in rows
    ]


@endpoint(
    bp,
    "GET",
    "/users/<int:user_id>/working-hours",
    summary="A user's working hours",
    allow=is_signed_in,
    response=WorkingHoursOut,
    tag="users",
)
def get_working_hours(user_id: int) -> Any:
    user = get_user(user_id)
    require(can_manage_availability(g.user, user))
    return WorkingHoursOut(
        user_id=user.id, time_zone=user.time_zone, days=availability.working_hours_of(user)
    )


@endpoint(
    bp,
    "PUT",
    "/users/<int:user_id>/working-hours",
    summary="Replace a user's working hours (local times; time_zone sets their zone)",
    allow=is_signed_in,
    body=WorkingHoursIn,
    response=WorkingHoursOut,
    tag="users",
)
def put_working_hours(user_id: int, body: WorkingHoursIn) -> Any:
    user = get_user(user_id)
    require(can_set_working_hours(g.user, user))
    availability.set_working_hours(user, body.days, actor=g.user, time_zone=body.time_zone)
    db.session.commit()
    return WorkingHoursOut(
        user_id=user.id, time_zone=user.time_zone, days=availability.working_hours_of(user)
    )


@endpoint(
    bp,
    "PUT",
    "/users/<int:user_id>/limits",
    summary="Set a user's interview load limits",
    allow=can_schedule,
    body=LimitsIn,
    response=LimitsOut,
    tag="users",
)
def put_limits(user_id: int, body: LimitsIn) -> Any:
    user = get_user(user_id)
    require(can_set_limits(g.user, user))
    availability.set_limits(
        user,
        actor=g.user,
        per_day=body.max_interviews_per_day,
        per_week=body.max_interviews_per_week,
    )
    db.session.commit()
    return LimitsOut(
        user_id=user.id,
        max_interviews_per_day=user.max_interviews_per_day,
        max_interviews_per_week=user.max_interviews_per_week,
    )


@endpoint(
    bp,
    "POST",
    "/users/<int:user_id>/busy",
    summary="Replace a user's imported busy time from an .ics feed, a VFREEBUSY, or JSON",
    description="Send `text/calendar` (an iCalendar feed or VFREEBUSY; recurring events are "
    "expanded over the next 120 days) or JSON `[{starts_at, ends_at}]`.",
    allow=is_signed_in,
    body=BusyList,
    parse_body=False,
    response=ImportedOut,
    tag="users",
)
def import_busy(user_id: int) -> Any:
    user = get_user(user_id)
    require(can_manage_availability(g.user, user))
    if request.mimetype in {"text/calendar", "application/ics", "text/plain"}:
        count = availability.import_busy_calendar(user, request.get_data(), actor=g.user)
    else:
        items = parse_json_body(BusyList)
        blocks = availability.windows_from(
            [w.model_dump() for w in items.root], clip_far_ahead=True
        )
        count = availability.replace_busy_blocks(user, blocks, actor=g.user)
    db.session.commit()
    return ImportedOut(imported=count)


SPECS["import_busy"].body_media_types = ("application/json", "text/calendar")
