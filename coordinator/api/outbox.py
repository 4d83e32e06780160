"""The outbox, for admins: messages by state, and retrying one that failed."""

from __future__ import annotations

from typing import Any, Literal

from flask import g
from pydantic import Field

from coordinator.accounts.permissions import can_manage_users
from coordinator.admin import operations
from coordinator.api import bp
from coordinator.api.core import Out, PageOf, PageQuery, endpoint, paginate
from coordinator.db import db
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.timeutil import isoformat_z

OutboxStateName = Literal["pending", "sent", "failed"]


class OutboxMessageOut(Out):
    id: int
    kind: str
    recipient: str
    subject: str
    state: OutboxStateName
    attempts: int
    last_error: str | None
    created_at: str = Field(description="UTC instant, ISO 8601 with Z.")
    next_attempt_at: str | None = Field(description="When a pending message is due (UTC).")
    sent_at: str | None = Field(description="When it was sent (UTC); null until then.")

    @classmethod
    def of(cls, message: OutboxMessage) -> OutboxMessageOut:
        return cls(id=message.id, kind=message.kind, recipient=message.recipient,
                   subject=message.subject, state=message.state.value,
                   attempts=message.attempts, last_error=message.last_error,
                   created_at=isoformat_z(message.created_at) or "",
                   next_attempt_at=(isoformat_z(message.next_attempt_at)
                                    if message.state is OutboxState.pending else None),
                   sent_at=isoformat_z(message.sent_at))


class OutboxListQuery(PageQuery):
    state: OutboxStateName = Field("failed", description="Which messages; default `failed`.")


@endpoint(bp, "GET", "/outbox", summary="Outbox messages in one state, newest first (admin)",
          allow=can_manage_users, query=OutboxListQuery, response=PageOf[OutboxMessageOut],
          paginated=True, tag="outbox")
def list_outbox(query: OutboxListQuery) -> Any:
    return paginate(operations.messages_in_state(OutboxState(query.state)), query,
                    OutboxMessageOut.of)


@endpoint(bp, "POST", "/outbox/<int:message_id>/retry",
          summary="Queue a failed message again, due now (admin)", allow=can_manage_users,
          response=OutboxMessageOut, errors=(409,), tag="outbox",
          description="`409` (kind `not_retryable`) when the message was sent or a mail worker "
                      "is sending it right now.")
def retry_outbox_message(message_id: int) -> Any:
    message = operations.get_message(message_id)
    operations.retry_message(message, actor=g.user)
    db.session.commit()
    return OutboxMessageOut.of(message)
