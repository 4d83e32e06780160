"""Importing busy time from .ics feeds, VFREEBUSY and JSON (CALENDAR.md, Importing busy time).

"Now" is Monday 1 March 2027, 08:00 UTC; a feed is expanded from a day before now to 120 days
ahead. The user is in Europe/Berlin (UTC+1, UTC+2 from Sunday 28 March 2027).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling import availability
from coordinator.scheduling.models import BusyBlock
from tests.scheduling.conftest import NOW

WINDOW_START = NOW - availability.IMPORT_PAST
WINDOW_END = NOW + availability.IMPORT_AHEAD

BERLIN_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def calendar(*components: str, headers: tuple[str, ...] = ()) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Coordinator tests//EN", *headers,
             *components, "END:VCALENDAR"]
    return ("\r\n".join("\r\n".join(c.splitlines()) for c in lines) + "\r\n").encode()


def event(uid: str, *properties: str) -> str:
    return "\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z", *properties,
                      "END:VEVENT"])


def freebusy(*periods: str) -> str:
    return "\n".join(["BEGIN:VFREEBUSY", "UID:fb@example.com", "DTSTAMP:20270101T000000Z",
                      "DTSTART:20270301T000000Z", "DTEND:20270401T000000Z", *periods,
                      "END:VFREEBUSY"])


def blocks_of(user) -> list[tuple[datetime, datetime]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(BusyBlock.starts_at, BusyBlock.ends_at)
        .where(BusyBlock.user_id == user.id).order_by(BusyBlock.starts_at)
    )]


def import_ics(user, data: bytes, actor=None) -> list[tuple[datetime, datetime]]:
    count = availability.import_busy_calendar(user, data, actor=actor or user)
    db.session.commit()
    found = blocks_of(user)
    assert count == len(found)
    return found


@pytest.fixture
def person(make_user):
    return make_user(("interviewer",), name="Bea Busy", time_zone="Europe/Berlin")


@pytest.fixture
def earlier_blocks(person):
    """Blocks from an earlier import, which a failed import must leave alone."""
    blocks = [(utc(3, 10, 9), utc(3, 10, 10)), (utc(3, 11, 9), utc(3, 11, 10))]
    availability.replace_busy_blocks(person, blocks, actor=person)
    db.session.commit()
    return blocks


# --- what counts as busy -------------------------------------------------------------------------


def test_weekly_series_skips_exdate_and_follows_a_moved_instance(person):
    feed = calendar(
        BERLIN_VTIMEZONE,
        event("standup@example.com",
              "DTSTART;TZID=Europe/Berlin:20270301T100000",
              "DTEND;TZID=Europe/Berlin:20270301T110000",
              "RRULE:FREQ=WEEKLY;COUNT=6",
              "EXDATE;TZID=Europe/Berlin:20270308T100000",
              "SUMMARY:Team meeting"),
        event("standup@example.com",
              "RECURRENCE-ID;TZID=Europe/Berlin:20270315T100000",
              "DTSTART;TZID=Europe/Berlin:20270316T140000",
              "DTEND;TZID=Europe/Berlin:20270316T150000",
              "SUMMARY:Team meeting (moved)"),
    )
    assert import_ics(person, feed) == [
        (utc(3, 1, 9), utc(3, 1, 10)),
        # 8 March: excluded; 15 March: moved to Tuesday 16 March, 14:00 local
        (utc(3, 16, 13), utc(3, 16, 14)),
        (utc(3, 22, 9), utc(3, 22, 10)),
        # after the clocks change on 28 March, 10:00 local is 08:00 UTC
        (utc(3, 29, 8), utc(3, 29, 9)),
        (utc(4, 5, 8), utc(4, 5, 9)),
    ]


def test_a_zone_named_without_vtimezone_is_understood(person):
    feed = calendar(event("a@example.com", "DTSTART;TZID=America/New_York:20270302T090000",
                          "DTEND;TZID=America/New_York:20270302T100000"))
    assert import_ics(person, feed) == [(utc(3, 2, 14), utc(3, 2, 15))]


def test_transparent_and_cancelled_events_are_not_busy(person):
    feed = calendar(
        event("free@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z",
              "TRANSP:TRANSPARENT"),
        event("cancelled@example.com", "DTSTART:20270302T110000Z", "DTEND:20270302T120000Z",
              "STATUS:CANCELLED"),
        event("tentative@example.com", "DTSTART:20270302T130000Z", "DTEND:20270302T140000Z",
              "STATUS:TENTATIVE"),
        event("busy@example.com", "DTSTART:20270302T150000Z", "DTEND:20270302T160000Z",
              "TRANSP:OPAQUE", "STATUS:CONFIRMED"),
    )
    # tentative counts as busy (documented in availability.py)
    assert import_ics(person, feed) == [(utc(3, 2, 13), utc(3, 2, 14)),
                                        (utc(3, 2, 15), utc(3, 2, 16))]


def test_one_cancelled_instance_of_a_series_is_not_busy(person):
    feed = calendar(
        event("daily@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T093000Z",
              "RRULE:FREQ=DAILY;COUNT=3"),
        event("daily@example.com", "RECURRENCE-ID:20270303T090000Z",
              "DTSTART:20270303T090000Z", "DTEND:20270303T093000Z", "STATUS:CANCELLED"),
    )
    assert import_ics(person, feed) == [(utc(3, 2, 9), utc(3, 2, 9, 30)),
                                        (utc(3, 4, 9), utc(3, 4, 9, 30))]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Berlin", [(utc(3, 4, 23), utc(3, 5, 23))]),
        ("America/New_York", [(utc(3, 5, 5), utc(3, 6, 5))]),
    ],
)
def test_an_all_day_event_blocks_the_whole_local_day(make_user, zone, expected):
    user = make_user(time_zone=zone)
    feed = calendar(event("holiday@example.com", "DTSTART;VALUE=DATE:20270305",
                          "DTEND;VALUE=DATE:20270306", "SUMMARY:Day off"))
    assert import_ics(user, feed) == expected


def test_an_all_day_event_without_end_lasts_one_day_and_a_multi_day_one_all_its_days(person):
    feed = calendar(
        event("one@example.com", "DTSTART;VALUE=DATE:20270302"),
        event("trip@example.com", "DTSTART;VALUE=DATE:20270310", "DTEND;VALUE=DATE:20270313"),
        event("note@example.com", "DTSTART;VALUE=DATE:20270320", "DTEND;VALUE=DATE:20270321",
              "TRANSP:TRANSPARENT"),
    )
    assert import_ics(person, feed) == [(utc(3, 1, 23), utc(3, 2, 23)),
                                        (utc(3, 9, 23), utc(3, 12, 23))]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Berlin", (utc(3, 3, 8), utc(3, 3, 8, 30))),
        ("Asia/Tokyo", (utc(3, 3, 0), utc(3, 3, 0, 30))),
    ],
)
def test_floating_times_are_read_in_the_users_zone(make_user, zone, expected):
    user = make_user(time_zone=zone)
    feed = calendar(event("floating@example.com", "DTSTART:20270303T090000",
                          "DTEND:20270303T093000"))
    assert import_ics(user, feed) == [expected]


def test_x_wr_timezone_gives_floating_times_the_calendars_zone(person):
    feed = calendar(event("f@example.com", "DTSTART:20270303T090000", "DTEND:20270303T100000"),
                    headers=("X-WR-TIMEZONE:America/New_York",))
    assert import_ics(person, feed) == [(utc(3, 3, 14), utc(3, 3, 15))]


def test_duration_gives_the_end_and_an_instant_event_is_not_busy(person):
    feed = calendar(
        event("d@example.com", "DTSTART:20270302T090000Z", "DURATION:PT45M"),
        event("instant@example.com", "DTSTART:20270302T120000Z"),
    )
    assert import_ics(person, feed) == [(utc(3, 2, 9), utc(3, 2, 9, 45))]


def test_overlapping_and_touching_events_merge_into_one_block(person):
    feed = calendar(
        event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"),
        event("b@example.com", "DTSTART:20270302T093000Z", "DTEND:20270302T103000Z"),
        event("c@example.com", "DTSTART:20270302T103000Z", "DTEND:20270302T110000Z"),
        event("d@example.com", "DTSTART:20270302T113000Z", "DTEND:20270302T120000Z"),
    )
    assert import_ics(person, feed) == [(utc(3, 2, 9), utc(3, 2, 11)),
                                        (utc(3, 2, 11, 30), utc(3, 2, 12))]


def test_only_the_import_window_is_kept(person):
    feed = calendar(
        event("old@example.com", "DTSTART:20260302T090000Z", "DTEND:20260302T100000Z"),
        event("far@example.com", "DTSTART:20270715T090000Z", "DTEND:20270715T100000Z"),
        event("trip@example.com", "DTSTART:20270227T000000Z", "DTEND:20270301T000000Z"),
    )
    assert import_ics(person, feed) == [(WINDOW_START, utc(3, 1, 0))]


def test_an_endless_series_is_expanded_up_to_the_window_end(person):
    feed = calendar(event("daily@example.com", "DTSTART:20270101T090000Z",
                          "DTEND:20270101T093000Z", "RRULE:FREQ=DAILY"))
    found = import_ics(person, feed)
    assert found[0] == (utc(2, 28, 9), utc(2, 28, 9, 30))
    assert found[-1] == (utc(6, 28, 9), utc(6, 28, 9, 30))
    assert len(found) == 121
    assert all(b >= WINDOW_START and e <= WINDOW_END for b, e in found)


def test_freebusy_busy_periods_count_and_free_ones_do_not(person):
    feed = calendar(freebusy(
        "FREEBUSY;FBTYPE=BUSY:20270302T090000Z/20270302T100000Z,20270302T110000Z/PT30M",
        "FREEBUSY;FBTYPE=FREE:20270302T120000Z/20270302T130000Z",
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270303T090000Z/20270303T100000Z",
        "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20270304T090000Z/20270304T100000Z",
        "FREEBUSY:20270305T090000Z/20270305T091500Z",
    ))
    assert import_ics(person, feed) == [
        (utc(3, 2, 9), utc(3, 2, 10)),
        (utc(3, 2, 11), utc(3, 2, 11, 30)),
        (utc(3, 3, 9), utc(3, 3, 10)),  # tentative counts as busy
        (utc(3, 4, 9), utc(3, 4, 10)),
        (utc(3, 5, 9), utc(3, 5, 9, 15)),  # no FBTYPE means BUSY
    ]


def test_a_broken_series_is_skipped_and_the_rest_imported(person):
    feed = calendar(
        event("broken@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z",
              "RRULE:FREQ=FORTNIGHTLY"),
        event("good@example.com", "DTSTART:20270303T090000Z", "DTEND:20270303T100000Z"),
    )
    assert import_ics(person, feed) == [(utc(3, 3, 9), utc(3, 3, 10))]


def test_an_import_replaces_the_previous_blocks(person, earlier_blocks):
    feed = calendar(event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"))
    assert import_ics(person, feed) == [(utc(3, 2, 9), utc(3, 2, 10))]
    assert import_ics(person, calendar()) == []


def test_another_users_blocks_are_untouched(person, make_user):
    other = make_user()
    availability.replace_busy_blocks(other, [(utc(3, 2, 9), utc(3, 2, 10))], actor=other)
    import_ics(person, calendar(event("a@example.com", "DTSTART:20270303T090000Z",
                                      "DTEND:20270303T100000Z")))
    assert blocks_of(other) == [(utc(3, 2, 9), utc(3, 2, 10))]


# --- refusals: nothing half-imported -------------------------------------------------------------

TOO_BIG = calendar(event("big@example.com", "DTSTART:20270302T090000Z",
                         "DTEND:20270302T100000Z",
                         "DESCRIPTION:" + "x" * availability.MAX_IMPORT_BYTES))

BROKEN_FEEDS = {
    "not a calendar": b"hello, world",
    "binary": bytes(range(256)),
    "truncated": calendar(event("a@example.com", "DTSTART:20270302T090000Z"))[:-15],
    "vcard": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bea\r\nEND:VCARD\r\n",
    "event without calendar": event("a@example.com", "DTSTART:20270302T090000Z").encode(),
    "two calendars": calendar() + calendar(),
    "bad freebusy period": calendar(freebusy("FREEBUSY:tomorrow/afternoon")),
    "empty": b"",
    "blank": b" \r\n\r\n ",
    "too big": TOO_BIG,
    "repeats every minute": calendar(event("m@example.com", "DTSTART:20270302T090000Z",
                                           "DURATION:PT1M", "RRULE:FREQ=MINUTELY")),
    "repeats every second of a day": calendar(event(
        "s@example.com", "DTSTART:20270302T090000Z", "DURATION:PT1S",
        "RRULE:FREQ=DAILY;BYHOUR=9,10,11,12;BYMINUTE=" + ",".join(map(str, range(60))))),
    "hourly for decades": calendar(event("h@example.com", "DTSTART:19500101T090000Z",
                                         "DURATION:PT5M", "RRULE:FREQ=HOURLY")),
}


@pytest.mark.parametrize("data", BROKEN_FEEDS.values(), ids=BROKEN_FEEDS.keys())
def test_a_broken_or_huge_feed_is_refused_and_the_previous_blocks_stay(person, earlier_blocks,
                                                                        data):
    with pytest.raises(RuleViolation) as err:
        availability.import_busy_calendar(person, data, actor=person)
    assert err.value.field == "file"
    db.session.rollback()
    assert blocks_of(person) == earlier_blocks


def test_the_size_limit_is_checked_before_parsing():
    assert len(TOO_BIG) > availability.MAX_IMPORT_BYTES
    with pytest.raises(RuleViolation) as err:
        availability.parse_busy_calendar(TOO_BIG, "UTC", now=NOW)
    assert "larger than" in err.value.message


def test_a_feed_that_repeats_too_often_is_refused_quickly():
    feed = calendar(event("s@example.com", "DTSTART:20270302T090000Z", "DURATION:PT1S",
                          "RRULE:FREQ=SECONDLY"))
    started = datetime.now(UTC)
    with pytest.raises(RuleViolation):
        availability.parse_busy_calendar(feed, "UTC", now=NOW)
    assert datetime.now(UTC) - started < timedelta(seconds=1)


def test_an_ordinary_weekly_series_of_many_years_is_not_refused(person):
    feed = calendar(event("w@example.com", "DTSTART:20100104T090000Z", "DTEND:20100104T100000Z",
                          "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"))
    found = import_ics(person, feed)
    assert len(found) == 52  # Mondays, Wednesdays and Fridays from 1 March to 28 June


def test_too_many_json_periods_are_refused():
    items = [{"starts_at": utc(3, 2) + timedelta(minutes=2 * n),
              "ends_at": utc(3, 2) + timedelta(minutes=2 * n + 1)}
             for n in range(availability.MAX_BLOCKS + 1)]
    with pytest.raises(RuleViolation):
        availability.windows_from(items)


# --- the API -------------------------------------------------------------------------------------


def _post_ics(api, user_id: int, data: bytes, content_type: str = "text/calendar"):
    return api.post(f"/users/{user_id}/busy", data=data, content_type=content_type)


def test_api_imports_an_ics_feed(person, recruiter, api_as):
    feed = calendar(event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"),
                    event("b@example.com", "DTSTART:20270303T090000Z", "DTEND:20270303T100000Z"))
    response = _post_ics(api_as(recruiter), person.id, feed)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"imported": 2}
    assert blocks_of(person) == [(utc(3, 2, 9), utc(3, 2, 10)), (utc(3, 3, 9), utc(3, 3, 10))]


@pytest.mark.parametrize("content_type", ["text/calendar; charset=utf-8", "application/ics"])
def test_api_accepts_calendar_media_types(person, api_as, content_type):
    feed = calendar(freebusy("FREEBUSY:20270302T090000Z/20270302T100000Z"))
    response = _post_ics(api_as(person), person.id, feed, content_type)
    assert response.status_code == 200
    assert response.get_json() == {"imported": 1}


def test_api_imports_json_periods_merged(person, api_as):
    body = [
        {"starts_at": "2027-03-02T10:00:00+01:00", "ends_at": "2027-03-02T11:00:00+01:00"},
        {"starts_at": "2027-03-02T09:30:00Z", "ends_at": "2027-03-02T10:30:00Z"},
        {"starts_at": "2027-03-04T09:00:00Z", "ends_at": "2027-03-04T09:15:00Z"},
    ]
    response = api_as(person).post(f"/users/{person.id}/busy", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"imported": 2}
    assert blocks_of(person) == [(utc(3, 2, 9), utc(3, 2, 10, 30)),
                                 (utc(3, 4, 9), utc(3, 4, 9, 15))]


def test_api_empty_json_list_clears_the_blocks(person, earlier_blocks, api_as):
    response = api_as(person).post(f"/users/{person.id}/busy", json=[])
    assert response.get_json() == {"imported": 0}
    assert blocks_of(person) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"starts_at": "2027-03-02T10:00:00Z", "ends_at": "2027-03-02T09:00:00Z"}], "0.ends_at"),
        ([{"starts_at": "2027-03-02T10:00:00", "ends_at": "2027-03-02T11:00:00Z"}],
         "0.starts_at"),
        ([{"starts_at": "2027-03-02T10:00:00Z"}], "0.ends_at"),
        ({"starts_at": "2027-03-02T10:00:00Z", "ends_at": "2027-03-02T11:00:00Z"}, None),
    ],
)
def test_api_refuses_invalid_json_and_keeps_the_blocks(person, earlier_blocks, api_as, body,
                                                        field):
    response = api_as(person).post(f"/users/{person.id}/busy", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    if field:
        assert field in response.get_json()["errors"], response.get_json()
    assert blocks_of(person) == earlier_blocks


def test_api_body_that_is_not_json_is_400(person, earlier_blocks, api_as):
    response = api_as(person).post(f"/users/{person.id}/busy", data=b"{not json",
                                   content_type="application/json")
    assert response.status_code == 400
    assert blocks_of(person) == earlier_blocks


@pytest.mark.parametrize("name", ["not a calendar", "truncated", "empty", "too big",
                                  "repeats every minute", "bad freebusy period"])
def test_api_refuses_a_broken_feed_with_422_and_keeps_the_blocks(person, earlier_blocks, api_as,
                                                                  name):
    response = _post_ics(api_as(person), person.id, BROKEN_FEEDS[name])
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    problem = response.get_json()
    assert problem["status"] == 422
    assert problem["errors"]["file"]
    assert blocks_of(person) == earlier_blocks


def test_api_refuses_a_body_over_the_request_limit_without_a_500(person, earlier_blocks, api_as,
                                                                  app):
    data = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = _post_ics(api_as(person), person.id, data)
    assert response.status_code == 413
    assert blocks_of(person) == earlier_blocks


def test_api_failed_import_after_a_good_one_keeps_the_good_one(person, api_as):
    api = api_as(person)
    good = calendar(event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"))
    assert _post_ics(api, person.id, good).status_code == 200
    assert _post_ics(api, person.id, BROKEN_FEEDS["truncated"]).status_code == 422
    assert blocks_of(person) == [(utc(3, 2, 9), utc(3, 2, 10))]


@pytest.mark.parametrize(
    ("who", "status"),
    [("self", 200), ("recruiter", 200), ("admin", 200), ("other_interviewer", 403),
     ("hiring_manager", 403)],
)
def test_api_busy_import_is_for_the_person_recruiters_and_admins(person, make_user, api_as, who,
                                                                  status):
    actor = person if who == "self" else make_user({
        "recruiter": ("recruiter",), "admin": ("admin",), "other_interviewer": ("interviewer",),
        "hiring_manager": ("hiring_manager",),
    }[who])
    feed = calendar(event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"))
    response = _post_ics(api_as(actor), person.id, feed)
    assert response.status_code == status
    assert len(blocks_of(person)) == (1 if status == 200 else 0)


def test_api_busy_import_needs_a_token_and_an_existing_user(person, recruiter, api_as):
    feed = calendar()
    assert _post_ics(api_as(None), person.id, feed).status_code == 401
    assert _post_ics(api_as(recruiter), 999_999, feed).status_code == 404


def test_an_import_is_recorded_in_the_audit_log(person, recruiter, api_as):
    feed = calendar(event("a@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z"))
    _post_ics(api_as(recruiter), person.id, feed)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.busy_imported",
                                    AuditEvent.object_id == person.id)
    ).all()
    assert [(e.actor_id, e.details["blocks"]) for e in events] == [(recruiter.id, 1)]


def test_imported_busy_time_is_avoided_by_suggestions_and_warned_about_when_booked(
        make_round, panelists, recruiter, api_as):
    peer, supervisor = panelists
    round_ = make_round()
    api = api_as(recruiter)
    # Tuesday 2 March, all of the peer's working day but 14:00–15:00 local
    body = [{"starts_at": "2027-03-02T09:00:00+01:00", "ends_at": "2027-03-02T14:00:00+01:00"},
            {"starts_at": "2027-03-02T15:00:00+01:00", "ends_at": "2027-03-02T17:00:00+01:00"}]
    assert api.post(f"/users/{peer.id}/busy", json=body).status_code == 200
    slots = api.get(f"/candidacies/{round_.candidacy_id}/slot-suggestions", query_string={
        "interviewer_ids": f"{peer.id},{supervisor.id}", "from": "2027-03-02T00:00:00Z",
        "to": "2027-03-03T00:00:00Z"}).get_json()
    assert [s["starts_at"] for s in slots] == ["2027-03-02T13:00:00Z"]
    booking = {"starts_at": "2027-03-02T10:00:00+01:00", "duration_minutes": 60,
               "panel": [{"user_id": peer.id, "relationship": "peer"},
                         {"user_id": supervisor.id, "relationship": "supervisor"}]}
    response = api.post(f"/rounds/{round_.id}/interviews", json=booking)
    assert response.status_code == 201  # busy time is advisory
    assert "busy" in {w["kind"] for w in response.get_json()["warnings"]}
