"""Bearer tokens: stored only as a SHA-256 digest; refused once revoked or their user inactive."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import ApiToken
from coordinator.db import db
from tests.api.support import assert_problem
from tests.factories import PASSWORD


@pytest.fixture
def token_user(make_user):
    return make_user(("recruiter",))


@pytest.fixture
def issued(token_user):
    token, secret = accounts.create_token(token_user, actor=token_user, name="script")
    db.session.commit()
    return token, secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_live_token_acts_as_its_user(client, token_user, issued):
    response = client.get("/api/v1/users/me", headers=bearer(issued[1]))
    assert response.status_code == 200
    assert response.json["id"] == token_user.id


def test_only_the_sha256_digest_of_a_token_is_stored(issued):
    token, secret = issued
    row = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.id == token.id)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row)


def test_the_stored_prefix_cannot_authenticate(client, issued):
    token, _ = issued
    response = client.get("/api/v1/users/me", headers=bearer(token.prefix))
    assert_problem(response, 401)


def test_the_stored_digest_cannot_authenticate(client, issued):
    token, _ = issued
    response = client.get("/api/v1/users/me", headers=bearer(token.token_hash))
    assert_problem(response, 401)


def test_revoked_token_is_401(client, token_user, issued):
    token, secret = issued
    accounts.revoke_token(token, actor=token_user)
    db.session.commit()
    response = client.get("/api/v1/users/me", headers=bearer(secret))
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_of_a_deactivated_user_is_401(client, make_user, token_user, issued):
    admin = make_user(("admin",))
    accounts.update_user(token_user, actor=admin, is_active=False)
    db.session.commit()
    assert_problem(client.get("/api/v1/users/me", headers=bearer(issued[1])), 401)


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/v1/users/me")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "Bearer ",
    "Bearer ict_unknown-token",
    "Bearer not-even-our-prefix",
    "Bearer ict_" + "x" * 500,
])
def test_malformed_or_unknown_authorization_is_401(client, header):
    response = client.get("/api/v1/users/me", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_authenticate_the_api(client, login, make_user):
    login(make_user(("admin",), password=PASSWORD))
    assert_problem(client.get("/api/v1/users/me"), 401)


def test_scheme_name_is_case_insensitive(client, issued):
    response = client.get("/api/v1/users/me", headers={"Authorization": f"bearer {issued[1]}"})
    assert response.status_code == 200


def test_bearer_auth_with_the_users_roles_is_one_statement(client, token_user, issued,
                                                           count_queries):
    with count_queries() as queries:
        response = client.get("/api/v1/users/me", headers=bearer(issued[1]))
    assert response.status_code == 200
    assert response.json["roles"] == ["recruiter"]
    assert queries.count == 1, str(queries)


def test_fair_ceiling_route_is_bearer_auth_plus_one_primary_key_select(
        client, issued, make_candidate, count_queries):
    # bench/bench_load.py measures auth_pk_ceiling_rps on GET /api/v1/candidates/{id}.
    candidate = make_candidate()
    path = f"/api/v1/candidates/{candidate.id}"
    with count_queries() as queries:
        response = client.get(path, headers=bearer(issued[1]))
    assert response.status_code == 200
    assert queries.count == 2, str(queries)
