"""The outbox: enqueue in the caller's transaction; deliver with claims, retries and backoff.

Delivery claims due messages with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers on several machines never take the same message), sends each over one SMTP connection
and records the outcomes in short transactions, a small group at a time, none open while a
message is being sent. A worker that dies mid-batch leaves its unsent claims to expire and be
retried; a failed send is retried with exponential backoff until ``MAIL_MAX_ATTEMPTS``, then
kept as ``failed`` for an admin to retry.

Errors come in two classes. One about a message (its recipient refused, 5xx for good or 4xx for
now) is that message's outcome. One about the server itself (nobody answers, STARTTLS or AUTH not
offered, the login or the sender refused) would fail every message alike: the run pauses, the
messages stay queued with their attempts untouched, and the cause is kept in
:class:`MailTransportStatus` (shown at /admin/outbox) while workers back off, 30 s doubling up to
2 hours, before trying the server again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from coordinator.db import db
from coordinator.leases import (
    backoff,
    claim_due,
    claim_statement,
    in_claim_order,
    outcome_row,
    release_statement,
)
from coordinator.mail.messages import Composed
from coordinator.mail.models import MailTransportStatus, OutboxMessage, OutboxState
from coordinator.mail.smtp import Transport, TransportError, TransportUnavailable
from coordinator.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
DEFAULT_MAX_ATTEMPTS = 8


def enqueue(
    message: Composed | EmailMessage,
    *,
    kind: str,
    dedupe_key: str | None = None,
    flush: bool = True,
) -> OutboxMessage | None:
    """Store a message for delivery in the current transaction.

    With a ``dedupe_key`` already used, nothing is stored and ``None`` is returned. With
    ``flush=False`` the row gets its id at the caller's next flush (several rows, one INSERT).
    """
    if (
        dedupe_key is not None
        and db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        is not None
    ):
        return None
    if isinstance(message, Composed):
        recipient, subject, message_id, raw = (
            message.recipient,
            message.subject,
            message.message_id,
            message.raw,
        )
    else:
        recipient = message["To"].addresses[0].addr_spec
        # An address beyond ASCII cannot be written as RFC 2047 words: such a message is
        # written in UTF-8 (RFC 6532) and the transport sends it with SMTPUTF8.
        addresses = [
            a.addr_spec
            for name in ("From", "To", "Reply-To")
            if message[name]
            for a in message[name].addresses
        ]
        policy = SMTP if all(a.isascii() for a in addresses) else SMTPUTF8
        subject, message_id = str(message["Subject"]), str(message["Message-ID"])
        raw = message.as_bytes(policy=policy)
    row = OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=subject[:300],
        message_id=message_id,
        raw=raw,
        dedupe_key=dedupe_key,
        state=OutboxState.pending,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    if flush:
        db.session.flush()
    return row


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    #: Why delivery is paused (a problem with the server itself), or None.
    paused: str | None = None

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def claim(batch_size: int, now: datetime | None = None, lease: timedelta = LEASE) -> list[int]:
    """Take up to ``batch_size`` due messages for this worker (commits the claim)."""
    return claim_due(OutboxMessage, OutboxState.pending, batch_size, now or utcnow(), lease)


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    raw: bytes
    attempts: int


def deliver_due(
    transport: Transport,
    *,
    batch_size: int = 50,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    lease: timedelta = LEASE,
    record_every: int = 1,
) -> DeliveryReport:
    """Send every message due now, batch after batch, until none is left.

    Each batch is claimed and loaded in one statement. A send starts only while at least half of
    the batch's lease is left, so that no message is sent after its lease ran out (when another
    worker may have claimed it); the rest of the batch is given back and claimed afresh.

    ``record_every`` is how many outcomes are written per transaction. 1 (the default) records
    each message on its own: its UPDATE is committed while the next message's SMTP exchange
    starts, and that message is transferred only once the commit is durable (the transport's
    ``ready``), so a worker killed with SIGKILL can resend at most the one message it was
    sending. Larger groups are cheaper but may resend up to that many after a crash.
    """
    report = DeliveryReport()
    status = transport_problem()
    paused_until = None if status is None else status.retry_at
    problem = None if status is None else status.problem
    # The run works on a connection of its own: hold no transaction on the session's meanwhile
    # (what the caller flushed is committed, as a claim through the session would).
    db.session.commit()
    if paused_until is not None and paused_until > utcnow():
        report.paused = problem
        transport.close()
        return report
    recorder = _Recorder()
    outcomes = _Outcomes(max_attempts, report, max(1, record_every), recorder)
    try:
        while report.paused is None:
            claimed_at = utcnow()
            batch = recorder.claim(batch_size, claimed_at, lease)
            if not batch:
                break
            deadline = claimed_at + lease / 2
            for index, message in enumerate(batch):
                if index and utcnow() >= deadline:
                    outcomes.write()
                    recorder.release([m.id for m in batch[index:]], claimed_at + lease)
                    break
                error = _send(transport, message, recorder)
                if isinstance(error, TransportUnavailable):
                    outcomes.write()
                    recorder.release([m.id for m in batch[index:]], claimed_at + lease)
                    report.paused = _pause(str(error))
                    break
                outcomes.add(message, error)
            outcomes.write()
            recorder.settle()
        if report.paused is None and report.total and status is not None:
            _resume()
    finally:
        try:
            outcomes.write()  # even when interrupted: what was sent is recorded as sent
            recorder.settle()
        finally:
            recorder.close()
            db.session.expire_all()  # outcomes were written beside the session
            transport.close()
    return report


def transport_problem() -> MailTransportStatus | None:
    """The problem with the server that paused delivery, if there is one (for /admin/outbox)."""
    status = db.session.get(MailTransportStatus, 1)
    return status if status is not None and status.problem is not None else None


def _pause(problem: str) -> str:
    """Record that the server cannot be used and when to try it again; returns the problem."""
    now = utcnow()
    failures = (
        db.session.scalar(
            sa.select(MailTransportStatus.failures).where(MailTransportStatus.id == 1)
        )
        or 0
    ) + 1
    values = {
        "problem": problem[:2000],
        "failures": failures,
        "failed_at": now,
        "retry_at": now + backoff(failures),
    }
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(MailTransportStatus)
        .values(id=1, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )
    db.session.commit()
    log.error(
        "mail delivery paused until %s (%s in a row), messages stay queued: %s",
        values["retry_at"],
        failures,
        problem,
    )
    return problem


def _resume() -> None:
    """A run got through to the server: the recorded problem is over."""
    db.session.execute(
        sa.update(MailTransportStatus)
        .where(MailTransportStatus.id == 1)
        .values(problem=None, failures=0, failed_at=None, retry_at=None)
    )
    db.session.commit()
    log.info("mail delivery resumed")


def _send(transport: Transport, message: _Claimed, recorder: _Recorder) -> TransportError | None:
    """Hand one message to the transport; the error, or None when it was accepted. The
    transport calls ``recorder.settle`` before the message can be accepted; if the previous
    outcomes could not be recorded, that error stops the run (the message was not sent)."""
    try:
        transport.send(message.id, message.recipient, message.raw, recorder.settle)
    except TransportError as err:
        return err
    except Exception as err:
        if recorder.failed:
            raise
        # Whatever goes wrong with one message must not stop the queue behind it.
        log.exception("mail %s: unexpected error while sending", message.id)
        return TransportError(f"{type(err).__name__}: {err}")
    return None


class _Outcomes:
    """Outcomes waiting to be written: one short transaction per group of messages.

    A group is written after ``group_size`` messages, ``GROUP_SECONDS`` or the end of a batch,
    whichever comes first. A worker killed mid-group may send that group again once its lease
    runs out (at-least-once delivery, as with any crash between the server's reply and the
    commit), so the default group is one message.
    """

    GROUP_SECONDS = 0.5

    def __init__(
        self, max_attempts: int, report: DeliveryReport, group_size: int, recorder: _Recorder
    ) -> None:
        self.max_attempts, self.report = max_attempts, report
        self.group_size = group_size
        self.rows: list[dict[str, object]] = []
        self.started = 0.0
        self.recorder = recorder

    def add(self, message: _Claimed, error: TransportError | None) -> None:
        now = utcnow()
        if not self.rows:
            self.started = time.monotonic()
        gave_up = error is not None and (error.permanent or message.attempts >= self.max_attempts)
        if error is None:
            self.report.sent += 1
        else:
            if gave_up:
                self.report.failed += 1
            else:
                self.report.retried += 1
            log.warning(
                "mail %s to %s not sent (attempt %s): %s",
                message.id,
                message.recipient,
                message.attempts,
                error,
            )
        self.rows.append(
            outcome_row(
                message.id,
                now=now,
                attempts=message.attempts,
                error=None if error is None else str(error),
                gave_up=gave_up,
                done=OutboxState.sent,
                pending=OutboxState.pending,
                failed=OutboxState.failed,
                done_at="sent_at",
            )
        )
        if (
            len(self.rows) >= self.group_size
            or time.monotonic() - self.started >= self.GROUP_SECONDS
        ):
            self.write()

    def write(self) -> None:
        if self.rows:
            rows, self.rows = self.rows, []
            self.recorder.record(rows)


#: One outcome: a primary-key UPDATE (run once per message of a group, as an executemany).
_outbox = OutboxMessage.__table__
_RECORD = (
    sa.update(_outbox)
    .where(_outbox.c.id == sa.bindparam("b_id"))
    .values(
        {
            name: sa.bindparam(f"b_{name}")
            for name in ("state", "sent_at", "lease_until", "last_error", "next_attempt_at")
        }
    )
)
_CLAIMED = (_outbox.c.recipient, _outbox.c.raw, _outbox.c.attempts)


class _Recorder:
    """The one connection a delivery run holds: claims, give-backs and outcomes, with no pool
    checkout, liveness ping or ORM work per message.

    On PostgreSQL the connection is in autocommit mode: a claim or a give-back is one statement
    and one round trip. An outcome group is ``BEGIN``, its primary-key UPDATE (an executemany
    for a group) and ``COMMIT``, sent in psycopg's pipeline mode without waiting for the answer:
    the server commits it (and waits for the disk) while the worker goes on with the next
    message's SMTP exchange, and :meth:`settle` collects the answer, raising if the group was not
    recorded, before that message is transferred. Elsewhere (SQLite, or a driver without pipeline
    mode) each group is written and committed before :meth:`record` returns. A connection that
    broke is dropped (an unsettled group with it) and replaced at the next use. When the session
    is bound to a caller's connection (the tests' outer transaction) each write is a savepoint on
    it instead.
    """

    def __init__(self) -> None:
        self.connection: sa.Connection | None = None
        self.owned = False
        self.autocommit = False
        #: psycopg's connection and a cursor when outcomes are pipelined, and the UPDATE as
        #: psycopg runs it.
        self.driver: Any = None
        self.cursor: Any = None
        self.update: tuple[str, dict[str, Callable[[Any], Any] | None]] | None = None
        self.stack = ExitStack()
        self.pipeline: Any = None
        #: Outcomes were sent down the pipeline and their answers are not read yet.
        self.unsettled = False
        #: Set when recording failed: the run stops rather than send more.
        self.failed = False

    def claim(self, batch_size: int, now: datetime, lease: timedelta) -> list[_Claimed]:
        """Take and load up to ``batch_size`` due messages in one statement."""
        statement = claim_statement(
            OutboxMessage, OutboxState.pending, batch_size, now, lease, *_CLAIMED
        )
        rows = in_claim_order(self._durably(lambda c: c.execute(statement).all()))
        return [_Claimed(row.id, row.recipient, row.raw, row.attempts) for row in rows]

    def release(self, ids: list[int], lease_until: datetime) -> None:
        statement = release_statement(OutboxMessage, OutboxState.pending, ids, lease_until)
        self._durably(lambda c: c.execute(statement))

    def record(self, rows: list[dict[str, object]]) -> None:
        params = [{f"b_{key}": value for key, value in row.items()} for row in rows]
        connection = self._connection()
        if self.driver is not None:
            self._send_pipelined(params)
        elif self.owned and self.autocommit and len(params) > 1:
            self._guarded(
                lambda: (
                    connection.exec_driver_sql("BEGIN"),
                    connection.execute(_RECORD, params),
                    connection.exec_driver_sql("COMMIT"),
                )
            )
        else:
            self._durably(lambda c: c.execute(_RECORD, params))

    def settle(self) -> None:
        """Wait until every outcome recorded so far is durable; raise if one was not."""
        if self.unsettled:
            self.unsettled = False
            self._guarded(self.pipeline.sync)  # sends Sync, reads every answer, errors included

    def _send_pipelined(self, params: list[dict[str, Any]]) -> None:
        sql, processors = self.update or self._driver_update()
        values = [
            {
                key: value if (process := processors[key]) is None else process(value)
                for key, value in row.items()
            }
            for row in params
        ]

        def send() -> None:
            if self.pipeline is None:
                self.pipeline = self.stack.enter_context(self.driver.pipeline())
            self.cursor.execute("BEGIN")
            if len(values) == 1:
                self.cursor.execute(sql, values[0])
            else:
                self.cursor.executemany(sql, values)
            self.cursor.execute("COMMIT")  # runs on arrival, before the Sync that settle() sends
            self.unsettled = True

        self._guarded(send)

    def _leave_pipeline(self) -> None:
        """Settle, and take the connection out of pipeline mode (for a claim or a give-back)."""
        self.settle()
        if self.pipeline is not None:
            self.pipeline = None
            self._guarded(self.stack.close)

    def _driver_update(self) -> tuple[str, dict[str, Callable[[Any], Any] | None]]:
        """The outcome UPDATE compiled for this dialect once, and each parameter's conversion
        (the enum to its string, datetimes checked for a zone), for the driver's cursor."""
        dialect = self._connection().dialect
        compiled = _RECORD.compile(dialect=dialect)
        processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        self.update = (compiled.string, processors)
        return self.update

    def _durably(self, work: Callable[[sa.Connection], Any]) -> Any:
        """Run ``work`` on the held connection and make it durable before returning."""
        self._leave_pipeline()
        connection = self._connection()
        if not self.owned:
            with connection.begin_nested():
                return work(connection)
        if self.autocommit:
            return self._guarded(lambda: work(connection))

        def committed() -> Any:
            result = work(connection)
            connection.commit()
            return result

        return self._guarded(committed)

    def _guarded(self, work: Callable[[], Any]) -> Any:
        """``work`` on the owned connection; if it fails, the connection is dropped (whatever it
        had not committed is rolled back with it) and the error raised."""
        try:
            return work()
        except Exception:
            self.failed = True
            self._drop()
            raise

    def _connection(self) -> sa.Connection:
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.failed = False
            bind = db.session.get_bind()
            if isinstance(bind, sa.Connection):
                self.connection, self.owned, self.autocommit = bind, False, False
                self.driver = self.cursor = None
            else:
                connection = bind.connect()
                self.autocommit = bind.dialect.name == "postgresql"
                if self.autocommit:
                    connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                self.connection, self.owned = connection, True
                self.driver = self.cursor = None
                if self.autocommit and bind.dialect.driver == "psycopg":
                    import psycopg

                    if psycopg.Pipeline.is_supported():
                        self.driver = connection.connection.driver_connection
                        self.cursor = self.driver.cursor()
        return self.connection

    def _drop(self) -> None:
        self.pipeline, self.unsettled, self.stack = None, False, ExitStack()
        if self.connection is not None and self.owned:
            self.connection.invalidate()
            self.connection.close()
        self.connection = self.driver = self.cursor = None

    def close(self) -> None:
        try:
            self._leave_pipeline()
        finally:
            if self.connection is not None and self.owned:
                self.connection.close()
            self.connection = self.driver = self.cursor = None


def is_retryable(message: OutboxMessage) -> bool:
    """Failed or waiting; not sent, and not held by a worker right now (its lease running):
    lifting the lease would let a second worker send it too."""
    if message.state is OutboxState.sent:
        return False
    return not (
        message.state is OutboxState.pending
        and message.lease_until is not None
        and message.lease_until > utcnow()
    )


def retry(message: OutboxMessage) -> bool:
    """Put a failed (or stuck) message back in the queue, due now (an admin's action); returns
    whether it did (a sent message, or one a worker holds, is left alone)."""
    if not is_retryable(message):
        return False
    message.state = OutboxState.pending
    message.next_attempt_at = utcnow()
    message.lease_until = None
    message.attempts = 0
    db.session.flush()
    return True


def counts() -> dict[OutboxState, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
    ).all()
    result = dict.fromkeys(OutboxState, 0)
    result.update({state: count for state, count in rows})
    return result
