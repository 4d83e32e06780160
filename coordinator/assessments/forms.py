"""Assessment forms: the scorecard form is built at run time from the interview's criteria
(after Indico's ``make_review_form``), plus the recruiter's reopen form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coordinator.assessments.models import SCALE, Assessment, Recommendation
from coordinator.assessments.operations import MAX_NOTES
from coordinator.forms import Form, enum_choices
from coordinator.jobs.models import Criterion

RATE_MESSAGE = "Rate from 1 to 4."


def _score(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class ScoreField(RadioField):
    """One criterion's rating: a radio group over the scale, left empty while drafting."""

    def __init__(self, criterion: Criterion, **kwargs: Any) -> None:
        super().__init__(
            criterion.title,
            validators=[Optional()],
            coerce=_score,
            choices=[
                SelectChoice(str(score), f"{score} · {label}") for score, label in SCALE.items()
            ],
            description=criterion.guidance,
            invalid_value_message=RATE_MESSAGE,
            invalid_choice_message=RATE_MESSAGE,
            **kwargs,
        )
        self.criterion = criterion


class AssessmentForm(Form):
    """The fixed fields; :func:`make_assessment_form` adds ``rating_<criterion id>`` fields."""

    recommendation = RadioField(
        "Overall recommendation",
        validators=[Optional()],
        choices=enum_choices(Recommendation),
        invalid_choice_message="Choose strong no, no, yes or strong yes.",
    )
    notes = TextAreaField(
        "Notes",
        validators=[Optional(), Length(max=MAX_NOTES)],
        description="Optional. Seen by the recruiters, the hiring manager and, once they have "
        "submitted their own, the other interviewers.",
        render_kw={"rows": 8},
    )
    notes_for_later = TextAreaField(
        "Notes for later interviewers",
        validators=[Optional(), Length(max=MAX_NOTES)],
        description="Optional. What the next rounds should dig into; shown in their brief "
        "(without your ratings).",
        render_kw={"rows": 4},
    )
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Submit")

    #: The criteria this form rates, in scorecard order (set by make_assessment_form).
    criteria: Sequence[Criterion] = ()

    def rating_fields(self) -> list[ScoreField]:
        return [getattr(self, field_name(c)) for c in self.criteria]

    def ratings(self) -> dict[int, int | None]:
        return {c.id: getattr(self, field_name(c)).data for c in self.criteria}

    def wants_submit(self) -> bool:
        """The "Submit" button (or ``action=submit``) was pressed, not "Save draft"."""
        from flask import request

        return bool(self.submit.data) or request.form.get("action") == "submit"

    def values(self) -> dict[str, Any]:
        return {
            "ratings": self.ratings(),
            "recommendation": self.recommendation.data or None,
            "notes": self.notes.data or "",
            "notes_for_later": self.notes_for_later.data or "",
            "submit": self.wants_submit(),
        }


def field_name(criterion: Criterion) -> str:
    return f"rating_{criterion.id}"


def make_assessment_form(
    criteria: Sequence[Criterion], assessment: Assessment | None = None, **kwargs: Any
) -> AssessmentForm:
    """A form class for this scorecard, then an instance: from the request when posted, else
    from the saved draft (ratings of criteria still on the scorecard)."""
    fields: dict[str, Any] = {field_name(c): ScoreField(c) for c in criteria}
    aliases = {f"ratings.{c.id}": field_name(c) for c in criteria}
    aliases.update({"submit": "_", "interview": "_", "ratings": "_"})
    form_class = type(
        "ScorecardForm",
        (AssessmentForm,),
        {
            **fields,
            "criteria": tuple(criteria),
            "field_aliases": aliases,
        },
    )
    if assessment is not None:
        data: dict[str, Any] = {
            "recommendation": assessment.recommendation.value
            if assessment.recommendation
            else None,
            "notes": assessment.notes,
            "notes_for_later": assessment.notes_for_later,
        }
        data.update({f"rating_{r.criterion_id}": r.score for r in assessment.ratings})
        kwargs.setdefault("data", data)
    return form_class(**kwargs)  # type: ignore[no-any-return]


class ReopenForm(Form):
    reason = TextAreaField(
        "Why reopen it?",
        validators=[DataRequired("Say why the assessment is reopened."), Length(max=1000)],
        description="Kept in the candidacy's history; the interviewer can then change and "
        "submit again.",
        render_kw={"rows": 2},
    )
