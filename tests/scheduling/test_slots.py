"""Slot suggestions: the pure finder over calendars, then the API that loads them from the DB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coordinator.scheduling import availability
from coordinator.scheduling.slots import PersonCalendar, SlotRequest, find_slots
from tests.scheduling.conftest import at

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
#: Every day, all day: for tests about something other than working hours.
ALL_DAY = tuple((weekday, 0, 24 * 60) for weekday in range(7))
HOUR = timedelta(hours=1)


def person(user_id: int, zone: ZoneInfo = UTC_ZONE, **fields) -> PersonCalendar:
    fields.setdefault("working_hours", ALL_DAY)
    return PersonCalendar(user_id=user_id, zone=zone, **fields)


def request_for(start: datetime, end: datetime, required, **fields) -> SlotRequest:
    fields.setdefault("duration", HOUR)
    fields.setdefault("limit", 10_000)
    return SlotRequest(starts_after=start, ends_before=end, required=required, **fields)


def starts(request: SlotRequest) -> list[datetime]:
    return sorted(slot.starts_at for slot in find_slots(request))


def every(start: datetime, end: datetime,
          step: timedelta = timedelta(minutes=30)) -> list[datetime]:
    """Instants from start up to and including end."""
    result = []
    while start <= end:
        result.append(start)
        start += step
    return result


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


# --- the pure finder -----------------------------------------------------------------------------


def test_slots_end_by_the_range_end_and_start_on_the_grid():
    found = starts(request_for(at(2, 8, 10), at(2, 11), [person(1)]))
    assert found == [at(2, 8, 30), at(2, 9), at(2, 9, 30), at(2, 10)]


def test_busy_block_edges_are_half_open():
    busy = [(at(2, 10), at(2, 11))]
    found = starts(request_for(at(2, 8), at(2, 13), [person(1, busy=busy)]))
    # ending at 10:00 and starting at 11:00 touch the block without overlapping it
    assert found == [at(2, 8), at(2, 8, 30), at(2, 9), at(2, 11), at(2, 11, 30), at(2, 12)]


def test_buffer_keeps_slots_away_from_busy_time_on_both_sides():
    busy = [(at(2, 10), at(2, 11))]
    request = request_for(at(2, 8), at(2, 13), [person(1, busy=busy)],
                          buffer=timedelta(minutes=15))
    assert starts(request) == [at(2, 8), at(2, 8, 30), at(2, 11, 30), at(2, 12)]


def test_a_short_meeting_blocks_every_slot_that_overlaps_it():
    busy = [(at(2, 10, 10), at(2, 10, 20))]
    found = starts(request_for(at(2, 9), at(2, 12), [person(1, busy=busy)]))
    assert found == [at(2, 9), at(2, 10, 30), at(2, 11)]


def test_default_working_hours_are_monday_to_friday_nine_to_five_local():
    # 1 to 8 March 2027: Monday to Monday; Berlin is UTC+1 then.
    found = starts(request_for(at(1, 0), at(8, 0), [PersonCalendar(1, BERLIN)]))
    assert len(found) == 5 * 15
    assert {s.astimezone(BERLIN).weekday() for s in found} == {0, 1, 2, 3, 4}
    local = {s.astimezone(BERLIN).strftime("%H:%M") for s in found}
    assert min(local) == "09:00"
    assert max(local) == "16:00"  # a 60-minute slot ends at 17:00
    assert found[0] == at(1, 8)


def test_working_hours_in_different_zones_intersect():
    berlin = person(1, BERLIN, working_hours=[(d, 9 * 60, 17 * 60) for d in range(5)])
    new_york = person(2, NEW_YORK, working_hours=[(d, 9 * 60, 17 * 60) for d in range(5)])
    # Tuesday 2 March: Berlin 08–16 UTC, New York 14–22 UTC
    found = starts(request_for(at(2, 0), at(3, 0), [berlin, new_york]))
    assert found == [at(2, 14), at(2, 14, 30), at(2, 15)]


def test_the_overlap_grows_when_only_one_zone_has_changed_its_clocks():
    berlin = person(1, BERLIN, working_hours=[(d, 9 * 60, 17 * 60) for d in range(5)])
    new_york = person(2, NEW_YORK, working_hours=[(d, 9 * 60, 17 * 60) for d in range(5)])
    # Tuesday 16 March: New York is on summer time (13–21 UTC), Berlin not yet (08–16 UTC)
    found = starts(request_for(utc(3, 16, 0), utc(3, 17, 0), [berlin, new_york]))
    assert found == every(utc(3, 16, 13), utc(3, 16, 15))


def test_split_working_hours_leave_the_lunch_break_free():
    lunch = person(1, working_hours=[(1, 9 * 60, 12 * 60), (1, 13 * 60, 15 * 60)])
    found = starts(request_for(at(2, 0), at(3, 0), [lunch]))
    assert found == [*every(at(2, 9), at(2, 11)), *every(at(2, 13), at(2, 14))]


def test_dst_week_keeps_local_nine_to_five_in_berlin():
    # Berlin moves from UTC+1 to UTC+2 on Sunday 28 March 2027.
    assert utc(3, 26, 12).astimezone(BERLIN).utcoffset() == timedelta(hours=1)
    assert utc(3, 29, 12).astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    found = starts(request_for(utc(3, 26, 0), utc(3, 31, 0), [PersonCalendar(1, BERLIN)]))
    friday = [s for s in found if s.date() == utc(3, 26, 0).date()]
    monday = [s for s in found if s.date() == utc(3, 29, 0).date()]
    assert friday == every(utc(3, 26, 8), utc(3, 26, 15))
    assert monday == every(utc(3, 29, 7), utc(3, 29, 14))
    assert {s.astimezone(BERLIN).strftime("%H:%M") for s in found} == {
        f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30) if (h, m) <= (16, 0)
    }
    assert len(found) == 3 * 15  # Friday, Monday, Tuesday; nothing at the weekend


def test_every_required_person_must_be_free():
    a = person(1, busy=[(at(2, 9), at(2, 10))])
    b = person(2, busy=[(at(2, 11), at(2, 12))])
    found = starts(request_for(at(2, 9), at(2, 13), [a, b]))
    assert found == [at(2, 10), at(2, 12)]


def test_no_common_time_finds_nothing():
    a = person(1, busy=[(at(2, 9), at(2, 11))])
    b = person(2, busy=[(at(2, 11), at(2, 13))])
    assert find_slots(request_for(at(2, 9), at(2, 13), [a, b])) == []


def test_k_of_a_pool_must_be_free_and_are_named_in_the_slot():
    lead = person(1)
    pool = [
        person(2),
        person(3, busy=[(at(2, 9), at(2, 10))]),
        person(4, busy=[(at(2, 9), at(2, 11))]),
    ]
    found = find_slots(request_for(at(2, 9), at(2, 12), [lead], pool=pool, pool_size=2))
    by_start = {slot.starts_at: slot.interviewer_ids for slot in found}
    # 09:00 and 09:30: only person 2 of the pool is free
    assert set(by_start) == {at(2, 10), at(2, 10, 30), at(2, 11)}
    assert by_start[at(2, 10)] == (1, 2, 3)
    assert by_start[at(2, 11)] in {(1, 2, 3), (1, 2, 4), (1, 3, 4)}


def test_the_pool_members_with_the_least_load_that_day_are_chosen():
    busy_day = [at(2, 8), at(2, 16)]  # two interviews already booked that day
    pool = [person(2, booked=busy_day), person(3), person(4)]
    found = find_slots(request_for(at(2, 10), at(2, 11), [person(1)], pool=pool, pool_size=2))
    assert [slot.interviewer_ids for slot in found] == [(1, 3, 4)]


def test_a_pool_alone_can_be_enough():
    pool = [person(2, busy=[(at(2, 9), at(2, 10))]), person(3)]
    found = find_slots(request_for(at(2, 9), at(2, 11), [], pool=pool, pool_size=2))
    assert [slot.starts_at for slot in found] == [at(2, 10)]
    assert found[0].interviewer_ids == (2, 3)


def test_a_full_day_is_skipped_and_the_next_day_is_free():
    limited = person(1, day_limit=2, booked=[at(2, 8), at(2, 15)])
    found = starts(request_for(at(1, 0), at(4, 0), [limited]))
    assert {s.day for s in found} == {1, 3}


def test_a_full_day_ends_at_local_midnight():
    # Monday 1 March is full; a slot starting at Tuesday 00:00 belongs to Tuesday.
    limited = person(1, day_limit=1, booked=[at(1, 10)])
    found = starts(request_for(at(1, 22), at(2, 2), [limited]))
    assert found == [at(2, 0), at(2, 0, 30), at(2, 1)]


def test_day_limits_count_in_the_persons_own_zone():
    # 2 March 16:00 UTC is 3 March 01:00 in Tokyo: that booking fills Tokyo's Wednesday.
    tokyo = person(1, TOKYO, day_limit=1, booked=[at(2, 16)])
    found = starts(request_for(at(2, 0), at(4, 0), [tokyo]))
    local_days = {s.astimezone(TOKYO).day for s in found}
    assert 3 not in local_days
    assert {2, 4} <= local_days


def test_a_full_week_is_skipped_until_the_next_iso_week():
    limited = person(1, week_limit=3, booked=[at(2, 8), at(3, 8), at(4, 8)])
    found = starts(request_for(at(1, 0), at(10, 0), [limited]))
    assert min(found) == at(8, 0)  # Monday 8 March


def test_a_week_limit_below_the_day_limit_binds_in_suggestions():
    limited = person(1, day_limit=3, week_limit=1, booked=[at(2, 8)])
    found = starts(request_for(at(1, 0), at(10, 0), [limited]))
    assert min(found) == at(8, 0)  # the week of 1 March is full after one interview


def test_slots_lie_inside_the_candidates_windows():
    windows = [(at(2, 10), at(2, 12)), (at(3, 14), at(3, 15, 30))]
    found = starts(request_for(at(2, 0), at(4, 0), [person(1)], candidate_windows=windows))
    assert found == [at(2, 10), at(2, 10, 30), at(2, 11), at(3, 14), at(3, 14, 30)]


def test_no_windows_given_means_no_window_restriction_but_empty_windows_mean_none():
    assert starts(request_for(at(2, 9), at(2, 11), [person(1)], candidate_windows=None))
    assert starts(request_for(at(2, 9), at(2, 11), [person(1)], candidate_windows=[])) == []


def test_the_candidates_other_interviews_block_their_time():
    other = [(at(2, 10), at(2, 11))]
    found = starts(request_for(at(2, 9), at(2, 12), [person(1)], candidate_busy=other))
    assert found == [at(2, 9), at(2, 11)]


def test_slots_in_the_candidates_night_rank_below_slots_in_their_day():
    interviewer = person(1, BERLIN, working_hours=[(d, 9 * 60, 17 * 60) for d in range(5)])
    found = find_slots(request_for(at(2, 0), at(3, 0), [interviewer], candidate_zone=NEW_YORK))
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    best = found[0].starts_at.astimezone(NEW_YORK)
    assert 8 <= best.hour < 19
    night = [s for s in found if s.starts_at.astimezone(NEW_YORK).hour < 6]
    assert night
    assert max(s.score for s in night) < found[0].score


def test_the_limit_caps_the_number_of_suggestions():
    assert len(find_slots(request_for(at(2, 0), at(3, 0), [person(1)], limit=5))) == 5


def test_a_range_shorter_than_the_duration_finds_nothing():
    assert find_slots(request_for(at(2, 9), at(2, 9, 30), [person(1)])) == []


def test_a_range_over_62_days_is_refused():
    with pytest.raises(ValueError):
        find_slots(request_for(at(1, 0), at(1, 0) + timedelta(days=63), [person(1)]))


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def suggest_setup(make_round, panelists, recruiter, api_as):
    round_ = make_round()
    return round_, panelists, api_as(recruiter)


def _suggestions(api, candidacy_id: int, **query):
    query.setdefault("from", at(2, 0).isoformat())
    query.setdefault("to", at(6, 0).isoformat())
    return api.get(f"/candidacies/{candidacy_id}/slot-suggestions", query_string=query)


def test_api_suggests_times_when_every_required_interviewer_is_free(suggest_setup, book,
                                                                      make_round):
    round_, (peer, supervisor), api = suggest_setup
    book(make_round(), at(2, 8), [(peer, "peer"), (supervisor, "supervisor")])
    response = _suggestions(api, round_.candidacy_id,
                            interviewer_ids=f"{peer.id},{supervisor.id}", limit=100)
    assert response.status_code == 200, response.get_json()
    slots = response.get_json()
    assert slots
    for slot in slots:
        start = datetime.fromisoformat(slot["starts_at"])
        end = datetime.fromisoformat(slot["ends_at"])
        assert slot["interviewer_ids"] == [peer.id, supervisor.id]
        assert end - start == HOUR
        local = start.astimezone(BERLIN)
        assert local.weekday() < 5
        assert (9, 0) <= (local.hour, local.minute) <= (16, 0)
        assert not (start < at(2, 9) and at(2, 8) < end)  # their booked interview
    assert [s["score"] for s in slots] == sorted((s["score"] for s in slots), reverse=True)


def test_api_picks_k_of_the_pool(suggest_setup, make_user):
    round_, (peer, _supervisor), api = suggest_setup
    pool = [make_user(), make_user(), make_user()]
    response = _suggestions(api, round_.candidacy_id, interviewer_ids=str(peer.id),
                            pool_ids=",".join(str(u.id) for u in pool), pool_size=2)
    assert response.status_code == 200, response.get_json()
    for slot in response.get_json():
        assert slot["interviewer_ids"][0] == peer.id
        assert len(slot["interviewer_ids"]) == 3
        assert set(slot["interviewer_ids"][1:]) <= {u.id for u in pool}


def test_api_takes_the_duration_from_the_round(make_candidacy, make_planned_round, plan,
                                               recruiter, panelists, api_as):
    job, _first, _team = plan
    short = make_planned_round(job, actor=recruiter, title="Short chat", duration_minutes=45,
                               relationships=["peer"])
    candidacy = make_candidacy(job=job, actor=recruiter)
    api = api_as(recruiter)
    round_id = api.post(f"/candidacies/{candidacy.id}/rounds",
                        json={"planned_round_id": short.id}).get_json()["id"]
    response = _suggestions(api, candidacy.id, round_id=round_id,
                            interviewer_ids=str(panelists[0].id))
    assert response.status_code == 200, response.get_json()
    for slot in response.get_json():
        length = datetime.fromisoformat(slot["ends_at"]) - datetime.fromisoformat(slot["starts_at"])
        assert length == timedelta(minutes=45)


def test_api_honours_the_candidates_availability(suggest_setup):
    round_, (peer, _), api = suggest_setup
    window = {"starts_at": "2027-03-03T13:00:00+01:00", "ends_at": "2027-03-03T15:00:00+01:00"}
    assert api.put(f"/candidacies/{round_.candidacy_id}/availability",
                   json=[window]).status_code == 200
    response = _suggestions(api, round_.candidacy_id, interviewer_ids=str(peer.id))
    assert sorted(s["starts_at"] for s in response.get_json()) == [
        "2027-03-03T12:00:00Z", "2027-03-03T12:30:00Z", "2027-03-03T13:00:00Z"]


def test_api_does_not_suggest_the_past(suggest_setup):
    round_, (peer, _), api = suggest_setup
    response = _suggestions(api, round_.candidacy_id, interviewer_ids=str(peer.id),
                            **{"from": "2027-02-01T00:00:00Z", "to": "2027-03-02T00:00:00Z"})
    assert response.status_code == 200
    assert all(s["starts_at"] >= "2027-03-01T08:00:00Z" for s in response.get_json())


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"interviewer_ids": "abc"}, "interviewer_ids"),
        ({"interviewer_ids": "1,,2"}, "interviewer_ids"),
        ({"interviewer_ids": "999999"}, "interviewer_ids.0"),
        ({"pool_ids": "999999", "pool_size": "1"}, "pool_ids.0"),
        ({"pool_size": "3"}, "pool_size"),
        ({"duration_minutes": "481"}, "duration_minutes"),
        ({"from": "2027-03-02T09:00:00"}, "from"),
        ({"to": "2027-03-01T09:00:00Z"}, "to"),
        ({"to": "2027-06-01T00:00:00Z"}, "to"),
        ({"granularity_minutes": "7"}, "granularity_minutes"),
    ],
)
def test_api_refuses_bad_queries_with_422(suggest_setup, query, field):
    round_, (peer, _), api = suggest_setup
    query = {"interviewer_ids": str(peer.id), **query}
    response = _suggestions(api, round_.candidacy_id, **query)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()


def test_api_refuses_a_person_both_required_and_in_the_pool(suggest_setup):
    round_, (peer, supervisor), api = suggest_setup
    response = _suggestions(api, round_.candidacy_id, interviewer_ids=str(peer.id),
                            pool_ids=f"{peer.id},{supervisor.id}", pool_size=1)
    assert response.status_code == 422
    assert "pool_ids" in response.get_json()["errors"]


def test_api_refuses_a_round_of_another_candidacy(suggest_setup, make_round):
    round_, (peer, _), api = suggest_setup
    other = make_round()
    response = _suggestions(api, round_.candidacy_id, round_id=other.id,
                            interviewer_ids=str(peer.id))
    assert response.status_code == 422
    assert "round_id" in response.get_json()["errors"]


def test_api_suggestions_are_for_recruiters(suggest_setup, api_as):
    round_, (peer, _), _api = suggest_setup
    response = _suggestions(api_as(peer), round_.candidacy_id, interviewer_ids=str(peer.id))
    assert response.status_code == 403


def test_api_unknown_candidacy_is_404(suggest_setup):
    _round, (peer, _), api = suggest_setup
    assert _suggestions(api, 999_999, interviewer_ids=str(peer.id)).status_code == 404


def test_a_suggested_slot_can_be_booked(suggest_setup, recruiter):
    round_, (peer, supervisor), api = suggest_setup
    availability.set_limits(peer, actor=recruiter, per_day=1, per_week=None)
    window = {"starts_at": "2027-03-02T00:00:00Z", "ends_at": "2027-03-06T00:00:00Z"}
    api.put(f"/candidacies/{round_.candidacy_id}/availability", json=[window])
    slots = _suggestions(api, round_.candidacy_id, round_id=round_.id,
                         interviewer_ids=f"{peer.id},{supervisor.id}").get_json()
    best = slots[0]
    body = {
        "starts_at": best["starts_at"],
        "duration_minutes": 60,
        "time_zone": "Europe/Berlin",
        "panel": [{"user_id": peer.id, "relationship": "peer"},
                  {"user_id": supervisor.id, "relationship": "supervisor"}],
    }
    response = api.post(f"/rounds/{round_.id}/interviews", json=body)
    assert response.status_code == 201, response.get_json()
    kinds = {w["kind"] for w in response.get_json()["warnings"]}
    assert not kinds & {"outside_working_hours", "outside_candidate_availability", "busy"}
    # the peer's day is now full: no suggestion on that day any more
    booked_day = datetime.fromisoformat(best["starts_at"]).astimezone(BERLIN).date()
    again = _suggestions(api, round_.candidacy_id, round_id=round_.id,
                         interviewer_ids=f"{peer.id},{supervisor.id}", limit=100).get_json()
    assert again
    assert all(datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN).date() != booked_day
               for s in again)


# --- loading busy time as numbers -----------------------------------------------------------------


def test_busy_time_loads_as_epoch_seconds_of_the_range_never_narrower(make_user):
    from coordinator.db import db
    from coordinator.scheduling import slots
    from coordinator.scheduling.models import BusyBlock

    user = make_user(roles={"interviewer"})
    inside = (utc(3, 2, 9, 0), utc(3, 2, 10, 0) + timedelta(milliseconds=250))
    whole = (utc(3, 3, 9, 0), utc(3, 3, 9, 30))
    far_before = (utc(1, 4, 9), utc(1, 4, 10))
    for begin, end in (inside, whole, far_before):
        db.session.add(BusyBlock(user_id=user.id, starts_at=begin, ends_at=end,
                                 imported_at=utc(1, 1, 0)))
    db.session.flush()
    calendars = slots.load_calendars([user], utc(3, 1, 0), utc(3, 5, 0))
    [fraction, exact] = calendars[user.id].busy_seconds
    assert exact == (whole[0].timestamp(), whole[1].timestamp())
    # A fraction of a second may be rounded outwards (the grid is whole seconds), never inwards.
    assert fraction[0] == inside[0].timestamp()
    assert inside[1].timestamp() <= fraction[1] < inside[1].timestamp() + 1
    assert calendars[user.id].all_busy()[1] == whole


def test_busy_seconds_block_the_same_starts_as_busy_datetimes():
    busy = [(at(2, 10, 10), at(2, 10, 20)), (at(2, 11, 30), at(2, 12))]
    as_seconds = [(b.timestamp(), e.timestamp()) for b, e in busy]
    with_datetimes = starts(request_for(at(2, 8), at(2, 14), [person(1, busy=busy)]))
    with_seconds = starts(request_for(at(2, 8), at(2, 14), [person(1, busy_seconds=as_seconds)]))
    assert with_seconds == with_datetimes == [at(2, 8), at(2, 8, 30), at(2, 9), at(2, 10, 30),
                                              at(2, 12), at(2, 12, 30), at(2, 13)]
