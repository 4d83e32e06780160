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
    response = client.post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")]))
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
    assert "Priya Peer is already in interview" in response.get_data(as_text=True)
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


def test_suggestions_page_lists_times_and_books_one_in_a_click(login, recruiter, make_round,
                                                                 panelists):
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
    assert "Book this time" in page
    import re

    starts = re.search(r'name="starts_at" value="([^"]+)"', page).group(1)
    seats = re.findall(r'name="seat" value="([^"]+)"', page)[:2]
    booked = client.post(base + "/book", data={"starts_at": starts, "duration_minutes": "60",
                                               "seat": seats})
    assert booked.status_code == 303
    interview = db.session.scalar(sa.select(Interview).where(Interview.round_id == round_.id))
    assert {m.relationship.value for m in interview.panel} == {"peer", "supervisor"}


def test_cancel_page_needs_a_reason(login, recruiter, make_round, panelists, book):
    peer, supervisor = panelists
    round_ = make_round()
    change = book(round_, at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    client = login(recruiter)
    url = (f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/"
           f"{change.interview.id}/cancel")
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert client.post(url, data={"reason": "Candidate withdrew"}).status_code == 303
    db.session.refresh(change.interview)
    assert change.interview.is_cancelled


def test_interview_reached_through_another_candidacy_is_404(login, recruiter, make_round,
                                                             panelists, book):
    peer, supervisor = panelists
    round_ = make_round()
    other = make_round()
    change = book(round_, at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    url = (f"/candidacies/{other.candidacy_id}/rounds/{round_.id}/interviews/"
           f"{change.interview.id}/edit")
    assert login(recruiter).get(url).status_code == 404


def test_interviewer_cannot_open_scheduling_pages(login, interviewer, make_round):
    round_ = make_round()
    response = login(interviewer).get(f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}")
    assert response.status_code == 403
