"""The API machinery every endpoint shares: strict JSON bodies, storable values, error order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.api import candidates as candidates_api
from coordinator.api.core import BadRequest, Deferred, Schema, parse_json_body
from coordinator.errors import RuleViolation
from tests.api.support import assert_invalid, table_counts


class Probe(Schema):
    multi_line = frozenset({"story"})

    count: int = 0
    flag: bool = False
    ids: list[int] = []
    notes: dict[str, str] = {}
    name: str = ""
    story: str = ""


def parse(app, **kwargs):
    with app.test_request_context(method="POST", **kwargs):
        return parse_json_body(Probe)


def errors_of(app, **kwargs):
    with pytest.raises(RuleViolation) as caught:
        parse(app, **kwargs)
    return caught.value.errors


@pytest.mark.parametrize(("body", "field"), [
    ({"count": "5"}, "count"),
    ({"count": 5.5}, "count"),
    ({"count": True}, "count"),
    ({"flag": 1}, "flag"),
    ({"flag": "true"}, "flag"),
    ({"name": 5}, "name"),
    ({"ids": "1,2"}, "ids"),
])
def test_json_types_are_taken_strictly(app, body, field):
    assert field in errors_of(app, json=body)


def test_strings_are_trimmed(app):
    assert parse(app, json={"name": "  Ada  "}).name == "Ada"


def test_nul_is_refused_wherever_it_hides(app):
    errors = errors_of(app, json={"name": "a\x00", "notes": {"k\x00": "v", "ok": "b\x00"}})
    assert set(errors) == {"name", "notes.k\x00", "notes.ok"}


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\u2066"])
def test_control_characters_are_refused_in_single_and_multi_line_text(app, char):
    errors = errors_of(app, json={"name": f"a{char}b", "story": f"a{char}b"})
    assert set(errors) == {"name", "story"}


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_single_line_text_refuses_tabs_and_line_breaks(app, char):
    errors = errors_of(app, json={"name": f"Ada{char}Lovelace"})
    assert "single line" in errors["name"][0]


def test_multi_line_text_keeps_tabs_and_line_breaks(app):
    assert parse(app, json={"story": "one\n\ttwo"}).story == "one\n\ttwo"


def test_multi_line_text_turns_carriage_returns_into_newlines(app):
    assert parse(app, json={"story": "one\r\ntwo\rthree"}).story == "one\ntwo\nthree"


def test_accents_and_emoji_are_text(app):
    assert parse(app, json={"name": "Zoë 日本 😀"}).name == "Zoë 日本 😀"


def test_whole_numbers_beyond_32_bits_are_refused_by_path(app):
    errors = errors_of(app, json={"count": 2**31, "ids": [1, -(2**40)]})
    assert set(errors) == {"count", "ids.1"}


def test_largest_32_bit_number_is_accepted(app):
    assert parse(app, json={"count": 2**31 - 1}).count == 2**31 - 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_body_must_be_declared_json(app, content_type):
    with pytest.raises(BadRequest):
        parse(app, data=b"{}", headers={"Content-Type": content_type} if content_type else {})


def test_json_suffix_media_types_are_accepted(app):
    assert parse(app, data=b'{"count": 2}',
                 headers={"Content-Type": "application/merge-patch+json"}).count == 2


def test_deferred_input_raises_its_error_when_read():
    deferred = Deferred(RuleViolation("title", "Required."))
    with pytest.raises(RuleViolation):
        deferred.title  # noqa: B018


@pytest.mark.parametrize("use", [bool, iter, len, lambda d: d["x"]])
def test_deferred_input_raises_its_error_when_used_as_a_container(use):
    with pytest.raises(RuleViolation):
        use(Deferred(RuleViolation("title", "Required.")))


def test_database_refusing_a_value_is_422_not_500(api_as, make_user, monkeypatch):
    def refuse(**kwargs):
        raise sa.exc.DataError("INSERT ...", {}, Exception("value too long"))

    monkeypatch.setattr(candidates_api.operations, "create_candidate", refuse)
    api = api_as(make_user(("recruiter",)))
    before = table_counts()
    response = api.post("/candidates", json={"name": "Ada", "email": "ada@example.com"})
    assert_invalid(response)
    assert table_counts() == before
