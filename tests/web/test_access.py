"""Who reaches which page: every web endpoint × every role, wrong parents, CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.db import db
from coordinator.jobs.models import Job, PlannedRound

ROLES = ("admin", "recruiter", "hiring_manager", "interviewer", "anonymous")

ALL = dict.fromkeys(ROLES[:-1], 200)
ADMIN_ONLY = {"admin": 200, "recruiter": 403, "hiring_manager": 403, "interviewer": 403}
STAFF = {"admin": 200, "recruiter": 200, "hiring_manager": 403, "interviewer": 403}


#: Form data no form accepts (a blank required field), so allowed roles get the form back.
BAD = {"title": "", "name": "", "email": "", "candidacy-candidate_email": "",
       "candidacy-job_id": ""}


def _with(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same table with every allowed role's status replaced (e.g. 303 after a POST)."""
    return {role: status if code == 200 else code for role, code in expected.items()}


def _token_of(world: Any, user: Any) -> int:
    token, _ = accounts.create_token(user or world.users["admin"], actor=user, name="t")
    db.session.commit()
    return token.id


# endpoint, method, URL (from the world and the acting user), form data, expected status per role
ROUTES: list[tuple[str, str, Callable[[Any, Any], str], dict[str, Any], dict[str, int]]] = [
    ("dashboard.index", "GET", lambda w, u: "/", {}, ALL),
    ("accounts.login", "GET", lambda w, u: "/login", {}, {**ALL, "anonymous": 200}),
    ("accounts.logout", "POST", lambda w, u: "/logout", {}, _with(ALL, 303)),
    ("accounts.profile", "GET", lambda w, u: "/profile", {}, ALL),
    ("accounts.profile", "POST", lambda w, u: "/profile", {"profile-name": ""},
     _with(ALL, 422)),
    ("accounts.change_password", "POST", lambda w, u: "/profile/password", BAD,
     _with(ALL, 422)),
    ("accounts.create_token", "POST", lambda w, u: "/profile/tokens", BAD,
     _with(ALL, 422)),
    ("accounts.revoke_token", "POST",
     lambda w, u: f"/profile/tokens/{_token_of(w, u)}/revoke", {}, _with(ALL, 303)),
    ("accounts.list_users", "GET", lambda w, u: "/users", {}, ADMIN_ONLY),
    ("accounts.new_user", "GET", lambda w, u: "/users/new", {}, ADMIN_ONLY),
    ("accounts.new_user", "POST", lambda w, u: "/users/new", BAD, _with(ADMIN_ONLY, 422)),
    ("accounts.edit_user", "GET",
     lambda w, u: f"/users/{w.users['interviewer'].id}/edit", {}, ADMIN_ONLY),
    ("accounts.edit_user", "POST",
     lambda w, u: f"/users/{w.users['interviewer'].id}/edit", BAD, _with(ADMIN_ONLY, 422)),
    ("jobs.list_jobs", "GET", lambda w, u: "/jobs", {}, ALL),
    ("jobs.new_job", "GET", lambda w, u: "/jobs/new", {}, STAFF),
    ("jobs.new_job", "POST", lambda w, u: "/jobs/new", BAD, _with(STAFF, 422)),
    ("jobs.show_job", "GET", lambda w, u: f"/jobs/{w.job.id}", {}, ALL),
    ("jobs.edit_job", "GET", lambda w, u: f"/jobs/{w.job.id}/edit", {}, STAFF),
    ("jobs.edit_job", "POST", lambda w, u: f"/jobs/{w.job.id}/edit", BAD, _with(STAFF, 422)),
    ("jobs.new_planned_round", "GET", lambda w, u: f"/jobs/{w.job.id}/plan/new", {}, STAFF),
    ("jobs.new_planned_round", "POST", lambda w, u: f"/jobs/{w.job.id}/plan/new", BAD,
     _with(STAFF, 422)),
    ("jobs.edit_planned_round", "GET",
     lambda w, u: f"/jobs/{w.job.id}/plan/{w.planned.id}/edit", {}, STAFF),
    ("jobs.edit_planned_round", "POST",
     lambda w, u: f"/jobs/{w.job.id}/plan/{w.planned.id}/edit", BAD, _with(STAFF, 422)),
    ("jobs.move_planned_round", "POST",
     lambda w, u: f"/jobs/{w.job.id}/plan/{w.planned.id}/move/down", {}, _with(STAFF, 303)),
    ("jobs.remove_planned_round", "POST",
     lambda w, u: f"/jobs/{w.job.id}/plan/{w.planned.id}/remove", {}, _with(STAFF, 303)),
    ("jobs.open_candidacy", "POST", lambda w, u: f"/jobs/{w.job.id}/candidacies", BAD,
     _with(STAFF, 422)),
    ("candidates.list_candidates", "GET", lambda w, u: "/candidates", {}, STAFF),
    ("candidates.new_candidate", "GET", lambda w, u: "/candidates/new", {}, STAFF),
    ("candidates.new_candidate", "POST", lambda w, u: "/candidates/new", BAD, _with(STAFF, 422)),
    ("candidates.show_candidate", "GET", lambda w, u: f"/candidates/{w.candidate.id}", {},
     STAFF),
    ("candidates.edit_candidate", "GET", lambda w, u: f"/candidates/{w.candidate.id}/edit", {},
     STAFF),
    ("candidates.edit_candidate", "POST", lambda w, u: f"/candidates/{w.candidate.id}/edit",
     BAD, _with(STAFF, 422)),
    ("candidates.open_candidacy", "POST",
     lambda w, u: f"/candidates/{w.candidate.id}/candidacies", BAD, _with(STAFF, 422)),
    ("candidates.show_candidacy", "GET", lambda w, u: f"/candidacies/{w.candidacy.id}", {},
     {**STAFF, "hiring_manager": 200}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method", "url", "data", "expected"), ROUTES,
                         ids=[f"{r[0]}-{r[1]}" for r in ROUTES])
def test_role_reaches_page_only_when_allowed(client, login, world, role, endpoint, method, url,
                                             data, expected):
    user = world.users.get(role)
    if user is not None:
        login(user)
    response = client.open(url(world, user), method=method, data=data)
    status = expected.get(role, 302)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_the_role_table_covers_every_page_endpoint(app):
    covered = {route[0] for route in ROUTES}
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in {"dashboard", "accounts", "jobs", "candidates"}}
    assert pages - covered == set()


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
