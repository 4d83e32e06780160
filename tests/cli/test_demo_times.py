"""The demo data is believable: every demo interview is on a working day, inside the default
working hours (Monday–Friday 09:00–17:00) of each panel member and of the candidate, in their
own zones — whatever day of the week and season ``make run`` happens on."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling.models import Interview
from coordinator.timeutil import freeze


def _inside_working_hours(starts_at: datetime, ends_at: datetime, zone: str) -> bool:
    start = starts_at.astimezone(zoneinfo.ZoneInfo(zone))
    end = ends_at.astimezone(zoneinfo.ZoneInfo(zone))
    return (
        start.weekday() < 5
        and start.date() == end.date()
        and start.hour >= 9
        and (end.hour, end.minute) <= (17, 0)
    )


@pytest.mark.parametrize(
    "today",
    [
        datetime(2026, 12, 5, 15, 0, tzinfo=UTC),  # a Saturday
        datetime(2027, 3, 29, 6, 0, tzinfo=UTC),  # the Monday after Europe's clocks go forward
        datetime(2027, 7, 2, 22, 30, tzinfo=UTC),  # a Friday night
        datetime(2027, 11, 3, 12, 0, tzinfo=UTC),  # between Europe's and America's clock change
    ],
    ids=["saturday", "after-spring-forward", "friday-night", "between-clock-changes"],
)
def test_demo_interviews_are_inside_everyones_working_hours(app, today):
    freeze(today)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    interviews = list(db.session.scalars(sa.select(Interview)))
    assert len(interviews) >= 6
    for interview in interviews:
        people = [m.user.time_zone for m in interview.panel]
        people.append(interview.round.candidacy.candidate.time_zone)
        for zone in people:
            assert _inside_working_hours(interview.starts_at, interview.ends_at, zone), (
                interview.starts_at,
                zone,
            )
