"""The shared input rules: which characters text may hold, what a page number is, the horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coordinator.errors import MalformedInput, RuleViolation
from coordinator.validation import (
    MAX_AHEAD,
    check_not_too_far_ahead,
    page_parameter,
    refused_character,
    text,
)


@pytest.mark.parametrize("value", ["Zoë Šťastná", "日本語", "😀", "O'Brien-Smith", "a\u00a0b",
                                   "\u200dzero-width joiner"])
def test_ordinary_text_is_accepted(value):
    assert refused_character(value) is None


@pytest.mark.parametrize(("value", "named"), [
    ("a\x00b", "NUL"), ("a\x08b", "U+0008"), ("a\x7fb", "DEL"), ("a\x9bb", "U+009B"),
    ("a\u2029b", "paragraph separator"), ("a\u202eb", "text direction control U+202E"),
    ("a\u2067b", "U+2067"), ("a\ud800b", "unpaired surrogate U+D800"),
])
def test_control_characters_are_named_in_the_message(value, named):
    assert named in refused_character(value, multi_line=True)


def test_multi_line_text_takes_tabs_and_line_breaks():
    assert refused_character("one\r\n\ttwo\rthree", multi_line=True) is None


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_single_line_text_refuses_tabs_and_line_breaks(char):
    assert "single line" in refused_character(f"a{char}b")


def test_text_rule_normalises_line_breaks_of_multi_line_text():
    assert text("bio", " one\r\ntwo\rthree ", 100, multi_line=True) == "one\ntwo\nthree"


def test_text_rule_refuses_a_control_character_on_the_field():
    with pytest.raises(RuleViolation) as refused:
        text("name", "Ada\x1b[31m", 100)
    assert refused.value.field == "name"


@pytest.mark.parametrize("raw", ["1e20", "abc", "0", "-1", "", " ", "1.5", "٣", "100001",
                                 "9" * 5000])
def test_a_page_that_is_not_a_whole_number_in_range_is_malformed(raw):
    with pytest.raises(MalformedInput) as refused:
        page_parameter("page", raw, 1, 100_000)
    assert refused.value.status == 400 and refused.value.field == "page"


@pytest.mark.parametrize(("raw", "page"), [(None, 1), ("1", 1), (" 7 ", 7), ("100000", 100_000)])
def test_usable_pages(raw, page):
    assert page_parameter("page", raw, 1, 100_000) == page


def test_two_years_ahead_is_the_last_instant_accepted():
    now = datetime(2027, 3, 1, tzinfo=UTC)
    check_not_too_far_ahead("starts_at", now + MAX_AHEAD, now)
    with pytest.raises(RuleViolation):
        check_not_too_far_ahead("starts_at", now + MAX_AHEAD + timedelta(seconds=1), now)
