"""Rate limits: sign-in attempts and API calls, on an app built with limiting switched on
(the ``limited_app`` fixture in tests/conftest.py). Sign-in throttling in detail:
tests/accounts/test_login.py."""

from __future__ import annotations

from coordinator.accounts import operations as accounts
from coordinator.db import db
from tests.api.support import assert_problem


def failed_login(client):
    return client.post("/login", data={"email": "nobody@example.com",
                                       "password": "wrong-password-guess"})


def test_eleventh_failed_login_on_one_account_is_429(limited_client):
    answers = [failed_login(limited_client).status_code for _ in range(11)]
    assert answers == [422] * 10 + [429]


def test_login_limits_come_from_config(limited_app, limited_client):
    assert limited_app.config["LOGIN_RATE_LIMIT"] == "30 per minute;200 per hour"
    assert limited_app.config["LOGIN_ACCOUNT_RATE_LIMIT"] == "10 per 15 minutes"
    for _ in range(10):
        failed_login(limited_client)
    assert limited_client.get("/login").status_code == 200  # only POSTs count


def test_api_answers_429_as_a_problem_once_its_limit_is_hit(limited_client, make_user):
    user = make_user(("recruiter",))
    _, secret = accounts.create_token(user, actor=user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    answers = [limited_client.get("/api/v1/jobs", headers=headers) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429)
    assert "Retry-After" in answers[3].headers


def test_api_limit_counts_requests_without_a_token_too(limited_client):
    answers = [limited_client.get("/api/v1/jobs").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_limit_storage_starts_no_thread_per_hit_and_still_expires_counts(monkeypatch):
    import threading
    import time

    from coordinator.extensions import SweepingMemoryStorage

    storage = SweepingMemoryStorage()
    storage.timer.join()
    started = []
    monkeypatch.setattr(threading.Timer, "start", lambda timer: started.append(timer))
    for _ in range(5):
        storage.incr("key", expiry=0.05)
    assert storage.get("key") == 5
    assert started == []
    time.sleep(0.06)
    assert storage.get("key") == 0


def test_the_app_limits_with_the_sweeping_memory_storage(limited_app):
    from coordinator.extensions import SweepingMemoryStorage, limiter

    assert isinstance(limiter.storage, SweepingMemoryStorage)
