"""The session cookie's serializer is kept per secret key, and a replaced key still refuses
cookies signed with the old one."""

from __future__ import annotations

from flask import request


def test_session_serializer_is_built_once_per_secret_key(app, monkeypatch):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)

    assert interface.get_signing_serializer(app) is first
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-for-this-test")
    assert interface.get_signing_serializer(app) is not first


def test_cookie_signed_with_a_replaced_secret_key_opens_an_empty_session(app, monkeypatch):
    interface = app.session_interface
    cookie = interface.get_signing_serializer(app).dumps({"_user_id": "someone"})
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(headers={"Cookie": f"{name}={cookie}"}):
        assert dict(interface.open_session(app, request)) == {"_user_id": "someone"}

    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-for-this-test")

    with app.test_request_context(headers={"Cookie": f"{name}={cookie}"}):
        assert dict(interface.open_session(app, request)) == {}
