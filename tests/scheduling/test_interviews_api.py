"""The scheduling API: rounds, booking, reading, rescheduling and cancelling interviews, people's
working hours and limits (API.md, Resources and Rules)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from tests.scheduling.conftest import at

BERLIN_10 = "2027-03-02T10:00:00+01:00"  # Tuesday 2 March, 09:00 UTC


@pytest.fixture
def api(recruiter, api_as):
    return api_as(recruiter)


@pytest.fixture
def team_round(plan, make_candidacy, recruiter, api):
    """An open team round (peer + supervisor) of a fresh candidacy, opened through the API."""
    job, _first, team = plan
    candidacy = make_candidacy(job=job, actor=recruiter)
    response = api.post(f"/candidacies/{candidacy.id}/rounds",
                        json={"planned_round_id": team.id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def booking(panelists, starts_at: str = BERLIN_10, **fields):
    peer, supervisor = panelists
    body = {
        "starts_at": starts_at,
        "duration_minutes": 60,
        "time_zone": "Europe/Berlin",
        "location": "Room 4.01",
        "video_url": "https://meet.example.com/abc-defg",
        "panel": [{"user_id": peer.id, "relationship": "peer"},
                  {"user_id": supervisor.id, "relationship": "supervisor"}],
    }
    body.update(fields)
    return body


@pytest.fixture
def booked(api, team_round, panelists):
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=booking(panelists))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def kinds(response) -> list[str]:
    return [c["kind"] for c in response.get_json()["conflicts"]]


# --- rounds --------------------------------------------------------------------------------------


def test_open_round_answers_201_with_the_round(plan, make_candidacy, recruiter, api):
    job, _first, team = plan
    candidacy = make_candidacy(job=job, actor=recruiter)
    response = api.post(f"/candidacies/{candidacy.id}/rounds", json={"planned_round_id": team.id})
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("position", "title", "kind", "state")} == {
        "position": team.position, "title": "Team interview", "kind": "interview", "state": "open"}
    listed = api.get(f"/candidacies/{candidacy.id}/rounds").get_json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]


def test_opening_the_same_round_twice_is_409(team_round, plan, api):
    _job, _first, team = plan
    response = api.post(f"/candidacies/{team_round['candidacy_id']}/rounds",
                        json={"planned_round_id": team.id})
    assert response.status_code == 409
    assert kinds(response) == ["round_exists"]


def test_a_planned_round_of_another_job_is_422(team_round, make_job, make_planned_round,
                                               recruiter, api):
    other = make_planned_round(make_job(actor=recruiter), actor=recruiter)
    response = api.post(f"/candidacies/{team_round['candidacy_id']}/rounds",
                        json={"planned_round_id": other.id})
    assert response.status_code == 422
    assert "planned_round_id" in response.get_json()["errors"]


def test_rounds_of_an_unknown_candidacy_are_404(plan, api):
    _job, _first, team = plan
    response = api.post("/candidacies/999999/rounds", json={"planned_round_id": team.id})
    assert response.status_code == 404


def test_interviewers_cannot_open_rounds(plan, make_candidacy, recruiter, interviewer, api_as):
    job, _first, team = plan
    candidacy = make_candidacy(job=job, actor=recruiter)
    response = api_as(interviewer).post(f"/candidacies/{candidacy.id}/rounds",
                                        json={"planned_round_id": team.id})
    assert response.status_code == 403


# --- booking -------------------------------------------------------------------------------------


def test_booking_answers_201_with_the_interview_and_its_panel(booked, team_round, panelists):
    peer, supervisor = panelists
    assert booked["round_id"] == team_round["id"]
    assert booked["starts_at"] == "2027-03-02T09:00:00Z"
    assert booked["ends_at"] == "2027-03-02T10:00:00Z"
    assert booked["time_zone"] == "Europe/Berlin"
    assert booked["state"] == "scheduled"
    assert booked["sequence"] == 0
    assert booked["location"] == "Room 4.01"
    assert [(m["user_id"], m["name"], m["job_title"], m["relationship"], m["met_before"])
            for m in booked["panel"]] == [
        (peer.id, "Priya Peer", "Senior engineer", "peer", False),
        (supervisor.id, "Sofia Supervisor", "Eng manager", "supervisor", False),
    ]


def test_panel_shows_who_the_candidate_met_before(plan, make_candidacy, recruiter, api,
                                                  panelists, make_user):
    job, first, team = plan
    peer, supervisor = panelists
    manager = make_user(("hiring_manager",))
    candidacy = make_candidacy(job=job, actor=recruiter)
    first_id = api.post(f"/candidacies/{candidacy.id}/rounds",
                        json={"planned_round_id": first.id}).get_json()["id"]
    team_id = api.post(f"/candidacies/{candidacy.id}/rounds",
                       json={"planned_round_id": team.id}).get_json()["id"]
    earlier = {"starts_at": "2027-02-20T10:00:00+01:00", "duration_minutes": 45,
               "record_past": True,
               "panel": [{"user_id": manager.id, "relationship": "hiring_manager"},
                         {"user_id": peer.id, "relationship": "colleague"}]}
    assert api.post(f"/rounds/{first_id}/interviews", json=earlier).status_code == 201
    response = api.post(f"/rounds/{team_id}/interviews", json=booking(panelists))
    assert response.status_code == 201, response.get_json()
    met = {m["user_id"]: m["met_before"] for m in response.get_json()["panel"]}
    assert met == {peer.id: True, supervisor.id: False}


def test_a_shown_interview_says_whom_its_own_candidate_met_in_an_earlier_live_one(
    plan, make_candidacy, recruiter, api, panelists, make_user
):
    job, first, team = plan
    peer, supervisor = panelists
    manager = make_user(("hiring_manager",))

    def book(planned_round, starts_at, panel, candidacy):
        round_id = api.post(f"/candidacies/{candidacy.id}/rounds",
                            json={"planned_round_id": planned_round.id}).get_json()["id"]
        body = {**booking(panelists, starts_at), "record_past": starts_at < "2027-03",
                "panel": [{"user_id": user.id, "relationship": kind} for user, kind in panel]}
        response = api.post(f"/rounds/{round_id}/interviews", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def shown(interview_id):
        response = api.get(f"/interviews/{interview_id}")
        assert response.status_code == 200
        return {m["user_id"]: m["met_before"] for m in response.get_json()["panel"]}

    ann, bea = make_candidacy(job=job, actor=recruiter), make_candidacy(job=job, actor=recruiter)
    ann_first = book(first, "2027-02-20T10:00:00+01:00",
                     [(manager, "hiring_manager"), (peer, "colleague")], ann)
    ann_team = book(team, BERLIN_10, [(peer, "peer"), (supervisor, "supervisor")], ann)
    bea_first = book(first, "2027-03-02T08:00:00+01:00",
                     [(manager, "hiring_manager"), (supervisor, "colleague")], bea)
    assert api.post(f"/interviews/{bea_first}/cancel", json={"reason": "Ill"}).status_code == 200
    bea_team = book(team, "2027-03-03T10:00:00+01:00",
                    [(peer, "peer"), (supervisor, "supervisor")], bea)

    assert shown(ann_team) == {peer.id: True, supervisor.id: False}
    assert shown(ann_first) == {manager.id: False, peer.id: False}  # the later one is not "before"
    assert shown(bea_team) == {peer.id: False, supervisor.id: False}  # cancelled; Ann's is hers


def test_the_display_zone_defaults_to_the_candidates(api, team_round, panelists):
    body = booking(panelists)
    del body["time_zone"]
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 201
    assert response.get_json()["time_zone"] == "America/New_York"


def test_outside_working_hours_and_candidate_availability_are_warnings(api, team_round,
                                                                       panelists, admin,
                                                                       api_as):
    peer, _ = panelists
    hours = {"days": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}}
    assert api_as(admin).put(f"/users/{peer.id}/working-hours", json=hours).status_code == 200
    window = [{"starts_at": "2027-03-03T09:00:00Z", "ends_at": "2027-03-03T17:00:00Z"}]
    assert api.put(f"/candidacies/{team_round['candidacy_id']}/availability",
                   json=window).status_code == 200
    early = booking(panelists, "2027-03-02T07:30:00+01:00")
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=early)
    assert response.status_code == 201
    warnings = response.get_json()["warnings"]
    assert {w["kind"] for w in warnings} == {"outside_working_hours",
                                             "outside_candidate_availability"}
    # the peer by her own hours; the supervisor, who set none, by the default ones
    assert [w["detail"].split("'s")[0] for w in warnings if w["kind"] == "outside_working_hours"
            ] == ["Outside Priya Peer", "Outside Sofia Supervisor"]


def test_without_hours_of_their_own_people_have_weekdays_nine_to_five(api, team_round,
                                                                      panelists):
    saturday = booking(panelists, "2027-03-06T10:00:00+01:00")
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=saturday)
    assert response.status_code == 201
    outside = [w for w in response.get_json()["warnings"] if w["kind"] == "outside_working_hours"]
    assert len(outside) == 2
    assert "Priya Peer" in outside[0]["detail"]
    assert "Sofia Supervisor" in outside[1]["detail"]


def test_inside_hours_and_availability_gives_no_warnings(api, team_round, panelists):
    window = [{"starts_at": "2027-03-02T08:00:00Z", "ends_at": "2027-03-02T12:00:00Z"}]
    api.put(f"/candidacies/{team_round['candidacy_id']}/availability", json=window)
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=booking(panelists))
    assert response.status_code == 201
    assert response.get_json()["warnings"] == []


def test_an_interviewer_already_booked_then_is_409_naming_them(api, booked, plan, make_candidacy,
                                                               recruiter, panelists, make_user):
    peer, _ = panelists
    job, _first, team = plan
    other = make_candidacy(job=job, actor=recruiter)
    round_id = api.post(f"/candidacies/{other.id}/rounds",
                        json={"planned_round_id": team.id}).get_json()["id"]
    body = booking(panelists, "2027-03-02T10:30:00+01:00",
                   panel=[{"user_id": peer.id, "relationship": "peer"},
                          {"user_id": make_user().id, "relationship": "supervisor"}])
    response = api.post(f"/rounds/{round_id}/interviews", json=body)
    assert response.status_code == 409
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert [(c["kind"], c["user_id"], c["interview_id"]) for c in problem["conflicts"]] == [
        ("interviewer_overlap", peer.id, booked["id"])]
    assert "Priya Peer" in problem["conflicts"][0]["detail"]


def test_back_to_back_is_not_a_conflict(api, booked, team_round, panelists):
    body = booking(panelists, "2027-03-02T11:00:00+01:00")
    assert api.post(f"/rounds/{team_round['id']}/interviews", json=body).status_code == 201


def test_the_candidate_in_two_interviews_at_once_is_409(api, booked, team_round, plan,
                                                        make_user):
    _job, first, _team = plan
    round_id = api.post(f"/candidacies/{team_round['candidacy_id']}/rounds",
                        json={"planned_round_id": first.id}).get_json()["id"]
    manager = make_user(("hiring_manager",))
    body = {"starts_at": "2027-03-02T09:30:00Z", "duration_minutes": 30,
            "panel": [{"user_id": manager.id, "relationship": "hiring_manager"}]}
    response = api.post(f"/rounds/{round_id}/interviews", json=body)
    assert response.status_code == 409
    assert kinds(response) == ["candidate_overlap"]
    assert response.get_json()["conflicts"][0]["interview_id"] == booked["id"]


def test_a_load_limit_is_409(api, booked, plan, make_candidacy, recruiter, panelists):
    peer, _ = panelists
    limits = {"max_interviews_per_day": 1, "max_interviews_per_week": 5}
    assert api.put(f"/users/{peer.id}/limits", json=limits).status_code == 200
    job, _first, team = plan
    other = make_candidacy(job=job, actor=recruiter)
    round_id = api.post(f"/candidacies/{other.id}/rounds",
                        json={"planned_round_id": team.id}).get_json()["id"]
    response = api.post(f"/rounds/{round_id}/interviews",
                        json=booking(panelists, "2027-03-02T15:00:00+01:00"))
    assert response.status_code == 409
    conflict = response.get_json()["conflicts"][0]
    assert (conflict["kind"], conflict["user_id"], conflict["period"]) == (
        "load_limit", peer.id, "day")
    # the next day is fine
    response = api.post(f"/rounds/{round_id}/interviews",
                        json=booking(panelists, "2027-03-03T15:00:00+01:00"))
    assert response.status_code == 201


def test_a_panel_missing_a_planned_relationship_is_409(api, team_round, panelists):
    peer, _ = panelists
    body = booking(panelists, panel=[{"user_id": peer.id, "relationship": "peer"}])
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 409
    assert kinds(response) == ["relationships"]
    assert response.get_json()["conflicts"][0]["missing"] == ["supervisor"]


def test_overriding_the_relationships_with_a_reason_books(api, team_round, panelists):
    peer, _ = panelists
    body = booking(panelists, panel=[{"user_id": peer.id, "relationship": "peer"}],
                   override_relationships=True, reason="Supervisor on leave this week")
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 201, response.get_json()
    assert "Supervisor on leave" in response.get_json()["relationships_override_reason"]


def test_overriding_without_a_reason_is_422(api, team_round, panelists):
    peer, _ = panelists
    body = booking(panelists, panel=[{"user_id": peer.id, "relationship": "peer"}],
                   override_relationships=True)
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2027-03-01T07:00:00Z"}, "starts_at"),  # an hour before now
        ({"starts_at": "2027-03-02T10:00:00"}, "starts_at"),  # no offset
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"panel": []}, "panel"),
        ({"panel": [{"user_id": 999_999, "relationship": "peer"}]}, "panel.0.user_id"),
        ({"panel": [{"user_id": 1, "relationship": "friend"}]}, "panel.0.relationship"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_bookings_are_422_on_the_field(api, team_round, panelists, change, field):
    response = api.post(f"/rounds/{team_round['id']}/interviews",
                        json=booking(panelists, **change))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()["errors"]


def test_a_missing_member_is_422_and_a_body_that_is_not_json_is_400(api, team_round, panelists):
    body = booking(panelists)
    del body["starts_at"]
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 422
    assert "starts_at" in response.get_json()["errors"]
    response = api.post(f"/rounds/{team_round['id']}/interviews", data="starts_at=tomorrow",
                        content_type="application/json")
    assert response.status_code == 400


def test_an_unknown_user_on_a_later_seat_names_that_seat(api, team_round, panelists):
    peer, _ = panelists
    body = booking(panelists, panel=[{"user_id": peer.id, "relationship": "peer"},
                                     {"user_id": 999_999, "relationship": "supervisor"}])
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["panel.1.user_id"]


def test_a_user_without_a_panel_role_cannot_sit_on_a_panel(api, team_round, panelists,
                                                                make_user):
    peer, _ = panelists
    admin_only = make_user(("admin",))
    body = booking(panelists, panel=[{"user_id": peer.id, "relationship": "peer"},
                                     {"user_id": admin_only.id, "relationship": "supervisor"}])
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 422
    assert "panel.1.user_id" in response.get_json()["errors"]


def test_booking_in_an_unknown_round_is_404_and_interviewers_may_not_book(api, team_round,
                                                                         panelists, api_as):
    assert api.post("/rounds/999999/interviews", json=booking(panelists)).status_code == 404
    peer, _ = panelists
    response = api_as(peer).post(f"/rounds/{team_round['id']}/interviews",
                                 json=booking(panelists))
    assert response.status_code == 403


def test_recording_a_past_interview(api, team_round, panelists):
    body = booking(panelists, "2027-02-25T10:00:00+01:00", record_past=True)
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)
    assert response.status_code == 201
    assert response.get_json()["recorded_past"] is True


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("recruiter", 200), ("admin", 200), ("panel_member", 200), ("job_hiring_manager", 200),
     ("other_interviewer", 403), ("other_hiring_manager", 403)],
)
def test_who_may_read_an_interview(make_job, make_planned_round, make_candidacy, make_user,
                                   recruiter, panelists, api, api_as, who, status):
    manager = make_user(("hiring_manager",))
    job = make_job(actor=recruiter, hiring_manager_id=manager.id)
    planned = make_planned_round(job, actor=recruiter, relationships=["peer", "supervisor"])
    candidacy = make_candidacy(job=job, actor=recruiter)
    round_id = api.post(f"/candidacies/{candidacy.id}/rounds",
                        json={"planned_round_id": planned.id}).get_json()["id"]
    interview_id = api.post(f"/rounds/{round_id}/interviews",
                            json=booking(panelists)).get_json()["id"]
    reader = {
        "recruiter": recruiter,
        "admin": make_user(("admin",)),
        "panel_member": panelists[0],
        "job_hiring_manager": manager,
        "other_interviewer": make_user(("interviewer",)),
        "other_hiring_manager": make_user(("hiring_manager",)),
    }[who]
    response = api_as(reader).get(f"/interviews/{interview_id}")
    assert response.status_code == status
    if status == 200:
        body = response.get_json()
        assert body["id"] == interview_id
        assert {"panel", "sequence", "state"} <= set(body)


def test_reading_an_unknown_interview_is_404(api):
    assert api.get("/interviews/999999").status_code == 404
    assert api.get("/interviews/99999999999").status_code == 404


def test_reading_needs_a_token(booked, api_as):
    assert api_as(None).get(f"/interviews/{booked['id']}").status_code == 401


# --- rescheduling --------------------------------------------------------------------------------


def test_reschedule_needs_a_reason(api, booked):
    for body in ({"starts_at": "2027-03-03T10:00:00+01:00"},
                 {"starts_at": "2027-03-03T10:00:00+01:00", "reason": "  "}):
        response = api.patch(f"/interviews/{booked['id']}", json=body)
        assert response.status_code == 422
        assert "reason" in response.get_json()["errors"]


def test_reschedule_to_the_same_time_is_422_no_change(api, booked):
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"starts_at": "2027-03-02T09:00:00Z", "reason": "Same"})
    assert response.status_code == 422
    assert "Nothing changed" in response.get_json()["detail"]


def test_reschedule_moves_it_and_raises_the_sequence(api, booked):
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"starts_at": "2027-03-03T14:00:00+01:00", "duration_minutes": 45,
                               "reason": "Supervisor travelling"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["starts_at"], body["ends_at"]) == ("2027-03-03T13:00:00Z",
                                                    "2027-03-03T13:45:00Z")
    assert body["sequence"] == 1
    moved = api.patch(f"/interviews/{booked['id']}",
                      json={"location": "Room 5.12", "reason": "Bigger room"}).get_json()
    assert moved["sequence"] == 2
    assert moved["location"] == "Room 5.12"


def test_reschedule_into_a_clash_is_409_and_changes_nothing(api, booked, plan, make_candidacy,
                                                            recruiter, panelists):
    job, _first, team = plan
    other = make_candidacy(job=job, actor=recruiter)
    round_id = api.post(f"/candidacies/{other.id}/rounds",
                        json={"planned_round_id": team.id}).get_json()["id"]
    later = api.post(f"/rounds/{round_id}/interviews",
                     json=booking(panelists, "2027-03-02T14:00:00+01:00")).get_json()
    response = api.patch(f"/interviews/{later['id']}",
                         json={"starts_at": "2027-03-02T10:30:00+01:00", "reason": "Earlier"})
    assert response.status_code == 409
    assert set(kinds(response)) == {"interviewer_overlap"}
    assert api.get(f"/interviews/{later['id']}").get_json()["starts_at"] == "2027-03-02T13:00:00Z"


def test_reschedule_into_the_past_is_422(api, booked):
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"starts_at": "2027-02-27T10:00:00Z", "reason": "Oops"})
    assert response.status_code == 422
    assert "starts_at" in response.get_json()["errors"]


def test_patch_with_a_panel_replaces_the_whole_panel(api, booked, panelists, make_user):
    _peer, supervisor = panelists
    newcomer = make_user(("interviewer",), name="Nina Newcomer")
    panel = [{"user_id": newcomer.id, "relationship": "peer"},
             {"user_id": supervisor.id, "relationship": "supervisor"}]
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"panel": panel, "reason": "Priya is ill"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {(m["user_id"], m["relationship"]) for m in body["panel"]} == {
        (newcomer.id, "peer"), (supervisor.id, "supervisor")}
    assert body["sequence"] == 1


def test_patch_with_a_panel_missing_a_relationship_is_409(api, booked, panelists):
    peer, _ = panelists
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"panel": [{"user_id": peer.id, "relationship": "peer"}],
                               "reason": "Smaller panel"})
    assert response.status_code == 409
    assert kinds(response) == ["relationships"]


def test_patch_of_an_unknown_interview_is_404_and_interviewers_may_not_patch(api, booked,
                                                                            panelists, api_as):
    body = {"starts_at": "2027-03-03T10:00:00Z", "reason": "Later"}
    assert api.patch("/interviews/999999", json=body).status_code == 404
    assert api_as(panelists[0]).patch(f"/interviews/{booked['id']}", json=body).status_code == 403


# --- cancelling ----------------------------------------------------------------------------------


def test_cancel_needs_a_reason(api, booked):
    for body in ({}, {"reason": ""}):
        response = api.post(f"/interviews/{booked['id']}/cancel", json=body)
        assert response.status_code == 422
        assert "reason" in response.get_json()["errors"]


def test_cancel_then_cancel_again_is_409(api, booked):
    response = api.post(f"/interviews/{booked['id']}/cancel", json={"reason": "Candidate ill"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["state"], body["sequence"], body["cancel_reason"]) == (
        "cancelled", 1, "Candidate ill")
    again = api.post(f"/interviews/{booked['id']}/cancel", json={"reason": "Again"})
    assert again.status_code == 409
    assert kinds(again) == ["already_cancelled"]


def test_a_cancelled_interview_frees_the_time_and_cannot_be_moved(api, booked, team_round,
                                                                  panelists):
    api.post(f"/interviews/{booked['id']}/cancel", json={"reason": "Candidate ill"})
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=booking(panelists))
    assert response.status_code == 201
    moved = api.patch(f"/interviews/{booked['id']}",
                      json={"starts_at": "2027-03-04T10:00:00Z", "reason": "Retry"})
    assert moved.status_code == 422


def test_cancel_of_an_unknown_interview_is_404(api):
    assert api.post("/interviews/999999/cancel", json={"reason": "x"}).status_code == 404


# --- the audit log -------------------------------------------------------------------------------


def test_booking_rescheduling_and_cancelling_are_in_the_candidacys_history(api, booked,
                                                                           team_round, recruiter):
    api.patch(f"/interviews/{booked['id']}",
              json={"starts_at": "2027-03-03T10:00:00+01:00", "reason": "Supervisor travelling"})
    api.post(f"/interviews/{booked['id']}/cancel", json={"reason": "Candidate withdrew"})
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.candidacy_id == team_round["candidacy_id"],
               AuditEvent.object_type == "interviews")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.object_id, e.actor_id) for e in events] == [
        ("interview.scheduled", booked["id"], recruiter.id),
        ("interview.rescheduled", booked["id"], recruiter.id),
        ("interview.cancelled", booked["id"], recruiter.id),
    ]
    assert events[1].details["reason"] == "Supervisor travelling"
    assert events[1].details["previous"]["starts_at"].startswith("2027-03-02T09:00")
    assert events[2].details["reason"] == "Candidate withdrew"


def test_a_refused_booking_leaves_no_trace(api, booked, team_round, panelists):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=booking(panelists))
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


# --- working hours and limits --------------------------------------------------------------------


def test_a_user_sets_their_own_working_hours_and_zone(interviewer, api_as):
    body = {"time_zone": "America/New_York",
            "days": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]], "fri": [["10:00", "14:00"]]}}
    response = api_as(interviewer).put(f"/users/{interviewer.id}/working-hours", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"user_id": interviewer.id, "time_zone": "America/New_York",
                                   "days": body["days"]}
    assert api_as(interviewer).get(f"/users/{interviewer.id}/working-hours").get_json() == \
        response.get_json()


@pytest.mark.parametrize(("who", "status"),
                         [("admin", 200), ("recruiter", 403), ("other_interviewer", 403)])
def test_who_may_set_someones_working_hours(interviewer, make_user, api_as, who, status):
    actor = make_user({"admin": ("admin",), "recruiter": ("recruiter",),
                       "other_interviewer": ("interviewer",)}[who])
    response = api_as(actor).put(f"/users/{interviewer.id}/working-hours",
                                 json={"days": {"mon": [["09:00", "17:00"]]}})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": {"mon": [["25:00", "26:00"]]}}, "days.mon.0"),
        ({"days": {"mon": [["09:60", "17:00"]]}}, "days.mon.0"),
        ({"days": {"mon": [["17:00", "09:00"]]}}, "days.mon.0"),
        ({"days": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "days.mon"),
        ({"days": {"mon": [["9:00", "17:00"]]}}, "days.mon.0.0"),
        ({"days": {"mon": [["09:00"]]}}, "days.mon.0"),
        ({"days": {"monday": [["09:00", "17:00"]]}}, "days.monday"),
        ({"days": {"mon": [["09:00", "17:00"]]}, "time_zone": "Berlin"}, "time_zone"),
        ({}, "days"),
    ],
)
def test_invalid_working_hours_are_422(interviewer, api_as, body, field):
    response = api_as(interviewer).put(f"/users/{interviewer.id}/working-hours", json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(key == field or key.startswith(field + ".") for key in errors), errors


def test_working_hours_of_an_unknown_user_are_404(admin, api_as):
    response = api_as(admin).put("/users/999999/working-hours",
                                 json={"days": {"mon": [["09:00", "17:00"]]}})
    assert response.status_code == 404


@pytest.mark.parametrize(("who", "status"),
                         [("recruiter", 200), ("admin", 200), ("self", 403)])
def test_who_may_set_limits(interviewer, make_user, api_as, who, status):
    actor = interviewer if who == "self" else make_user((who,))
    response = api_as(actor).put(f"/users/{interviewer.id}/limits",
                                 json={"max_interviews_per_day": 2, "max_interviews_per_week": 6})
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == {"user_id": interviewer.id, "max_interviews_per_day": 2,
                                       "max_interviews_per_week": 6}


def test_a_week_limit_below_the_day_limit_is_accepted(interviewer, api):
    response = api.put(f"/users/{interviewer.id}/limits",
                       json={"max_interviews_per_day": 4, "max_interviews_per_week": 3})
    assert response.status_code == 200
    assert response.get_json()["max_interviews_per_week"] == 3


def test_either_limit_may_be_null(interviewer, api):
    response = api.put(f"/users/{interviewer.id}/limits",
                       json={"max_interviews_per_day": None, "max_interviews_per_week": 4})
    assert response.status_code == 200
    assert response.get_json() == {"user_id": interviewer.id, "max_interviews_per_day": None,
                                   "max_interviews_per_week": 4}


def test_limits_can_be_cleared(interviewer, api):
    api.put(f"/users/{interviewer.id}/limits", json={"max_interviews_per_day": 2})
    response = api.put(f"/users/{interviewer.id}/limits",
                       json={"max_interviews_per_day": None, "max_interviews_per_week": None})
    assert response.status_code == 200
    assert response.get_json()["max_interviews_per_day"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_interviews_per_day": -1}, "max_interviews_per_day"),
        ({"max_interviews_per_day": 51}, "max_interviews_per_day"),
        ({"max_interviews_per_day": "3"}, "max_interviews_per_day"),
        ({"max_per_day": 3}, "max_per_day"),
    ],
)
def test_invalid_limits_are_422(interviewer, api, body, field):
    response = api.put(f"/users/{interviewer.id}/limits", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_limits_are_counted_per_iso_week(api, plan, make_candidacy, recruiter, panelists):
    peer, _ = panelists
    api.put(f"/users/{peer.id}/limits", json={"max_interviews_per_week": 1})
    job, _first, team = plan
    rounds = []
    for _ in range(3):
        candidacy = make_candidacy(job=job, actor=recruiter)
        rounds.append(api.post(f"/candidacies/{candidacy.id}/rounds",
                               json={"planned_round_id": team.id}).get_json()["id"])
    assert api.post(f"/rounds/{rounds[0]}/interviews",
                    json=booking(panelists, at(5, 9).isoformat())).status_code == 201
    refused = api.post(f"/rounds/{rounds[1]}/interviews",
                       json=booking(panelists, at(3, 9).isoformat()))
    assert refused.status_code == 409
    assert refused.get_json()["conflicts"][0]["period"] == "week"
    assert api.post(f"/rounds/{rounds[2]}/interviews",
                    json=booking(panelists, at(8, 9).isoformat())).status_code == 201


# --- the response is built before the commit (no re-read after it) ------------------------------


@pytest.fixture
def after_commit_statements():
    """The SQL statements run after a session commit, until the next one begins work."""
    seen: list[str] = []
    committed = [False]

    def on_commit(_session) -> None:
        committed[0] = True

    def on_execute(_conn, _cursor, statement, *_args) -> None:
        if committed[0] and not statement.lstrip().upper().startswith(
                ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    sa.event.listen(sa.orm.Session, "after_commit", on_commit)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", on_execute)
    yield seen
    sa.event.remove(sa.orm.Session, "after_commit", on_commit)
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", on_execute)


def test_booking_answers_without_reading_again_after_its_commit(api, team_round, panelists,
                                                                after_commit_statements):
    body, panel_ids = booking(panelists), [u.id for u in panelists]
    after_commit_statements.clear()
    response = api.post(f"/rounds/{team_round['id']}/interviews", json=body)

    assert response.status_code == 201, response.get_json()
    assert [m["user_id"] for m in response.get_json()["panel"]] == panel_ids
    assert after_commit_statements == []


def test_rescheduling_answers_without_reading_again_after_its_commit(api, booked, panelists,
                                                                     after_commit_statements):
    response = api.patch(f"/interviews/{booked['id']}",
                         json={"starts_at": "2027-03-02T14:00:00+01:00", "reason": "Moved"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["sequence"] == booked["sequence"] + 1
    assert after_commit_statements == []


# --- statements of one booking -------------------------------------------------------------------

#: What booking a two-person panel through the API may run (the signed-in user, round, panel,
#: locks, one statement for every conflict check, inserts, audit, invites and their mail,
#: met-before with the candidate's last interview, webhooks). PostgreSQL locks the panel as it
#: reads it and the candidate with a statement, and inserts a batch of rows with one; SQLite
#: takes its write lock with a statement and inserts row by row.
BOOKING_STATEMENTS = {"postgresql": 18, "sqlite": 21}


def test_booking_runs_a_bounded_number_of_statements(api, team_round, panelists, count_queries):
    with count_queries() as queries:
        response = api.post(f"/rounds/{team_round['id']}/interviews", json=booking(panelists))

    assert response.status_code == 201, response.get_json()
    assert queries.count <= BOOKING_STATEMENTS[db.engine.dialect.name], str(queries)
