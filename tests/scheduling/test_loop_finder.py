"""The loop finder: whole interview days, sessions back to back, one proposal a day, best first."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from coordinator.scheduling.loops import LoopRequest, SessionNeed, find_loops
from coordinator.scheduling.slots import PersonCalendar
from tests.scheduling.conftest import at

UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
ALL_DAY = tuple((weekday, 0, 24 * 60) for weekday in range(7))


def person(user_id: int, **fields) -> PersonCalendar:
    fields.setdefault("working_hours", ALL_DAY)
    return PersonCalendar(user_id=user_id, zone=UTC_ZONE, **fields)


def session(title: str, minutes: int, *required: PersonCalendar, **fields) -> SessionNeed:
    return SessionNeed(title=title, duration=timedelta(minutes=minutes), required=required,
                       **fields)


def times(day) -> list[tuple]:
    return [(s.title, s.starts_at, s.ends_at) for s in day.sessions]


def test_sessions_follow_each_other_in_order_with_the_break_between():
    a = person(1, working_hours=(), busy=[(at(2, 9), at(2, 11))])  # default hours: 9–17 UTC
    b = person(2, working_hours=(), busy=[(at(2, 12), at(2, 12, 30))])
    request = LoopRequest(at(2, 0), at(3, 0), [session("Tech", 60, a), session("Culture", 30, b)],
                          break_=timedelta(minutes=15))
    [day] = find_loops(request)
    # 11:00 would put Culture at 12:15, inside b's busy time; 11:30 fits.
    assert times(day) == [("Tech", at(2, 11, 30), at(2, 12, 30)),
                          ("Culture", at(2, 12, 45), at(2, 13, 15))]
    assert (day.starts_at, day.ends_at) == (at(2, 11, 30), at(2, 13, 15))
    assert [s.interviewer_ids for s in day.sessions] == [(1,), (2,)]


def test_a_day_where_the_order_does_not_fit_is_not_proposed():
    a = person(1, working_hours=((1, 10 * 60, 11 * 60),))  # Tuesdays 10–11
    b = person(2, working_hours=((1, 9 * 60, 10 * 60),))  # Tuesdays 9–10
    request = LoopRequest(at(2, 0), at(3, 0), [session("Tech", 60, a), session("Culture", 60, b)])
    assert find_loops(request) == []


def test_another_order_is_proposed_when_the_recruiter_allows_it():
    a = person(1, working_hours=((1, 10 * 60, 11 * 60),))
    b = person(2, working_hours=((1, 9 * 60, 10 * 60),))
    request = LoopRequest(at(2, 0), at(3, 0), [session("Tech", 60, a), session("Culture", 60, b)],
                          allow_reorder=True)
    [day] = find_loops(request)
    assert [s.index for s in day.sessions] == [1, 0]
    assert times(day) == [("Culture", at(2, 9), at(2, 10)), ("Tech", at(2, 10), at(2, 11))]


def test_the_given_order_wins_a_tie_with_another_order():
    request = LoopRequest(at(2, 9), at(2, 11), [session("A", 60, person(1)),
                                                 session("B", 60, person(2))],
                          allow_reorder=True)
    [day] = find_loops(request)
    assert [s.index for s in day.sessions] == [0, 1]


def test_one_proposal_per_day_in_the_candidates_zone():
    request = LoopRequest(at(2, 12), at(5, 12), [session("A", 60, person(1)),
                                                  session("B", 60, person(2))],
                          candidate_zone=NEW_YORK, limit=50)
    days = find_loops(request)
    local_days = [d.starts_at.astimezone(NEW_YORK).date() for d in days]
    assert len(local_days) == len(set(local_days)) == 4  # 2nd to 5th March in New York


def test_days_inside_the_candidates_reasonable_hours_rank_first():
    # Tuesday: only 02:00–04:00 UTC (21:00 in New York); Wednesday: 14:00–17:00 UTC (09:00).
    a = person(1, working_hours=((1, 2 * 60, 4 * 60), (2, 14 * 60, 17 * 60)))
    request = LoopRequest(at(2, 0), at(4, 0), [session("A", 60, a), session("B", 60, person(2))],
                          candidate_zone=NEW_YORK)
    days = find_loops(request)
    assert [d.starts_at for d in days] == [at(3, 14), at(2, 2)]
    assert days[0].score > days[1].score


def test_k_of_a_pool_are_chosen_among_those_free_for_that_session():
    lead = person(1)
    busy_member = person(2, busy=[(at(2, 10), at(2, 11))])
    free_member = person(3)
    request = LoopRequest(at(2, 9), at(2, 11), [
        session("Intro", 60, lead),
        session("Pairing", 60, lead, pool=[busy_member, free_member], pool_size=1),
    ])
    [day] = find_loops(request)
    assert [s.interviewer_ids for s in day.sessions] == [(1,), (1, 3)]


def test_a_session_nobody_in_the_pool_can_attend_finds_no_day():
    request = LoopRequest(at(2, 9), at(2, 12), [
        session("Intro", 60, person(1)),
        session("Pairing", 60, pool=[person(2, busy=[(at(2, 0), at(3, 0))])], pool_size=1),
    ])
    assert find_loops(request) == []


def test_the_candidates_interviews_block_every_session():
    request = LoopRequest(at(2, 9), at(2, 13), [session("A", 60, person(1)),
                                                 session("B", 60, person(2))],
                          candidate_busy=[(at(2, 9, 30), at(2, 10, 30))])
    [day] = find_loops(request)
    assert day.starts_at == at(2, 10, 30)


def test_within_a_day_the_start_inside_the_candidates_hours_is_proposed():
    # 2 March in New York (UTC-5): the day's earliest start, 00:00 there, is not reasonable.
    request = LoopRequest(at(2, 5), at(3, 5), [session("A", 60, person(1)),
                                                session("B", 60, person(2))],
                          candidate_zone=NEW_YORK)
    [day] = find_loops(request)
    assert day.starts_at == at(2, 13)  # 08:00 in New York
