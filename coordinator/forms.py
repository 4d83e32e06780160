"""Shared form machinery: attach domain errors to fields, time-zone choices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DataList,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, Length

from coordinator.errors import Conflict, RuleViolation
from coordinator.timeutil import is_valid_zone, zone_names
from coordinator.validation import normalise_line_breaks, refused_character


class Form(FlaskForm):
    """A FlaskForm that can carry a domain rule's message on the field it concerns."""

    #: Error paths (as operations name them) mapped to this form's field names.
    field_aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            # No ``maxlength`` attribute: browsers cut pasted text there without a word. Too long
            # a text is refused by the Length validator with a message, the input kept.
            if getattr(field.flags, "maxlength", None):
                field.flags.maxlength = False

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then the one text rule on every text field: no control
        characters (tabs and line breaks only in multi-line fields, whose carriage returns
        become newlines). Forms nested with FormField run this themselves."""
        text_fields = [field for field in self
                       if isinstance(field, StringField) and isinstance(field.data, str)]
        for field in text_fields:
            if isinstance(field, TextAreaField):
                field.data = normalise_line_breaks(field.data)
        valid = super().validate(extra_validators)
        for field in text_fields:
            message = refused_character(field.data, multi_line=isinstance(field, TextAreaField))
            if message is not None:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def attach(self, err: RuleViolation | Conflict) -> None:
        errors = err.errors if isinstance(err, RuleViolation) else {err.field or "_": [err.message]}
        for path, messages in errors.items():
            name = path.split(".")[0].replace("pay_band", "pay_band_min")
            alias = self.field_aliases.get(path) or _FIELD_ALIASES.get(path, name)
            target = getattr(self, alias, None)
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


#: The known zones, sorted once per process (the zone database does not change while it runs).
ZONE_SUGGESTIONS: tuple[str, ...] = tuple(sorted(zone_names()))


class OncePerProcessDataList(widgets.DataListWidget):
    """A ``<datalist>`` of fixed choices, rendered once per process for each id and attributes.

    The zone list has some 600 options; building them through WTForms on every page cost a
    quarter of a portal request. The markup depends only on the (fixed) choices, the list's id and
    its attributes, so it is kept after the first render.
    """

    def __init__(self) -> None:
        self._rendered: dict[tuple[Any, ...], Markup] = {}

    def __call__(self, datalist: DataList, field: Any = None, **kwargs: Any) -> Markup:
        key = (datalist.id, tuple(sorted(datalist.render_kw.items())),
               tuple(sorted(kwargs.items())))
        markup = self._rendered.get(key)
        if markup is None:
            markup = self._rendered[key] = super().__call__(datalist, field, **kwargs)
        return markup


_ZONE_DATALIST = OncePerProcessDataList()


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params``, the same markup built as plain text.

    WTForms builds each ``name="value"`` pair with ``Markup.format``, which runs Python's
    ``string.Formatter`` in pure Python; that was a sixth of a portal page's CPU (its inputs).
    Keys and values are escaped exactly as there (the key through :func:`escape`, the value
    escaped and its double quotes written ``&quot;``), so the output is byte-for-byte the same;
    the pairs are joined as ``str`` and wrapped once, not as ``Markup`` whose ``replace`` and
    ``join`` escape their arguments again.
    """
    params: list[str] = []
    for key, value in sorted(kwargs.items()):
        key = widgets.core.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            quoted = str(escape(value)).replace('"', "&quot;")
            params.append(f'{escape(key)}="{quoted}"')
    return Markup(" ".join(params))


# Every input widget (text, hidden, date, time, CSRF, checkboxes, submit) renders through this.
widgets.Input.html_params = staticmethod(html_params)


class TimeZoneField(StringField):
    """A free-text IANA zone with the known zones suggested in a ``<datalist>``."""

    def __init__(self, label: str | None = "Time zone", validators: Any = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("datalist", DataList(ZONE_SUGGESTIONS, widget=_ZONE_DATALIST))
        kwargs.setdefault("render_kw", {"autocomplete": "off", "spellcheck": "false"})
        kwargs.setdefault("description",
                          "An IANA zone name, e.g. Europe/Berlin or America/New_York.")
        super().__init__(label, validators or [DataRequired(), Length(max=64), validate_zone],
                         **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


class CheckboxListField(SelectMultipleField):
    """Several choices, rendered as a list of checkboxes (use the ``checkboxes`` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def enum_choices(enum_cls: Any, blank: str | None = None) -> list[SelectChoice]:
    """SelectField choices for a TitledEnum (optionally led by a blank choice)."""
    choices = [SelectChoice(value, title) for value, title in enum_cls.choices()]
    return [SelectChoice("", blank), *choices] if blank is not None else choices


def checked_by(check: Callable[[Any], object]) -> Callable[[FlaskForm, Any], None]:
    """A WTForms validator that runs a domain rule on a filled field (an email's syntax, a
    currency code), so its message shows together with every other field's instead of only
    once the others are fixed. The operation still checks the same rule."""

    def validate(form: FlaskForm, field: Any) -> None:
        if field.data in (None, "") or field.errors:
            return
        try:
            check(field.data)
        except RuleViolation as err:
            raise ValidationError(next(iter(err.errors.values()))[0]) from err

    return validate
