"""The project's faster ``html_params`` writes exactly the attributes WTForms' own writes."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from wtforms import widgets

from coordinator.forms import html_params

CASES = [
    {"name": "tz", "id": "tz", "value": "Europe/Berlin", "autocomplete": "off"},
    {"name": "q", "value": 'say "hi" & <b>bye</b>\'', "class_": "wide", "for_": "x"},
    {"checked": True, "readonly": False, "name": "c", "data_some_key": "1", "aria_invalid": "t"},
    {"value": Markup("<i>kept</i>"), "name": "m", "maxlength": 64, "min": 0, "step": 1.5},
    {"name": "a&b", "x<y": "z", "empty": "", "none": None},
    {"value": Markup('safe "quoted" <b>'), "title": Markup("it's"), "a<b": True},
    {},
]


@pytest.mark.parametrize("attributes", CASES)
def test_html_params_matches_wtforms(attributes):
    ours, theirs = html_params(**attributes), widgets.core.html_params(**attributes)
    assert ours == theirs
    assert type(ours) is type(theirs)


def test_input_widgets_render_with_the_faster_html_params():
    assert widgets.TextInput.html_params is html_params
    assert widgets.HiddenInput.html_params is html_params
