"""Several outbox workers at once on PostgreSQL never take, nor send, the same message twice.

These need real commits from parallel transactions, so they run on a scratch database of their
own (PostgreSQL only: ``FOR UPDATE SKIP LOCKED`` is what they test; SQLite has one writer).
Each thread is one worker with its own app context, hence its own session and connection.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport
from tests.conftest import PG_URL, committed_app
from tests.mail.conftest import make_message

WORKERS = 4
MESSAGES = 120

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="needs COORDINATOR_TEST_DATABASE_URL (PostgreSQL)"
)


@pytest.fixture
def mail_app(tmp_path: Path) -> Iterator[tuple[Flask, list[int]]]:
    """A migrated scratch database holding MESSAGES due messages."""
    with committed_app("postgresql", "outbox", tmp_path) as app:
        with app.app_context():
            ids = [
                outbox.enqueue(make_message(f"person{n}@example.com"), kind="test").id
                for n in range(MESSAGES)
            ]
            db.session.commit()
            db.session.close()
        yield app, ids


def in_parallel(app: Flask, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in WORKERS threads released together; results or exceptions."""
    barrier = threading.Barrier(WORKERS)
    results: list[Any] = [None] * WORKERS

    def run(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results[n] = work()
        except Exception as err:  # asserted on below, never swallowed
            results[n] = err

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, "".join(traceback.format_exception(errors[0]))
    return results


def test_concurrent_claims_never_take_the_same_message(mail_app):
    app, ids = mail_app

    def claim_until_empty() -> list[int]:
        mine: list[int] = []
        while batch := outbox.claim(7):
            mine.extend(batch)
        return mine

    claims = in_parallel(app, claim_until_empty)

    everything = [message_id for mine in claims for message_id in mine]
    assert sorted(everything) == sorted(ids), "every message claimed exactly once"
    assert sum(1 for mine in claims if mine) >= 2, "the workers really ran side by side"
    with app.app_context():
        attempts = set(db.session.scalars(sa.select(OutboxMessage.attempts)))
    assert attempts == {1}


def test_concurrent_workers_send_each_message_exactly_once(mail_app, smtp_server):
    app, _ids = mail_app

    def work() -> outbox.DeliveryReport:
        transport = SMTPTransport(
            smtp_server.host, smtp_server.port, sender="recruiting@coordinator.test"
        )
        return outbox.deliver_due(transport, batch_size=5)

    reports = in_parallel(app, work)

    assert sum(r.sent for r in reports) == MESSAGES
    assert sum(r.retried + r.failed for r in reports) == 0
    counts = smtp_server.message_id_counts()
    assert len(counts) == MESSAGES and set(counts.values()) == {1}
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.state, OutboxMessage.attempts)).all()
    assert Counter(rows) == {(OutboxState.sent, 1): MESSAGES}
