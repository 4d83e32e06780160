"""The mail worker records each outcome with one primary-key UPDATE on a connection it holds.

Recording through a pooled session cost a pool checkout and a liveness ping per message; the
worker now keeps one connection for the run. These need real commits (the tests' usual session
is one rolled-back transaction), so they run on a database of their own: PostgreSQL when a URL
is given, else a SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport
from tests.conftest import PG_URL, committed_app
from tests.mail.conftest import make_message

MESSAGES = 8


@pytest.fixture
def mail_app(tmp_path: Path) -> Iterator[Flask]:
    with committed_app("postgresql" if PG_URL else "sqlite", "recording", tmp_path) as app:
        with app.app_context():
            for n in range(MESSAGES):
                outbox.enqueue(make_message(f"person{n}@example.com"), kind="test")
            db.session.commit()
            db.session.close()
        yield app


def test_outcomes_are_recorded_on_one_held_connection_by_primary_key(mail_app, smtp_server):
    checkouts, updates = [], []

    def on_checkout(*_args: object) -> None:
        checkouts.append(1)

    def on_execute(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGES SET STATE"):
            updates.append((statement, len(parameters) if executemany else 1))

    with mail_app.app_context():
        engine = db.engine
        sa.event.listen(engine.pool, "checkout", on_checkout)
        sa.event.listen(engine, "before_cursor_execute", on_execute)
        try:
            report = outbox.deliver_due(
                SMTPTransport(smtp_server.host, smtp_server.port,
                              sender="recruiting@coordinator.test"), batch_size=MESSAGES)
        finally:
            sa.event.remove(engine.pool, "checkout", on_checkout)
            sa.event.remove(engine, "before_cursor_execute", on_execute)
        states = db.session.scalars(sa.select(OutboxMessage.state)).all()

    assert report.sent == MESSAGES
    assert set(states) == {OutboxState.sent}
    # one UPDATE per message (record_every=1: each is committed as soon as it is sent) ...
    assert sum(rows for _, rows in updates) == MESSAGES
    assert all("WHERE outbox_messages.id = " in statement for statement, _ in updates)
    # ... on a connection held for the run: the claims and the load check out, not each outcome
    assert len(checkouts) < MESSAGES, f"{len(checkouts)} pool checkouts for {MESSAGES} messages"


def test_grouped_outcomes_are_one_update_statement_per_group_on_the_held_connection(
        mail_app, smtp_server):
    updates = []

    def on_execute(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGES SET STATE"):
            updates.append(len(parameters) if executemany else 1)

    with mail_app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            report = outbox.deliver_due(
                SMTPTransport(smtp_server.host, smtp_server.port,
                              sender="recruiting@coordinator.test"),
                batch_size=MESSAGES, record_every=4)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)
        states = db.session.scalars(sa.select(OutboxMessage.state)).all()

    assert report.sent == MESSAGES and set(states) == {OutboxState.sent}
    # groups of four (a group also closes after half a second, so a slow machine may cut one)
    assert sum(updates) == MESSAGES and len(updates) < MESSAGES and max(updates) <= 4
