"""Webhook endpoints, for admins: list, register, remove (API.md v1.1)."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from pydantic import Field

from coordinator.accounts.permissions import can_manage_users
from coordinator.api import bp
from coordinator.api.core import Out, PageOf, PageQuery, Schema, endpoint, paginate
from coordinator.db import db
from coordinator.webhooks import operations
from coordinator.webhooks.models import EVENTS, WebhookEndpoint

EVENTS_TEXT = ", ".join(f"`{name}`" for name in EVENTS)


class WebhookIn(Schema):
    url: str = Field(max_length=2000, description="Where deliveries are POSTed (http or https).")
    events: list[str] = Field(max_length=len(EVENTS), description=f"Any of {EVENTS_TEXT}.")
    secret: str = Field(description="Signs each body: `X-Coordinator-Signature: sha256=<hex "
                                    "HMAC-SHA256 of the raw body>`. 16 to 200 characters; "
                                    "never returned.")


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls(id=endpoint.id, url=endpoint.url, events=list(endpoint.events))


DELIVERY_TEXT = (
    "Deliveries are `POST` JSON `{id, event, occurred_at, data}` with headers "
    "`X-Coordinator-Signature`, `X-Coordinator-Delivery` (the `id`, the same on every retry) and "
    "`X-Coordinator-Event`; a `2xx` answer within 10 s counts as delivered, anything else is "
    "retried with backoff."
)


@endpoint(bp, "GET", "/webhooks", summary="Registered webhook endpoints (admin)",
          allow=can_manage_users, query=PageQuery, response=PageOf[WebhookOut], paginated=True,
          tag="webhooks")
def list_webhooks(query: PageQuery) -> Any:
    return paginate(operations.endpoints(), query, WebhookOut.of)


@endpoint(bp, "POST", "/webhooks", summary="Register a webhook endpoint (admin)",
          allow=can_manage_users, body=WebhookIn, response=WebhookOut, status=201,
          tag="webhooks",
          description=f"{DELIVERY_TEXT} `422` for a URL that is not http(s), or that points at "
                      "a link-local or metadata address (or a private one, unless "
                      "`COORDINATOR_WEBHOOK_ALLOW_PRIVATE_NETWORKS`), an unknown event or a "
                      "short secret.")
def create_webhook(body: WebhookIn) -> Any:
    created = operations.create_endpoint(actor=g.user, url=body.url, events=body.events,
                                         secret=body.secret)
    db.session.commit()
    return WebhookOut.of(created)


@endpoint(bp, "DELETE", "/webhooks/<int:webhook_id>",
          summary="Remove a webhook endpoint and its undelivered deliveries (admin)",
          allow=can_manage_users, status=204, tag="webhooks")
def delete_webhook(webhook_id: int) -> Any:
    operations.delete_endpoint(operations.get_endpoint(webhook_id), actor=g.user)
    db.session.commit()
    return Response(status=204)
