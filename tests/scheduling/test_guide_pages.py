"""Scheduling pages that guide: the suggested panel, the finder without interviewers, the week
grid, and warnings shown before anything is booked or moved."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling import calendar_sources
from coordinator.scheduling.models import CalendarSourceKind, Interview
from coordinator.timeutil import to_zone
from tests.scheduling.conftest import NOW, at


def _base(round_) -> str:
    return f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"


def _form(panel, **overrides):
    data = {"date": "2027-03-02", "time": "15:00", "time_zone": "Europe/Berlin",
            "duration_minutes": "60", "location": "Room 4", "video_url": ""}
    for index, (user, relationship) in enumerate(panel):
        data[f"panel-{index}-user_id"] = str(user.id)
        data[f"panel-{index}-relationship"] = relationship
    data.update(overrides)
    return data


def _count(round_) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Interview)
                             .where(Interview.round_id == round_.id))


def test_round_page_prefills_one_seat_per_relationship_with_suggestions(login, recruiter,
                                                                        make_round, panelists):
    round_ = make_round()
    page = login(recruiter).get(_base(round_)).get_data(as_text=True)
    assert "Suggested panel" in page
    assert re.search(r'name="required-0-relationship" value="peer"', page)
    assert re.search(r'name="required-1-relationship" value="supervisor"', page)
    assert len(re.findall(r'type="radio"[^>]*checked', page)) == 2
    assert "load this week: 0" in page
    assert "New to the candidate" in page


def test_finder_without_interviewers_proposes_the_panel_and_fills_the_duration(
        login, recruiter, make_round, panelists):
    round_ = make_round()
    response = login(recruiter).get(_base(round_) + "/suggestions")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Proposed panel from the plan" in page
    assert 'name="duration_minutes" type="number" value="60"' in page or \
        re.search(r'id="duration_minutes"[^>]*value="60"', page)
    assert re.search(r"<h3 id=\"day-2027-03-0\d\">", page)  # grouped by day
    assert "Show more times" in page  # two weeks give more than 20 times
    assert len(re.findall(r">Book \d\d:\d\d</a>", page)) == 20


def test_finder_shows_more_times_when_asked(login, recruiter, make_round, panelists):
    round_ = make_round()
    client = login(recruiter)
    page = client.get(_base(round_) + "/suggestions").get_data(as_text=True)
    more = unescape(re.search(r'href="([^"]+shown=40[^"]*)"', page).group(1))
    second = client.get(more).get_data(as_text=True)
    assert len(re.findall(r">Book \d\d:\d\d</a>", second)) == 40


@pytest.mark.parametrize("shown", ["abc", "-1", "99999999", "1e9"])
def test_finder_tolerates_a_bad_shown_count(login, recruiter, make_round, panelists, shown):
    round_ = make_round()
    response = login(recruiter).get(_base(round_) + "/suggestions", query_string={"shown": shown})
    assert response.status_code == 200


def test_week_grid_cells_link_to_the_booking_form_with_the_time(login, recruiter, make_round,
                                                                panelists):
    peer, supervisor = panelists
    round_ = make_round()
    client = login(recruiter)
    query = {"required-0-user_id": peer.id, "required-0-relationship": "peer",
             "required-1-user_id": supervisor.id, "required-1-relationship": "supervisor",
             "duration_minutes": "60"}
    response = client.get(_base(round_) + "/week", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Priya Peer" in page and "Sofia Supervisor" in page
    link = unescape(re.search(r'<td class="free"><a href="([^"]+)"', page).group(1))
    assert "date=2027-03-01" in link and "time=14" in link  # Monday 14:00 Berlin = 08:00 NY
    form = client.get(link).get_data(as_text=True)
    assert "Add the place or a video link" in form
    assert re.search(rf'<option selected value="{peer.id}"|value="{peer.id}" selected', form)


@pytest.mark.parametrize("query", [
    {"week": "not-a-date"}, {"week": "1900-01-01"}, {"day": "not-a-date"}, {"day": "1900-01-01"},
])
def test_week_grid_refuses_a_bad_week_without_a_500(login, recruiter, make_round, panelists,
                                                    query):
    response = login(recruiter).get(_base(make_round()) + "/week", query_string=query)
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    {"required-0-user_id": "999999", "required-0-relationship": "peer"},
    {"required-0-user_id": "x", "required-0-relationship": "nope", "duration_minutes": "-5"},
    {"duration_minutes": "99999999999"},
])
def test_week_grid_ignores_unusable_seats(login, recruiter, make_round, panelists, query):
    response = login(recruiter).get(_base(make_round()) + "/week", query_string=query)
    assert response.status_code == 200


@pytest.mark.parametrize("query", [
    {"date": "2027-13-45", "time": "25:99", "duration_minutes": "abc", "time_zone": "Mars/Base"},
    {"required-0-user_id": "999999", "required-0-relationship": "peer"},
    {"video_url": "x" * 600},
])
def test_booking_form_tolerates_bad_proposals_in_the_link(login, recruiter, make_round,
                                                          panelists, query):
    response = login(recruiter).get(_base(make_round()) + "/interviews/new", query_string=query)
    assert response.status_code == 200


def test_book_shows_warnings_first_and_book_anyway_books(login, recruiter, make_round,
                                                        panelists):
    peer, supervisor = panelists
    round_ = make_round()
    client = login(recruiter)
    url = _base(round_) + "/interviews/new"
    # 07:00 Berlin: before the panel's working hours, 01:00 for the candidate in New York
    response = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                           time="07:00", action="save"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Outside Priya Peer&#39;s working hours." in page
    assert "Early or late for the candidate" in page
    assert "Book anyway" in page
    assert "Nearest free times" in page
    assert _count(round_) == 0
    booked = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                         time="07:00", action="confirm"))
    assert booked.status_code == 303
    assert _count(round_) == 1


def test_a_clash_links_the_other_interview_and_offers_nearest_times(login, recruiter,
                                                                   make_round, panelists, book):
    peer, supervisor = panelists
    other = book(make_round(), at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    response = login(recruiter).post(
        _base(round_) + "/interviews/new",
        data=_form([(peer, "peer"), (supervisor, "supervisor")], action="check"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f'href="/interviews/{other.interview.id}"' in page
    assert "Priya Peer is already in “Team interview” with" in page
    assert f"interview {other.interview.id}" not in page
    nearest = re.findall(r'<ul class="nearest">(.*?)</ul>', page, re.S)
    assert nearest and "date=2027-03-0" in nearest[0]
    assert "Book anyway" not in page  # a blocking clash is never booked over


def test_reschedule_checks_before_saving(login, recruiter, make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(3, 14), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    moving = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    client = login(recruiter)
    url = f"{_base(round_)}/interviews/{moving.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Check conflicts" in page
    data = _form([(peer, "peer"), (supervisor, "supervisor")], date="2027-03-03",
                 reason="The candidate asked", action="check")
    response = client.post(url, data=data)
    assert response.status_code == 409
    assert "is already in “Team interview”" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Interview, moving.id).starts_at == at(2, 14)
    fine = client.post(url, data={**data, "date": "2027-03-04"})
    assert fine.status_code == 200 and "This time works." in fine.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Interview, moving.id).starts_at == at(2, 14)


def test_booking_form_says_when_a_calendar_stopped_syncing(login, recruiter, make_round,
                                                           panelists):
    peer, supervisor = panelists
    source = calendar_sources.set_source(peer, actor=peer, kind=CalendarSourceKind.ics_url,
                                         url="https://cal.example.com/x.ics")
    source.last_synced_at = NOW - timedelta(days=3)
    source.last_error = "The server answered 404."
    db.session.commit()
    round_ = make_round()
    client = login(recruiter)
    query = {"required-0-user_id": peer.id, "required-0-relationship": "peer",
             "required-1-user_id": supervisor.id, "required-1-relationship": "supervisor"}
    page = client.get(_base(round_) + "/interviews/new", query_string=query
                      ).get_data(as_text=True)
    assert "Calendars not current" in page
    assert "calendar last synced 3 days ago (last attempt failed): The server answered 404." \
        in page
    finder = client.get(_base(round_) + "/suggestions", query_string=query
                        ).get_data(as_text=True)
    assert "The server answered 404." in finder


@pytest.mark.parametrize("path", ["", "/week", "/suggestions"])
def test_guide_pages_keep_a_constant_statement_count(login, recruiter, make_round, panelists,
                                                     book, make_user, count_queries, path):
    peer, supervisor = panelists
    round_ = make_round()
    client = login(recruiter)
    url = _base(round_) + path
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for n in range(5):
        extra = make_user(("interviewer",), name=f"Extra {n}")
        book(make_round(), at(2 + n, 9), [(peer, "peer"), (extra, "supervisor")])
        book(make_round(), at(2 + n, 12), [(extra, "peer"), (supervisor, "supervisor")])
    client.get(url)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, str(large)


def test_reschedule_check_offers_the_moving_interviews_own_time(login, recruiter, make_round,
                                                                 panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(3, 14), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    moving = book(round_, at(3, 13), [(peer, "peer"), (supervisor, "supervisor")]).interview
    client = login(recruiter)
    url = f"{_base(round_)}/interviews/{moving.id}/edit"
    # 15:00 Berlin is 14:00 UTC: the other interview's time
    data = _form([(peer, "peer"), (supervisor, "supervisor")], date="2027-03-03",
                 reason="The candidate asked", action="check")
    response = client.post(url, data=data)
    assert response.status_code == 409
    [nearest] = re.findall(r'<ul class="nearest">(.*?)</ul>', response.get_data(as_text=True),
                           re.S)
    own = to_zone(at(3, 13), recruiter.time_zone)
    assert f"date={own.date().isoformat()}&amp;time={own:%H:%M}&amp;" in nearest


def test_week_grid_shows_one_chosen_day_for_narrow_screens_with_links_across_weeks(
        login, recruiter, make_round, panelists):
    peer, supervisor = panelists
    round_ = make_round()
    client = login(recruiter)
    query = {"required-0-user_id": peer.id, "required-0-relationship": "peer",
             "required-1-user_id": supervisor.id, "required-1-relationship": "supervisor",
             "duration_minutes": "60"}
    page = client.get(_base(round_) + "/week", query_string={**query, "day": "2027-03-07"}
                      ).get_data(as_text=True)
    assert "Week of 01 March 2027" in page  # Sunday 7 March is in that week
    one = page[page.index('class="week-wrap week-one"'):]
    assert "Sunday 07 Mar" in one and "Monday" not in one.split("</thead>")[0]
    nav = page[page.index('class="day-nav"'):page.index('class="week-wrap week-one"')]
    assert "day=2027-03-06" in nav and "day=2027-03-08" in nav  # next day is the next week
    assert 'aria-current="date">Sun 07<' in nav
    # the day table has one cell per row, the same rows as the week table
    week = page[page.index('class="week-wrap week-all"'):page.index('class="day-nav"')]
    assert one.count("<tr>") == week.count("<tr>")
    assert "Free" in week and week.count("<td") == 7 * (one.count("<td"))
    nxt = client.get(_base(round_) + "/week", query_string={**query, "day": "2027-03-08"})
    assert nxt.status_code == 200 and "Week of 08 March 2027" in nxt.get_data(as_text=True)
    # without a day, the day table shows the week's first day (or today, inside it)
    plain = client.get(_base(round_) + "/week", query_string={**query, "week": "2027-03-08"}
                       ).get_data(as_text=True)
    assert 'aria-current="date">Mon 08<' in plain
