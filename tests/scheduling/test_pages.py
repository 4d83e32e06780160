"""Scheduling pages, as a recruiter uses them."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling.models import Interview, Round
from tests.scheduling.conftest import at


def _form(panel, **overrides):
    data = {"date": "2027-03-02", "time": "10:00", "time_zone": "Europe/Berlin",
            "duration_minutes": "60", "location": "Room 4", "video_url": ""}
    for index, (user, relationship) in enumerate(panel):
        data[f"panel-{index}-user_id"] = str(user.id)
        data[f"panel-{index}-relationship"] = relationship
    data.update(overrides)
    return data


def test_recruiter_opens_a_round_from_the_candidacy(login, recruiter, make_candidacy, plan):
    job, _first, team = plan
    candidacy = make_candidacy(job=job)
    client = login(recruiter)
    response = client.post(f"/candidacies/{candidacy.id}/rounds",
                           data={"planned_round_id": str(team.id)})
    assert response.status_code == 303
    round_ = db.session.scalar(sa.select(Round).where(Round.candidacy_id == candidacy.id))
    assert response.headers["Location"].endswith(f"/rounds/{round_.id}")


def test_booking_form_books_an_interview_in_local_time(login, recruiter, make_round, panelists):
    round_ = make_round()
    peer, supervisor = panelists
    client = login(recruiter)
    url = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/new"
    assert client.get(url).status_code == 200
    response = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                           action="confirm"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    interview = db.session.scalar(sa.select(Interview).where(Interview.round_id == round_.id))
    assert interview.starts_at == at(2, 9)  # 10:00 in Berlin is 09:00 UTC in March


def test_check_button_shows_conflicts_without_saving(login, recruiter, make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    client = login(recruiter)
    url = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/new"
    response = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                           action="check"))
    assert response.status_code == 409
    assert "Priya Peer is already in “Team interview” with" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)
                             .where(Interview.round_id == round_.id)) == 0


def test_missing_relationship_is_shown_and_input_kept(login, recruiter, make_round, panelists):
    round_ = make_round()
    peer, _ = panelists
    client = login(recruiter)
    url = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/new"
    response = client.post(url, data=_form([(peer, "peer")], location="Room 42"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "supervisor" in page.lower()
    assert 'value="Room 42"' in page


def test_time_in_the_dst_gap_is_refused_on_the_field(login, recruiter, make_round, panelists):
    round_ = make_round()
    peer, supervisor = panelists
    client = login(recruiter)
    url = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/new"
    response = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                           date="2027-03-28", time="02:30"))
    assert response.status_code == 422
    assert "does not exist in Europe/Berlin" in response.get_data(as_text=True)


def test_round_page_shows_met_before_and_new(login, recruiter, make_round, plan, panelists, book,
                                             make_user):
    _job, first, team = plan
    peer, supervisor = panelists
    manager = make_user(("hiring_manager",), name="Hugo Manager")
    first_round = make_round(planned=first)
    book(first_round, at(1, 7), [(manager, "hiring_manager"), (peer, "colleague")],
         record_past=True)
    team_round = make_round(candidacy=first_round.candidacy, planned=team)
    book(team_round, at(3, 10), [(peer, "peer"), (supervisor, "supervisor")])
    page = login(recruiter).get(
        f"/candidacies/{team_round.candidacy_id}/rounds/{team_round.id}").get_data(as_text=True)
    assert "Met before" in page
    assert "New to the candidate" in page
    assert "Supervisor: <strong>scheduled, not met yet" in page


def test_suggestion_opens_the_booking_form_filled_in_to_add_the_place_first(
        login, recruiter, make_round, panelists):
    round_ = make_round()
    peer, supervisor = panelists
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    query = {"required-0-user_id": peer.id, "required-0-relationship": "peer",
             "required-1-user_id": supervisor.id, "required-1-relationship": "supervisor",
             "date_from": "2027-03-02", "date_to": "2027-03-03"}
    response = client.get(base + "/suggestions", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    import re
    from html import unescape

    link = unescape(re.search(r'href="([^"]+/interviews/new\?[^"]+)"', page).group(1))
    form_page = client.get(link)
    assert form_page.status_code == 200
    filled = form_page.get_data(as_text=True)
    assert "Add the place or a video link" in filled
    date = re.search(r'name="date"[^>]*value="([^"]+)"', filled).group(1)
    time = re.search(r'name="time"[^>]*value="([^"]+)"', filled).group(1)
    data = _form([(peer, "peer"), (supervisor, "supervisor")], date=date, time=time,
                 time_zone="Europe/Berlin", video_url="https://meet.example.com/x",
                 location="", action="confirm")
    booked = client.post(base + "/interviews/new", data=data)
    assert booked.status_code == 303, booked.get_data(as_text=True)[:3000]
    interview = db.session.scalar(sa.select(Interview).where(Interview.round_id == round_.id))
    assert {m.relationship.value for m in interview.panel} == {"peer", "supervisor"}
    assert interview.video_url == "https://meet.example.com/x"
