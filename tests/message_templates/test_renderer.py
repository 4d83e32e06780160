"""A :class:`Renderer` renders as ``render_template`` does, running the context processors once
for all the templates of a batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import render_template

from coordinator.message_templates.operations import Renderer


@pytest.fixture
def processor_calls(app) -> Iterator[list[int]]:
    calls: list[int] = []

    def processor() -> dict[str, str]:
        calls.append(1)
        return {"marker": "from-processor"}

    app.template_context_processors[None].append(processor)
    try:
        yield calls
    finally:
        app.template_context_processors[None].remove(processor)


def test_a_renderer_runs_the_context_processors_once_for_several_templates(app, processor_calls):
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ marker }} {{ value }}")
        render = Renderer()

        texts = [render(template, value=i) for i in range(3)]

        assert processor_calls == [1]
        assert texts == [render_template(template, value=i) for i in range(3)]


def test_a_renderers_caller_values_win_over_the_context_processors(app, processor_calls):
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ marker }} {{ value }}")

        assert Renderer()(template, marker="mine", value=1) == "mine 1"
