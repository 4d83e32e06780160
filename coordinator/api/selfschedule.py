"""Self-scheduling: the recruiter offers a round; the candidate's signed link lists and books slots.

The candidate's link is ``<base>/s/<token>`` (an HTML page, see portal.views); its JSON twins
``<link>/slots``, ``<link>/book`` and ``<link>/reschedule`` are declared here, and also answer under
``/api/v1/self-schedule/<token>/...``. The link is the credential: no token, no CSRF.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from flask import g
from pydantic import AwareDatetime, Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import SPECS, Out, Schema, endpoint
from coordinator.api.scheduling import InterviewOut, _round
from coordinator.db import db
from coordinator.errors import Conflict
from coordinator.scheduling import selfschedule
from coordinator.scheduling.permissions import can_schedule, can_schedule_for
from coordinator.timeutil import isoformat_z
from coordinator.urls import external_url
from coordinator.web import problem_for

IdList = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=selfschedule.MAX_PEOPLE)]


class SelfScheduleIn(Schema):
    duration_minutes: Annotated[int, Field(ge=5, le=480)]
    interviewer_ids: IdList = []
    pool_ids: IdList = []
    pool_size: Annotated[int, Field(ge=0, le=selfschedule.MAX_PEOPLE)] = 0
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime
    expires_at: AwareDatetime = Field(description="The deadline: after it the link is 410.")
    location: Annotated[str, Field(max_length=300)] = ""
    video_url: Annotated[str, Field(max_length=500)] = ""
    reschedule_cutoff_hours: Annotated[
        int | None, Field(ge=0, le=selfschedule.MAX_RESCHEDULE_CUTOFF_HOURS)
    ] = Field(
        default=None,
        description=(
            "The candidate may move their booking through the link until this many hours "
            "before the interview (default `COORDINATOR_SELF_RESCHEDULE_HOURS`, 24)."
        ),
    )


class SelfScheduleOut(Out):
    id: int
    url: str = Field(description="The candidate's signed link (an HTML page).")
    state: Literal["open", "booked", "expired", "withdrawn"]
    expires_at: str
    round_id: int
    interview_id: int | None
    reschedule_cutoff_hours: int

    @classmethod
    def of(cls, request: selfschedule.SelfScheduleRequest) -> SelfScheduleOut:
        return cls(
            id=request.id,
            url=external_url("portal.show_self_schedule", token=selfschedule.token_for(request)),
            state=request.current_state().value,
            expires_at=isoformat_z(request.expires_at) or "",
            round_id=request.round_id,
            interview_id=request.interview_id,
            reschedule_cutoff_hours=request.reschedule_cutoff_hours,
        )


class SlotTimeOut(Out):
    starts_at: str
    ends_at: str


class SlotListOut(Out):
    time_zone: str = Field(description="The candidate's IANA zone, to show the times in.")
    slots: list[SlotTimeOut]
    booked: SlotTimeOut | None = Field(
        default=None, description="The time booked through the link (then `slots` are the "
        "times it can move to)."
    )
    reschedule_until: str | None = Field(
        default=None, description="Until when the booking can be moved through the link; "
        "after it `slots` is empty: contact the recruiter."
    )


class BookIn(Schema):
    starts_at: AwareDatetime


@endpoint(
    bp,
    "POST",
    "/rounds/<int:round_id>/self-schedule",
    summary="Offer a round to the candidate for self-scheduling",
    description=(
        "Returns the candidate's signed link. `422` names the field: empty pool, k larger than "
        "the pool, a range over 62 days, a deadline in the past, a session longer than a working "
        "day, an open request already on the round."
    ),
    allow=can_schedule,
    body=SelfScheduleIn,
    response=SelfScheduleOut,
    status=201,
    tag="scheduling",
)
def offer_self_schedule(round_id: int, body: SelfScheduleIn) -> Any:
    round_ = _round(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    request = selfschedule.offer(
        round_,
        selfschedule.Offer(
            duration_minutes=body.duration_minutes,
            interviewer_ids=body.interviewer_ids,
            pool_ids=body.pool_ids,
            pool_size=body.pool_size,
            starts_after=body.from_,
            ends_before=body.to,
            expires_at=body.expires_at,
            location=body.location,
            video_url=body.video_url,
            reschedule_cutoff_hours=body.reschedule_cutoff_hours,
        ),
        actor=g.user,
    )
    db.session.commit()
    return SelfScheduleOut.of(request)


@endpoint(
    bp,
    "GET",
    "/rounds/<int:round_id>/self-schedule/<int:self_schedule_id>",
    summary="A self-scheduling request and its state",
    allow=can_schedule,
    response=SelfScheduleOut,
    tag="scheduling",
)
def show_self_schedule(round_id: int, self_schedule_id: int) -> Any:
    round_ = _round(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    return SelfScheduleOut.of(selfschedule.get_request(round_, self_schedule_id))


@endpoint(
    bp,
    "POST",
    "/rounds/<int:round_id>/self-schedule/<int:self_schedule_id>/withdraw",
    summary="Withdraw an open self-scheduling request (its link then answers 410)",
    allow=can_schedule,
    response=SelfScheduleOut,
    errors=(409,),
    tag="scheduling",
)
def withdraw_self_schedule(round_id: int, self_schedule_id: int) -> Any:
    round_ = _round(round_id)
    require(can_schedule_for(g.user, round_.candidacy))
    request = selfschedule.get_request(round_, self_schedule_id)
    request = selfschedule.withdraw(request, actor=g.user)
    db.session.commit()
    return SelfScheduleOut.of(request)


def _slot_list(request: selfschedule.SelfScheduleRequest) -> SlotListOut:
    booked = selfschedule.booked_interview(request)
    if booked is not None and request.state is selfschedule.SelfScheduleState.booked:
        movable = selfschedule.can_reschedule(request)
        found = selfschedule.live_slots(request) if movable else []
        document = selfschedule.slots_document(request, found)
        document["booked"] = {"starts_at": isoformat_z(booked.starts_at),
                              "ends_at": isoformat_z(booked.ends_at)}
        document["reschedule_until"] = isoformat_z(selfschedule.reschedule_deadline(request))
        return SlotListOut.model_validate(document)
    document = selfschedule.slots_document(request, selfschedule.live_slots(request))
    return SlotListOut.model_validate(document)


def _taken(err: Conflict, token: str) -> Any:
    """A ``409`` problem; ``slot_taken`` adds the fresh ``slots`` (and ``time_zone``)."""
    db.session.rollback()
    response = problem_for(err)
    if any(c.get("kind") == "slot_taken" for c in err.conflicts):
        fresh = _slot_list(selfschedule.resolve_link(token))
        payload = response.get_json()
        payload["slots"] = fresh.model_dump(mode="json")["slots"]
        payload["time_zone"] = fresh.time_zone
        response.set_data(json.dumps(payload))
    return response


@endpoint(
    bp,
    "GET",
    "/self-schedule/<token>/slots",
    summary="The candidate's live slots (the signed link admits)",
    description=(
        "Also at `<link>/slots`. After booking: `booked` and the times it can move to, until "
        "`reschedule_until` (then none). `404` altered link; `410` expired, withdrawn, closed "
        "or the interview cancelled."
    ),
    allow=None,
    response=SlotListOut,
    errors=(404, 410),
    tag="portal",
)
def self_schedule_slots(token: str) -> Any:
    return _slot_list(selfschedule.resolve_link(token))


@endpoint(
    bp,
    "POST",
    "/self-schedule/<token>/book",
    summary="The candidate books one of the live slots (the signed link admits)",
    description=(
        "Also at `<link>/book`. `201` the interview; `409` kind `slot_taken` with fresh "
        "`slots`; `410` expired, used or closed."
    ),
    allow=None,
    body=BookIn,
    response=InterviewOut,
    status=201,
    errors=(404, 409, 410),
    tag="portal",
)
def self_schedule_book(token: str, body: BookIn) -> Any:
    request = selfschedule.resolve(token)
    try:
        change = selfschedule.book(request, body.starts_at)
    except Conflict as err:
        return _taken(err, token)
    db.session.commit()
    return InterviewOut.of(change.interview, change.warnings)


@endpoint(
    bp,
    "POST",
    "/self-schedule/<token>/reschedule",
    summary="The candidate moves the interview they booked to another live slot (the link admits)",
    description=(
        "Also at `<link>/reschedule`. Until the request's `reschedule_cutoff_hours` before the "
        "interview. `200` the interview (a higher `sequence`; panel and candidate get updated "
        "invites); `409` kind `slot_taken` with fresh `slots`, kind `reschedule_closed` after "
        "the cutoff (names the recruiter to contact), kind `not_booked` before a booking; "
        "`410` withdrawn, closed or the interview cancelled."
    ),
    allow=None,
    body=BookIn,
    response=InterviewOut,
    errors=(404, 409, 410),
    tag="portal",
)
def self_schedule_reschedule(token: str, body: BookIn) -> Any:
    request = selfschedule.resolve_link(token)
    try:
        change = selfschedule.reschedule(request, body.starts_at)
    except Conflict as err:
        return _taken(err, token)
    db.session.commit()
    return InterviewOut.of(change.interview, change.warnings)


def _register_link_routes(state: Any) -> None:
    """``<link>/slots`` and ``<link>/book`` beside the candidate's page, as API endpoints."""
    app = state.app
    for name, rule, method in (("self_schedule_slots", "/s/<token>/slots", "GET"),
                               ("self_schedule_book", "/s/<token>/book", "POST"),
                               ("self_schedule_reschedule", "/s/<token>/reschedule", "POST")):
        # Its own endpoint name (a unique OpenAPI operationId), the same view and declaration.
        SPECS[f"{name}_at_link"] = SPECS[name]
        app.add_url_rule(rule, f"api.{name}_at_link", app.view_functions[f"api.{name}"],
                         methods=[method])


bp.record_once(_register_link_routes)
