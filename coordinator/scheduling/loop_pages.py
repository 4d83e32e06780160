"""Pages for interview days (loops): "Plan a day" on a round, and booking a proposed day.

The plan form has a fixed number of session rows (no script needed); the rows after the first two
sit in a "More sessions" disclosure. Filled rows (those with a title) are the day's sessions, in
order; a rule's path ``sessions.N.field`` lands on the N-th filled row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional

from coordinator.access import requires
from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.forms import Form, enum_choices
from coordinator.jobs.models import Relationship
from coordinator.scheduling import loops, operations
from coordinator.scheduling.forms import _optional_int, _people_choices
from coordinator.scheduling.permissions import can_schedule
from coordinator.scheduling.views import _round, bp
from coordinator.timeutil import local_to_utc, to_zone, utcnow
from coordinator.web import viewer_zone

ROWS = loops.MAX_SESSIONS


class LoopSessionForm(Form):
    class Meta:
        csrf = False

    title = StringField("Session title", validators=[Optional(), Length(max=200)])
    duration_minutes = IntegerField("Minutes", validators=[Optional(), NumberRange(5, 1440)])
    user_id = SelectField("Interviewer", coerce=_optional_int, validate_choice=False)
    relationship = SelectField("Their relationship", choices=enum_choices(Relationship),
                               default=Relationship.peer.value)
    pool = SelectMultipleField("Pool (pick several)", coerce=int, validate_choice=False)
    pool_relationship = SelectField("Pool's relationship", choices=enum_choices(Relationship),
                                    default=Relationship.peer.value)
    pool_size = IntegerField("How many of the pool", default=0,
                             validators=[Optional(), NumberRange(0, 50)])


class LoopForm(Form):
    """GET form: the day's sessions, the break between them, and the dates to search."""

    class Meta:
        csrf = False

    sessions = FieldList(FormField(LoopSessionForm), min_entries=ROWS, max_entries=ROWS)
    break_minutes = IntegerField("Break between sessions (minutes)", default=15,
                                 validators=[Optional(), NumberRange(0, 240)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    allow_reorder = BooleanField("The sessions may be held in another order")

    def offer_people(self, people: list[User]) -> None:
        choices = _people_choices(people)
        for entry in self.sessions:
            entry.form.user_id.choices = choices
            entry.form.pool.choices = choices[1:]

    def filled(self) -> list[LoopSessionForm]:
        return [e.form for e in self.sessions if (e.form.title.data or "").strip()]

    def attach(self, err: RuleViolation | Conflict) -> None:
        errors = err.errors if isinstance(err, RuleViolation) else {err.field or "_": [err.message]}
        rows = self.filled()
        names = {"interviewer_ids": "user_id", "pool_ids": "pool"}
        for path, messages in errors.items():
            parts = path.split(".")
            target: Any = None
            if parts[0] == "sessions" and len(parts) > 2 and parts[1].isdigit() \
                    and int(parts[1]) < len(rows):
                target = getattr(rows[int(parts[1])], names.get(parts[2], parts[2]), None)
            elif parts[0] in {"break_minutes", "allow_reorder"}:
                target = getattr(self, parts[0])
            elif parts[0] in {"from", "to"}:
                target = self.date_from if parts[0] == "from" else self.date_to
            if target is not None and isinstance(target.errors, list | tuple):
                target.errors = [*list(target.errors), *messages]
            else:
                self.form_errors.extend(messages)


def _specs(rows: list[LoopSessionForm], people: dict[int, User]) -> list[loops.SessionSpec]:
    specs = []
    for index, row in enumerate(rows):
        chosen = [row.user_id.data] if row.user_id.data else []
        pool = list(row.pool.data or [])
        unknown = [i for i in [*chosen, *pool] if i not in people]
        if unknown:
            raise RuleViolation(f"sessions.{index}.interviewer_ids",
                                "Choose interviewers from the list.")
        specs.append(loops.SessionSpec(
            title=row.title.data or "",
            duration_minutes=row.duration_minutes.data or 60,
            required=[people[i] for i in chosen],
            pool=[people[i] for i in pool],
            pool_size=row.pool_size.data or 0,
        ))
    return specs


@bp.get("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/plan-day")
@requires(can_schedule)
def plan_day(candidacy_id: int, round_id: int) -> Any:
    round_ = _round(candidacy_id, round_id)
    candidacy = round_.candidacy
    form = LoopForm(request.args)
    people = operations.panel_people()
    form.offer_people(people)
    by_id = {u.id: u for u in people}
    days: list[loops.LoopDay] | None = None
    status = 200
    if not request.args:
        first = form.sessions[0].form
        first.title.data = round_.title
        first.duration_minutes.data = round_.planned_round.duration_minutes
    elif form.validate():
        rows = form.filled()
        zone = viewer_zone()
        start_day = form.date_from.data or to_zone(utcnow(), zone).date()
        last_day = form.date_to.data or start_day + timedelta(days=14)
        try:
            starts_after = local_to_utc(start_day, datetime.min.time(), zone, "from")
            ends_before = local_to_utc(last_day + timedelta(days=1), datetime.min.time(), zone,
                                       "to")
            days = loops.suggest_loops(
                round_, sessions=_specs(rows, by_id), break_minutes=form.break_minutes.data or 0,
                starts_after=starts_after, ends_before=ends_before,
                allow_reorder=bool(form.allow_reorder.data),
            )
        except RuleViolation as err:
            form.attach(err)
            status = 422
    else:
        status = 422
    seats: dict[int, list[str]] = {}
    for index, row in enumerate(form.filled()):
        relationship_of = {i: row.pool_relationship.data for i in row.pool.data or []}
        if row.user_id.data:
            relationship_of[row.user_id.data] = row.relationship.data
        seats[index] = [f"{uid}:{rel}" for uid, rel in relationship_of.items()]
    return render_template(
        "scheduling/plan_day.html", form=form, round=round_, candidacy=candidacy, days=days,
        people=by_id, seats=seats,
    ), status


@bp.post("/candidacies/<int:candidacy_id>/rounds/<int:round_id>/loops")
@requires(can_schedule)
def book_day(candidacy_id: int, round_id: int) -> Any:
    """Book a proposed day (the proposal's hidden fields): every session or none."""
    round_ = _round(candidacy_id, round_id)
    sessions: list[loops.LoopSession] = []
    try:
        count = int(request.form.get("session_count", ""))
        if not 1 <= count <= ROWS:
            raise ValueError(count)
        for index in range(count):
            seats = []
            for value in request.form.getlist(f"seat-{index}"):
                user_id, _, relationship = value.partition(":")
                seats.append(operations.Seat(int(user_id), relationship))
            sessions.append(loops.LoopSession(
                title=request.form.get(f"title-{index}", ""),
                starts_at=datetime.fromisoformat(request.form.get(f"starts_at-{index}", "")),
                duration_minutes=int(request.form.get(f"duration-{index}", "")),
                panel=seats,
            ))
    except ValueError:
        abort(400, "The proposal was incomplete; search again.")
    back = url_for(".plan_day", candidacy_id=candidacy_id, round_id=round_id, **request.args)
    try:
        booking = loops.book_loop(
            round_, actor=g.user, time_zone=round_.candidacy.candidate.time_zone,
            sessions=sessions, location=request.form.get("location", ""),
            video_url=request.form.get("video_url", ""),
            override_relationships=bool(request.form.get("override_relationships")),
            override_reason=request.form.get("override_reason"),
        )
    except (RuleViolation, Conflict) as err:
        db.session.rollback()
        flash(f"Nothing was booked: {err.message}", "error")
        return redirect(back, 303)
    db.session.commit()
    for change in booking.changes:
        for warning in change.warnings:
            flash(warning["detail"], "warning")
    flash(f"Day booked: {len(booking.changes)} interviews; the candidate gets an itinerary.",
          "info")
    return redirect(url_for(".show_round", candidacy_id=candidacy_id, round_id=round_id), 303)
