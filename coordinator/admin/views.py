from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from coordinator.access import requires
from coordinator.accounts.permissions import can_manage_users
from coordinator.admin import operations
from coordinator.audit.history import describe
from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.errors import Conflict
from coordinator.mail import outbox
from coordinator.mail.models import OutboxState
from coordinator.web import page_number, search_text

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
                           paused=outbox.transport_problem())


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
