"""The outbox: enqueue in the caller's transaction; deliver over real SMTP with retries and backoff.

The SMTP server is aiosmtpd on loopback (tests/invites/conftest.py). The clock is frozen and moved
by hand, so backoff is tested without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import DirectoryTransport, SMTPTransport, transport_from_config
from coordinator.timeutil import freeze, utcnow
from tests.invites.conftest import parse
from tests.mail.conftest import make_message

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(app):
    freeze(T0)
    return T0


def deliver(app, **options) -> outbox.DeliveryReport:
    return outbox.deliver_due(transport_from_config(app.config), **options)


def reload(row: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    fresh = db.session.get(OutboxMessage, row.id)
    assert fresh is not None
    return fresh


def count(state: OutboxState | None = None) -> int:
    statement = sa.select(sa.func.count()).select_from(OutboxMessage)
    if state is not None:
        statement = statement.where(OutboxMessage.state == state)
    return db.session.scalar(statement)


# --- enqueue --------------------------------------------------------------------------------------


def test_enqueue_stores_the_whole_message_pending_and_due_now(queue):
    row = queue("ana@example.com", subject="Your interview")

    assert (row.state, row.attempts, row.next_attempt_at, row.sent_at) == (
        OutboxState.pending,
        0,
        T0,
        None,
    )
    assert row.recipient == "ana@example.com" and row.subject == "Your interview"
    message = parse(row.raw)
    assert message["Message-ID"] == row.message_id
    assert message["To"].addresses[0].addr_spec == "ana@example.com"


def test_a_rolled_back_transaction_leaves_no_message(app):
    outbox.enqueue(make_message("ana@example.com"), kind="test")
    assert count() == 1
    db.session.rollback()

    assert count() == 0


def test_a_second_message_with_the_same_dedupe_key_is_not_stored(app):
    first = outbox.enqueue(make_message(), kind="reminder", dedupe_key="reminder:7:24h")
    second = outbox.enqueue(make_message(), kind="reminder", dedupe_key="reminder:7:24h")

    assert first is not None and second is None
    assert count() == 1


# --- delivery -------------------------------------------------------------------------------------


def test_due_messages_are_sent_over_smtp_once(app, use_smtp, queue):
    rows = [queue(f"person{n}@example.com") for n in range(5)]

    report = deliver(app)
    again = deliver(app)

    assert (report.sent, report.retried, report.failed) == (5, 0, 0)
    assert again.total == 0
    assert use_smtp.message_id_counts() == {row.message_id: 1 for row in rows}
    for row in rows:
        row = reload(row)
        assert (row.state, row.attempts, row.sent_at, row.lease_until, row.last_error) == (
            OutboxState.sent,
            1,
            T0,
            None,
            None,
        )
        (envelope,) = use_smtp.to(row.recipient)
        assert envelope.content == row.raw  # the stored bytes, whole
        assert envelope.mail_from == "recruiting@coordinator.test"


def test_batches_continue_until_nothing_is_due(app, use_smtp, queue):
    for n in range(7):
        queue(f"person{n}@example.com")

    report = deliver(app, batch_size=3)

    assert report.sent == 7 and len(use_smtp.received) == 7


def test_a_message_not_yet_due_waits(app, use_smtp, queue):
    row = queue()
    row.next_attempt_at = T0 + timedelta(minutes=5)
    db.session.commit()

    assert deliver(app).total == 0
    freeze(T0 + timedelta(minutes=5))
    assert deliver(app).sent == 1


def test_server_down_pauses_the_run_with_backoff_and_delivers_exactly_once(app, use_smtp, queue):
    row = queue("ana@example.com")
    use_smtp.stop()

    first = deliver(app)
    assert (first.total, first.paused is not None) == (0, True)
    assert "Connection refused" in first.paused
    waiting = reload(row)
    assert (waiting.state, waiting.attempts, waiting.lease_until) == (OutboxState.pending, 0, None)
    status = outbox.transport_problem()
    assert (status.failures, status.retry_at) == (1, T0 + timedelta(seconds=30))

    use_smtp.restart()
    assert deliver(app).paused, "the run waits out its back-off even when the server is back"
    use_smtp.stop()
    freeze(T0 + timedelta(seconds=30))
    assert deliver(app).paused
    assert outbox.transport_problem().retry_at == T0 + timedelta(seconds=30 + 60)

    use_smtp.restart()
    freeze(T0 + timedelta(seconds=90))
    assert deliver(app).sent == 1
    assert outbox.transport_problem() is None
    freeze(T0 + timedelta(hours=5))
    assert deliver(app).total == 0

    sent = reload(row)
    assert (sent.state, sent.attempts, sent.last_error) == (OutboxState.sent, 1, None)
    assert use_smtp.message_id_counts() == {row.message_id: 1}


def test_backoff_doubles_from_thirty_seconds_up_to_two_hours():
    assert [outbox.backoff(n).total_seconds() for n in range(1, 11)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3840,
        7200,
        7200,
    ]


def test_a_permanent_refusal_fails_at_once_and_keeps_the_error(app, use_smtp, queue):
    use_smtp.refuse("gone@example.com", 550)
    refused = queue("gone@example.com")
    fine = queue("here@example.com")

    report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    refused = reload(refused)
    assert (refused.state, refused.attempts) == (OutboxState.failed, 1)
    assert refused.last_error.startswith("550 ") and "mailbox unavailable" in refused.last_error
    assert reload(fine).state is OutboxState.sent
    freeze(T0 + timedelta(days=2))
    assert deliver(app).total == 0, "a failed message is not retried by itself"
    assert [r.message_id for r in use_smtp.received] == [fine.message_id]


def test_a_temporary_refusal_is_retried_until_accepted(app, use_smtp, queue):
    use_smtp.refuse("busy@example.com", 451)
    row = queue("busy@example.com")

    assert deliver(app).retried == 1
    waiting = reload(row)
    assert (waiting.state, waiting.attempts) == (OutboxState.pending, 1)
    assert waiting.last_error.startswith("451 ")

    use_smtp.accept("busy@example.com")
    freeze(T0 + timedelta(seconds=30))
    assert deliver(app).sent == 1
    assert use_smtp.message_id_counts() == {row.message_id: 1}


def test_gives_up_after_max_attempts(app, use_smtp, queue):
    row = queue("busy@example.com")
    use_smtp.refuse("busy@example.com", 451)
    now = T0
    for attempt in (1, 2, 3):
        report = deliver(app, max_attempts=3)
        assert (report.retried, report.failed) == ((1, 0) if attempt < 3 else (0, 1))
        now += timedelta(hours=3)
        freeze(now)

    failed = reload(row)
    assert (failed.state, failed.attempts) == (OutboxState.failed, 3)
    assert failed.last_error
    assert deliver(app, max_attempts=3).total == 0
    assert outbox.counts()[OutboxState.failed] == 1


def test_an_admin_retry_queues_a_failed_message_again(app, use_smtp, queue):
    use_smtp.refuse("gone@example.com", 550)
    row = queue("gone@example.com")
    deliver(app)
    use_smtp.accept("gone@example.com")

    outbox.retry(reload(row))
    db.session.commit()
    requeued = reload(row)
    assert (requeued.state, requeued.attempts, requeued.next_attempt_at) == (
        OutboxState.pending,
        0,
        T0,
    )
    assert deliver(app).sent == 1
    assert use_smtp.message_id_counts() == {row.message_id: 1}


def test_retrying_a_sent_message_does_not_send_it_again(app, use_smtp, queue):
    row = queue()
    deliver(app)

    outbox.retry(reload(row))
    db.session.commit()

    assert reload(row).state is OutboxState.sent
    assert deliver(app).total == 0 and len(use_smtp.received) == 1


def test_retrying_a_message_a_worker_holds_leaves_it_to_that_worker(app, queue):
    row = queue()
    assert outbox.claim(10) == [row.id]

    outbox.retry(reload(row))
    db.session.commit()

    held = reload(row)
    assert (held.lease_until, held.attempts) == (T0 + outbox.LEASE, 1)
    assert outbox.claim(10) == [], "no second worker may take it meanwhile"


# --- claims and leases ---------------------------------------------------------------------------


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(app, queue):
    rows = [queue() for _ in range(3)]

    first = outbox.claim(10)
    second = outbox.claim(10)
    assert sorted(first) == sorted(r.id for r in rows) and second == []
    assert {reload(r).lease_until for r in rows} == {T0 + outbox.LEASE}

    # The worker died: once the lease has run out another worker takes the messages.
    freeze(T0 + outbox.LEASE + timedelta(seconds=1))
    assert sorted(outbox.claim(10)) == sorted(r.id for r in rows)


def test_a_claim_takes_at_most_the_batch_size_oldest_due_first(app, queue):
    rows = [queue() for _ in range(7)]

    first = outbox.claim(3)

    assert first == [r.id for r in rows[:3]]
    leased = db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.lease_until.is_not(None))
    ).all()
    assert sorted(leased) == first, "only the claimed messages carry a lease"
    assert outbox.claim(3) == [r.id for r in rows[3:6]]


def test_a_dead_workers_messages_are_delivered_after_the_lease(app, use_smtp, queue):
    row = queue()
    outbox.claim(10)  # a worker claims, then dies before sending

    assert deliver(app).total == 0
    freeze(T0 + outbox.LEASE + timedelta(seconds=1))
    assert deliver(app).sent == 1
    assert use_smtp.message_id_counts() == {row.message_id: 1}


class SlowTransport:
    """Takes ``seconds`` (of the frozen clock) per message and notes whether the worker still
    held the message's lease when it started sending it."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.sent: list[int] = []
        self.lease_left: list[timedelta] = []

    def send(self, message_id: int, recipient: str, raw: bytes, ready=lambda: None) -> None:
        ready()
        now = utcnow()
        lease_until = db.session.scalar(
            sa.select(OutboxMessage.lease_until).where(OutboxMessage.id == message_id)
        )
        self.lease_left.append(lease_until - now)
        self.sent.append(message_id)
        freeze(now + timedelta(seconds=self.seconds))

    def close(self) -> None:
        pass


def test_a_slow_batch_never_sends_a_message_whose_lease_ran_out(app, queue):
    rows = [queue() for _ in range(5)]
    transport = SlowTransport(seconds=40)  # five messages take longer than one lease (2 min)

    report = outbox.deliver_due(transport, batch_size=5)

    assert report.sent == 5
    assert sorted(transport.sent) == sorted(r.id for r in rows)
    assert min(transport.lease_left) >= outbox.LEASE / 2
    assert {reload(r).attempts for r in rows} == {1}, "a message given back was not an attempt"


def test_an_unexpected_error_with_one_message_does_not_stop_the_others(app, queue):
    class Flaky:
        sent: list[str] = []

        def send(self, message_id: int, recipient: str, raw: bytes, ready=lambda: None) -> None:
            if recipient == "bad@example.com":
                raise RuntimeError("transport bug")
            ready()
            self.sent.append(recipient)

        def close(self) -> None:
            pass

    bad = queue("bad@example.com")
    queue("good@example.com")

    report = outbox.deliver_due(Flaky())

    assert (report.sent, report.retried) == (1, 1)
    assert Flaky.sent == ["good@example.com"]
    assert reload(bad).last_error == "RuntimeError: transport bug"
    assert reload(bad).state is OutboxState.pending


def test_a_worker_stopped_mid_batch_records_what_it_sent(app, queue):
    rows = [queue() for _ in range(4)]

    class StoppedOnThird:
        sent: list[int] = []

        def send(self, message_id: int, recipient: str, raw: bytes, ready=lambda: None) -> None:
            if len(self.sent) == 2:
                raise KeyboardInterrupt
            ready()
            self.sent.append(message_id)

        def close(self) -> None:
            pass

    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_due(StoppedOnThird())

    states = [reload(r).state for r in rows]
    assert states == [OutboxState.sent] * 2 + [OutboxState.pending] * 2
    freeze(T0 + outbox.LEASE + timedelta(seconds=1))
    assert sorted(outbox.claim(10)) == [r.id for r in rows[2:]], "the rest is taken up later"


# --- transports -----------------------------------------------------------------------------------


def test_without_smtp_host_messages_are_written_as_eml_files(app, queue, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    rows = [queue(f"person{n}@example.com") for n in range(3)]
    assert isinstance(transport_from_config(app.config), DirectoryTransport)

    report = deliver(app)

    assert report.sent == 3
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"{r.id:08d}.eml" for r in rows]
    for row, file in zip(rows, files, strict=True):
        assert file.read_bytes() == row.raw
        assert parse(file.read_bytes())["Message-ID"] == row.message_id
    assert not list((tmp_path / "mail").glob("*.part"))


def test_an_unwritable_mail_directory_is_retried(app, queue, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setitem(app.config, "MAIL_DIR", str(blocker / "mail"))
    row = queue()

    assert deliver(app).retried == 1
    assert "cannot write" in reload(row).last_error


def test_smtp_settings_come_from_the_configuration(app, monkeypatch):
    for key, value in {
        "SMTP_HOST": "mail.example.com",
        "SMTP_PORT": 2525,
        "SMTP_STARTTLS": True,
        "SMTP_USER": "bot",
        "SMTP_PASSWORD": "s3cret",
    }.items():
        monkeypatch.setitem(app.config, key, value)

    transport = transport_from_config(app.config)

    assert isinstance(transport, SMTPTransport)
    assert (
        transport.host,
        transport.port,
        transport.starttls,
        transport.user,
        transport.password,
        transport.sender,
    ) == ("mail.example.com", 2525, True, "bot", "s3cret", "recruiting@coordinator.test")
