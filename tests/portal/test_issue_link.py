"""Recruiters hand out the candidate's link: a button on the candidacy page, and the API twin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.api.openapi import build
from coordinator.audit.models import AuditEvent
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.timeutil import isoformat_z
from tests.api.support import assert_matches_document, assert_problem
from tests.scheduling.conftest import NOW

BASE = "http://coordinator.test"


@pytest.fixture
def candidacy(make_candidacy, plan):
    return make_candidacy(job=plan[0])


# --- the page ------------------------------------------------------------------------------------


def test_candidacy_page_offers_recruiters_the_link_button(login, recruiter, candidacy):
    page = login(recruiter).get(f"/candidacies/{candidacy.id}").get_data(as_text=True)

    assert f'action="/candidacies/{candidacy.id}/portal-link"' in page


def test_candidacy_page_offers_no_link_button_to_a_hiring_manager(
    login, make_user, make_job, make_candidacy
):
    manager = make_user(("hiring_manager",))
    candidacy = make_candidacy(job=make_job(hiring_manager_id=manager.id))

    page = login(manager).get(f"/candidacies/{candidacy.id}").get_data(as_text=True)

    assert "portal-link" not in page


def test_button_shows_the_absolute_link_and_its_expiry_once(login, recruiter, candidacy):
    client = login(recruiter)

    response = client.post(f"/candidacies/{candidacy.id}/portal-link")

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    url = re.search(r'value="(http://coordinator\.test/p/[^"]+)"', page).group(1)
    # 45 days after 08:00 UTC on 1 March, in the recruiter's zone.
    assert "Thu 15 Apr 2027, 10:00 Europe/Berlin (CEST)" in page
    client.post("/logout")
    assert client.get(url.removeprefix(BASE)).status_code == 200


@pytest.mark.parametrize("role", ["hiring_manager", "interviewer"])
def test_button_is_forbidden_to_other_roles(login, make_user, candidacy, role):
    response = login(make_user((role,))).post(f"/candidacies/{candidacy.id}/portal-link")

    assert response.status_code == 403


def test_button_needs_a_signed_in_user(client, candidacy):
    response = client.post(f"/candidacies/{candidacy.id}/portal-link")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_button_on_a_closed_candidacy_is_refused(login, recruiter, candidacy):
    candidates.set_candidacy_state(
        candidacy, CandidacyState.hired, actor=recruiter, reason="Signed"
    )
    db.session.commit()

    response = login(recruiter).post(f"/candidacies/{candidacy.id}/portal-link")

    assert response.status_code == 409
    assert "closed" in response.get_data(as_text=True)


def test_issuing_a_link_is_recorded_in_the_candidacys_history(login, recruiter, candidacy):
    login(recruiter).post(f"/candidacies/{candidacy.id}/portal-link")

    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.candidacy_id == candidacy.id,
            AuditEvent.action == "candidacy.portal_link_issued",
        )
    )
    assert event is not None and event.actor_id == recruiter.id


# --- the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_api_issues_a_link_with_its_expiry(api_as, make_user, candidacy, client, role):
    response = api_as(make_user((role,))).post(f"/candidacies/{candidacy.id}/portal-link")

    assert response.status_code == 201
    body = response.get_json()
    assert body["url"].startswith(f"{BASE}/p/")
    assert body["expires_at"] == isoformat_z(NOW + timedelta(days=45))
    assert client.get(body["url"].removeprefix(BASE)).status_code == 200


@pytest.mark.parametrize("role", ["hiring_manager", "interviewer"])
def test_api_refuses_other_roles(api_as, make_user, candidacy, role):
    response = api_as(make_user((role,))).post(f"/candidacies/{candidacy.id}/portal-link")

    assert_problem(response, 403)


def test_api_without_a_token_is_401(api_as, candidacy):
    assert_problem(api_as(None).post(f"/candidacies/{candidacy.id}/portal-link"), 401)


def test_api_unknown_candidacy_is_404(api_as, recruiter):
    assert_problem(api_as(recruiter).post("/candidacies/99999999/portal-link"), 404)


@pytest.mark.parametrize(
    "state", [CandidacyState.rejected, CandidacyState.withdrawn, CandidacyState.hired]
)
def test_api_closed_candidacy_is_409(api_as, recruiter, candidacy, state):
    candidates.set_candidacy_state(candidacy, state, actor=recruiter, reason="Decided")
    db.session.commit()

    body = assert_problem(api_as(recruiter).post(f"/candidacies/{candidacy.id}/portal-link"), 409)

    assert [c["kind"] for c in body["conflicts"]] == ["candidacy_closed"]
    assert "closed" in body["detail"]


def test_api_answers_match_the_openapi_document(app, api_as, make_user, recruiter, candidacy):
    document = build(app)
    path = "/api/v1/candidacies/{candidacy_id}/portal-link"
    for user in (recruiter, make_user(("interviewer",)), None):
        response = api_as(user).post(f"/candidacies/{candidacy.id}/portal-link")
        assert_matches_document(document, path, "POST", response)
