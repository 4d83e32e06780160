"""The placeholder syntax: only ``{name}`` of the message's own placeholders, braces doubled
for themselves; nothing else is interpreted, and the HTML part escapes everything."""

from __future__ import annotations

import pytest

from coordinator.message_templates.catalogue import BY_KEY, KINDS
from coordinator.message_templates.placeholders import sample_values
from coordinator.message_templates.rendering import (
    html_from_text,
    problems,
    render_body,
    render_subject,
)

INVITATION = BY_KEY["interview_invitation"]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_default_wording_uses_only_its_own_placeholders(kind):
    assert problems(kind.subject, kind, subject=True) == []
    assert problems(kind.body, kind) == []


@pytest.mark.parametrize("text, expected", [
    ("Hi {nickname}", "Unknown placeholder {nickname}"),
    ("Hi {candidate_name", "A lone “{”"),
    ("Hi candidate_name}", "A lone “}”"),
    ("Hi { candidate_name }", "is not a placeholder"),
    ("{candidate_name.__class__}", "is not a placeholder"),
    ("{{{ config }}}", "is not a placeholder"),
    ("{Candidate_Name}", "is not a placeholder"),
    ("{booking_url}", "Unknown placeholder {booking_url}"),  # another message's placeholder
])
def test_a_bad_placeholder_is_named_in_the_problem(text, expected):
    found = problems(text, INVITATION)
    assert len(found) == 1
    assert expected in found[0]


def test_an_unknown_placeholder_lists_the_ones_the_message_can_use():
    [message] = problems("{nope}", INVITATION)
    assert "{candidate_name}" in message and "{portal_url}" in message


def test_several_problems_are_all_reported_each_once():
    found = problems("{a} {b} {a} {", INVITATION)
    assert len(found) == 3


def test_a_multi_line_placeholder_is_refused_in_the_subject_only():
    assert problems("{panel}", INVITATION) == []
    [message] = problems("{panel}", INVITATION, subject=True)
    assert "body only" in message


def test_doubled_braces_stand_for_braces_and_jinja_is_plain_text():
    text = "{{ config }} {{% for x in y %}} {candidate_name}"
    assert problems(text, INVITATION) == []
    assert render_body(text, {"candidate_name": "Ada"}) == "{ config } {% for x in y %} Ada\n"


def test_values_are_inserted_as_they_are_never_interpreted():
    values = {"candidate_name": "{company} {{ 7*7 }}", "company": "X"}
    assert render_body("Hello {candidate_name}", values) == "Hello {company} {{ 7*7 }}\n"


def test_an_empty_value_on_its_own_line_leaves_no_run_of_blank_lines():
    text = "A\n\n{compensation_notice}\n\nB"
    assert render_body(text, {"compensation_notice": ""}) == "A\n\nB\n"


def test_the_subject_is_one_line_even_with_a_multi_line_value():
    assert render_subject("Hi {candidate_name}", {"candidate_name": "A\nB"}) == "Hi A B"


def test_the_html_part_escapes_everything_and_links_web_addresses():
    text = 'Dear <script>alert(1)</script> & "co"\nSee https://example.com/a?b=1&c=2.\n\nBye'
    html = html_from_text(text, "Subject <b>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp; &#34;co&#34;" in html
    assert '<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>.' \
        in html
    assert "<title>Subject &lt;b&gt;</title>" in html
    assert html.count("<p>") == 2


def test_an_address_with_a_quote_cannot_break_out_of_the_link():
    html = html_from_text('https://evil.example/"onmouseover="alert(1)', "s")
    assert 'href="https://evil.example/"' in html
    assert '"onmouseover="' not in html


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_message_previews_with_its_sample_values(kind):
    text = render_body(kind.body, sample_values(kind))
    assert "{" not in text.replace("{{", "")
    assert sample_values(kind)["candidate_name"] in text
