"""Server-side sessions: sign-out, password changes and "sign out everywhere" really end them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.http import parse_date

from coordinator.accounts import sessions
from coordinator.accounts.models import UserSession
from coordinator.db import db
from coordinator.timeutil import utcnow
from tests.conftest import make_app
from tests.factories import PASSWORD, sign_in

NEW_PASSWORD = "a-fresh-and-long-passphrase"


def signed_in_client(app, user, *, remember=False):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           **({"remember": "y"} if remember else {})})
    assert response.status_code == 303
    return client


def replay(app, name, value):
    """A fresh browser carrying only one captured cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def is_signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_session_cookie_captured_before_logout_no_longer_works(app, recruiter):
    client = signed_in_client(app, recruiter)
    captured = client.get_cookie("session").value
    client.post("/logout")
    thief = replay(app, "session", captured)
    response = thief.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_cookie_captured_before_logout_no_longer_works(app, recruiter):
    client = signed_in_client(app, recruiter, remember=True)
    captured = client.get_cookie("remember_token").value
    client.post("/logout")
    assert not is_signed_in(replay(app, "remember_token", captured))


def test_remember_cookie_signs_a_new_browser_in_while_its_session_lives(app, recruiter):
    client = signed_in_client(app, recruiter, remember=True)
    captured = client.get_cookie("remember_token").value
    assert is_signed_in(replay(app, "remember_token", captured))


def test_logout_deletes_the_session_row(app, recruiter):
    client = signed_in_client(app, recruiter)
    assert len(sessions.live_sessions(recruiter)) == 1
    client.post("/logout")
    assert sessions.live_sessions(recruiter) == []


def test_password_change_ends_every_other_session_and_keeps_this_one(app, recruiter):
    here = signed_in_client(app, recruiter)
    elsewhere = signed_in_client(app, recruiter)
    response = here.post("/profile/password", data={
        "password-current_password": PASSWORD, "password-password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert len(sessions.live_sessions(recruiter)) == 1


def test_password_change_rotates_the_token_in_remember_cookies(app, recruiter):
    remembered = signed_in_client(app, recruiter, remember=True)
    captured = remembered.get_cookie("remember_token").value
    here = signed_in_client(app, recruiter)
    here.post("/profile/password", data={
        "password-current_password": PASSWORD, "password-password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD})
    assert not is_signed_in(replay(app, "remember_token", captured))


def test_remembered_browser_that_changes_password_keeps_a_working_remember_cookie(app,
                                                                                 recruiter):
    here = signed_in_client(app, recruiter, remember=True)
    here.post("/profile/password", data={
        "password-current_password": PASSWORD, "password-password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD})
    assert is_signed_in(replay(app, "remember_token", here.get_cookie("remember_token").value))


def test_sign_out_everywhere_ends_every_session_and_remember_cookie(app, recruiter):
    here = signed_in_client(app, recruiter)
    elsewhere = signed_in_client(app, recruiter)
    remembered = signed_in_client(app, recruiter, remember=True)
    captured = remembered.get_cookie("remember_token").value
    token_before = recruiter.session_token
    response = here.post("/profile/sign-out-everywhere")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]
    assert not is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(replay(app, "remember_token", captured))
    assert sessions.live_sessions(recruiter) == []
    assert recruiter.session_token != token_before


def test_profile_lists_active_sessions_and_marks_this_one(app, recruiter):
    here = signed_in_client(app, recruiter)
    signed_in_client(app, recruiter)
    page = here.get("/profile").get_data(as_text=True)
    assert "Where you are signed in" in page
    assert page.count("This browser") == 1
    assert page.count('aria-label="Sign out this session"') == 2
    assert "Sign out everywhere" in page


def test_ending_another_session_from_the_profile_signs_it_out(app, recruiter):
    here = signed_in_client(app, recruiter)
    elsewhere = signed_in_client(app, recruiter)
    other = max(sessions.live_sessions(recruiter), key=lambda s: s.id)
    response = here.post(f"/profile/sessions/{other.id}/end")
    assert response.status_code == 303
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_another_users_session_cannot_be_ended(app, recruiter, make_user):
    other_user = make_user()
    signed_in_client(app, other_user)
    theirs = sessions.live_sessions(other_user)[0]
    here = signed_in_client(app, recruiter)
    assert here.post(f"/profile/sessions/{theirs.id}/end").status_code == 404
    assert len(sessions.live_sessions(other_user)) == 1


def test_expired_session_no_longer_signs_in(app, recruiter):
    client = signed_in_client(app, recruiter)
    row = sessions.live_sessions(recruiter)[0]
    row.created_at = utcnow() - timedelta(days=2)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not is_signed_in(client)


def test_deactivated_user_is_signed_out(app, recruiter):
    client = signed_in_client(app, recruiter)
    recruiter.is_active = False
    db.session.commit()
    assert not is_signed_in(client)


def test_user_id_for_flask_login_is_a_rotatable_token_not_the_primary_key(recruiter):
    assert recruiter.get_id() == recruiter.session_token
    assert recruiter.get_id() != str(recruiter.id)
    assert len(recruiter.get_id()) >= 32


def test_session_stores_only_a_digest_of_its_secret(app, recruiter):
    client = signed_in_client(app, recruiter)
    with client.session_transaction() as flask_session:
        identity = flask_session["_user_id"]
    secret = identity.split(".", 1)[1]
    stored = db.session.scalars(db.select(UserSession.token_hash)).all()
    assert secret not in stored
    assert len(stored) == 1


def test_loading_the_user_checks_the_session_in_the_same_statement(app, recruiter,
                                                                  count_queries):
    client = signed_in_client(app, recruiter)
    with client.session_transaction() as flask_session:
        identity = flask_session["_user_id"]
    db.session.expunge_all()
    with count_queries() as queries:
        found = sessions.find(identity)
    assert found is not None
    user_and_session = [s for s in queries.statements if "user_sessions" in s]
    assert len(user_and_session) == 1 and "users" in user_and_session[0]
    assert queries.count <= 2, str(queries)  # the other one loads the user's roles


@pytest.mark.parametrize("secure", [True, False])
def test_remember_cookie_is_secure_exactly_when_the_session_cookie_is(app, database_url,
                                                                      tmp_path, secure):
    configured = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=secure)
    assert configured.config["REMEMBER_COOKIE_SECURE"] is secure


def test_remember_cookie_carries_secure_flag_and_bounded_lifetime(app, recruiter,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    client = app.test_client()
    response = client.post("/login", base_url="https://localhost",
                           data={"email": recruiter.email, "password": PASSWORD,
                                 "remember": "y"})
    assert response.status_code == 303
    remember = next(c for c in response.headers.getlist("Set-Cookie")
                    if c.startswith("remember_token="))
    assert "Secure" in remember
    assert "HttpOnly" in remember
    expires = parse_date(remember.split("Expires=", 1)[1].split(";", 1)[0])
    assert timedelta(days=13) < expires - utcnow() <= timedelta(days=14, minutes=1)
    row = sessions.live_sessions(recruiter)[0]
    assert row.is_remembered
    assert timedelta(days=13) < row.expires_at - utcnow() <= timedelta(days=14, minutes=1)


def test_remember_lifetime_comes_from_config(database_url, tmp_path):
    configured = make_app(database_url, tmp_path, REMEMBER_DAYS=3)
    assert configured.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)


def test_session_without_remember_me_is_not_kept_beyond_the_session_lifetime(app, recruiter):
    signed_in_client(app, recruiter)
    row = sessions.live_sessions(recruiter)[0]
    assert not row.is_remembered
    assert row.expires_at - row.created_at == app.permanent_session_lifetime


def test_sign_in_still_works_through_the_helper(client, recruiter):
    sign_in(client, recruiter)
    assert client.get("/jobs").status_code == 200
