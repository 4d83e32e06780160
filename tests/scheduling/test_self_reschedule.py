"""The candidate moves a time they booked themselves, through the same signed link, until a
cutoff before the interview (issue 14); and offers nobody answered expire with a mail to the
recruiter (``send-reminders``).

"Now" is Monday 1 March 2027, 08:00 UTC; panelists work 09:00-17:00 in Berlin (08:00-16:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage
from coordinator.mail.smtp import transport_from_config
from coordinator.scheduling import operations, selfschedule
from coordinator.scheduling.models import Interview
from coordinator.scheduling.selfschedule import SelfScheduleRequest, SelfScheduleState
from coordinator.timeutil import freeze
from tests.invites.conftest import make_smtp_server as make_smtp_server
from tests.invites.conftest import read_invite
from tests.invites.conftest import smtp_server as smtp_server
from tests.invites.conftest import use_smtp as use_smtp
from tests.scheduling.conftest import NOW, at
from tests.scheduling.test_self_schedule import api as api
from tests.scheduling.test_self_schedule import offer as offer
from tests.scheduling.test_self_schedule import starts

TUESDAY_9 = "2027-03-02T09:00:00Z"


@pytest.fixture
def booked(offer, client):
    """An offer the candidate booked for Tuesday 2 March, 09:00 UTC; (round, data, path, id)."""

    def make(**fields):
        round_, data, path = offer(**fields)
        response = client.post(path + "/book", json={"starts_at": TUESDAY_9})
        assert response.status_code == 201, response.get_json()
        return round_, data, path, response.get_json()["id"]

    return make


def invites_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == address,
                                       OutboxMessage.kind.like("invite.%"))
        .order_by(OutboxMessage.id)))


# --- moving a booking ----------------------------------------------------------------------------


def test_after_booking_the_link_lists_times_to_move_to_beside_the_booking(booked, client):
    _round, _data, path, _id = booked()
    body = client.get(path + "/slots").get_json()
    assert body["booked"] == {"starts_at": TUESDAY_9, "ends_at": "2027-03-02T10:00:00Z"}
    assert body["reschedule_until"] == "2027-03-01T09:00:00Z"  # 24 hours before
    listed = [s["starts_at"] for s in body["slots"]]
    assert TUESDAY_9 not in listed
    # The booking's own hour blocks neither the panel nor the candidate: half an hour later fits.
    assert "2027-03-02T09:30:00Z" in listed and "2027-03-02T08:00:00Z" in listed


def test_candidate_moves_the_booking_through_the_recruiters_reschedule(booked, client,
                                                                      panelists, recruiter):
    round_, data, path, interview_id = booked()
    candidate = round_.candidacy.candidate
    peer = panelists[0]
    before_candidate, before_peer = len(invites_to(candidate.email)), len(invites_to(peer.email))

    response = client.post(path + "/reschedule", json={"starts_at": "2027-03-03T13:00:00Z"})

    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["id"] == interview_id and moved["starts_at"] == "2027-03-03T13:00:00Z"
    assert moved["sequence"] == 1
    interview = db.session.get(Interview, interview_id)
    assert interview.sequence == 1
    request = db.session.get(SelfScheduleRequest, data["id"])
    assert request.state is SelfScheduleState.booked and request.interview_id == interview_id
    # History: the reschedule operation's own event, with the candidate's reason, no actor.
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "interview.rescheduled"))
    assert event.actor_id is None and "candidate" in event.details["reason"]
    own = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "self_schedule.rescheduled"))
    assert own.details["previous_starts_at"].startswith("2027-03-02T09:00")
    # Updated invites to the candidate and the panel, with the higher SEQUENCE.
    for address, before in ((candidate.email, before_candidate), (peer.email, before_peer)):
        sent = invites_to(address)
        assert len(sent) == before + 1
        assert b"\r\nSEQUENCE:1\r\n" in read_invite(sent[-1].raw).calendar.data
    # The recruiter is told.
    told = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "self_schedule_rescheduled")).all()
    assert [m.recipient for m in told] == [recruiter.email]


def test_moving_to_a_time_taken_since_is_409_slot_taken_with_fresh_slots(booked, client, book,
                                                                        make_round, panelists):
    _round, _data, path, interview_id = booked()
    peer, supervisor = panelists
    book(make_round(), at(3, 13), [(peer, "peer"), (supervisor, "supervisor")])

    response = client.post(path + "/reschedule", json={"starts_at": "2027-03-03T13:00:00Z"})

    assert response.status_code == 409
    body = response.get_json()
    assert [c["kind"] for c in body["conflicts"]] == ["slot_taken"]
    assert body["slots"] and "2027-03-03T13:00:00Z" not in starts(response)
    assert db.session.get(Interview, interview_id).starts_at == at(2, 9)


def test_after_the_cutoff_the_api_answers_409_naming_the_recruiter(booked, client, recruiter):
    _round, _data, path, interview_id = booked()
    freeze(at(1, 9))  # exactly 24 hours before Tuesday 09:00

    response = client.post(path + "/reschedule", json={"starts_at": "2027-03-03T13:00:00Z"})

    assert response.status_code == 409
    conflict = response.get_json()["conflicts"][0]
    assert conflict["kind"] == "reschedule_closed" and conflict["cutoff_hours"] == 24
    assert conflict["recruiter"] == {"name": recruiter.name, "email": recruiter.email}
    assert client.get(path + "/slots").get_json()["slots"] == []
    assert db.session.get(Interview, interview_id).starts_at == at(2, 9)


def test_the_recruiter_sets_the_cutoff_per_offer(booked, client, api):
    _round, data, path, _id = booked(reschedule_cutoff_hours=2)
    assert data["reschedule_cutoff_hours"] == 2
    freeze(at(2, 6, 30))  # two and a half hours before
    response = client.post(path + "/reschedule", json={"starts_at": "2027-03-03T13:00:00Z"})
    assert response.status_code == 200, response.get_json()


def test_a_cutoff_outside_two_weeks_is_refused_on_its_field(api, make_round, panelists):
    from tests.scheduling.test_self_schedule import offer_body

    response = api.post(f"/rounds/{make_round().id}/self-schedule",
                        json=offer_body(required=[panelists[0]], reschedule_cutoff_hours=400))
    assert response.status_code == 422
    assert "reschedule_cutoff_hours" in response.get_json()["errors"]


def test_the_default_cutoff_comes_from_configuration(app, offer, monkeypatch):
    monkeypatch.setitem(app.config, "SELF_RESCHEDULE_HOURS", 6)
    _round, data, _path = offer()
    assert data["reschedule_cutoff_hours"] == 6


def test_reschedule_before_booking_is_409_not_booked(offer, client):
    _round, _data, path = offer()
    response = client.post(path + "/reschedule", json={"starts_at": TUESDAY_9})
    assert response.status_code == 409
    assert response.get_json()["conflicts"][0]["kind"] == "not_booked"


def test_a_cancelled_booking_closes_the_link(booked, client, recruiter):
    _round, _data, path, interview_id = booked()
    operations.cancel_interview(db.session.get(Interview, interview_id), actor=recruiter,
                                reason="Role filled")
    db.session.commit()
    assert client.get(path).status_code == 410
    assert client.post(path + "/reschedule",
                       json={"starts_at": "2027-03-03T13:00:00Z"}).status_code == 410


def test_a_booked_link_still_refuses_a_second_booking(booked, client):
    _round, _data, path, _id = booked()
    assert client.post(path + "/book", json={"starts_at": TUESDAY_9}).status_code == 410


# --- the candidate's page ------------------------------------------------------------------------


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_page_shows_the_booking_and_moves_it_to_another_time(booked, client):
    _round, _data, path, interview_id = booked()
    page = client.get(path + "?tz=UTC").get_data(as_text=True)
    assert "Booked" in page and "Pick another time" in page
    assert f'action="{path}/repick"' in page

    response = client.post(path + "/repick", data={"csrf_token": _csrf(page),
                                                   "starts_at": "2027-03-03T13:00:00Z",
                                                   "tz": "UTC"})

    assert response.status_code == 303
    assert db.session.get(Interview, interview_id).starts_at == at(3, 13)
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your interview has moved" in after


def test_page_after_the_cutoff_says_to_contact_the_recruiter(booked, client, recruiter):
    _round, _data, path, _id = booked()
    freeze(at(1, 10))
    page = client.get(path).get_data(as_text=True)
    assert "too late to change the time here" in page
    assert recruiter.name in page and f"mailto:{recruiter.email}" in page
    assert "Pick another time" not in page


def test_page_of_a_booking_loads_in_constant_queries(booked, client, count_queries, make_user):
    _round, _data, path, _id = booked()
    with count_queries() as first:
        assert client.get(path).status_code == 200
    # More people, interviews and busy time elsewhere do not add statements.
    for n in range(5):
        make_user(("interviewer",), name=f"Extra {n}")
    db.session.commit()
    with count_queries() as second:
        assert client.get(path).status_code == 200
    assert second.count == first.count, second


# --- expiry --------------------------------------------------------------------------------------


def test_send_reminders_expires_unanswered_offers_and_mails_the_recruiter_once(
        app, offer, recruiter):
    _round, data, _path = offer()
    runner = app.test_cli_runner()
    assert "expired 0 unanswered" in runner.invoke(args=["send-reminders"]).output
    freeze(NOW + timedelta(hours=13))

    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])

    assert "expired 1 unanswered" in first.output
    assert "expired 0 unanswered" in second.output
    assert db.session.get(SelfScheduleRequest, data["id"]).state is SelfScheduleState.expired
    mails = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "self_schedule_expired")).all()
    assert [m.recipient for m in mails] == [recruiter.email]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "self_schedule.expired")) == 1


def test_a_new_offer_after_expiry_does_not_mail_twice(offer, recruiter):
    round_, _data, _path = offer()
    freeze(NOW + timedelta(hours=13))
    assert selfschedule.expire_unanswered() == 1
    db.session.commit()
    offer(round_, **{"from": "2027-03-03T00:00:00Z", "to": "2027-03-10T00:00:00Z",
                     "expires_at": "2027-03-02T20:00:00Z"})
    assert selfschedule.expire_unanswered() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "self_schedule_expired")) == 1


def test_the_expiry_mail_reaches_the_recruiter_over_smtp(app, offer, recruiter,
                                                         use_smtp):
    round_, _data, _path = offer()
    freeze(NOW + timedelta(hours=13))
    app.test_cli_runner().invoke(args=["send-reminders"])

    outbox.deliver_due(transport_from_config(app.config))

    received = [r for r in use_smtp.received if recruiter.email in r.rcpt_tos]
    assert len(received) == 1
    mail = message_from_bytes(received[0].content, policy=default_policy)
    assert mail["Subject"].startswith("No time picked:")
    text = mail.get_body(("plain",)).get_content()
    assert f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}" in text


def test_the_round_page_form_sets_the_cutoff_and_shows_a_bad_one_on_its_field(
        login, recruiter, make_round, panelists):
    from tests.scheduling.test_self_schedule import _offer_form

    round_ = make_round()
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/self-schedule"
    form_page = client.get(base).get_data(as_text=True)
    assert 'name="reschedule_cutoff_hours"' in form_page and 'value="24"' in form_page
    refused = client.post(base, data=_offer_form([panelists[0]], reschedule_cutoff_hours="999"))
    assert refused.status_code == 422
    assert "Between 0 and 336 hours" in refused.get_data(as_text=True)
    response = client.post(base, data=_offer_form([panelists[0]], reschedule_cutoff_hours="48"))
    assert response.status_code == 303
    assert db.session.scalar(sa.select(SelfScheduleRequest.reschedule_cutoff_hours)) == 48


def test_offering_the_round_again_expires_the_old_offer_without_a_mail(offer, recruiter):
    round_, data, _path = offer()
    freeze(NOW + timedelta(hours=13))
    offer(round_, **{"from": "2027-03-03T00:00:00Z", "to": "2027-03-10T00:00:00Z",
                     "expires_at": "2027-03-02T20:00:00Z"})
    assert db.session.get(SelfScheduleRequest, data["id"]).state is SelfScheduleState.expired
    assert selfschedule.expire_unanswered() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "self_schedule_expired")) == 0
