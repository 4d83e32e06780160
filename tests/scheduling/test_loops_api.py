"""Interview days through the API: suggestions, booking all or nothing, invites and itinerary."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites.operations import invites_of
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.models import Interview
from tests.scheduling.conftest import at


@pytest.fixture
def api(recruiter, api_as):
    return api_as(recruiter)


@pytest.fixture
def team_round(make_round):
    return make_round()  # the plan asks for a peer and a supervisor


def iso(instant) -> str:
    return instant.isoformat()


def day_body(panelists, **fields):
    """Three sessions on Tuesday 2 March (UTC): peer, break, supervisor, then both."""
    peer, supervisor = panelists
    body = {
        "time_zone": "America/New_York",
        "location": "Room 4.01",
        "video_url": "",
        "sessions": [
            {"title": "Technical", "starts_at": iso(at(2, 9)), "duration_minutes": 60,
             "panel": [{"user_id": peer.id, "relationship": "peer"}]},
            {"title": "Values", "starts_at": iso(at(2, 10, 15)), "duration_minutes": 45,
             "panel": [{"user_id": supervisor.id, "relationship": "supervisor"}]},
            {"title": "Wrap-up", "starts_at": iso(at(2, 11)), "duration_minutes": 30,
             "panel": [{"user_id": peer.id, "relationship": "peer"},
                       {"user_id": supervisor.id, "relationship": "supervisor"}]},
        ],
    }
    body.update(fields)
    return body


def interviews_of(round_id: int) -> list[Interview]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Interview).where(Interview.round_id == round_id)))


def itineraries() -> list[OutboxMessage]:
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "loop.itinerary")))


# --- booking -------------------------------------------------------------------------------------


def test_booking_a_day_makes_one_interview_per_session(api, team_round, panelists):
    response = api.post(f"/rounds/{team_round.id}/loops", json=day_body(panelists))
    assert response.status_code == 201, response.get_json()
    booked = response.get_json()["interviews"]
    assert [(i["starts_at"], i["duration_minutes"]) for i in booked] == [
        ("2027-03-02T09:00:00Z", 60), ("2027-03-02T10:15:00Z", 45), ("2027-03-02T11:00:00Z", 30)]
    assert len(interviews_of(team_round.id)) == 3


def test_each_session_sends_its_own_invites(api, team_round, panelists):
    response = api.post(f"/rounds/{team_round.id}/loops", json=day_body(panelists))
    assert response.status_code == 201
    for interview in interviews_of(team_round.id):
        sent = invites_of(interview)
        panel_ids = sorted(m.user_id for m in interview.panel)
        assert sorted(i.user_id for i in sent if i.user_id is not None) == panel_ids
        assert [i.audience.value for i in sent].count("candidate") == 1


def test_each_session_keeps_its_title_on_its_interview_invites_and_pages(
        api, team_round, panelists, recruiter, login):
    from tests.invites.conftest import read_invite

    response = api.post(f"/rounds/{team_round.id}/loops", json=day_body(panelists))
    assert response.status_code == 201
    assert [i["title"] for i in response.get_json()["interviews"]] == [
        "Technical", "Values", "Wrap-up"]
    stored = sorted(interviews_of(team_round.id), key=lambda i: i.starts_at)
    assert [i.title for i in stored] == ["Technical", "Values", "Wrap-up"]
    technical = stored[0]
    assert technical.display_title == "Team interview — Technical"
    [candidate_copy] = [i for i in invites_of(technical) if i.audience.value == "candidate"]
    invite = read_invite(db.session.get(OutboxMessage, candidate_copy.outbox_message_id).raw)
    assert b"SUMMARY:Interview: " in invite.calendar.data
    assert "Team interview — Technical" in str(invite.message["Subject"])
    round_page = login(recruiter).get(
        f"/candidacies/{team_round.candidacy_id}/rounds/{team_round.id}").get_data(as_text=True)
    assert "Technical: " in round_page and "Wrap-up: " in round_page
    interview_page = login(recruiter).get(f"/interviews/{technical.id}").get_data(as_text=True)
    assert "<dt>Session</dt><dd>Technical</dd>" in interview_page
    assert api.get(f"/interviews/{technical.id}").get_json()["title"] == "Technical"


def test_a_single_interview_goes_by_its_rounds_title(api, team_round, panelists, book):
    peer, supervisor = panelists
    change = book(team_round, at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])
    assert change.interview.title == ""
    assert change.interview.display_title == "Team interview"
    assert api.get(f"/interviews/{change.interview.id}").get_json()["title"] == ""


def test_a_conflict_in_the_third_session_books_none(api, team_round, panelists, book,
                                                   make_round):
    _peer, supervisor = panelists
    other = make_round()
    book(other, at(2, 11), [(supervisor, "supervisor"), (panelists[0], "peer")], minutes=30)
    outbox_before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))

    response = api.post(f"/rounds/{team_round.id}/loops", json=day_body(panelists))

    assert response.status_code == 409
    body = response.get_json()
    assert "Session 3" in body["detail"] and "Wrap-up" in body["detail"]
    assert {c["session"] for c in body["conflicts"]} == {2}
    assert {c["session_title"] for c in body["conflicts"]} == {"Wrap-up"}
    assert interviews_of(team_round.id) == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == outbox_before


def test_sessions_of_one_day_may_not_overlap(api, team_round, panelists):
    body = day_body(panelists)
    body["sessions"][1]["starts_at"] = iso(at(2, 9, 30))
    response = api.post(f"/rounds/{team_round.id}/loops", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["sessions.1.starts_at"]
    assert interviews_of(team_round.id) == []


def test_a_bad_seat_is_named_by_its_session(api, team_round, panelists):
    body = day_body(panelists)
    body["sessions"][2]["panel"][1]["user_id"] = 999_999
    response = api.post(f"/rounds/{team_round.id}/loops", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["sessions.2.panel.1.user_id"]


def test_the_plans_relationships_count_over_the_whole_day(api, team_round, panelists):
    _peer, _supervisor = panelists
    body = day_body(panelists)
    body["sessions"] = [body["sessions"][0]]  # only the peer: the supervisor is missing
    response = api.post(f"/rounds/{team_round.id}/loops", json=body)
    assert response.status_code == 409
    assert [c["kind"] for c in response.get_json()["conflicts"]] == ["relationships"]
    assert interviews_of(team_round.id) == []


def test_a_session_longer_than_a_working_day_is_refused(api, team_round, panelists):
    body = day_body(panelists)
    body["sessions"] = [{**body["sessions"][0], "duration_minutes": 600}]
    response = api.post(f"/rounds/{team_round.id}/loops", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["sessions.0.duration_minutes"]


# --- the itinerary -------------------------------------------------------------------------------


def test_the_candidate_gets_one_itinerary_of_the_day_in_their_zone(api, team_round, panelists):
    peer, supervisor = panelists
    response = api.post(f"/rounds/{team_round.id}/loops", json=day_body(panelists))
    assert response.status_code == 201
    [row] = itineraries()
    message = email.message_from_bytes(row.raw, policy=default_policy)
    candidate = team_round.candidacy.candidate
    assert message["To"].addresses[0].addr_spec == candidate.email
    assert "Tue 02 Mar 2027" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # New York is UTC-5 on 2 March: 09:00 UTC is 04:00 there.
    day = lines[lines.index("Your day (times in America/New_York):") + 1:]
    assert day[:8] == [
        "04:00–05:00  Technical",
        f"with {peer.name}, {peer.job_title}",
        "05:00–05:15  Break (15 minutes)",
        "05:15–06:00  Values",
        f"with {supervisor.name}, {supervisor.job_title}",
        "06:00–06:30  Wrap-up",
        f"with {peer.name}, {peer.job_title}",
        f"with {supervisor.name}, {supervisor.job_title}",
    ]
    assert "Room 4.01" in text
    html = message.get_body(("html",)).get_content()
    assert "Break (15 minutes)" in html and "Wrap-up" in html


# --- suggestions ---------------------------------------------------------------------------------


def suggestion_body(panelists, **fields):
    peer, supervisor = panelists
    body = {
        "sessions": [
            {"title": "Technical", "duration_minutes": 60, "interviewer_ids": [peer.id]},
            {"title": "Values", "duration_minutes": 45, "interviewer_ids": [supervisor.id]},
        ],
        "break_minutes": 15,
        "from": iso(at(2, 0)),
        "to": iso(at(4, 0)),
    }
    body.update(fields)
    return body


def test_suggested_days_hold_every_session_back_to_back(api, team_round, panelists):
    peer, supervisor = panelists
    response = api.post(f"/rounds/{team_round.id}/loop-suggestions",
                        json=suggestion_body(panelists))
    assert response.status_code == 200, response.get_json()
    days = response.get_json()
    assert len(days) == 2  # Tuesday and Wednesday
    for day in days:
        first, second = day["sessions"]
        assert (first["title"], first["interviewer_ids"]) == ("Technical", [peer.id])
        assert (second["title"], second["interviewer_ids"]) == ("Values", [supervisor.id])
        assert first["starts_at"] == day["starts_at"] and second["ends_at"] == day["ends_at"]
    assert days[0]["sessions"][0]["ends_at"][:16] < days[0]["sessions"][1]["starts_at"][:16]


def test_suggestions_avoid_an_interviewers_booked_interview(api, team_round, panelists, book,
                                                           make_round):
    peer, _supervisor = panelists
    # Berlin working hours are 08:00–16:00 UTC; the peer is busy 08:00–13:00 on Tuesday.
    book(make_round(), at(2, 8), [(peer, "peer"), (panelists[1], "supervisor")], minutes=300)
    body = suggestion_body(panelists, to=iso(at(3, 0)))
    days = api.post(f"/rounds/{team_round.id}/loop-suggestions", json=body).get_json()
    assert [d["starts_at"] for d in days] == ["2027-03-02T13:00:00Z"]


@pytest.mark.parametrize(("change", "field"), [
    ({"pool_ids": [], "pool_size": 1, "interviewer_ids": []}, "sessions.1.pool_ids"),
    ({"pool_size": 2}, "sessions.1.pool_size"),
    ({"duration_minutes": 540}, "sessions.1.duration_minutes"),
    ({"title": "  "}, "sessions.1.title"),
])
def test_bad_sessions_are_named_by_their_dotted_path(api, team_round, panelists, change, field):
    body = suggestion_body(panelists)
    body["sessions"][1] = {**body["sessions"][1], "pool_ids": [panelists[0].id], **change}
    if change.get("pool_size") == 2:
        body["sessions"][1]["pool_ids"] = [panelists[0].id]
        body["sessions"][1]["interviewer_ids"] = [panelists[1].id]
    response = api.post(f"/rounds/{team_round.id}/loop-suggestions", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_range_over_62_days_is_refused(api, team_round, panelists):
    body = suggestion_body(panelists, to=iso(at(2, 0).replace(month=5, day=10)))
    response = api.post(f"/rounds/{team_round.id}/loop-suggestions", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["to"]
