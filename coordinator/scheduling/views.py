"""Scheduling pages: rounds, booking (with a dry-run check), suggestions, moves, cancellations,
the candidate's availability, and each person's working hours, limits and busy calendar."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from wtforms import SelectChoice

from coordinator.access import require, requires
from coordinator.accounts.models import User
from coordinator.accounts.operations import get_user
from coordinator.accounts.permissions import can_set_limits, is_signed_in
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import get_candidacy
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.invites import responses
from coordinator.invites.forms import ResponseForm
from coordinator.invites.models import Invite
from coordinator.invites.permissions import can_answer_invite
from coordinator.jobs.models import Relationship
from coordinator.jobs.operations import get_planned_round
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling import (
    availability,
    calendar_sources,
    clashes,
    conflicts,
    meetings,
    operations,
    panel_suggestions,
    selfschedule,
    slots,
    week_grid,
)
from coordinator.scheduling.forms import (
    AvailabilityForm,
    BusyImportForm,
    CalendarSourceForm,
    CancelForm,
    InterviewForm,
    LimitsForm,
    OpenRoundForm,
    RescheduleForm,
    SelfScheduleForm,
    SuggestForm,
    WorkingHoursForm,
)
from coordinator.scheduling.models import (
    ANSWERS,
    AvailabilitySource,
    BusyBlock,
    CalendarSourceKind,
    Interview,
    Round,
)
from coordinator.scheduling.permissions import (
    can_manage_availability,
    can_manage_calendar_source,
    can_schedule,
    can_schedule_for,
    can_set_working_hours,
    can_sync_calendar_source,
    can_view_interview,
)
from coordinator.timeutil import format_local, is_valid_zone, local_to_utc, to_zone, utcnow
from coordinator.web import viewer_zone

bp = Blueprint("scheduling", __name__)


# --- loading through parents ---------------------------------------------------------------------


def _candidacy(candidacy_id: int) -> Candidacy:
    candidacy = get_candidacy(candidacy_id)
    require(can_schedule_for(g.user, candidacy))
    return candidacy


def _round(candidacy_id: int, round_id: int) -> Round:
    return operations.get_round(_candidacy(candidacy_id), round_id)


def _interview(candidacy_id: int, round_id: int, interview_id: int) -> Interview:
    return operations.get_round_interview(_round(candidacy_id, round_id), interview_id)


# --- rounds --------------------------------------------------------------------------------------


@bp.post("/candidacies/<int:candidacy_id>/rounds")
@requires(can_schedule)
def open_round(candidacy_id: int) -> Any:
    candidacy = _candidacy(candidacy_id)
    form = OpenRoundForm()
    form.planned_round_id.choices = [SelectChoice(str(p.id), p.title)
                                     for p in candidacy.job.planned_rounds]
    if form.validate():
        try:
            planned = get_planned_round(candidacy.job, form.planned_round_id.data)
            round_ = operations.open_round(candidacy, planned, actor=g.user)
        except (RuleViolation, Conflict, NotFound) as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            return redirect(url_for(".show_round", candidacy_id=candidacy.id,
                                    round_id=round_.id), 303)
    else:
        flash("Choose a round of the plan.", "error")
    return redirect(url_for("candidates.show_candidacy", candidacy_id=candidacy.id), 303)


@bp.get("/candidacies/<int:candidacy_id>/rounds/<int:round_id>")
@requires(can_schedule)
def show_round(candidacy_id: int, round_id: int) -> Any:
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    return render_template(
        "scheduling/round.html", round=round_, candidacy=candidacy,
        invites=invite_status([i.id for i in round_.interviews]),
        met_before=meetings.met_before_map(candidacy.id),
        coverage=meetings.relationship_coverage(candidacy),
        windows=availability.candidate_availability(candidacy),
        self_schedule=selfschedule.requests_of_round(round_),
        seats=panel_suggestions.suggest_panel(round_, candidacy, now=utcnow(),
                                              zone_name=viewer_zone()),
        now=utcnow(),
    )


def invite_status(interview_ids: list[int]) -> dict[int, list[tuple[Any, Any]]]:
    """Each interview's invites with their outbox message state, in one query."""
    rows = db.session.execute(
        sa.select(Invite, OutboxMessage.state)
        .outerjoin(OutboxMessage, OutboxMessage.id == Invite.outbox_message_id)
        .where(Invite.interview_id.in_(interview_ids)).order_by(Invite.id)
    ).all() if interview_ids else []
    result: dict[int, list[tuple[Any, Any]]] = {}
    for invite, state in rows:
        result.setdefault(invite.interview_id, []).append((invite, state))
    return result


# --- booking -------------------------------------------------------------------------------------


def seats_from_args(prefix: str = "required") -> list[tuple[int, str]]:
    """Seats named in the query string (``required-0-user_id``, ``required-0-relationship`` …),
    as the round page, the finder and the week grid pass them on; unusable rows are skipped."""
    seats: list[tuple[int, str]] = []
    relationships = {r.value for r in Relationship}
    for index in range(operations.MAX_PANEL):
        raw = request.args.get(f"{prefix}-{index}-user_id", "")
        relationship = request.args.get(f"{prefix}-{index}-relationship", "")
        if raw.isdigit() and relationship in relationships and len(raw) < 10:
            seats.append((int(raw), relationship))
    return seats


def seat_args(seats: list[tuple[int, str]], prefix: str = "required") -> dict[str, Any]:
    """The query-string form of seats (the inverse of :func:`seats_from_args`)."""
    args: dict[str, Any] = {}
    for index, (user_id, relationship) in enumerate(seats):
        args[f"{prefix}-{index}-user_id"] = user_id
        args[f"{prefix}-{index}-relationship"] = relationship
    return args


def _suggested_seats(round_: Round) -> list[tuple[int | None, str]]:
    """The plan's seats, each with its suggested person (the round page's first picks)."""
    seats = panel_suggestions.suggest_panel(round_, round_.candidacy, now=utcnow(),
                                            zone_name=viewer_zone())
    if seats:
        return [(s.pick.user_id if s.pick else None, s.relationship.value) for s in seats]
    return [(None, r.value) for r in round_.planned_round.relationships]


def _prefill_time(form: InterviewForm, default_zone: str, default_minutes: int) -> None:
    """Date, time, zone, length and place proposed in the query string (a free cell of the
    week grid, a suggestion, a nearest free time); anything unusable is left for the user."""
    args = request.args
    zone = args.get("time_zone", "")
    form.time_zone.data = zone if is_valid_zone(zone) else default_zone
    with contextlib.suppress(ValueError):
        form.date.data = date.fromisoformat(args.get("date", ""))
    with contextlib.suppress(ValueError):
        form.time.data = time.fromisoformat(args.get("time", ""))
    raw = args.get("duration_minutes", "")
    minutes = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    form.duration_minutes.data = minutes if 5 <= minutes <= 480 else default_minutes
    if "location" in args:
        form.location.data = args.get("location", "")
    if "video_url" in args:
        form.video_url.data = args.get("video_url", "")


def _panel_people(form: InterviewForm, people: dict[int, User]) -> list[User]:
    return [people[s.user_id] for s in form.seats() if s.user_id in people]


def _check(candidacy: Candidacy, form: InterviewForm, people: dict[int, User],
           items: list[dict[str, Any]], *, ok: bool,
           moving: int | None = None) -> dict[str, Any]:
    """What the check step shows: each clash in the viewer's zone and the nearest free times
    (``moving``: the interview being rescheduled, which blocks none of them)."""
    said = clashes.describe(items, viewer=g.user, zone_name=viewer_zone())
    nearest: list[slots.Slot] = []
    if said and form.date.data and form.time.data and form.duration_minutes.data:
        try:
            nearest = clashes.nearest_free(candidacy, _panel_people(form, people),
                                           form.starts_at(), form.duration_minutes.data,
                                           exclude_interview_id=moving)
        except RuleViolation:
            nearest = []
    return {"ok": ok, "clashes": said, "nearest": nearest,
            "confirm": ok and bool(said)}


def _attach(form: InterviewForm, err: RuleViolation | Conflict) -> None:
    """A clash's sentence names interviews by internal id and in other zones: the check above
    the form says it in the viewer's words, so the time field only points there."""
    found = getattr(err, "conflicts", None) or []
    if found and all(c.get("kind") in clashes.TIMING for c in found):
        form.time.errors = [*list(form.time.errors), "This time clashes: see above."]
    else:
        form.attach(err)


def _candidate_hours(change: operations.InterviewChange,
                     candidacy: Candidacy) -> list[dict[str, Any]]:
    interview = change.interview
    return conflicts.candidate_hours_warnings(interview.starts_at, interview.ends_at,
                                              candidacy.candidate.time_zone)


def _calendar_warnings(form: InterviewForm, people: dict[int, User]) -> dict[str, str]:
    ids = [s.user_id for s in form.seats() if s.user_id in people]
    said = panel_suggestions.calendar_warnings(ids, utcnow())
    return {people[i].name: text for i, text in said.items()}


def _proposal_args(form: InterviewForm) -> dict[str, Any]:
    """The form's panel, length and place as query arguments (for the nearest-time links)."""
    return {
        **(request.view_args or {}),
        "duration_minutes": form.duration_minutes.data or "",
        "location": form.location.data or "", "video_url": form.video_url.data or "",
        "time_zone": viewer_zone(),
        **seat_args([(s.user_id, str(getattr(s.relationship, "value", s.relationship)))
                     for s in form.seats()]),
    }


def _check_or_save(form: InterviewForm, candidacy: Candidacy, people: dict[int, User],
                   perform: Callable[[], operations.InterviewChange], *,
                   moving: int | None = None) -> tuple[bool, dict[str, Any] | None, int]:
    """Book or move through ``perform`` in a savepoint: "Check", or warnings not yet confirmed,
    roll it back and give the check to show; a rule or a clash rolls back with its reasons
    (409 for a clash, 422 otherwise); else it commits and flashes the operation's warnings.
    Returns (saved, check, status)."""
    action = request.form.get("action")
    savepoint = db.session.begin_nested()
    try:
        change = perform()
    except (RuleViolation, Conflict) as err:
        savepoint.rollback()
        _attach(form, err)
        check = _check(candidacy, form, people, getattr(err, "conflicts", []), ok=False,
                       moving=moving)
        return False, check, 409 if isinstance(err, Conflict) else 422
    warnings = change.warnings + _candidate_hours(change, candidacy)
    if action == "check" or (warnings and action != "confirm"):
        savepoint.rollback()
        return False, _check(candidacy, form, people, warnings, ok=True, moving=moving), 200
    savepoint.commit()
    db.session.commit()
    for warning in change.warnings:
        flash(warning["detail"], "warning")
    return True, None, 200


@bp.route("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/interviews/new",
          methods=["GET", "POST"])
@requires(can_schedule)
def new_interview(candidacy_id: int, round_id: int) -> Any:
    """Book an interview. "Check" runs every rule and shows clashes and warnings without
    saving; "Book" saves only when there is nothing to warn about, else it shows them first
    and "Book anyway" books over the warnings (never over a blocking conflict)."""
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    people = operations.panel_people()
    form = InterviewForm()
    form.offer_people(people)
    by_id = {u.id: u for u in people}
    if request.method == "GET":
        _prefill_time(form, candidacy.candidate.time_zone,
                      round_.planned_round.duration_minutes)
        form.fill_panel(seats_from_args() or _suggested_seats(round_))  # type: ignore[arg-type]
    status = 200
    check: dict[str, Any] | None = None
    if form.validate_on_submit():
        def book() -> operations.InterviewChange:
            return operations.schedule_interview(
                round_, actor=g.user, starts_at=form.starts_at(),
                duration_minutes=form.duration_minutes.data, time_zone=form.time_zone.data,
                location=form.location.data or "", video_url=form.video_url.data or "",
                panel=form.seats(), override_relationships=form.override_relationships.data,
                override_reason=form.override_reason.data,
            )

        saved, check, status = _check_or_save(form, candidacy, by_id, book)
        if saved:
            flash("Interview booked.", "info")
            return redirect(url_for(".show_round", candidacy_id=candidacy.id,
                                    round_id=round_.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/interview_form.html", form=form, round=round_,
                           candidacy=candidacy, check=check, mode="new",
                           calendars=_calendar_warnings(form, by_id),
                           proposal_args=_proposal_args(form)), status


@bp.post("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/book")
@requires(can_schedule)
def book_suggestion(candidacy_id: int, round_id: int) -> Any:
    """Book a suggested slot in one click (the suggestion's hidden fields)."""
    round_ = _round(candidacy_id, round_id)
    try:
        starts_at = datetime.fromisoformat(request.form.get("starts_at", ""))
        duration = int(request.form.get("duration_minutes", ""))
        seats = []
        for value in request.form.getlist("seat"):
            user_id, _, relationship = value.partition(":")
            seats.append(operations.Seat(int(user_id), relationship))
    except ValueError:
        abort(400, "The suggestion was incomplete; search again.")
    back = url_for(".suggest_slots", candidacy_id=candidacy_id, round_id=round_id,
                   **request.args)
    try:
        change = operations.schedule_interview(
            round_, actor=g.user, starts_at=starts_at, duration_minutes=duration,
            time_zone=round_.candidacy.candidate.time_zone, panel=seats,
            location=request.form.get("location", ""),
            video_url=request.form.get("video_url", ""),
            override_relationships=bool(request.form.get("override_relationships")),
            override_reason=request.form.get("override_reason"),
        )
    except (RuleViolation, Conflict) as err:
        db.session.rollback()
        flash(f"Not booked: {err.message}", "error")
        return redirect(back, 303)
    db.session.commit()
    for warning in change.warnings:
        flash(warning["detail"], "warning")
    flash("Interview booked.", "info")
    return redirect(url_for(".show_round", candidacy_id=candidacy_id, round_id=round_id), 303)


#: Suggestions shown at first, and how many more "Show more times" adds.
SHOWN = 20
MAX_SHOWN = 500


def _shown() -> int:
    raw = request.args.get("shown", "")
    value = int(raw) if raw.isdigit() and len(raw) < 5 else SHOWN
    return min(max(value, SHOWN), MAX_SHOWN)


def _by_day(found: list[slots.Slot], zone: str) -> list[tuple[date, list[slots.Slot]]]:
    """Slots in time order, grouped by the viewer's local day."""
    days: dict[date, list[slots.Slot]] = {}
    for slot in sorted(found, key=lambda s: s.starts_at):
        days.setdefault(to_zone(slot.starts_at, zone).date(), []).append(slot)
    return list(days.items())


@bp.get("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/suggestions")
@requires(can_schedule)
def suggest_slots(candidacy_id: int, round_id: int) -> Any:
    """Free times for the round, grouped by day. Without interviewers named, it proposes the
    round's suggested panel (one person per seat of the plan) and searches for them."""
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    form = SuggestForm(request.args)
    people = operations.panel_people()
    form.offer_people(people)
    found: list[slots.Slot] | None = None
    status = 200
    error = None
    proposed = False
    planned_minutes = round_.planned_round.duration_minutes
    if not form.duration_minutes.data and not form.duration_minutes.errors:
        form.duration_minutes.data = planned_minutes
    named = [e for e in [*form.required, *form.pool] if e.form.user_id.data]
    if not named:
        # Start from the suggested panel: one person per seat the plan asks for.
        seats = _suggested_seats(round_)
        for entry, (user_id, relationship) in zip(form.required, seats, strict=False):
            entry.form.user_id.data = user_id
            entry.form.relationship.data = relationship
        proposed = any(user_id for user_id, _ in seats)
    if form.validate() and (request.args or proposed):
        required = [e.form for e in form.required if e.form.user_id.data]
        pool = [e.form for e in form.pool if e.form.user_id.data]
        by_id = {u.id: u for u in people}
        zone = viewer_zone()
        today = to_zone(utcnow(), zone).date()
        first = form.date_from.data or today
        last = form.date_to.data or first + timedelta(days=14)
        try:
            starts_after = local_to_utc(first, datetime.min.time(), zone, "date_from")
            ends_before = local_to_utc(last + timedelta(days=1), datetime.min.time(), zone,
                                       "date_to")
            unknown = [f.user_id.data for f in [*required, *pool] if f.user_id.data not in by_id]
            if unknown:
                raise RuleViolation("required", "Choose interviewers from the list.")
            found = slots.suggest(
                candidacy, required=[by_id[f.user_id.data] for f in required],
                pool=[by_id[f.user_id.data] for f in pool], pool_size=form.pool_size.data or 0,
                duration_minutes=form.duration_minutes.data or planned_minutes,
                starts_after=starts_after, ends_before=ends_before,
                buffer_minutes=form.buffer_minutes.data or 0, limit=MAX_SHOWN + 1,
            )
        except RuleViolation as err:
            error = err.message
            status = 422
    elif request.args and form.errors:
        status = 422
    relationship_of = {}
    for entry in [*form.required, *form.pool]:
        if entry.form.user_id.data:
            relationship_of[entry.form.user_id.data] = entry.form.relationship.data
    calendars = calendar_sources.sync_statuses(relationship_of) if found is not None else {}
    stale = panel_suggestions.calendar_warnings(list(relationship_of), utcnow())
    shown = _shown()
    # Best first, then the first `shown` of them in time order, grouped by day.
    visible = found[:shown] if found is not None else []
    query = {k: v for k, v in request.args.items() if k != "shown"}
    return render_template(
        "scheduling/suggestions.html", form=form, round=round_, candidacy=candidacy,
        slots=found, days=_by_day(visible, viewer_zone()), error=error,
        people={u.id: u for u in people}, relationship_of=relationship_of, calendars=calendars,
        stale=stale, proposed=proposed,
        slot_args=lambda slot: seat_args(
            [(uid, relationship_of.get(uid) or "colleague") for uid in slot.interviewer_ids]),
        more=(found is not None and len(found) > shown and shown < MAX_SHOWN),
        more_args={**query, **(seat_args(list(relationship_of.items())) if proposed else {}),
                   "duration_minutes": form.duration_minutes.data or planned_minutes,
                   "shown": shown + SHOWN},
        shown=shown,
        duration=form.duration_minutes.data or planned_minutes,
    ), status


@bp.get("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/week")
@requires(can_schedule)
def week_view(candidacy_id: int, round_id: int) -> Any:
    """A week of each chosen person's free and busy time and the candidate's windows, in the
    viewer's zone; a free cell links to the booking form with that time filled in."""
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    people = {u.id: u for u in operations.panel_people()}
    seats = [(i, r) for i, r in seats_from_args() if i in people] or [
        (i, r) for i, r in _suggested_seats(round_) if i is not None]
    zone = viewer_zone()
    now = utcnow()
    # ``day`` (narrow screens show one day at a time) wins over ``week``.
    raw = request.args.get("day", "") or request.args.get("week", "")
    try:
        today = to_zone(now, zone).date()
        # At the weekend, the coming week is the one to plan.
        start = date.fromisoformat(raw) if raw else (
            today + timedelta(days=7 - today.weekday()) if today.weekday() >= 5 else today)
        if abs((start - to_zone(now, zone).date()).days) > 400:
            raise ValueError
    except ValueError:
        abort(400, "Give the week as a date (YYYY-MM-DD) within a year from today.")
    raw_minutes = request.args.get("duration_minutes", "")
    minutes = int(raw_minutes) if raw_minutes.isdigit() and len(raw_minutes) < 4 else 0
    if not 5 <= minutes <= 480:
        minutes = round_.planned_round.duration_minutes
    chosen = list({i: people[i] for i, _ in seats}.values())
    grid = week_grid.build(candidacy, chosen, week_start=week_grid.week_start_of(start),
                           zone_name=zone, duration=timedelta(minutes=minutes), now=now)
    # The day a narrow screen shows: the one asked for, else today or the week's first day.
    day = start if request.args.get("day") else today if today in grid.days else grid.days[0]
    return render_template("scheduling/week.html", round=round_, candidacy=candidacy, grid=grid,
                           seats=seats, people=people, minutes=minutes, day=day,
                           day_index=grid.days.index(day), previous_day=day - timedelta(days=1),
                           next_day=day + timedelta(days=1), seat_query=seat_args(seats)), 200


# --- moving and cancelling -----------------------------------------------------------------------


@bp.route("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/interviews/<int:interview_id>"
          "/edit", methods=["GET", "POST"])
@requires(can_schedule)
def edit_interview(candidacy_id: int, round_id: int, interview_id: int) -> Any:
    interview = _interview(candidacy_id, round_id, interview_id)
    round_ = interview.round
    people = operations.panel_people()
    by_id = {u.id: u for u in people}
    form = RescheduleForm()
    form.offer_people(people)
    if request.method == "GET":
        local = to_zone(interview.starts_at, interview.time_zone)
        form.date.data, form.time.data = local.date(), local.time().replace(tzinfo=None)
        form.time_zone.data = interview.time_zone
        form.duration_minutes.data = interview.duration_minutes
        form.location.data, form.video_url.data = interview.location, interview.video_url
        form.fill_panel([(m.user_id, m.relationship.value) for m in interview.panel])
        if request.args.get("date"):  # a nearest free time proposed by the check
            _prefill_time(form, interview.time_zone, interview.duration_minutes)
    status = 200
    check: dict[str, Any] | None = None
    if form.validate_on_submit():
        def move() -> operations.InterviewChange:
            starts_at = form.starts_at()
            return operations.reschedule_interview(
                interview, actor=g.user, reason=form.reason.data,
                starts_at=starts_at if starts_at != interview.starts_at else None,
                duration_minutes=form.duration_minutes.data, time_zone=form.time_zone.data,
                location=form.location.data or "", video_url=form.video_url.data or "",
                panel=form.seats(), override_relationships=form.override_relationships.data,
                override_reason=form.override_reason.data or form.reason.data,
            )

        saved, check, status = _check_or_save(form, round_.candidacy, by_id, move,
                                              moving=interview.id)
        if saved:
            flash("Interview changed; everyone concerned is told.", "info")
            return redirect(url_for(".show_round", candidacy_id=candidacy_id,
                                    round_id=round_id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/interview_form.html", form=form, round=round_,
                           candidacy=round_.candidacy, interview=interview, check=check,
                           mode="edit", calendars=_calendar_warnings(form, by_id),
                           proposal_args=_proposal_args(form)), status


@bp.route("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/interviews/<int:interview_id>"
          "/cancel", methods=["GET", "POST"])
@requires(can_schedule)
def cancel_interview(candidacy_id: int, round_id: int, interview_id: int) -> Any:
    interview = _interview(candidacy_id, round_id, interview_id)
    form = CancelForm()
    status = 200
    if form.validate_on_submit():
        try:
            operations.cancel_interview(interview, actor=g.user, reason=form.reason.data)
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
            status = 409 if isinstance(err, Conflict) else 422
        else:
            db.session.commit()
            flash("Interview cancelled.", "info")
            return redirect(url_for(".show_round", candidacy_id=candidacy_id,
                                    round_id=round_id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/cancel.html", form=form, interview=interview,
                           round=interview.round, candidacy=interview.round.candidacy), status


@bp.get("/interviews/<int:interview_id>")
@requires(is_signed_in)
def show_interview(interview_id: int) -> Any:
    interview = operations.get_interview(interview_id)
    require(can_view_interview(g.user, interview))
    return _interview_page(interview, ResponseForm(formdata=None))


def _interview_page(interview: Interview, response_form: ResponseForm, status: int = 200) -> Any:
    candidacy = interview.round.candidacy
    from coordinator.assessments.views import interview_context

    own_seat = next((m for m in interview.panel if m.user_id == g.user.id), None)
    if own_seat is not None and status == 200:  # show the answer given; a failed post keeps input
        response_form.response.data = (own_seat.response.value
                                       if own_seat.response in ANSWERS else None)
        response_form.comment.data = own_seat.response_comment
    return render_template("scheduling/interview.html", interview=interview, round=interview.round,
                           candidacy=candidacy,
                           met_before=meetings.met_before_map(candidacy.id).get(interview.id,
                                                                                  set()),
                           own_seat=own_seat, response_form=response_form,
                           response_todos=(responses.todos(interview=interview)
                                           if can_schedule(g.user) else []),
                           **interview_context(g.user, interview)), status


@bp.post("/interviews/<int:interview_id>/response")
@requires(is_signed_in)
def answer_invite(interview_id: int) -> Any:
    """A panel member answers their invite on the interview page."""
    interview = operations.get_interview(interview_id)
    member = next((m for m in interview.panel if m.user_id == g.user.id), None)
    require(member is not None and can_answer_invite(g.user, member))
    form = ResponseForm()
    if form.validate():
        try:
            responses.record_panel_response(member, form.response.data, actor=g.user,
                                            comment=form.comment.data, via=responses.Via.page)
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
        else:
            db.session.commit()
            flash(f"Your answer is saved: {member.response.title.lower()}.", "info")
            return redirect(url_for(".show_interview", interview_id=interview.id,
                                    _anchor="your-answer"), 303)
    return _interview_page(interview, form, 422)


# --- the candidate's availability ----------------------------------------------------------------


@bp.route("/candidacies/<int:candidacy_id>/availability", methods=["GET", "POST"])
@requires(can_schedule)
def candidate_availability(candidacy_id: int) -> Any:
    candidacy = _candidacy(candidacy_id)
    form = AvailabilityForm()
    if request.method == "GET":
        form.time_zone.data = candidacy.candidate.time_zone
    status = 200
    if form.validate_on_submit():
        try:
            windows = [
                (local_to_utc(day, start, form.time_zone.data, f"windows.{i}"),
                 local_to_utc(day, end, form.time_zone.data, f"windows.{i}"))
                for day, start, end, i in form.spans()
            ]
            for index, (begin, finish) in enumerate(windows):
                if finish <= begin:
                    raise RuleViolation(f"windows.{index}", "A window must end after it starts.")
            availability.set_candidate_availability(
                candidacy, availability.merge(windows), actor=g.user,
                source=AvailabilitySource.recruiter)
        except RuleViolation as err:
            db.session.rollback()
            form.form_errors.append(err.message)
            status = 422
        else:
            db.session.commit()
            flash("The candidate's availability is saved.", "info")
            return redirect(url_for(".candidate_availability", candidacy_id=candidacy.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/availability.html", form=form, candidacy=candidacy,
                           windows=availability.candidate_availability(candidacy)), status


# --- a person's working hours, limits and busy calendar ------------------------------------------


@bp.route("/users/<int:user_id>/working-hours", methods=["GET", "POST"])
@requires(is_signed_in)
def working_hours(user_id: int) -> Any:
    user = get_user(user_id)
    require(can_set_working_hours(g.user, user))
    form = WorkingHoursForm()
    if request.method == "GET":
        form.time_zone.data = user.time_zone
        form.fill(availability.working_hours_of(user))
    status = 200
    if form.validate_on_submit():
        try:
            availability.set_working_hours(user, form.days(), actor=g.user,
                                           time_zone=form.time_zone.data)
        except RuleViolation as err:
            db.session.rollback()
            form.attach(err)
            status = 422
        else:
            db.session.commit()
            flash("Working hours saved.", "info")
            return redirect(url_for(".working_hours", user_id=user.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/working_hours.html", form=form, person=user), status


@bp.route("/users/<int:user_id>/limits", methods=["GET", "POST"])
@requires(can_schedule)
def limits(user_id: int) -> Any:
    user = get_user(user_id)
    require(can_set_limits(g.user, user))
    form = LimitsForm(obj=user)
    status = 200
    if form.validate_on_submit():
        try:
            availability.set_limits(user, actor=g.user, per_day=form.max_interviews_per_day.data,
                                    per_week=form.max_interviews_per_week.data)
        except RuleViolation as err:
            db.session.rollback()
            form.attach(err)
            status = 422
        else:
            db.session.commit()
            flash("Limits saved.", "info")
            return redirect(url_for(".limits", user_id=user.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/limits.html", form=form, person=user), status


@bp.route("/users/<int:user_id>/busy", methods=["GET", "POST"])
@requires(is_signed_in)
def import_busy(user_id: int) -> Any:
    user = get_user(user_id)
    require(can_manage_availability(g.user, user))
    form = BusyImportForm()
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(availability.MAX_IMPORT_BYTES + 1)
        try:
            count = availability.import_busy_calendar(user, data, actor=g.user)
        except RuleViolation as err:
            db.session.rollback()
            form.file.errors = [*list(form.file.errors), err.message]
            status = 422
        else:
            db.session.commit()
            flash(f"Imported {count} busy period(s); earlier imports were replaced.", "info")
            return redirect(url_for(".import_busy", user_id=user.id), 303)
    elif request.method == "POST":
        status = 422
    block_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(BusyBlock).where(BusyBlock.user_id == user.id))
    return render_template("scheduling/busy.html", form=form, person=user,
                           block_count=block_count), status



# --- the user's own calendar source (a section of the profile, and its form page) ---------------


@bp.app_context_processor
def _calendar_source_helpers() -> dict[str, Any]:
    """``calendar_source_of(user)`` and ``calendar_sync_status(user)`` for the profile section
    and for pages that list panel members."""

    def status(user: User) -> str:
        return calendar_sources.sync_status(calendar_sources.source_of(user))

    return {"calendar_source_of": calendar_sources.source_of, "calendar_sync_status": status}


@bp.route("/profile/calendar-source", methods=["GET", "POST"])
@requires(is_signed_in)
def edit_calendar_source() -> Any:
    user = g.user
    require(can_manage_calendar_source(user, user))
    source = calendar_sources.source_of(user)
    form = CalendarSourceForm(obj=source if request.method == "GET" else None)
    if request.method == "GET" and source is not None:
        form.kind.data = source.kind.value
    status = 200
    if form.validate_on_submit():
        try:
            calendar_sources.set_source(
                user, actor=user, kind=CalendarSourceKind(form.kind.data), url=form.url.data,
                username=(form.username.data or "").strip(), password=form.password.data or None)
        except RuleViolation as err:
            db.session.rollback()
            form.attach(err)
            status = 422
        else:
            db.session.commit()
            flash("Your calendar is connected; it is synced within a few minutes "
                  "(or now, with “Sync now”).", "info")
            return redirect(url_for("accounts.profile", _anchor="calendar-source"), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/calendar_source.html", form=form, source=source), status


@bp.post("/profile/calendar-source/sync")
@requires(is_signed_in)
def sync_calendar_source() -> Any:
    user = g.user
    require(can_sync_calendar_source(user, user))
    source = calendar_sources.source_of(user)
    if source is None:
        flash("You have no calendar connected.", "info")
    else:
        calendar_sources.sync_source(source, actor=user)
        db.session.commit()
        if source.last_error:
            flash(f"The sync failed: {source.last_error}", "error")
        else:
            flash("Your calendar is synced.", "info")
    return redirect(url_for("accounts.profile", _anchor="calendar-source"), 303)


@bp.post("/profile/calendar-source/remove")
@requires(is_signed_in)
def remove_calendar_source() -> Any:
    user = g.user
    require(can_manage_calendar_source(user, user))
    calendar_sources.remove_source(user, actor=user)
    db.session.commit()
    flash("Your calendar is disconnected and its busy time removed.", "info")
    return redirect(url_for("accounts.profile", _anchor="calendar-source"), 303)


# --- self-scheduling -----------------------------------------------------------------------------


@bp.route("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/self-schedule",
          methods=["GET", "POST"])
@requires(can_schedule)
def offer_self_schedule(candidacy_id: int, round_id: int) -> Any:
    """Offer the round to the candidate to book themselves; the link is mailed to them."""
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    form = SelfScheduleForm()
    form.offer_people(operations.panel_people())
    if request.method == "GET":
        today = to_zone(utcnow(), viewer_zone()).date()
        form.time_zone.data = viewer_zone()
        form.duration_minutes.data = round_.planned_round.duration_minutes
        form.date_from.data = today + timedelta(days=1)
        form.date_to.data = today + timedelta(days=14)
        form.deadline_date.data = today + timedelta(days=3)
        form.reschedule_cutoff_hours.data = selfschedule.default_reschedule_cutoff()
    status = 200
    if form.validate_on_submit():
        try:
            starts_after, ends_before, expires_at = form.instants()
            offered = selfschedule.offer(round_, selfschedule.Offer(
                duration_minutes=form.duration_minutes.data,
                interviewer_ids=list(form.interviewer_ids.data or []),
                pool_ids=list(form.pool_ids.data or []),
                pool_size=form.pool_size.data or 0,
                starts_after=starts_after, ends_before=ends_before, expires_at=expires_at,
                location=form.location.data or "", video_url=form.video_url.data or "",
                reschedule_cutoff_hours=form.reschedule_cutoff_hours.data,
            ), actor=g.user)
        except RuleViolation as err:
            db.session.rollback()
            form.attach(err)
            status = 422
        else:
            db.session.commit()
            until = format_local(offered.expires_at, viewer_zone())
            flash(f"Offered for self-scheduling until {until}; "
                  f"{candidacy.candidate.name} has been mailed the link.", "info")
            return redirect(url_for(".show_round", candidacy_id=candidacy.id,
                                    round_id=round_.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("scheduling/self_schedule.html", form=form, round=round_,
                           candidacy=candidacy), status


@bp.post("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/self-schedule/"
         "<int:self_schedule_id>/withdraw")
@requires(can_schedule)
def withdraw_self_schedule(candidacy_id: int, round_id: int, self_schedule_id: int) -> Any:
    round_ = _round(candidacy_id, round_id)
    try:
        selfschedule.withdraw(selfschedule.get_request(round_, self_schedule_id), actor=g.user)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash("Self-scheduling withdrawn: the candidate's link no longer works.", "info")
    return redirect(url_for(".show_round", candidacy_id=candidacy_id, round_id=round_id), 303)


from coordinator.scheduling import loop_pages  # noqa: E402, F401  (its routes join this blueprint)
