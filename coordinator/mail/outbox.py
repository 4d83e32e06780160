"""The outbox: enqueue in the caller's transaction; deliver with claims, retries and backoff.

Delivery claims and loads due messages with a lease in one statement (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several workers on several machines never take the same message),
sends each over one SMTP connection and records each outcome with one primary-key UPDATE on a
connection held for the run, no transaction held open by the worker while a message is being
sent. On PostgreSQL the UPDATE of one message commits while the next message is transferred,
and the server gets that message's end of data only once the commit is durable. A worker that dies
mid-batch leaves its unsent claims to expire and be retried; a failed send is retried with
exponential backoff until ``MAIL_MAX_ATTEMPTS``, then kept as ``failed`` for an admin to retry.

Errors come in two classes. One about a message (its recipient refused, 5xx for good or 4xx for
now) is that message's outcome. One about the server itself (nobody answers, STARTTLS or AUTH not
offered, the login or the sender refused) would fail every message alike: the run pauses, the
messages stay queued with their attempts untouched, and the cause is kept in
:class:`MailTransportStatus` (shown at /admin/outbox) while workers back off, 30 s doubling up to
2 hours, before trying the server again.
"""

from __future__ import annotations

import logging
import re
import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from typing import Any

import sqlalchemy as sa

from coordinator.db import db, upsert_insert
from coordinator.leases import (
    backoff,
    claim_due,
    claim_parameters,
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
) -> OutboxMessage | None:
    """Store a message for delivery in the current transaction.

    With a ``dedupe_key`` already used, nothing is stored and ``None`` is returned.
    """
    if (
        dedupe_key is not None
        and db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        is not None
    ):
        return None
    row = OutboxMessage(**_values(message, kind=kind, dedupe_key=dedupe_key))
    db.session.add(row)
    db.session.flush()
    return row


_INSERT_RETURNING_IDS = sa.insert(OutboxMessage.__table__).returning(
    OutboxMessage.__table__.c.id, sort_by_parameter_order=True
)


def insert_now(messages: Sequence[tuple[Composed, str]]) -> list[int]:
    """Store (message, kind) pairs for delivery in the current transaction at once, with one
    Core statement (no ``OutboxMessage`` objects, no flush); their ids, in the given order."""
    if not messages:
        return []
    rows = [_values(message, kind=kind, dedupe_key=None) for message, kind in messages]
    return list(db.session.execute(_INSERT_RETURNING_IDS, rows).scalars())


def _values(message: Composed | EmailMessage, *, kind: str,
            dedupe_key: str | None) -> dict[str, Any]:
    """An outbox row's column values for a message (``created_at`` is the column default)."""
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
    return {
        "kind": kind,
        "recipient": recipient,
        "subject": subject[:300],
        "message_id": message_id,
        "raw": raw,
        "dedupe_key": dedupe_key,
        "state": OutboxState.pending,
        "attempts": 0,
        "next_attempt_at": utcnow(),
    }


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
    each message on its own: its UPDATE is committed while the next message is transferred, and
    the server is asked to accept that message only once the commit is durable (the transport's
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
    db.session.execute(
        upsert_insert(db.session.get_bind().dialect.name)(MailTransportStatus)
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
#: A claim, which loads what sending needs.
_CLAIM = claim_statement(
    OutboxMessage, OutboxState.pending, _outbox.c.recipient, _outbox.c.raw, _outbox.c.attempts
)


class _Recorder:
    """The one connection a delivery run holds: claims, give-backs and outcomes, with no pool
    checkout, liveness ping or ORM work per message.

    On PostgreSQL the connection is in autocommit mode: a claim or a give-back is one statement
    and one round trip, and an outcome is one primary-key UPDATE, committed on its own. With
    psycopg the outcome is sent as a prepared statement through libpq's asynchronous interface
    (``PQsendQueryPrepared``) without waiting for the answer: the server commits it (and waits
    for the disk) while the worker goes on with the next message's SMTP exchange, and
    :meth:`settle` reads the answer, raising if the outcome was not recorded, before the server is
    asked to accept that message. At most one outcome is in flight; the connection is idle again,
    as psycopg left it, before anything else uses it. A group of outcomes (``record_every`` > 1)
    is one executemany in ``BEGIN`` … ``COMMIT``, waited for. Elsewhere (SQLite, another
    driver) each group is written and committed before :meth:`record` returns. A connection that
    broke is dropped (an unsettled outcome with it) and replaced at the next use. When the
    session is bound to a caller's connection (the tests' outer transaction) each write is a
    savepoint on it instead.
    """

    #: The server-side name of the prepared outcome UPDATE (kept with the pooled connection).
    STATEMENT = b"coordinator_outbox_outcome"

    def __init__(self) -> None:
        self.connection: sa.Connection | None = None
        self.owned = False
        self.autocommit = False
        #: libpq's connection (psycopg.pq) when outcomes are sent asynchronously, the order of
        #: the prepared UPDATE's parameters with their conversions, and a poller on its socket.
        self.pgconn: Any = None
        self.parameters: list[tuple[str, Callable[[Any], Any] | None]] = []
        self.poller: Any = None
        self.encoding = "utf-8"
        #: An outcome was sent and its answer is not read yet.
        self.in_flight = False
        #: Set when recording failed: the run stops rather than send more.
        self.failed = False

    def claim(self, batch_size: int, now: datetime, lease: timedelta) -> list[_Claimed]:
        """Take and load up to ``batch_size`` due messages in one statement."""
        parameters = claim_parameters(batch_size, now, lease)
        rows = in_claim_order(self._durably(lambda c: c.execute(_CLAIM, parameters).all()))
        return [_Claimed(row.id, row.recipient, row.raw, row.attempts) for row in rows]

    def release(self, ids: list[int], lease_until: datetime) -> None:
        statement = release_statement(OutboxMessage, OutboxState.pending, ids, lease_until)
        self._durably(lambda c: c.execute(statement))

    def record(self, rows: list[dict[str, object]]) -> None:
        params = [{f"b_{key}": value for key, value in row.items()} for row in rows]
        connection = self._connection()
        if self.pgconn is not None and len(params) == 1:
            self.settle()
            self._guarded(lambda: self._send(params[0]))
        elif self.owned and self.autocommit and len(params) > 1:
            self.settle()
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
        if self.in_flight:
            self.in_flight = False
            self._guarded(self._read_answer)

    def _send(self, row: dict[str, Any]) -> None:
        """The prepared UPDATE with this row's values (as text), sent without waiting."""
        if not self.parameters:
            self._prepare()
        values = []
        for name, process in self.parameters:
            value = row[name] if process is None else process(row[name])
            values.append(None if value is None else _as_text(value, self.encoding))
        self.pgconn.send_query_prepared(self.STATEMENT, values)
        self.in_flight = True
        while self.pgconn.flush():  # a non-blocking connection may take the bytes in parts
            self._wait(select.POLLOUT)

    def _read_answer(self) -> None:
        from psycopg import pq

        pgconn, answers = self.pgconn, []
        while True:
            while pgconn.is_busy():
                self._wait(select.POLLIN)
                pgconn.consume_input()
            if (result := pgconn.get_result()) is None:
                break
            answers.append(result)
        failed = [r for r in answers if r.status != pq.ExecStatus.COMMAND_OK]
        if failed or len(answers) != 1:
            raise _database_error(failed[0] if failed else None, "mail outcome not recorded")

    def _prepare(self) -> None:
        """Prepare the outcome UPDATE on this connection (once: it stays with the connection)."""
        from psycopg import pq

        connection = self._connection()
        compiled = _RECORD.compile(dialect=connection.dialect)
        names: list[str] = []

        def placeholder(match: re.Match[str]) -> str:
            names.append(match[1])
            return f"${len(names)}"

        sql = re.sub(r"%\((\w+)\)s", placeholder, compiled.string)
        prepared = self.pgconn.prepare(self.STATEMENT, sql.encode())
        state = prepared.error_field(pq.DiagnosticField.SQLSTATE)
        if prepared.status != pq.ExecStatus.COMMAND_OK and state != b"42P05":  # not "exists"
            raise _database_error(prepared, "cannot prepare the mail outcome")
        dialect = connection.dialect
        self.parameters = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]

    def _wait(self, event: int) -> None:
        if self.poller is None:
            self.poller = select.poll()
        self.poller.register(self.pgconn.socket, event)
        try:
            self.poller.poll()
        finally:
            self.poller.unregister(self.pgconn.socket)

    def _durably(self, work: Callable[[sa.Connection], Any]) -> Any:
        """Run ``work`` on the held connection and make it durable before returning."""
        self.settle()
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
        except BaseException:
            self.failed = True
            self._drop()
            raise

    def _connection(self) -> sa.Connection:
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.failed = False
            bind = db.session.get_bind()
            self.pgconn, self.parameters, self.poller, self.in_flight = None, [], None, False
            if isinstance(bind, sa.Connection):
                self.connection, self.owned, self.autocommit = bind, False, False
            else:
                connection = bind.connect()
                self.autocommit = bind.dialect.name == "postgresql"
                if self.autocommit:
                    connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                self.connection, self.owned = connection, True
                if self.autocommit and bind.dialect.driver == "psycopg":
                    driver = connection.connection.driver_connection
                    self.pgconn, self.encoding = driver.pgconn, driver.info.encoding
        return self.connection

    def _drop(self) -> None:
        if self.connection is not None and self.owned:
            self.connection.invalidate()
            self.connection.close()
        self.connection = self.pgconn = None
        self.in_flight = False

    def close(self) -> None:
        try:
            self.settle()
        finally:
            if self.connection is not None and self.owned:
                self.connection.close()
            self.connection = self.pgconn = None


def _database_error(result: Any, what: str) -> Exception:
    """psycopg's exception for a failed libpq result (by its SQLSTATE), as psycopg raises it."""
    from psycopg import errors, pq

    if result is None:
        return errors.OperationalError(f"{what}: no answer")
    state = result.error_field(pq.DiagnosticField.SQLSTATE)
    error = errors.lookup(state.decode()) if state else errors.OperationalError
    return error(f"{what}: {result.error_message.decode(errors='replace').strip()}")


def _as_text(value: Any, encoding: str) -> bytes:
    """A parameter in PostgreSQL's text format (the statement's casts give the types)."""
    if isinstance(value, datetime):
        return value.isoformat().encode()
    return str(value).encode(encoding, errors="replace")


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
