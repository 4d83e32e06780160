"""Page access beyond the role table (tests/security): wrong parents, other jobs, CSRF."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.db import db
from coordinator.jobs.models import Job, PlannedRound


def test_hiring_manager_of_another_job_cannot_see_its_candidacy(client, login, world,
                                                                make_user):
    other_manager = make_user(("hiring_manager",))
    login(other_manager)
    assert client.get(f"/candidacies/{world.candidacy.id}").status_code == 403


def test_hiring_manager_of_another_job_sees_no_candidacies_on_its_page(client, login, world,
                                                                      make_user):
    login(make_user(("hiring_manager",)))
    page = client.get(f"/jobs/{world.job.id}").get_data(as_text=True)
    assert world.candidate.name not in page
    assert 'id="candidacies"' not in page


@pytest.mark.parametrize("path", [
    "/jobs/{other_job}/plan/{planned}/edit",
    "/jobs/{other_job}/plan/{planned}/move/up",
    "/jobs/{other_job}/plan/{planned}/remove",
    "/jobs/999999",
    "/jobs/999999/edit",
    "/candidates/999999",
    "/candidacies/999999",
    "/users/999999/edit",
])
def test_object_reached_through_the_wrong_parent_or_absent_is_not_found(
        client, login, admin, world, make_job, path):
    other_job = make_job()
    login(admin)
    url = path.format(other_job=other_job.id, planned=world.planned.id)
    method = "GET" if url.endswith(("edit", "999999")) else "POST"
    response = client.open(url, method=method)
    assert response.status_code == 404
    assert db.session.get(PlannedRound, world.planned.id) is not None


def test_revoking_another_users_token_is_not_found(client, login, recruiter, admin):
    token, _ = accounts.create_token(admin, actor=admin, name="admin's")
    db.session.commit()
    login(recruiter)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


class TestCsrf:
    """With CSRF protection on (as in production), a POST without the token is refused."""

    def test_post_without_token_is_refused_and_saves_nothing(self, client, login, recruiter,
                                                            app, monkeypatch):
        login(recruiter)
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        response = client.post("/jobs/new", data={
            "title": "Sneaky", "pay_band_min": "1", "pay_band_max": "2",
            "pay_band_currency": "EUR", "assessment_due_hours": "24",
        })
        assert response.status_code == 400
        assert "Form expired" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0

    def test_button_post_without_token_is_refused(self, client, login, world, app,
                                                  monkeypatch):
        login(world.users["recruiter"])
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        response = client.post(f"/jobs/{world.job.id}/plan/{world.planned.id}/remove")
        assert response.status_code == 400
        assert db.session.get(PlannedRound, world.planned.id) is not None

    def test_post_with_the_pages_token_goes_through(self, client, login, world, app,
                                                    monkeypatch):
        login(world.users["recruiter"])
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        page = client.get(f"/jobs/{world.job.id}").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(f"/jobs/{world.job.id}/plan/{world.planned.id}/remove",
                               data={"csrf_token": token})
        assert response.status_code == 303
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlannedRound)) == 0
