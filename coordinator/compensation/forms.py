"""Compensation forms: expectations, a proposal, an approval decision, the outcome.

Forms check shape only; amounts, currencies, the conversion note and dates are checked by the
operations, whose errors land on these fields through ``field_aliases``. Amounts are text fields
so that whatever was typed (``95,000``, ``-5``) is kept and shown back with the message.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from wtforms import (
    DataList,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from coordinator.compensation.models import Period
from coordinator.compensation.operations import OUTCOMES
from coordinator.forms import Form, enum_choices
from coordinator.money import ISO_4217

AMOUNT_HINT = "A yearly, monthly or hourly amount, e.g. 95000.00 (no thousands separators)."
CURRENCY_HINT = "ISO 4217 code, e.g. EUR, USD, GBP."
CONVERSION_HINT = (
    "Needed when the currency is not the band's: the rate used and its date, "
    "e.g. 1 USD = 0.92 EUR on 1 March 2027."
)


def _currency_field() -> StringField:
    return StringField(
        "Currency",
        validators=[DataRequired("Give a currency."), Length(max=10)],
        datalist=DataList(sorted(ISO_4217)),
        description=CURRENCY_HINT,
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "size": 4},
    )


def _text(value: str | None) -> str:
    return (value or "").strip()


class ExpectationsForm(Form):
    field_aliases: ClassVar[dict[str, str]] = {
        "expected.amount": "amount",
        "expected.currency": "currency",
        "expected_period": "period",
        "expected_notes": "notes",
    }

    amount = StringField(
        "Expected base pay",
        validators=[Length(max=40)],
        description=AMOUNT_HINT + " Leave empty if not known yet.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = _currency_field()
    period = SelectField("Per", choices=enum_choices(Period), default=Period.year.value)
    bonus_notes = TextAreaField("Bonus expectations", validators=[Length(max=2000)])
    equity_notes = TextAreaField("Equity expectations", validators=[Length(max=2000)])
    earliest_start = DateField("Earliest start", validators=[Optional()])
    notice_period = StringField(
        "Notice period",
        validators=[Length(max=200)],
        description="e.g. 3 months to the end of a quarter.",
    )
    notes = TextAreaField("Other notes", validators=[Length(max=4000)])
    conversion_note = TextAreaField(
        "Currency conversion", validators=[Length(max=1000)], description=CONVERSION_HINT
    )

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``set_expectations`` (every field: the form shows them all)."""
        start: date | None = self.earliest_start.data
        return {
            "amount": _text(self.amount.data) or None,
            "currency": _text(self.currency.data),
            "period": self.period.data,
            "bonus_notes": self.bonus_notes.data,
            "equity_notes": self.equity_notes.data,
            "earliest_start": start,
            "notice_period": self.notice_period.data,
            "notes": self.notes.data,
            "conversion_note": self.conversion_note.data,
        }


class ProposalForm(Form):
    field_aliases: ClassVar[dict[str, str]] = {
        "proposal.amount": "amount",
        "proposal.currency": "currency",
        "proposal_period": "period",
        "proposal_notes": "notes",
    }

    amount = StringField(
        "Base pay offered",
        validators=[InputRequired("Give an amount."), Length(max=40)],
        description=AMOUNT_HINT,
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = _currency_field()
    period = SelectField("Per", choices=enum_choices(Period), default=Period.year.value)
    notes = TextAreaField(
        "Notes",
        validators=[Length(max=4000)],
        description="Bonus, equity, start date or anything else offered.",
    )
    conversion_note = TextAreaField(
        "Currency conversion", validators=[Length(max=1000)], description=CONVERSION_HINT
    )

    def values(self) -> dict[str, Any]:
        return {
            "amount": _text(self.amount.data),
            "currency": _text(self.currency.data),
            "period": self.period.data,
            "notes": self.notes.data,
            "conversion_note": self.conversion_note.data,
        }


#: Shown when the approval form comes back without the proposal it was shown for.
OUT_OF_DATE = "This form was out of date: reload the page, read the current proposal and decide."


class ApprovalForm(Form):
    """Approve or refuse; ``proposal_id`` names the proposal the page showed as current."""

    field_aliases: ClassVar[dict[str, str]] = {"proposal_id": "_"}

    proposal_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(OUT_OF_DATE)])
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("approved", "Approve"), SelectChoice("refused", "Refuse")],
        validators=[InputRequired("Choose approve or refuse.")],
    )
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason; it is recorded."), Length(max=2000)]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.proposal_id.errors:  # a hidden field: say it where it shows
            self.form_errors.append(OUT_OF_DATE)
        return valid


class OutcomeForm(Form):
    field_aliases: ClassVar[dict[str, str]] = {"outcome_reason": "reason"}

    outcome = SelectField(
        "Outcome",
        # Starts on the placeholder: an outcome cannot be changed, so none is preselected.
        choices=[SelectChoice("", "Choose an outcome…")]
        + [SelectChoice(s.value, s.title) for s in OUTCOMES],
        validators=[InputRequired("Choose an outcome.")],
        description="Agreed makes the candidacy an offer; declined rejects it; withdrawn records "
        "that the candidate withdrew. An outcome cannot be changed.",
    )
    reason = TextAreaField("Reason", validators=[Length(max=2000)])


class OpenStageForm(Form):
    """The "Open compensation stage" button: nothing but its CSRF token."""
