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


def test_only_sign_in_openapi_portal_calendar_feed_and_probes_are_public(app):
    """The portal and the calendar feed carry their own credential: a signed link, a secret.
    The health probes reveal nothing but "ok"."""
    public = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and policy_of(app.view_functions[rule.endpoint]) == "public"
    )
    allowed = {"accounts.login", "api.openapi_document", "feeds.show_feed", "health.live",
               "health.ready",
               # the candidate's self-scheduling link admits (like the portal's)
               "api.self_schedule_slots", "api.self_schedule_book",
               "api.self_schedule_slots_at_link", "api.self_schedule_book_at_link",
               "api.self_schedule_reschedule", "api.self_schedule_reschedule_at_link"}
    assert all(name in allowed or name.startswith("portal.") for name in public), public
