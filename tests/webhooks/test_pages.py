"""The admin page: list, add, delete; failed deliveries on the outbox page."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.db import db
from coordinator.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from coordinator.webhooks.operations import emit
from tests.webhooks.conftest import SECRET


def _endpoints():
    db.session.expire_all()
    return db.session.scalars(sa.select(WebhookEndpoint)).all()


def test_admin_adds_a_webhook_on_the_page(login, admin):
    client = login(admin)

    response = client.post("/admin/webhooks", data={
        "url": "https://hooks.example.com/in", "events": ["interview.scheduled",
                                                          "decision.recorded"],
        "secret": SECRET})

    assert response.status_code == 303
    [endpoint] = _endpoints()
    assert endpoint.events == ["interview.scheduled", "decision.recorded"]
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "https://hooks.example.com/in" in page
    assert SECRET not in page


def test_a_refused_url_re_renders_the_form_with_the_error(login, admin):
    response = login(admin).post("/admin/webhooks", data={
        "url": "http://169.254.169.254/", "events": ["interview.scheduled"], "secret": SECRET})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "link-local" in page
    assert 'value="http://169.254.169.254/"' in page
    assert _endpoints() == []


def test_an_unknown_event_re_renders_the_form(login, admin):
    response = login(admin).post("/admin/webhooks", data={
        "url": "https://hooks.example.com/in", "events": ["interview.exploded"],
        "secret": SECRET})

    assert response.status_code == 422
    assert _endpoints() == []


def test_admin_deletes_a_webhook_on_the_page(login, admin, register):
    endpoint = register(url="https://hooks.example.com/in")

    response = login(admin).post(f"/admin/webhooks/{endpoint.id}/delete")

    assert response.status_code == 303
    assert _endpoints() == []


def test_the_page_is_for_admins_only(login, recruiter):
    assert login(recruiter).get("/admin/webhooks").status_code == 403


def test_failed_deliveries_are_listed_on_the_outbox_page_and_can_be_retried(
        login, admin, register):
    register(url="https://hooks.example.com/in", events=("decision.recorded",))
    [delivery] = emit("decision.recorded", {"decision_id": 1})
    delivery.state, delivery.attempts, delivery.last_error = DeliveryState.failed, 8, "HTTP 502"
    db.session.commit()
    client = login(admin)

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert delivery.delivery_id in page and "HTTP 502" in page

    assert client.post(f"/admin/outbox/webhooks/{delivery.id}/retry").status_code == 303
    db.session.expire_all()
    again = db.session.get(WebhookDelivery, delivery.id)
    assert (again.state, again.attempts) == (DeliveryState.pending, 0)
