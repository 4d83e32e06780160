"""Job forms: the job itself and one round of its interview plan (with its scorecard)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DataList,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from coordinator.accounts.models import User
from coordinator.errors import Conflict, RuleViolation
from coordinator.forms import Form, checked_by
from coordinator.jobs.models import Job, JobState, PlannedRound, Relationship, RoundKind
from coordinator.jobs.operations import MAX_CRITERIA, CriterionInput, PlannedRoundInput
from coordinator.money import ISO_4217, currency_code

#: Blank criterion rows offered below the existing ones.
BLANK_CRITERIA = 3


def _optional_id(value: Any) -> int | None:
    """Coerce a select's value: the empty option means none, anything else must be a number."""
    if value in (None, ""):
        return None
    return int(value)


def _choices(enum_cls: Any) -> list[SelectChoice]:
    return [SelectChoice(value, title) for value, title in enum_cls.choices()]


class JobForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    department = StringField("Department", validators=[Length(max=200)])
    location = StringField("Location", validators=[Length(max=200)])
    hiring_manager_id = SelectField(
        "Hiring manager", coerce=_optional_id, choices=[SelectChoice("", "— none yet —")],
        description="Users with the hiring manager or admin role.",
    )
    pay_band_min = DecimalField("Pay band minimum", places=2, validators=[InputRequired()])
    pay_band_max = DecimalField("Pay band maximum", places=2, validators=[InputRequired()])
    pay_band_currency = StringField(
        "Currency", default="EUR", datalist=DataList(sorted(ISO_4217)),
        validators=[DataRequired(), Length(min=3, max=3), checked_by(currency_code)],
        description="ISO 4217 code, e.g. EUR, USD, GBP.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    assessment_due_hours = IntegerField(
        "Assessments due after (hours)", default=24,
        validators=[InputRequired(), NumberRange(min=1, max=720)],
        description="How long interviewers have to submit their assessment after an interview.",
    )

    def validate_pay_band_min(self, field: Any) -> None:
        """The band's order, shown with the other fields' errors (the operation checks it too)."""
        low, high = field.data, self.pay_band_max.data
        if low is None or high is None or not (low.is_finite() and high.is_finite()):
            return  # each field says what is wrong with it
        if low > high:
            raise ValidationError("The band's minimum must not exceed its maximum.")

    def offer_hiring_managers(self, users: list[User], current: User | None = None) -> None:
        """Fill the hiring manager choices; the job's current one stays pickable."""
        people = list(users)
        if current is not None and all(user.id != current.id for user in people):
            people.append(current)
        self.hiring_manager_id.choices = [
            SelectChoice("", "— none yet —"),
            *(SelectChoice(str(user.id), f"{user.name} ({user.email})") for user in people),
        ]

    def values(self) -> dict[str, Any]:
        """The keyword arguments for ``create_job``."""
        return {
            "title": self.title.data or "",
            "department": self.department.data or "",
            "location": self.location.data or "",
            "hiring_manager_id": self.hiring_manager_id.data,
            "pay_band_min": self.pay_band_min.data,
            "pay_band_max": self.pay_band_max.data,
            "pay_band_currency": self.pay_band_currency.data or "",
            "assessment_due_hours": self.assessment_due_hours.data,
        }


class EditJobForm(JobForm):
    state = SelectField("State", choices=_choices(JobState),
                        description="A closed job takes no new candidacies.")

    def changes(self, job: Job) -> dict[str, Any]:
        """The keyword arguments for ``update_job`` (the hiring manager only when it changed)."""
        values = self.values()
        if values["hiring_manager_id"] == job.hiring_manager_id:
            del values["hiring_manager_id"]
        values["state"] = self.state.data
        return values


class CriterionRow(Form):
    """One criterion of the scorecard (a row of the planned round form, not a form of its own)."""

    class Meta:
        csrf = False

    id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    title = StringField("Criterion", validators=[Length(max=200)])
    guidance = TextAreaField("Guidance for interviewers", validators=[Length(max=2000)],
                             render_kw={"rows": 2})
    is_required = BooleanField("A rating is required", default=True)
    relationship = SelectField(
        "Rated best by", default="",
        choices=[SelectChoice("", "Anyone on the panel"), *_choices(Relationship)],
    )
    remove = BooleanField("Remove from the scorecard")

    @property
    def is_blank(self) -> bool:
        return self.id.data is None and not (self.title.data or "").strip() and not (
            self.guidance.data or ""
        ).strip()


class PlannedRoundForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=_choices(RoundKind),
                       description="A compensation discussion warns the candidate that pay "
                                   "will be discussed.")
    duration_minutes = IntegerField("Duration (minutes)", default=60,
                                    validators=[InputRequired(), NumberRange(min=5, max=480)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    seats_colleague = IntegerField("Colleagues", default=0,
                                   validators=[InputRequired(), NumberRange(min=0, max=10)])
    seats_peer = IntegerField("Peers", default=0,
                              validators=[InputRequired(), NumberRange(min=0, max=10)])
    seats_supervisor = IntegerField("Supervisors", default=0,
                                    validators=[InputRequired(), NumberRange(min=0, max=10)])
    seats_hiring_manager = IntegerField("Hiring managers", default=0,
                                        validators=[InputRequired(), NumberRange(min=0, max=10)])
    criteria = FieldList(FormField(CriterionRow), min_entries=BLANK_CRITERIA,
                         max_entries=MAX_CRITERIA + BLANK_CRITERIA)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: For each criterion handed to the operation, the form row it came from.
        self._rows_of_items: list[int] = []

    @staticmethod
    def data_of(planned: PlannedRound) -> dict[str, Any]:
        """Initial data for editing ``planned``: its fields, seats and live criteria plus blanks."""
        seats = {row.relationship: row.minimum for row in planned.required_relationships}
        criteria: list[dict[str, Any]] = [
            {"id": c.id, "title": c.title, "guidance": c.guidance, "is_required": c.is_required,
             "relationship": c.relationship.value if c.relationship else ""}
            for c in planned.criteria if not c.is_retired
        ]
        criteria += [{} for _ in range(BLANK_CRITERIA)]
        data: dict[str, Any] = {
            "title": planned.title, "kind": planned.kind.value,
            "duration_minutes": planned.duration_minutes, "description": planned.description,
            "criteria": criteria,
        }
        for relationship in Relationship:
            data[f"seats_{relationship.value}"] = seats.get(relationship, 0)
        return data

    def seat_fields(self) -> list[Any]:
        return [getattr(self, f"seats_{relationship.value}") for relationship in Relationship]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.criteria:
            row = entry.form
            if row.remove.data or row.is_blank:
                continue
            if not (row.title.data or "").strip():
                row.title.errors = [*row.title.errors, "Give the criterion a title"
                                    + (" (or tick “Remove”)." if row.id.data else ".")]
                valid = False
        return valid

    def to_input(self) -> PlannedRoundInput:
        """The planned round as the operations take it; blank and removed rows are left out."""
        relationships: list[str] = []
        for relationship in Relationship:
            relationships += [relationship.value] * (
                getattr(self, f"seats_{relationship.value}").data or 0
            )
        items: list[CriterionInput] = []
        self._rows_of_items = []
        for index, entry in enumerate(self.criteria):
            row = entry.form
            if row.remove.data or row.is_blank:
                continue
            items.append(CriterionInput(
                id=row.id.data, title=row.title.data or "", guidance=row.guidance.data or "",
                is_required=bool(row.is_required.data), relationship=row.relationship.data or None,
            ))
            self._rows_of_items.append(index)
        return PlannedRoundInput(
            title=self.title.data or "", kind=self.kind.data or "",
            duration_minutes=self.duration_minutes.data or 0,
            description=self.description.data or "", relationships=relationships, criteria=items,
        )

    def attach(self, err: RuleViolation | Conflict) -> None:
        """Errors on ``criteria.<n>.<field>`` land on the row the n-th criterion came from."""
        errors = err.errors if isinstance(err, RuleViolation) else {err.field or "_": [err.message]}
        rest: dict[str, list[str]] = {}
        for path, messages in errors.items():
            parts = path.split(".")
            if path == "criteria":
                self.form_errors.extend(messages)
                continue
            if parts[0] == "criteria" and len(parts) == 3 and parts[1].isdigit():
                item = int(parts[1])
                if item < len(self._rows_of_items):
                    row = self.criteria[self._rows_of_items[item]].form
                    target = getattr(row, parts[2], None) or row.title
                    if target is row.id:
                        target = row.title
                    target.errors = [*list(target.errors), *messages]
                    continue
            rest[path] = messages
        if rest:
            super().attach(RuleViolation.many(rest))
