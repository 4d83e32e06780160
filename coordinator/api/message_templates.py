"""Candidate mail wording, for recruiters and admins: list, read, change, reset (the twin of
the /settings/messages pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g
from pydantic import Field

from coordinator.api import bp
from coordinator.api.core import Out, PageOf, PageQuery, Schema, endpoint
from coordinator.db import db
from coordinator.message_templates import operations
from coordinator.message_templates.permissions import can_edit_message_templates


class PlaceholderOut(Out):
    name: str
    meaning: str
    multi_line: bool = Field(description="Several lines: allowed in the body only.")


class MessageTemplateIn(Schema):
    multi_line = frozenset({"body"})

    subject: str = Field(description="One line, at most 200 characters; placeholders such as "
                                     "`{candidate_name}` (one-line ones only).")
    body: str = Field(description="Plain text, at most 10,000 characters; the HTML part is made "
                                  "from it, escaped. `{{` and `}}` stand for braces.")


class MessageTemplateOut(Out):
    key: str
    title: str
    sent_when: str
    subject: str
    body: str
    is_default: bool = Field(description="True while the built-in wording is sent.")
    updated_at: datetime | None
    updated_by_id: int | None
    placeholders: list[PlaceholderOut]

    @classmethod
    def of(cls, wording: operations.Wording) -> MessageTemplateOut:
        saved = wording.saved
        return cls(
            key=wording.kind.key, title=wording.kind.title, sent_when=wording.kind.when,
            subject=wording.subject, body=wording.body, is_default=saved is None,
            updated_at=saved.updated_at if saved else None,
            updated_by_id=saved.updated_by_id if saved else None,
            placeholders=[PlaceholderOut(name=p.name, meaning=p.meaning, multi_line=p.multi_line)
                          for p in wording.kind.placeholders])


@endpoint(bp, "GET", "/message-templates", summary="Candidate mail wordings (recruiter, admin)",
          allow=can_edit_message_templates, query=PageQuery,
          response=PageOf[MessageTemplateOut], paginated=True, tag="message templates")
def list_message_templates(query: PageQuery) -> Any:
    wordings = operations.wordings()
    start = (query.page - 1) * query.per_page
    return {"items": [MessageTemplateOut.of(w) for w in wordings[start:start + query.per_page]],
            "page": query.page, "per_page": query.per_page, "total": len(wordings)}


@endpoint(bp, "GET", "/message-templates/<message_key>",
          summary="One candidate mail's wording (recruiter, admin)",
          allow=can_edit_message_templates, response=MessageTemplateOut,
          tag="message templates")
def get_message_template(message_key: str) -> Any:
    return MessageTemplateOut.of(operations.wording(message_key))


@endpoint(bp, "PUT", "/message-templates/<message_key>",
          summary="Change a candidate mail's wording (recruiter, admin)",
          allow=can_edit_message_templates, body=MessageTemplateIn,
          response=MessageTemplateOut, tag="message templates",
          description="`422` with every problem of `subject` and `body` (unknown placeholder, "
                      "a lone brace, a multi-line placeholder in the subject, too long).")
def put_message_template(message_key: str, body: MessageTemplateIn) -> Any:
    operations.get_kind(message_key)
    operations.save(message_key, subject=body.subject, body=body.body, actor=g.user)
    db.session.commit()
    return MessageTemplateOut.of(operations.wording(message_key))


@endpoint(bp, "DELETE", "/message-templates/<message_key>",
          summary="Go back to the default wording (recruiter, admin)",
          allow=can_edit_message_templates, response=MessageTemplateOut,
          tag="message templates")
def reset_message_template(message_key: str) -> Any:
    operations.reset(message_key, actor=g.user)
    db.session.commit()
    return MessageTemplateOut.of(operations.wording(message_key))
