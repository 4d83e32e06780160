"""Every endpoint declares who may reach it."""

from __future__ import annotations

from coordinator.access import policy_of


def test_every_endpoint_declares_an_access_policy(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and policy_of(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_only_sign_in_openapi_and_portal_are_public(app):
    public = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and policy_of(app.view_functions[rule.endpoint]) == "public"
    )
    assert all(
        name in {"accounts.login", "api.openapi_document"} or name.startswith("portal.")
        for name in public
    ), public
