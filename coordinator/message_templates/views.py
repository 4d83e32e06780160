"""Pages where recruiters and admins word the mail candidates receive."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from coordinator.access import requires
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.message_templates import operations
from coordinator.message_templates.forms import MessageTemplateForm
from coordinator.message_templates.permissions import can_edit_message_templates

bp = Blueprint("message_templates", __name__, url_prefix="/settings/messages")


@bp.get("")
@requires(can_edit_message_templates)
def list_message_templates() -> Any:
    return render_template("message_templates/list.html", wordings=operations.wordings())


def _edit_page(wording: operations.Wording, form: MessageTemplateForm,
               preview: operations.Rendered | None, status: int) -> Any:
    return render_template("message_templates/edit.html", wording=wording, kind=wording.kind,
                           form=form, preview=preview), status


@bp.get("/<message_key>")
@requires(can_edit_message_templates)
def edit_message_template(message_key: str) -> Any:
    wording = operations.wording(message_key)
    form = MessageTemplateForm(data={"subject": wording.subject, "body": wording.body})
    preview = operations.preview(wording.kind, wording.subject, wording.body)
    return _edit_page(wording, form, preview, 200)


@bp.post("/<message_key>")
@requires(can_edit_message_templates)
def save_message_template(message_key: str) -> Any:
    wording = operations.wording(message_key)
    form = MessageTemplateForm()
    form.validate()
    subject, body = form.subject.data or "", form.body.data or ""
    # The placeholder check runs even when a field failed its shape check, so that every
    # problem is shown at once.
    try:
        operations.check(wording.kind, subject, body)
    except RuleViolation as err:
        db.session.rollback()
        form.attach(err)
    if form.errors or form.form_errors:
        for name in ("subject", "body"):
            field = getattr(form, name)
            field.errors = list(dict.fromkeys(field.errors))
        return _edit_page(wording, form, None, 422)
    if request.form.get("action") == "preview":
        return _edit_page(wording, form, operations.preview(wording.kind, subject, body), 200)
    operations.save(message_key, subject=subject, body=body, actor=g.user)
    db.session.commit()
    flash(f"“{wording.kind.title}” saved: candidates now get this wording.", "info")
    return redirect(url_for(".edit_message_template", message_key=message_key), 303)


@bp.post("/<message_key>/reset")
@requires(can_edit_message_templates)
def reset_message_template(message_key: str) -> Any:
    wording = operations.wording(message_key)
    if operations.reset(message_key, actor=g.user):
        db.session.commit()
        flash(f"“{wording.kind.title}” is back to the default wording.", "info")
    else:
        flash(f"“{wording.kind.title}” already uses the default wording.", "info")
    return redirect(url_for(".edit_message_template", message_key=message_key), 303)
