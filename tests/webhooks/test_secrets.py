"""Webhook signing secrets are stored encrypted (Fernet, the calendar-password key
configuration), never returned or logged, and still sign with the plain secret."""

from __future__ import annotations

import hashlib
import hmac
import logging

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from coordinator.db import db
from coordinator.webhooks import operations
from coordinator.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.conftest import PG_URL, committed_app
from tests.webhooks.conftest import SECRET


def _stored() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookEndpoint.secret_encrypted)))


def test_the_secret_is_stored_as_a_token_under_the_configured_key(register):
    register()

    [token] = _stored()
    assert SECRET not in token
    assert token.startswith("gAAAA")  # a Fernet token
    assert operations.signing_secret(token) == SECRET


def test_the_secret_follows_the_calendar_key_setting(app, register, monkeypatch):
    register()
    [token] = _stored()

    monkeypatch.setitem(app.config, "CALENDAR_KEY", "another key altogether")

    assert operations.signing_secret(token) is None


def test_the_same_secret_stored_twice_gives_two_different_tokens(register):
    register()
    register()

    first, second = _stored()
    assert first != second


def test_deliveries_are_signed_with_the_plain_secret(register, receiver, deliver,
                                                     make_candidacy, make_interview,
                                                     interviewer):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])

    assert deliver().delivered == 1

    [received] = receiver.requests
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Coordinator-Signature"] == f"sha256={expected}"


def test_the_secret_is_never_returned_by_the_api_in_plain_or_encrypted_form(api_as, admin,
                                                                            allow_private):
    api = api_as(admin)
    created = api.post("/webhooks", json={"url": "https://hooks.example.com/c",
                                          "events": ["interview.scheduled"], "secret": SECRET})
    [token] = _stored()

    for text in (created.get_data(as_text=True), api.get("/webhooks").get_data(as_text=True)):
        assert SECRET not in text
        assert token not in text


def test_the_secret_is_never_logged(api_as, admin, allow_private, receiver, deliver,
                                    make_candidacy, make_interview, interviewer, caplog):
    caplog.set_level(logging.DEBUG)
    api = api_as(admin)
    api.post("/webhooks", json={"url": receiver.url, "events": ["interview.scheduled"],
                                "secret": SECRET})
    db.session.commit()
    make_interview(make_candidacy(), panel=[interviewer])
    receiver.statuses = [500]
    deliver()  # a failed attempt is logged

    [token] = _stored()
    assert "not delivered" in caplog.text
    assert SECRET not in caplog.text
    assert token not in caplog.text


def test_a_secret_the_key_cannot_open_fails_the_delivery_without_sending(
        app, register, receiver, deliver, make_candidacy, make_interview, interviewer,
        monkeypatch):
    register(events=("interview.scheduled",))
    make_interview(make_candidacy(), panel=[interviewer])
    monkeypatch.setitem(app.config, "CALENDAR_KEY", "another key altogether")

    report = deliver()

    assert report.retried == 1
    assert receiver.requests == []
    db.session.expire_all()
    [delivery] = db.session.scalars(sa.select(WebhookDelivery))
    assert delivery.state is DeliveryState.pending
    assert "signing secret cannot be read" in (delivery.last_error or "")


# --- the migration that encrypted existing rows ---------------------------------------------


def test_the_migration_encrypts_existing_secrets_and_the_downgrade_restores_them(tmp_path):
    kind = "postgresql" if PG_URL else "sqlite"
    with committed_app(kind, "webhook_secrets", tmp_path) as migrated, migrated.app_context():
        downgrade(revision="a7c3e91f2b40")
        db.session.execute(sa.text(
            "INSERT INTO webhook_endpoints (created_at, url, events, secret) "
            "VALUES (:at, 'https://hooks.example.com/old', :events, :secret)"),
            {"at": "2026-12-01 10:00:00+00:00", "events": '["interview.scheduled"]',
             "secret": SECRET})
        db.session.commit()

        upgrade()
        token = db.session.scalar(sa.text("SELECT secret_encrypted FROM webhook_endpoints"))
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("webhook_endpoints")}
        db.session.commit()
        assert "secret" not in columns
        assert SECRET not in token
        assert operations.signing_secret(token) == SECRET

        downgrade(revision="a7c3e91f2b40")
        plain = db.session.scalar(sa.text("SELECT secret FROM webhook_endpoints"))
        db.session.commit()
        assert plain == SECRET
        upgrade()


