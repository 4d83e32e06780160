from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from coordinator.access import requires
from coordinator.accounts.permissions import can_manage_users
from coordinator.admin import operations
from coordinator.audit.history import describe
from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.mail import outbox
from coordinator.mail.models import OutboxState
from coordinator.web import page_number, search_text
from coordinator.webhooks import operations as webhooks
from coordinator.webhooks.delivery import retry as retry_delivery
from coordinator.webhooks.forms import WebhookForm
from coordinator.webhooks.models import DeliveryState, WebhookDelivery

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/outbox")
@requires(can_manage_users)
def list_outbox() -> Any:
    state = request.args.get("state", OutboxState.failed.value)
    try:
        wanted = OutboxState(state)
    except ValueError:
        wanted = OutboxState.failed
    page = db.paginate(
        operations.messages_in_state(wanted),
        page=page_number(), per_page=50, error_out=False)
    return render_template("admin/outbox.html", page=page, state=wanted, counts=outbox.counts(),
                           paused=outbox.transport_problem(),
                           webhook_counts=webhooks.counts(),
                           failed_webhooks=db.session.scalars(
                               webhooks.deliveries_in_state(DeliveryState.failed).limit(50)).all())


@bp.post("/outbox/webhooks/<int:delivery_id>/retry")
@requires(can_manage_users)
def retry_webhook_delivery(delivery_id: int) -> Any:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    if retry_delivery(delivery):
        db.session.commit()
        flash(f"Webhook delivery {delivery.delivery_id} is queued again.", "info")
    else:
        flash("Only a delivery that gave up can be retried.", "error")
    return redirect(url_for(".list_outbox"), 303)


def _webhooks_page(form: WebhookForm, status: int = 200) -> Any:
    endpoints = db.session.scalars(webhooks.endpoints()).all()
    return render_template("admin/webhooks.html", form=form, endpoints=endpoints), status


@bp.get("/webhooks")
@requires(can_manage_users)
def list_webhooks() -> Any:
    return _webhooks_page(WebhookForm())


@bp.post("/webhooks")
@requires(can_manage_users)
def create_webhook() -> Any:
    form = WebhookForm()
    if not form.validate():
        return _webhooks_page(form, 422)
    try:
        created = webhooks.create_endpoint(actor=g.user, url=form.url.data,
                                           events=form.events.data, secret=form.secret.data)
    except RuleViolation as err:
        db.session.rollback()
        form.attach(err)
        return _webhooks_page(form, 422)
    db.session.commit()
    flash(f"Webhook {created.id} added.", "info")
    return redirect(url_for(".list_webhooks"), 303)


@bp.post("/webhooks/<int:webhook_id>/delete")
@requires(can_manage_users)
def delete_webhook(webhook_id: int) -> Any:
    webhooks.delete_endpoint(webhooks.get_endpoint(webhook_id), actor=g.user)
    db.session.commit()
    flash(f"Webhook {webhook_id} deleted.", "info")
    return redirect(url_for(".list_webhooks"), 303)


@bp.post("/outbox/<int:message_id>/retry")
@requires(can_manage_users)
def retry_message(message_id: int) -> Any:
    message = operations.get_message(message_id)
    try:
        operations.retry_message(message, actor=g.user)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(f"Message {message.id} to {message.recipient} is queued again.", "info")
    return redirect(url_for(".list_outbox", state=OutboxState.failed.value), 303)


@bp.get("/audit")
@requires(can_manage_users)
def list_audit() -> Any:
    statement = (sa.select(AuditEvent).options(sa.orm.joinedload(AuditEvent.actor))
                 .order_by(AuditEvent.id.desc()))
    action = search_text("action", 80)
    if action:
        statement = statement.where(AuditEvent.action.startswith(action, autoescape=True))
    page = db.paginate(statement, page=page_number(), per_page=100,
                       error_out=False)
    return render_template("admin/audit.html", page=page, action=action, describe=describe)
