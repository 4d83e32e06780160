"""Nothing is booked, offered or searched more than two years ahead (a 422 on the field); busy
time from someone's calendar is clipped there instead of refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling.models import BusyBlock
from coordinator.validation import MAX_AHEAD
from tests.scheduling.conftest import NOW
from tests.scheduling.test_interviews_api import booking

BEYOND = NOW + MAX_AHEAD + timedelta(days=1)
WITHIN = NOW + MAX_AHEAD - timedelta(days=1)


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


def _field_error(response, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"][field][0]


def test_booking_more_than_two_years_ahead_is_refused(make_round, panelists, book):
    peer, supervisor = panelists
    with pytest.raises(RuleViolation) as refused:
        book(make_round(), BEYOND, [(peer, "peer"), (supervisor, "supervisor")])
    assert refused.value.field == "starts_at"
    assert "two years" in refused.value.message


def test_booking_just_inside_two_years_is_accepted(make_round, panelists, book):
    peer, supervisor = panelists
    change = book(make_round(), WITHIN, [(peer, "peer"), (supervisor, "supervisor")])
    assert change.interview.starts_at == WITHIN


def test_api_create_more_than_two_years_ahead_is_422(api, make_round, panelists):
    round_ = make_round()
    response = api.post(f"/rounds/{round_.id}/interviews",
                        json=booking(panelists, BEYOND.isoformat()))
    assert "two years" in _field_error(response, "starts_at")


def test_api_reschedule_more_than_two_years_ahead_is_422(api, make_round, panelists):
    round_ = make_round()
    created = api.post(f"/rounds/{round_.id}/interviews", json=booking(panelists))
    assert created.status_code == 201, created.get_json()
    response = api.patch(f"/interviews/{created.get_json()['id']}",
                         json={"starts_at": BEYOND.isoformat(), "reason": "Sabbatical"})
    assert "two years" in _field_error(response, "starts_at")


def test_suggestions_more_than_two_years_ahead_are_422(api, make_round, panelists):
    round_ = make_round()
    peer, _ = panelists
    response = api.get(f"/candidacies/{round_.candidacy_id}/slot-suggestions", query_string={
        "interviewer_ids": str(peer.id), "from": BEYOND.isoformat(),
        "to": (BEYOND + timedelta(days=7)).isoformat()})
    assert "two years" in _field_error(response, "from")


def test_candidate_availability_more_than_two_years_ahead_is_422(api, make_round):
    round_ = make_round()
    response = api.put(f"/candidacies/{round_.candidacy_id}/availability", json=[
        {"starts_at": BEYOND.isoformat(), "ends_at": (BEYOND + timedelta(hours=2)).isoformat()}])
    assert "two years" in _field_error(response, "0.ends_at")


def test_busy_time_beyond_two_years_is_clipped_not_refused(api, interviewer):
    horizon = NOW + MAX_AHEAD
    body = [
        {"starts_at": (horizon - timedelta(hours=1)).isoformat(),
         "ends_at": (horizon + timedelta(hours=1)).isoformat()},
        {"starts_at": BEYOND.isoformat(), "ends_at": (BEYOND + timedelta(hours=1)).isoformat()},
    ]
    response = api.post(f"/users/{interviewer.id}/busy", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"imported": 1}
    blocks = db.session.execute(sa.select(BusyBlock.starts_at, BusyBlock.ends_at)
                                .where(BusyBlock.user_id == interviewer.id)).all()
    assert [tuple(b) for b in blocks] == [(horizon - timedelta(hours=1), horizon)]


def test_booking_page_refuses_a_date_more_than_two_years_ahead(login, recruiter, make_round,
                                                               panelists):
    from tests.scheduling.test_pages import _form

    round_ = make_round()
    peer, supervisor = panelists
    url = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/new"
    response = login(recruiter).post(url, data=_form([(peer, "peer"), (supervisor, "supervisor")],
                                                     date=f"{BEYOND:%Y-%m-%d}"))
    assert response.status_code == 422
    assert "At most two years ahead" in response.get_data(as_text=True)
