"""The mail worker records each outcome with one primary-key UPDATE on a connection it holds.

Recording through a pooled session cost a pool checkout and a liveness ping per message; the
worker keeps one connection for the run, claims and loads a batch in one statement, and on
PostgreSQL commits each outcome while the next message's SMTP exchange goes on, transferring
that message only once the commit is durable. These need real commits (the tests' usual session
is one rolled-back transaction), so they run on a database of their own: PostgreSQL when a URL
is given, else a SQLite file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport
from coordinator.timeutil import freeze, utcnow
from tests.conftest import PG_URL, committed_app
from tests.mail.conftest import make_message

MESSAGES = 8
BOOKKEEPING = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
#: The pool's liveness check on checkout (psycopg's and SQLite's).
PINGS = {";", "SELECT 1"}


@pytest.fixture
def mail_app(tmp_path: Path) -> Iterator[Flask]:
    with committed_app("postgresql" if PG_URL else "sqlite", "recording", tmp_path) as app:
        with app.app_context():
            for n in range(MESSAGES):
                outbox.enqueue(make_message(f"person{n}@example.com"), kind="test")
            db.session.commit()
            db.session.close()
        yield app


@contextmanager
def driver_statements(engine: sa.Engine) -> Iterator[list[tuple[str, int]]]:
    """Every statement the database runs for this process, with its row count (an
    executemany's parameter sets), whoever sent it. On PostgreSQL that is read from libpq's
    trace of the wire protocol (each Execute, and the statement it binds), which also sees what
    the worker sends below SQLAlchemy and psycopg; on SQLite from SQLAlchemy's events."""
    seen: list[tuple[str, int]] = []
    if engine.dialect.driver == "psycopg":
        from psycopg import pq

        traces: dict[int, tuple[Any, Any]] = {}

        def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            pgconn = dbapi_connection.pgconn
            if id(pgconn) not in traces:
                file = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed after the block)
                pgconn.trace(file.fileno())
                pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
                traces[id(pgconn)] = (pgconn, file)

        sa.event.listen(engine.pool, "checkout", on_checkout)
        try:
            yield seen
        finally:
            sa.event.remove(engine.pool, "checkout", on_checkout)
            for pgconn, file in traces.values():
                pgconn.untrace()  # flushes what libpq wrote
                file.seek(0)
                seen.extend(executed(file.read()))
                file.close()
        return

    def on_execute(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        seen.append((statement, len(parameters) if executemany else 1))

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def executed(trace: str) -> list[tuple[str, int]]:
    """The statements a libpq trace shows the client executing, in order, each with the number
    of times it ran in a row before one Sync (an executemany, which psycopg pipelines)."""
    prepared: dict[str, str] = {}
    bound, statements, block = "", [], []
    for message in re.split(r"\n(?=[FB]\t)", trace):
        if not message.startswith("F\t"):
            continue
        kind = message.split("\t")[2]
        if kind == "Query":
            statements.append((message.split('"')[1], 1))
        elif kind == "Parse":
            name, query = re.match(r'F\t\d+\tParse\t "([^"]*)" "(.*)" \d', message, re.S).groups()
            prepared[name] = query
        elif kind == "Bind":
            bound = prepared[re.match(r'F\t\d+\tBind\t "[^"]*" "([^"]*)"', message)[1]]
        elif kind == "Execute":
            block.append(bound)
        elif kind == "Sync":
            runs: list[tuple[str, int]] = []
            for statement in block:
                if runs and runs[-1][0] == statement:
                    runs[-1] = (statement, runs[-1][1] + 1)
                else:
                    runs.append((statement, 1))
            statements.extend(runs)
            block = []
    return statements


def is_outcome(statement: str) -> bool:
    return statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGES SET STATE")


def transport(server: Any) -> SMTPTransport:
    return SMTPTransport(server.host, server.port, sender="recruiting@coordinator.test")


def test_a_run_is_one_claim_statement_per_batch_and_one_primary_key_update_per_message(
    mail_app, smtp_server
):
    checkouts = []

    def on_checkout(*_args: object) -> None:
        checkouts.append(1)

    with mail_app.app_context():
        engine = db.engine
        sa.event.listen(engine.pool, "checkout", on_checkout)
        try:
            with driver_statements(engine) as statements:
                report = outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES)
        finally:
            sa.event.remove(engine.pool, "checkout", on_checkout)
        states = db.session.scalars(sa.select(OutboxMessage.state)).all()

    assert report.sent == MESSAGES and set(states) == {OutboxState.sent}
    work = [
        (s, rows)
        for s, rows in statements
        if not s.lstrip().upper().startswith(BOOKKEEPING) and s.strip() not in PINGS
    ]
    outcomes = [(s, rows) for s, rows in work if is_outcome(s)]
    # one UPDATE by primary key per message (record_every=1: each committed on its own) ...
    assert [rows for _, rows in outcomes] == [1] * MESSAGES
    assert all("WHERE outbox_messages.id = " in s for s, _ in outcomes)
    # ... beside which the run reads the pause status and claims twice (the batch, then none):
    # the claim loads the messages, there is no SELECT per message or per batch
    others = [" ".join(s.split()) for s, _ in work if not is_outcome(s)]
    assert len(others) == 3, others
    assert sum("UPDATE outbox_messages SET attempts=" in s for s in others) == 2, others
    # ... on a connection held for the run (and the session's, for the status)
    assert len(checkouts) <= 2, f"{len(checkouts)} pool checkouts for {MESSAGES} messages"


def test_grouped_outcomes_are_one_update_statement_per_group(mail_app, smtp_server):
    with mail_app.app_context(), driver_statements(db.engine) as statements:
        report = outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES, record_every=4)
        states = db.session.scalars(sa.select(OutboxMessage.state)).all()

    assert report.sent == MESSAGES and set(states) == {OutboxState.sent}
    groups = [rows for s, rows in statements if is_outcome(s)]
    # groups of four (a group also closes after half a second, so a slow machine may cut one)
    assert sum(groups) == MESSAGES and len(groups) < MESSAGES and max(groups) <= 4


def test_each_message_is_transferred_only_once_the_previous_outcome_is_committed(
    mail_app, smtp_server
):
    """What the server has accepted is, but for the message in flight, recorded as sent: a
    worker killed at any moment can resend at most one message."""
    recorded_before_each: list[int] = []
    with mail_app.app_context():
        observer = sa.create_engine(db.engine.url)  # another connection, as another process
    accept = smtp_server.handler.handle_DATA

    async def handle_data(server, session, envelope) -> str:
        with observer.connect() as connection:
            recorded_before_each.append(
                connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.state == OutboxState.sent)
                )
            )
        return await accept(server, session, envelope)

    smtp_server.handler.handle_DATA = handle_data
    try:
        with mail_app.app_context():
            report = outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES)
    finally:
        observer.dispose()

    assert report.sent == MESSAGES
    assert recorded_before_each == list(range(MESSAGES))


def test_refusals_are_recorded_like_deliveries_the_temporary_one_stays_queued_with_backoff(
    mail_app, smtp_server
):
    smtp_server.refuse("person2@example.com", 451)
    smtp_server.refuse("person5@example.com", 550)
    with mail_app.app_context():
        started = utcnow()
        report = outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES)
        rows = {row.recipient: row for row in db.session.scalars(sa.select(OutboxMessage)).all()}

        assert (report.sent, report.retried, report.failed) == (MESSAGES - 2, 1, 1)
        busy, gone = rows.pop("person2@example.com"), rows.pop("person5@example.com")
        assert busy.state is OutboxState.pending and busy.lease_until is None
        assert busy.last_error.startswith("451")
        assert busy.next_attempt_at >= started + timedelta(seconds=30), "retried after the backoff"
        assert gone.state is OutboxState.failed and gone.last_error.startswith("550")
        assert {row.state for row in rows.values()} == {OutboxState.sent}
        assert all(row.sent_at is not None and row.lease_until is None for row in rows.values())


@pytest.mark.skipif(not PG_URL, reason="needs COORDINATOR_TEST_DATABASE_URL (PostgreSQL)")
def test_when_an_outcome_cannot_be_recorded_the_next_message_is_not_sent(mail_app, smtp_server):
    """The database goes away while the first message is being accepted: its outcome is lost
    (it is sent again after its lease), and the run stops before the second is transferred."""
    import psycopg

    with mail_app.app_context():
        killer = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    accept = smtp_server.handler.handle_DATA

    async def handle_data(server, session, envelope) -> str:
        if not smtp_server.received:
            with killer.connect() as connection:
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        return await accept(server, session, envelope)

    smtp_server.handler.handle_DATA = handle_data
    try:
        with mail_app.app_context(), pytest.raises((sa.exc.DBAPIError, psycopg.Error)):
            outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES)
    finally:
        killer.dispose()
    assert len(smtp_server.received) == 1

    with mail_app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.state, OutboxMessage.lease_until)).all()
        assert {state for state, _ in rows} == {OutboxState.pending}
        assert all(lease is not None for _, lease in rows), "still claimed: retried after the lease"
        freeze(utcnow() + outbox.LEASE + timedelta(seconds=1))
        try:
            report = outbox.deliver_due(transport(smtp_server), batch_size=MESSAGES)
        finally:
            freeze(None)
    assert report.sent == MESSAGES
    assert len(smtp_server.received) == MESSAGES + 1, "the unrecorded first message, twice"
