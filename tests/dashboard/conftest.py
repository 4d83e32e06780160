"""Dashboard fixtures: the assessment suite's clock, job, panel and booked interviews."""

from tests.assessments.conftest import (  # noqa: F401
    book,
    candidacy,
    frozen_now,
    interview,
    job,
    panelists,
    submit,
)
