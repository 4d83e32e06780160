"""Save, reset and use recruiters' wording of candidate mail.

:func:`render_mail` is the one hook composers call where they choose a message's subject and
parts: the saved wording when there is one, the built-in Jinja templates otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.message_templates import rendering
from coordinator.message_templates.catalogue import (
    BODY_MAX,
    BY_KEY,
    KINDS,
    SUBJECT_MAX,
    TEMPLATES,
    MessageKind,
)
from coordinator.message_templates.models import MessageTemplate
from coordinator.message_templates.placeholders import sample_values, values_for
from coordinator.timeutil import utcnow
from coordinator.validation import refused_character


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str

    @property
    def html_body(self) -> Markup:
        """The HTML part's body, to show inside a page (a preview)."""
        return rendering.html_paragraphs(self.text)


@dataclass(frozen=True)
class Wording:
    """One message as recruiters see it: its kind and the saved row (``None``: the default)."""

    kind: MessageKind
    saved: MessageTemplate | None

    @property
    def subject(self) -> str:
        return self.saved.subject if self.saved is not None else self.kind.subject

    @property
    def body(self) -> str:
        return self.saved.body if self.saved is not None else self.kind.body


def get_kind(key: str) -> MessageKind:
    kind = BY_KEY.get(key)
    if kind is None:
        raise NotFound("No such message.")
    return kind


#: Built once: a statement object keeps its cache key (every candidate mail asks).
_SAVED = sa.select(MessageTemplate).where(MessageTemplate.key == sa.bindparam("key"))


def saved(key: str) -> MessageTemplate | None:
    return db.session.scalar(_SAVED, {"key": key})


def wordings() -> list[Wording]:
    """Every editable message with its saved wording, if any (one query)."""
    rows = {row.key: row for row in db.session.scalars(
        sa.select(MessageTemplate).options(joinedload(MessageTemplate.updated_by)))}
    return [Wording(kind, rows.get(kind.key)) for kind in KINDS]


def wording(key: str) -> Wording:
    kind = get_kind(key)
    row = db.session.scalar(
        sa.select(MessageTemplate).where(MessageTemplate.key == key)
        .options(joinedload(MessageTemplate.updated_by)))
    return Wording(kind, row)


def check(kind: MessageKind, subject: str, body: str) -> None:
    """Refuse wording that could not be sent: every problem of both fields at once."""
    errors: dict[str, list[str]] = {}
    subject_errors, body_errors = [], []
    if not subject.strip():
        subject_errors.append("Give a subject.")
    elif len(subject) > SUBJECT_MAX:
        subject_errors.append(f"At most {SUBJECT_MAX} characters (this is {len(subject)}).")
    if (message := refused_character(subject, multi_line=False)) is not None:
        subject_errors.append(message)
    subject_errors += rendering.problems(subject, kind, subject=True)
    if not body.strip():
        body_errors.append("Give the message's text.")
    elif len(body) > BODY_MAX:
        body_errors.append(f"At most {BODY_MAX} characters (this is {len(body)}).")
    if (message := refused_character(body, multi_line=True)) is not None:
        body_errors.append(message)
    body_errors += rendering.problems(body, kind)
    if subject_errors:
        errors["subject"] = subject_errors
    if body_errors:
        errors["body"] = body_errors
    if errors:
        raise RuleViolation.many(errors)


def save(key: str, *, subject: str, body: str, actor: User) -> MessageTemplate:
    """Store ``actor``'s wording of one message (checked first); audited with the old text."""
    kind = get_kind(key)
    body = body.replace("\r\n", "\n")
    check(kind, subject, body)
    row = saved(key)
    before = (row.subject, row.body) if row is not None else None
    if row is None:
        row = MessageTemplate(key=key, subject=subject, body=body)
        db.session.add(row)
    row.subject, row.body = subject, body
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.flush()
    record(actor, "message_template.saved", row, key=key, subject=subject, body=body,
           previous_subject=before[0] if before else None,
           previous_body=before[1] if before else None)
    return row


def reset(key: str, *, actor: User) -> bool:
    """Go back to the built-in wording; ``False`` when it was already in use."""
    get_kind(key)
    row = saved(key)
    if row is None:
        return False
    record(actor, "message_template.reset", row, key=key, previous_subject=row.subject,
           previous_body=row.body)
    db.session.delete(row)
    db.session.flush()
    return True


def preview(kind: MessageKind, subject: str, body: str) -> Rendered:
    """The message as a candidate would get it, with the catalogue's sample values."""
    return _render(kind, subject, body, sample_values(kind))


def _render(kind: MessageKind, subject: str, body: str, values: Mapping[str, str]) -> Rendered:
    rendered_subject = rendering.render_subject(subject, values)
    text = rendering.render_body(body, values)
    return Rendered(rendered_subject, text, rendering.html_from_text(text, rendered_subject))


def kind_for(template: str, context: Mapping[str, Any]) -> MessageKind | None:
    """Which editable message a composer's Jinja template and context amount to, if any."""
    if template not in TEMPLATES:
        return None
    if template == "interview_candidate":
        if context.get("cancelled"):
            return BY_KEY["interview_cancellation"]
        return BY_KEY["interview_update" if context.get("updated") else "interview_invitation"]
    return next(kind for kind in KINDS if kind.template == template)


def render_mail(template: str, context: Mapping[str, Any], *, subject: str) -> Rendered:
    """A message's subject, text and HTML: the recruiters' wording when saved for it, else the
    built-in ``templates/email/<template>.txt|.html`` with ``subject``."""
    kind = kind_for(template, context)
    row = saved(kind.key) if kind is not None else None
    if kind is None or row is None:
        return Rendered(subject, render_template(f"email/{template}.txt", **context),
                        render_template(f"email/{template}.html", **context))
    return _render(kind, row.subject, row.body, values_for(kind, context))
