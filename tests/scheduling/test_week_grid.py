"""The week grid: each person's free and busy half hours and the candidate's windows."""

from __future__ import annotations

from datetime import date, timedelta

from coordinator.db import db
from coordinator.scheduling import week_grid
from coordinator.scheduling.models import (
    AvailabilitySource,
    BusyBlock,
    BusySource,
    CandidateAvailability,
)
from tests.scheduling.conftest import NOW, at

MONDAY = date(2027, 3, 1)


def _grid(round_, people, zone="Europe/Berlin", minutes=60, week=MONDAY):
    return week_grid.build(round_.candidacy, people, week_start=week, zone_name=zone,
                           duration=timedelta(minutes=minutes), now=NOW)


def _cell(grid, day: date, hh: int, mm: int = 0):
    row = [t.hour * 60 + t.minute for t in grid.times].index(hh * 60 + mm)
    return grid.rows[row][grid.days.index(day)]


def test_interviews_calendars_and_working_hours_are_told_apart(make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])  # 10:00 Berlin
    db.session.add(BusyBlock(user_id=supervisor.id, starts_at=at(3, 12), ends_at=at(3, 13),
                             source=BusySource.synced))
    db.session.commit()
    grid = _grid(make_round(), [peer, supervisor])
    tue, wed = date(2027, 3, 2), date(2027, 3, 3)
    assert dict(_cell(grid, tue, 10).by_reason)["interview"] == ["PP", "SS"]
    assert dict(_cell(grid, wed, 13).by_reason)["busy in their calendar"] == ["SS"]
    assert dict(_cell(grid, date(2027, 3, 6), 10).by_reason)["outside working hours"] == [
        "PP", "SS"]


def test_a_free_cell_needs_the_whole_interview_to_fit(make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(4, 14), [(peer, "peer")], override_relationships=True,
         override_reason="test")  # Thursday 15:00–16:00 Berlin
    grid = _grid(make_round(), [peer, supervisor])
    thu = date(2027, 3, 4)
    # 14:00 Berlin is 08:00 in New York: the candidate's day has begun
    assert _cell(grid, thu, 14).is_free
    assert not _cell(grid, thu, 14, 30).is_free  # would run into the 15:00 interview
    assert not _cell(grid, thu, 15).is_free


def test_the_candidates_windows_limit_free_cells(make_round, panelists):
    peer, supervisor = panelists
    round_ = make_round()
    db.session.add(CandidateAvailability(candidacy_id=round_.candidacy_id, starts_at=at(5, 14),
                                         ends_at=at(5, 16), source=AvailabilitySource.recruiter))
    db.session.commit()
    grid = _grid(round_, [peer, supervisor])
    fri = date(2027, 3, 5)
    assert _cell(grid, fri, 15).is_free and _cell(grid, fri, 15).candidate == "available"
    assert not _cell(grid, date(2027, 3, 4), 15).is_free
    assert _cell(grid, date(2027, 3, 4), 15).candidate == "outside their windows"


def test_past_cells_are_never_free(make_round, panelists):
    peer, supervisor = panelists
    grid = _grid(make_round(), [peer, supervisor], week=date(2027, 2, 22))
    assert not any(c and c.is_free for row in grid.rows for c in row)


def test_the_dst_gap_has_no_cell(make_round, panelists):
    peer, supervisor = panelists
    grid = week_grid.build(make_round().candidacy, [peer, supervisor],
                           week_start=date(2027, 3, 8), zone_name="America/New_York",
                           duration=timedelta(minutes=60), now=NOW)
    # 14 March 2027, 02:00–03:00 does not exist in New York; rows from 07:00 are unaffected
    assert all(cell is not None for row in grid.rows for cell in row)
    assert grid.days[-1] == date(2027, 3, 14)


def test_statement_count_does_not_grow_with_interviews(make_round, panelists, book,
                                                       count_queries):
    peer, supervisor = panelists
    round_ = make_round()
    _grid(round_, [peer, supervisor])
    with count_queries() as small:
        _grid(round_, [peer, supervisor])
    for day in (2, 3, 4):
        book(make_round(), at(day, 12), [(peer, "peer"), (supervisor, "supervisor")])
    _grid(round_, [peer, supervisor])  # reload what the commits expired
    with count_queries() as large:
        _grid(round_, [peer, supervisor])
    assert large.count == small.count, str(large)


def test_people_with_the_same_initials_are_told_apart(make_round, make_user):
    first = make_user(("interviewer",), name="Priya Peer")
    second = make_user(("interviewer",), name="Paul Porter")
    grid = _grid(make_round(), [first, second])
    assert [p.initials for p in grid.people] == ["PP1", "PP2"]
