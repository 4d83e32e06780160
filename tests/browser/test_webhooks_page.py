"""The admin's webhooks page in a real browser, on a laptop and on a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.db import db
from tests.browser import scenario
from tests.browser.conftest import Journey, _journey

HOOK_URL = "https://hooks.example.com/a/rather/long/path/for/the/coordinator/webhook/receiver"


@pytest.fixture(params=[1366, 390], ids=["laptop", "phone"])
def sized(browser, request) -> Iterator[Journey]:
    yield from _journey(browser, request, viewport={"width": request.param, "height": 900})


def test_admin_adds_and_deletes_a_webhook(live_server, in_live_app, sized):
    admin = accounts.create_user(actor=None, email=f"admin-{sized.page.viewport_size['width']}"
                                 "@browser.example.com", name="Ada Admin", roles={Role.admin},
                                 password=scenario.PASSWORD)
    db.session.commit()
    page = sized.page
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(scenario.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/admin/outbox")
    page.get_by_role("link", name="Webhooks").click()

    page.get_by_label("Receiver URL").fill(HOOK_URL)
    page.get_by_label("interview.scheduled").check()
    page.get_by_label("decision.recorded").check()
    page.get_by_label("Signing secret").fill("a-secret-of-enough-length")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("cell", name=HOOK_URL)).to_be_visible()
    sized.shot("webhook added")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert sized.axe() == []
    page.get_by_role("button", name="Delete webhook").click()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
