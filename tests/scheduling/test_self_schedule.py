"""Self-scheduling: the recruiter offers a round, the candidate's signed link lists live slots and
books one through the recruiter's booking operation (API.md v1.1, self-schedule rows).

"Now" is Monday 1 March 2027, 08:00 UTC; panelists work 09:00-17:00 in Berlin (08:00-16:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.models import Interview
from coordinator.scheduling.selfschedule import SelfScheduleRequest, SelfScheduleState
from coordinator.timeutil import freeze
from tests.portal.conftest import tampered
from tests.scheduling.conftest import NOW, at


@pytest.fixture
def api(recruiter, api_as):
    return api_as(recruiter)


def offer_body(required=(), pool=(), pool_size=0, **fields):
    body = {
        "duration_minutes": 60,
        "interviewer_ids": [u.id for u in required],
        "pool_ids": [u.id for u in pool],
        "pool_size": pool_size,
        "from": "2027-03-02T00:00:00Z",
        "to": "2027-03-06T00:00:00Z",
        "expires_at": "2027-03-01T20:00:00Z",
        "location": "Room 4.01",
        "video_url": "",
    }
    body.update(fields)
    return body


@pytest.fixture
def offer(api, make_round, panelists):
    """Offer a fresh team round with the peer required; returns (round, response JSON, path)."""

    def make(round_=None, **fields):
        round_ = round_ or make_round()
        peer, _supervisor = panelists
        fields.setdefault("required", [peer])
        response = api.post(f"/rounds/{round_.id}/self-schedule", json=offer_body(**fields))
        assert response.status_code == 201, response.get_json()
        data = response.get_json()
        return round_, data, urlsplit(data["url"]).path

    return make


def starts(response) -> list[str]:
    return [s["starts_at"] for s in response.get_json()["slots"]]


# --- offering ------------------------------------------------------------------------------------


def test_offer_answers_open_request_with_signed_candidate_link(offer):
    _round, data, path = offer()
    assert data["state"] == "open"
    assert data["expires_at"] == "2027-03-01T20:00:00Z"
    assert path.startswith("/s/")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"required": [], "pool": "both", "pool_size": 3}, "pool_size"),
        ({"required": [], "pool": (), "pool_size": 1}, "pool_ids"),
        ({"to": "2027-05-10T00:00:00Z"}, "to"),
        ({"expires_at": "2027-03-01T07:00:00Z"}, "expires_at"),
        ({"from": "2029-04-01T00:00:00Z", "to": "2029-04-03T00:00:00Z"}, "from"),
        ({"duration_minutes": 600}, "duration_minutes"),
        ({"required": [], "pool": ()}, "interviewer_ids"),
    ],
    ids=["k_larger_than_pool", "empty_pool", "range_over_62_days", "deadline_in_past",
         "beyond_two_year_horizon", "longer_than_working_day", "nobody"],
)
def test_offer_refuses_bad_input_on_its_field_and_writes_nothing(api, make_round, panelists,
                                                                  fields, field):
    round_ = make_round()
    if fields.get("pool") == "both":
        fields["pool"] = list(panelists)
    fields.setdefault("required", [panelists[0]])
    response = api.post(f"/rounds/{round_.id}/self-schedule", json=offer_body(**fields))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SelfScheduleRequest)) == 0


def test_offer_mails_the_candidate_their_link(offer):
    round_, _data, path = offer()
    message = db.session.scalar(sa.select(OutboxMessage)
                                .where(OutboxMessage.kind == "self_schedule_offer"))
    assert message.recipient == round_.candidacy.candidate.email
    assert path in message.raw.decode("utf-8", "replace").replace("=\r\n", "")


def test_second_open_offer_for_the_same_round_is_refused(offer, api, panelists):
    round_, _data, _path = offer()
    response = api.post(f"/rounds/{round_.id}/self-schedule",
                        json=offer_body(required=[panelists[0]]))
    assert response.status_code == 422
    assert "round_id" in response.get_json()["errors"]


def test_withdrawn_offer_frees_the_round_and_its_link_is_gone(offer, api, client, panelists):
    round_, data, path = offer()
    withdrawn = api.post(f"/rounds/{round_.id}/self-schedule/{data['id']}/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["state"] == "withdrawn"
    assert client.get(path + "/slots").status_code == 410
    again = api.post(f"/rounds/{round_.id}/self-schedule", json=offer_body(required=[panelists[0]]))
    assert again.status_code == 201


# --- the link ------------------------------------------------------------------------------------


def test_altered_link_is_404(offer, client):
    _round, _data, path = offer()
    assert client.get(tampered(path) + "/slots").status_code == 404
    assert client.get(tampered(path)).status_code == 404


def test_link_after_its_deadline_is_410_and_reads_expired(offer, client, api):
    round_, data, path = offer()
    freeze(NOW + timedelta(hours=13))
    assert client.get(path + "/slots").status_code == 410
    assert client.get(path).status_code == 410
    shown = api.get(f"/rounds/{round_.id}/self-schedule/{data['id']}")
    assert shown.get_json()["state"] == "expired"


def test_link_of_closed_candidacy_is_410(offer, client, recruiter):
    round_, _data, path = offer()
    set_candidacy_state(round_.candidacy, CandidacyState.withdrawn, actor=recruiter,
                        reason="took another offer")
    db.session.commit()
    assert client.get(path + "/slots").status_code == 410


def test_used_link_is_410(offer, client):
    _round, _data, path = offer()
    first = starts(client.get(path + "/slots"))[0]
    assert client.post(path + "/book", json={"starts_at": first}).status_code == 201
    assert client.post(path + "/book", json={"starts_at": first}).status_code == 410


# --- slots and booking ---------------------------------------------------------------------------


def test_slots_are_in_working_hours_and_given_with_the_candidate_zone(offer, client):
    round_, _data, path = offer()
    response = client.get(path + "/slots")
    assert response.status_code == 200
    body = response.get_json()
    assert body["time_zone"] == round_.candidacy.candidate.time_zone
    assert body["slots"][0] == {"starts_at": "2027-03-02T08:00:00Z",
                                "ends_at": "2027-03-02T09:00:00Z"}
    assert "2027-03-02T16:00:00Z" not in starts(response)  # ends after 17:00 Berlin


def test_live_slots_exclude_a_time_booked_for_the_interviewer_since(offer, client, book,
                                                                    make_round, panelists):
    _round, _data, path = offer()
    assert "2027-03-02T10:00:00Z" in starts(client.get(path + "/slots"))
    peer, supervisor = panelists
    book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    later = starts(client.get(path + "/slots"))
    assert "2027-03-02T10:00:00Z" not in later
    assert "2027-03-02T09:30:00Z" not in later  # would overlap the booked hour


def test_booking_creates_the_interview_and_records_the_candidate_did(offer, client, panelists):
    round_, data, path = offer()
    response = client.post(path + "/book", json={"starts_at": "2027-03-02T09:00:00Z"})
    assert response.status_code == 201, response.get_json()
    interview = db.session.get(Interview, response.get_json()["id"])
    assert interview.round_id == round_.id
    assert [m.user_id for m in interview.panel] == [panelists[0].id]
    request = db.session.get(SelfScheduleRequest, data["id"])
    assert request.state is SelfScheduleState.booked
    assert request.interview_id == interview.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action
                                                          == "self_schedule.booked"))
    assert event.actor_id is None and event.details["booked_by"] == "candidate"


def test_booking_a_time_taken_after_the_list_was_shown_is_409_slot_taken_with_fresh_slots(
        offer, client, book, make_round, panelists):
    _round, _data, path = offer()
    peer, supervisor = panelists
    book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    response = client.post(path + "/book", json={"starts_at": "2027-03-02T10:00:00Z"})
    assert response.status_code == 409
    body = response.get_json()
    assert [c["kind"] for c in body["conflicts"]] == ["slot_taken"]
    assert body["slots"] and "2027-03-02T10:00:00Z" not in [s["starts_at"] for s in body["slots"]]


def test_pool_member_with_fewest_interviews_that_week_is_chosen(offer, client, make_user, book,
                                                                 make_round):
    busy, quiet = make_user(("interviewer",), name="Busy"), make_user(("interviewer",),
                                                                        name="Quiet")
    # Busy (lower id, so first on a tie) already has two interviews this week, on other days.
    for day in (3, 4):
        book(make_round(), at(day, 9), [(busy, "peer"), (make_user(("interviewer",)),
                                                         "supervisor")])
    _round, _data, path = offer(required=[], pool=[busy, quiet], pool_size=1)
    response = client.post(path + "/book", json={"starts_at": "2027-03-02T09:00:00Z"})
    assert response.status_code == 201, response.get_json()
    assert [p["user_id"] for p in response.get_json()["panel"]] == [quiet.id]


# --- the candidate's page ------------------------------------------------------------------------


def test_page_lists_slots_grouped_by_day_in_the_candidate_zone(offer, client):
    _round, _data, path = offer()
    page = client.get(path).get_data(as_text=True)
    assert "Tuesday 2 March 2027" in page
    assert 'name="starts_at" value="2027-03-02T08:00:00Z"' in page


def test_page_pick_books_and_leads_to_the_portal(offer, client):
    _round, data, path = offer()
    page = client.get(path).get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(path + "/pick", data={"csrf_token": token,
                                                 "starts_at": "2027-03-02T08:00:00Z",
                                                 "tz": "UTC"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path.startswith("/p/")
    assert db.session.get(SelfScheduleRequest, data["id"]).state is SelfScheduleState.booked


# --- the recruiter's pages -----------------------------------------------------------------------


def _offer_form(people, pool=(), **overrides):
    data = {
        "interviewer_ids": [str(u.id) for u in people],
        "pool_ids": [str(u.id) for u in pool],
        "pool_size": "0", "duration_minutes": "60",
        "date_from": "2027-03-02", "date_to": "2027-03-05",
        "deadline_date": "2027-03-01", "deadline_time": "20:00", "time_zone": "UTC",
        "location": "Room 4.01", "video_url": "",
    }
    data.update(overrides)
    return data


def test_round_page_form_offers_self_scheduling_and_mails_the_link(login, recruiter,
                                                                    make_round, panelists):
    round_ = make_round()
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    assert "Offer self-scheduling" in client.get(base).get_data(as_text=True)
    assert client.get(base + "/self-schedule").status_code == 200
    response = client.post(base + "/self-schedule", data=_offer_form([panelists[0]]))
    assert response.status_code == 303
    request = db.session.scalar(sa.select(SelfScheduleRequest))
    assert request.round_id == round_.id and request.state is SelfScheduleState.open
    assert db.session.scalar(sa.select(OutboxMessage.id)
                             .where(OutboxMessage.kind == "self_schedule_offer"))


def test_round_page_form_shows_k_larger_than_pool_on_its_field(login, recruiter, make_round,
                                                               panelists):
    round_ = make_round()
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    response = client.post(base + "/self-schedule",
                           data=_offer_form([], pool=[panelists[0]], pool_size="2"))
    assert response.status_code == 422
    assert "k is larger than the pool" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SelfScheduleRequest)) == 0


def test_unanswered_request_past_its_deadline_is_a_to_do_on_the_round_page(offer, login,
                                                                            recruiter):
    round_, data, _path = offer()
    freeze(NOW + timedelta(hours=13))
    page = login(recruiter).get(f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}")
    item = page.get_data(as_text=True).split(f'id="self-schedule-{data["id"]}"', 1)[1]
    assert "To do: the candidate did not pick a time" in item.split("</li>", 1)[0]


def test_round_page_withdraws_an_open_request(offer, login, recruiter):
    round_, data, _path = offer()
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    response = login(recruiter).post(f"{base}/self-schedule/{data['id']}/withdraw")
    assert response.status_code == 303
    assert db.session.get(SelfScheduleRequest, data["id"]).state is SelfScheduleState.withdrawn


def _dashboard_group(page: str, key: str) -> str:
    if f'<h3 id="{key}">' not in page:
        return ""
    return page.split(f'<h3 id="{key}">', 1)[1].split("</section>", 1)[0]


def test_offer_past_its_deadline_is_a_to_do_on_the_recruiters_dashboard(offer, login, recruiter):
    round_, _data, _path = offer()
    assert _dashboard_group(login(recruiter).get("/").get_data(as_text=True),
                            "self-scheduling-expired") == ""
    freeze(NOW + timedelta(hours=13))  # (longer than an idle session lives: sign in again)
    group = _dashboard_group(login(recruiter).get("/").get_data(as_text=True),
                             "self-scheduling-expired")
    assert f'href="/candidacies/{round_.candidacy_id}/rounds/{round_.id}"' in group


def test_a_new_offer_for_the_round_clears_the_expired_to_do(offer, login, recruiter):
    round_, _data, _path = offer()
    freeze(NOW + timedelta(hours=13))
    assert _dashboard_group(login(recruiter).get("/").get_data(as_text=True),
                            "self-scheduling-expired") != ""
    offer(round_, **{"from": "2027-03-03T00:00:00Z", "to": "2027-03-10T00:00:00Z",
                     "expires_at": "2027-03-02T20:00:00Z"})
    page = login(recruiter).get("/").get_data(as_text=True)
    assert _dashboard_group(page, "self-scheduling-expired") == ""
