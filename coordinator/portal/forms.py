"""The candidate page's forms: the zone to show times in, and the availability windows."""

from __future__ import annotations

from datetime import datetime

from wtforms import DateField, FieldList, FormField, HiddenField, TimeField
from wtforms.validators import Length, Optional

from coordinator.errors import RuleViolation
from coordinator.forms import Form, TimeZoneField
from coordinator.timeutil import is_valid_zone, local_to_utc

#: Rows the availability form shows at first ("add another" adds one, without JavaScript);
#: a submission may carry up to MAX_ROWS.
ROWS = 1
MAX_ROWS = 20


class ZoneForm(Form):
    """``GET ?tz=Zone/Name``: show the page's times in another zone."""

    class Meta:
        csrf = False

    tz = TimeZoneField("Show times in")


class WindowRow(Form):
    class Meta:
        csrf = False

    date = DateField("Date", validators=[Optional()])
    start = TimeField("From", validators=[Optional()])
    end = TimeField("To", validators=[Optional()])


class AvailabilityForm(Form):
    #: The zone the rows' times are in: the one the page shows (switch it with the zone form).
    time_zone = HiddenField(validators=[Length(max=64)])
    windows = FieldList(FormField(WindowRow), min_entries=ROWS, max_entries=MAX_ROWS)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        #: Messages per row index, shown beside the row.
        self.row_errors: dict[int, list[str]] = {}

    def add_row(self) -> bool:
        """One more empty window row, up to MAX_ROWS; False when the form is full."""
        if len(self.windows) >= MAX_ROWS:
            return False
        self.windows.append_entry()
        return True

    def first_bad_field_id(self) -> str | None:
        """The id of the first row's date field that carries an error, for the summary link."""
        for index, entry in enumerate(self.windows):
            row = entry.form
            if index in self.row_errors or any(f.errors for f in (row.date, row.start, row.end)):
                return str(row.date.id)
        return None

    def _fail(self, index: int, message: str) -> None:
        self.row_errors.setdefault(index, []).append(message)

    def windows_utc(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """The filled rows as UTC intervals; every bad row gets its message, then one error."""
        zone_name = (self.time_zone.data or "").strip()
        if not is_valid_zone(zone_name):
            raise RuleViolation("time_zone", "Choose a known time zone for these times.")
        windows: list[tuple[datetime, datetime]] = []
        for index, entry in enumerate(self.windows):
            row = entry.form
            values = (row.date.data, row.start.data, row.end.data)
            if any(f.errors for f in (row.date, row.start, row.end)):
                continue  # the field's own message (e.g. "Not a valid date value.") is shown
            if not any(values):
                continue
            if not all(values):
                self._fail(index, "Give a date, a start and an end.")
                continue
            try:
                begin = local_to_utc(row.date.data, row.start.data, zone_name, f"windows.{index}")
                finish = local_to_utc(row.date.data, row.end.data, zone_name, f"windows.{index}")
            except RuleViolation as err:
                self._fail(index, err.message)
                continue
            if finish <= begin:
                self._fail(index, "The end must be after the start (on the same day).")
            elif finish <= now:
                self._fail(index, "This window is already over.")
            else:
                windows.append((begin, finish))
        bad = sorted(self.row_errors) + [
            i
            for i, e in enumerate(self.windows)
            if any(f.errors for f in (e.form.date, e.form.start, e.form.end))
        ]
        if bad:
            rows = ", ".join(str(i + 1) for i in sorted(set(bad)))
            raise RuleViolation("windows", f"Please fix window {rows}; nothing was saved.")
        if not windows:
            raise RuleViolation("windows", "Give at least one window: a date, a start and an end.")
        return windows


class PickForm(Form):
    """The candidate's choice among the live slots (a button per slot carries its instant)."""

    starts_at = HiddenField(validators=[Length(max=40)])
    tz = HiddenField(validators=[Optional(), Length(max=64)])

    def starts_at_utc(self) -> datetime:
        """The picked instant (ISO 8601 with an offset); RuleViolation when it is not one."""
        try:
            value = datetime.fromisoformat((self.starts_at.data or "").strip())
        except ValueError as err:
            raise RuleViolation("starts_at", "Please pick one of the times below.") from err
        if value.tzinfo is None:
            raise RuleViolation("starts_at", "Please pick one of the times below.")
        return value
