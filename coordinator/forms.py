"""Shared form machinery: attach domain errors to fields, time-zone choices."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import ValidationError

from coordinator.errors import Conflict, RuleViolation
from coordinator.timeutil import is_valid_zone


class Form(FlaskForm):
    """A FlaskForm that can carry a domain rule's message on the field it concerns."""

    def attach(self, err: RuleViolation | Conflict) -> None:
        errors = err.errors if isinstance(err, RuleViolation) else {err.field or "_": [err.message]}
        for path, messages in errors.items():
            name = path.split(".")[0].replace("pay_band", "pay_band_min")
            target = getattr(self, _FIELD_ALIASES.get(path, name), None)
            if target is not None and hasattr(target, "errors"):
                if isinstance(target.errors, dict):
                    continue
                target.errors = [*list(target.errors), *messages]
            else:
                self.form_errors.extend(messages)


_FIELD_ALIASES = {
    "pay_band.min": "pay_band_min",
    "pay_band.max": "pay_band_max",
    "pay_band.currency": "pay_band_currency",
}


def validate_zone(form: FlaskForm, field: object) -> None:
    """WTForms validator: an IANA zone name."""
    value = getattr(field, "data", None)
    if not is_valid_zone(value):
        raise ValidationError(f"“{value}” is not a known IANA time zone (e.g. Europe/Berlin).")
