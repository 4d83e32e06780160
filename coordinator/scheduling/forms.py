"""Scheduling forms: open a round, book or move an interview, cancel, suggestions, availability."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
    FormField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coordinator.accounts.models import User
from coordinator.errors import RuleViolation
from coordinator.forms import Form, TimeZoneField, enum_choices
from coordinator.jobs.models import Relationship
from coordinator.scheduling.operations import MAX_PANEL, Seat
from coordinator.timeutil import local_to_utc

PANEL_ROWS = 6


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _people_choices(people: list[User]) -> list[SelectChoice]:
    return [SelectChoice("", "— nobody —")] + [
        SelectChoice(str(u.id), f"{u.name}{' · ' + u.job_title if u.job_title else ''}")
        for u in people
    ]


class OpenRoundForm(Form):
    planned_round_id = SelectField("Round of the plan", coerce=_optional_int,
                                   validators=[DataRequired("Choose a round.")])


class SeatForm(Form):
    class Meta:
        csrf = False

    user_id = SelectField("Interviewer", coerce=_optional_int, validate_choice=False)
    relationship = SelectField("Relationship to the role", choices=enum_choices(Relationship),
                               default=Relationship.peer.value)


class InterviewForm(Form):
    """Local date and time in a zone, duration, place, and the panel."""

    date = DateField("Date", validators=[DataRequired("Give a date.")])
    time = TimeField("Start time", validators=[DataRequired("Give a start time.")])
    time_zone = TimeZoneField("Time zone of that date and time")
    duration_minutes = IntegerField(
        "Duration (minutes)",
        validators=[DataRequired("Give a duration."),
                    NumberRange(5, 480, "Between 5 minutes and 8 hours (480 minutes).")],
    )
    location = StringField("Place", validators=[Length(max=300)],
                           description="Room and address, or leave empty for a video call.")
    video_url = URLField("Video link", validators=[Optional(), Length(max=500)])
    panel = FieldList(FormField(SeatForm), min_entries=PANEL_ROWS, max_entries=MAX_PANEL)
    override_relationships = BooleanField("Book without the relationships the plan asks for")
    override_reason = TextAreaField("Why the panel departs from the plan",
                                    validators=[Length(max=1000)])

    field_aliases = {"starts_at": "time", "reason": "override_reason"}

    def offer_people(self, people: list[User]) -> None:
        choices = _people_choices(people)
        for entry in self.panel:
            entry.form.user_id.choices = choices

    def starts_at(self) -> datetime:
        return local_to_utc(self.date.data, self.time.data, self.time_zone.data or "UTC",
                            field="starts_at")

    def seats(self) -> list[Seat]:
        seats = []
        for entry in self.panel:
            if entry.form.user_id.data:
                seats.append(Seat(entry.form.user_id.data, entry.form.relationship.data))
        return seats

    def fill_panel(self, seats: list[tuple[int, str]]) -> None:
        for entry, (user_id, relationship) in zip(self.panel, seats, strict=False):
            entry.form.user_id.data = user_id
            entry.form.relationship.data = relationship

    def attach(self, err: Any) -> None:
        errors = getattr(err, "errors", None) or {}
        handled = False
        for path, messages in list(errors.items()):
            parts = path.split(".")
            if parts[0] == "panel" and len(parts) >= 2 and parts[1].isdigit():
                # map the index among filled seats back to the form's row
                filled = [e for e in self.panel if e.form.user_id.data]
                index = int(parts[1])
                if index < len(filled):
                    field = getattr(filled[index].form, parts[2] if len(parts) > 2 else "user_id")
                    field.errors = [*list(field.errors), *messages]
                    handled = True
        if not handled:
            super().attach(err)


class RescheduleForm(InterviewForm):
    reason = TextAreaField("Reason for the change",
                           validators=[DataRequired("Give a reason; it is kept in the history."),
                                       Length(max=1000)])
    field_aliases = {"starts_at": "time"}

    def attach(self, err: Any) -> None:
        if isinstance(err, RuleViolation) and err.field == "reason" and "panel" in err.message:
            self.override_reason.errors = [*list(self.override_reason.errors), err.message]
            return
        super().attach(err)


class CancelForm(Form):
    reason = TextAreaField("Reason for cancelling",
                           validators=[DataRequired("Give a reason; it is kept in the history."),
                                       Length(max=1000)])


class SuggestForm(Form):
    """GET form: who must attend, an optional pool, and when."""

    class Meta:
        csrf = False

    required = FieldList(FormField(SeatForm), min_entries=4, max_entries=8)
    pool = FieldList(FormField(SeatForm), min_entries=4, max_entries=10)
    pool_size = IntegerField("How many of the pool", default=0,
                             validators=[Optional(), NumberRange(0, 10)])
    duration_minutes = IntegerField("Duration (minutes)",
                                    validators=[Optional(), NumberRange(5, 480)])
    buffer_minutes = IntegerField("Buffer around other meetings (minutes)", default=0,
                                  validators=[Optional(), NumberRange(0, 240)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def offer_people(self, people: list[User]) -> None:
        choices = _people_choices(people)
        for entry in [*self.required, *self.pool]:
            entry.form.user_id.choices = choices


class AvailabilityWindowForm(Form):
    class Meta:
        csrf = False

    date = DateField("Date", validators=[Optional()])
    start = TimeField("From", validators=[Optional()])
    end = TimeField("To", validators=[Optional()])


class AvailabilityForm(Form):
    time_zone = TimeZoneField("Time zone of these times")
    windows = FieldList(FormField(AvailabilityWindowForm), min_entries=6, max_entries=30)

    def spans(self) -> list[tuple[date, time, time, int]]:
        spans = []
        for index, entry in enumerate(self.windows):
            row = entry.form
            if row.date.data and row.start.data and row.end.data:
                spans.append((row.date.data, row.start.data, row.end.data, index))
            elif row.date.data or row.start.data or row.end.data:
                row.date.errors = [*list(row.date.errors), "Give a date, a start and an end."]
                raise RuleViolation(f"windows.{index}", "Give a date, a start and an end.")
        return spans


class BusyImportForm(Form):
    file = FileField("Calendar file (.ics)", validators=[DataRequired("Choose an .ics file.")])


class WorkingHoursForm(Form):
    time_zone = TimeZoneField("Your time zone")
    mon = StringField("Monday", validators=[Length(max=100)])
    tue = StringField("Tuesday", validators=[Length(max=100)])
    wed = StringField("Wednesday", validators=[Length(max=100)])
    thu = StringField("Thursday", validators=[Length(max=100)])
    fri = StringField("Friday", validators=[Length(max=100)])
    sat = StringField("Saturday", validators=[Length(max=100)])
    sun = StringField("Sunday", validators=[Length(max=100)])

    DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

    def days(self) -> dict[str, list[list[str]]]:
        """Parse "09:00-12:00, 13:00-17:00" per day."""
        result: dict[str, list[list[str]]] = {}
        for day in self.DAYS:
            text = (getattr(self, day).data or "").strip()
            if not text:
                continue
            spans = []
            for part in text.split(","):
                bits = part.replace("–", "-").split("-")
                if len(bits) != 2:
                    raise RuleViolation(f"days.{day}", "Write spans like 09:00-12:00, 13:00-17:00.")
                spans.append([bits[0].strip(), bits[1].strip()])
            result[day] = spans
        return result

    def fill(self, days: dict[str, list[list[str]]]) -> None:
        for day in self.DAYS:
            getattr(self, day).data = ", ".join(f"{a}-{b}" for a, b in days.get(day, []))

    def attach(self, err: Any) -> None:
        if isinstance(err, RuleViolation) and err.field and err.field.startswith("days."):
            field = getattr(self, err.field.split(".")[1], None)
            if field is not None:
                field.errors = [*list(field.errors), err.message]
                return
        super().attach(err)


class LimitsForm(Form):
    max_interviews_per_day = IntegerField("Interviews per day at most",
                                          validators=[Optional(), NumberRange(0, 50)])
    max_interviews_per_week = IntegerField("Interviews per week at most",
                                           validators=[Optional(), NumberRange(0, 50)])


class CalendarSourceForm(Form):
    kind = SelectField("Kind", choices=[
        SelectChoice("ics_url",
                     "Secret iCalendar address (Google, Outlook, Fastmail, Nextcloud, iCloud)"),
        SelectChoice("caldav", "CalDAV calendar (with a user name and an app password)"),
    ], validators=[DataRequired()])
    url = StringField("Address", validators=[DataRequired("Give the calendar's address."),
                                             Length(max=2000)])
    username = StringField("User name (CalDAV)", validators=[Optional(), Length(max=200)])
    # Not stripped: a password's spaces are part of it.
    password = PasswordField("App password (CalDAV; leave empty to keep the stored one)",
                             validators=[Optional(strip_whitespace=False), Length(max=500)])


class SelfScheduleForm(Form):
    """Offer a round to the candidate: who, how long, which days, until when, where."""

    field_aliases: ClassVar[dict[str, str]] = {
        "from": "date_from", "to": "date_to", "expires_at": "deadline_date",
        "round_id": "_",
    }

    interviewer_ids = SelectMultipleField("Required interviewers", coerce=int,
                                          validate_choice=False)
    pool_ids = SelectMultipleField("Pool", coerce=int, validate_choice=False)
    pool_size = IntegerField("How many of the pool (k)", default=0,
                             validators=[Optional(), NumberRange(0, 12)])
    duration_minutes = IntegerField("Duration (minutes)", validators=[DataRequired()])
    date_from = DateField("First day", validators=[DataRequired()])
    date_to = DateField("Last day", validators=[DataRequired()])
    deadline_date = DateField("Book by (day)", validators=[DataRequired()])
    deadline_time = TimeField("Book by (time)", default=time(17, 0), validators=[DataRequired()])
    time_zone = TimeZoneField("Days and deadline in zone")
    location = StringField("Location", validators=[Optional(), Length(max=300)])
    video_url = URLField("Video link", validators=[Optional(), Length(max=500)])
    reschedule_cutoff_hours = IntegerField(
        "Candidate may change the time until (hours before)",
        description="After booking, the candidate can pick another time through the same "
                    "link until this many hours before the interview.",
        validators=[Optional(), NumberRange(0, 336, "Between 0 and 336 hours (two weeks).")])

    def offer_people(self, people: list[User]) -> None:
        choices = [(u.id, f"{u.name}{' · ' + u.job_title if u.job_title else ''}") for u in people]
        self.interviewer_ids.choices = choices
        self.pool_ids.choices = choices

    def instants(self) -> tuple[datetime, datetime, datetime]:
        """The range's start and end (the last day included) and the deadline, in UTC."""
        zone = self.time_zone.data
        starts_after = local_to_utc(self.date_from.data, time(0, 0), zone, "from")
        ends_before = local_to_utc(self.date_to.data + timedelta(days=1), time(0, 0), zone,
                                   "to")
        expires_at = local_to_utc(self.deadline_date.data, self.deadline_time.data, zone,
                                  "expires_at")
        return starts_after, ends_before, expires_at
