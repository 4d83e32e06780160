"""Account pages: user administration, the profile, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from coordinator.accounts import operations
from coordinator.accounts.models import ApiToken, Role, User
from coordinator.db import db
from tests.factories import PASSWORD, sign_in
from tests.web.pages import field_error, is_marked_invalid, text, value_of


def _user_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "new.person@example.com", "name": "New Person", "job_title": "Staff engineer",
        "bio": "Likes distributed systems.", "time_zone": "Europe/Lisbon",
        "roles": ["interviewer", "hiring_manager"], "is_active": "y",
        "password": "a-long-initial-password",
    }
    data.update(overrides)
    return data


def _user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def test_user_list_shows_users_with_their_roles(client, login, admin, make_user):
    make_user(("recruiter", "interviewer"), name="Rosa Both")
    login(admin)
    page = text(client.get("/users"))
    assert "Rosa Both" in page
    assert "Interviewer, Recruiter" in page


def test_user_list_searches(client, login, admin, make_user):
    make_user(name="Findable Person")
    make_user(name="Hidden Person")
    login(admin)
    page = text(client.get("/users?q=findable"))
    assert "Findable Person" in page and "Hidden Person" not in page


def test_admin_creates_a_user_who_can_then_sign_in(client, login, admin, app):
    login(admin)
    response = client.post("/users/new", data=_user_form())
    assert response.status_code == 303
    user = operations.get_user_by_email("new.person@example.com")
    assert user.roles == {Role.interviewer, Role.hiring_manager}
    assert (user.name, user.job_title, user.time_zone) == ("New Person", "Staff engineer",
                                                           "Europe/Lisbon")
    other = app.test_client()
    assert other.post("/login", data={"email": user.email,
                                      "password": "a-long-initial-password"}).status_code == 303


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"email": "not-an-address"}, "email", "Not a valid email address"),
    ({"name": ""}, "name", "This field is required."),
    ({"bio": "b" * 1001}, "bio", "Field cannot be longer than 1000 characters."),
    ({"time_zone": "Europe/Nowhere"}, "time_zone", "is not a known IANA time zone"),
    ({"roles": []}, "roles", "Give at least one role."),
    ({"roles": ["superuser"]}, "roles", "'superuser' is not a valid choice"),
    ({"password": "short"}, "password", "Field must be between 12 and 1000 characters long."),
    ({"password": "qwertyuiop123"}, "password", "one of the most common passwords"),
])
def test_bad_new_user_input_rerenders_with_message_on_the_field(client, login, admin,
                                                                overrides, field, message):
    login(admin)
    before = _user_count()
    response = client.post("/users/new", data=_user_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, field)
    if field != "roles":
        assert is_marked_invalid(page, field)
    if field not in {"roles", "password", "bio"}:
        assert value_of(page, field) == overrides[field]
    assert not value_of(page, "password")  # passwords are never sent back
    assert _user_count() == before


def test_duplicate_user_email_is_refused_on_the_email_field(client, login, admin, make_user):
    make_user(email="taken@example.com")
    login(admin)
    before = _user_count()
    response = client.post("/users/new", data=_user_form(email="Taken@Example.com"))
    assert response.status_code == 422
    page = text(response)
    assert field_error(page, "email") == "A user with this email already exists."
    assert value_of(page, "name") == "New Person"
    assert _user_count() == before


def test_admin_edits_roles_and_deactivates_a_user(client, login, admin, interviewer):
    login(admin)
    form = text(client.get(f"/users/{interviewer.id}/edit"))
    assert value_of(form, "email") == interviewer.email
    assert re.search(r'<input checked[^>]*value="interviewer"', form)
    response = client.post(f"/users/{interviewer.id}/edit", data=_user_form(
        email=interviewer.email, name=interviewer.name, roles=["recruiter"], is_active=""))
    assert response.status_code == 303
    db.session.refresh(interviewer)
    assert interviewer.roles == {Role.recruiter}
    assert not interviewer.is_active


def test_deactivated_user_cannot_sign_in(client, login, admin, interviewer, app):
    login(admin)
    client.post(f"/users/{interviewer.id}/edit", data=_user_form(
        email=interviewer.email, roles=["interviewer"], is_active=""))
    response = app.test_client().post("/login", data={"email": interviewer.email,
                                                      "password": PASSWORD})
    assert response.status_code == 422


def test_admin_cannot_remove_their_own_admin_role(client, login, admin):
    login(admin)
    response = client.post(f"/users/{admin.id}/edit", data=_user_form(
        email=admin.email, roles=["recruiter"]))
    assert response.status_code == 422
    assert field_error(text(response), "roles") == "You cannot remove your own admin role."
    db.session.refresh(admin)
    assert admin.roles == {Role.admin}


def test_admin_cannot_deactivate_themselves(client, login, admin):
    login(admin)
    response = client.post(f"/users/{admin.id}/edit", data=_user_form(
        email=admin.email, roles=["admin"], is_active=""))
    assert response.status_code == 422
    assert field_error(text(response), "is_active") == "You cannot deactivate yourself."


def test_user_edits_their_own_profile(client, login, interviewer):
    login(interviewer)
    page = text(client.get("/profile"))
    assert value_of(page, "profile-name") == interviewer.name
    response = client.post("/profile", data={
        "profile-name": "Ivan I.", "profile-job_title": "Principal engineer",
        "profile-bio": "Hello.", "profile-time_zone": "America/Toronto"})
    assert response.status_code == 303
    db.session.refresh(interviewer)
    assert (interviewer.name, interviewer.job_title, interviewer.bio, interviewer.time_zone) == (
        "Ivan I.", "Principal engineer", "Hello.", "America/Toronto")
    assert interviewer.roles == {Role.interviewer}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time_zone", "Berlin", "“Berlin” is not a known IANA time zone"),
    ("name", "", "This field is required."),
    ("job_title", "j" * 201, "Field cannot be longer than 200 characters."),
])
def test_bad_profile_input_rerenders_with_message_and_keeps_input(client, login, interviewer,
                                                                  field, value, message):
    login(interviewer)
    data = {"profile-name": "Kept Name", "profile-job_title": "", "profile-bio": "",
            "profile-time_zone": "Europe/Rome", f"profile-{field}": value}
    response = client.post("/profile", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, f"profile-{field}")
    assert value_of(page, f"profile-{field}") == value
    db.session.refresh(interviewer)
    assert interviewer.time_zone == "Europe/Berlin"


def test_user_changes_their_password(client, login, interviewer, app):
    login(interviewer)
    response = client.post("/profile/password", data={
        "password-current_password": PASSWORD, "password-password": "a-brand-new-secret",
        "password-confirm": "a-brand-new-secret"})
    assert response.status_code == 303
    sign_in(app.test_client(), interviewer, "a-brand-new-secret")


@pytest.mark.parametrize(("current", "new", "confirm", "field", "message"), [
    ("wrong-password!", "a-brand-new-secret", "a-brand-new-secret", "current_password",
     "That is not your current password."),
    (PASSWORD, "short", "short", "password", "Field must be between 12 and 1000 characters"),
    (PASSWORD, "elevenchars", "elevenchars", "password",
     "Field must be between 12 and 1000 characters"),
    (PASSWORD, "1qaz2wsx3edc", "1qaz2wsx3edc", "password", "one of the most common passwords"),
    (PASSWORD, "Sunshine2024!!", "Sunshine2024!!", "password", "one of the most common passwords"),
    (PASSWORD, "a-brand-new-secret", "a-different-secret", "confirm",
     "The two new passwords differ."),
])
def test_bad_password_change_is_refused_and_the_old_password_still_works(
        client, login, interviewer, app, current, new, confirm, field, message):
    login(interviewer)
    response = client.post("/profile/password", data={
        "password-current_password": current, "password-password": new,
        "password-confirm": confirm})
    assert response.status_code == 422
    assert message in field_error(text(response), f"password-{field}")
    sign_in(app.test_client(), interviewer, PASSWORD)


def test_new_token_secret_is_shown_once_and_only_its_hash_is_stored(client, login, recruiter):
    login(recruiter)
    response = client.post("/profile/tokens", data={"token-name": "ATS sync"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    secret = re.search(r'id="new-token-value" class="mono" value="([^"]+)"', page).group(1)
    assert secret.startswith("ict_")

    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == recruiter.id))
    assert token.name == "ATS sync"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.prefix, token.name}
    assert secret.startswith(token.prefix)

    later = text(client.get("/profile"))
    assert secret not in later
    assert f"{token.prefix}…" in later
    assert client.get("/api/v1/jobs",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_token_name_is_required_and_bounded(client, login, recruiter):
    login(recruiter)
    for name, message in (("", "This field is required."),
                          ("n" * 101, "Field cannot be longer than 100 characters.")):
        response = client.post("/profile/tokens", data={"token-name": name})
        assert response.status_code == 422
        assert field_error(text(response), "token-name") == message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoked_token_stops_working_and_leaves_the_list(client, login, recruiter):
    token, secret = operations.create_token(recruiter, actor=recruiter, name="Kiosk Zebra")
    db.session.commit()
    login(recruiter)
    assert "Kiosk Zebra" in text(client.get("/profile"))
    response = client.post(f"/profile/tokens/{token.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "Kiosk Zebra" not in text(client.get("/profile"))
    assert client.get("/api/v1/jobs",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 401
