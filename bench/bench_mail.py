"""Mail: building invites, and delivering the outbox over SMTP compared with plain smtplib.

1. ``invites_per_s``: invite messages (iCalendar + text + HTML + MIME, outbox row, Invite row)
   built and enqueued per second for interviews with a four-person panel, by calling the same
   ``invites.operations.notify`` that scheduling calls (five messages a call), one commit a call.
2. ``outbox_per_s``: ``outbox.deliver_due`` over 500 queued invite messages into a loopback
   aiosmtpd server, claims, leases, outcome rows and all.
3. ``smtplib_per_s``: the same raw messages sent with plain ``smtplib`` over one connection.
4. ``outbox_vs_smtplib_ratio``: how much of plain SMTP's speed the durable outbox keeps.
5. ``outbox_pg_per_s`` and ``outbox_pg_vs_smtplib_ratio``: the same 500 messages delivered by the
   outbox on PostgreSQL (COORDINATOR_TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test;
   scratch database MAIL_DATABASE, default bench_coordinator_mail; skipped when unreachable),
   each outcome durably committed as it happens (one primary-key UPDATE per message on the
   worker's held connection), against smtplib in the same rounds.
6. ``outbox_pg_floor_per_s``, ``outbox_pg_floor_vs_smtplib_ratio`` and
   ``outbox_pg_vs_floor_ratio``: the durable per-message floor in the same rounds on the same
   database: plain smtplib plus one autocommitted primary-key UPDATE per message on one held
   psycopg connection, issued after each send and waited for. The outbox can beat it: it commits
   message N's outcome while message N+1's SMTP exchange goes on (still transferring N+1 only
   once N's commit is durable).

Each figure is the best of several runs (outbox and smtplib runs interleaved); ``*_cpu_per_s``
give the same rates by this process's CPU time, which a busy machine disturbs less.

Run from the project folder: ``.venv/bin/python bench/bench_mail.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from _common import report, scratch_app
from aiosmtpd.controller import Controller

from coordinator import create_app
from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.invites import operations as invites
from coordinator.invites.models import Invite
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import SMTPTransport
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview
from coordinator.timeutil import freeze

PANEL = 4
INTERVIEWS = 25
INVITE_BLOCKS = 6  # each block: one notify per interview, 25 × 5 = 125 messages
OUTBOX_MESSAGES = 500
DELIVERY_ROUNDS = 3
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


class Sink:
    """An aiosmtpd handler that counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed() -> list[int]:
    """A job with a one-round plan, a four-person panel and booked interviews (no mail yet)."""
    recruiter = accounts.create_user(
        actor=None, email="rita@bench.example", name="Rita Recruiter", roles={Role.recruiter}
    )
    panel = [
        accounts.create_user(
            actor=None,
            email=f"panel{n}@bench.example",
            name=f"Panel Member {n}",
            job_title="Engineer",
            roles={Role.interviewer},
            time_zone="Europe/Berlin",
        )
        for n in range(PANEL)
    ]
    job = jobs.create_job(
        actor=recruiter,
        title="Backend Engineer",
        department="Platform",
        location="Berlin",
        pay_band_min="70000",
        pay_band_max="90000",
        pay_band_currency="EUR",
    )
    planned = jobs.add_planned_round(
        job,
        PlannedRoundInput(
            title="Team interview",
            duration_minutes=60,
            relationships=["peer", "supervisor"],
            criteria=[CriterionInput("Design")],
        ),
        actor=recruiter,
    )
    seats = [scheduling.Seat(u.id, "peer" if n % 2 else "supervisor") for n, u in enumerate(panel)]
    ids = []
    for n in range(INTERVIEWS):
        candidate = candidates.create_candidate(
            actor=recruiter,
            name=f"Candidate {n}",
            email=f"candidate{n}@bench.example",
            time_zone="America/New_York",
        )
        candidacy = candidates.open_candidacy(job, candidate, actor=recruiter)
        round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
        change = scheduling.schedule_interview(
            round_,
            actor=recruiter,
            starts_at=NOW + timedelta(days=1, hours=2 * n),
            duration_minutes=60,
            time_zone="Europe/Berlin",
            panel=seats,
            location="Room 4, Alexanderplatz",
        )
        ids.append(change.interview.id)
    db.session.commit()
    # The booking itself wrote invites; start the measurement from an empty outbox.
    db.session.execute(sa.delete(Invite))
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    return ids


@dataclass
class Rate:
    """The best of several timed runs (the least disturbed by other work on the machine), by
    the wall clock and by this process's CPU time."""

    wall: float = 0.0
    cpu: float = 0.0

    def add(self, count: int, wall_seconds: float, cpu_seconds: float) -> None:
        self.wall = max(self.wall, count / wall_seconds)
        self.cpu = max(self.cpu, count / max(cpu_seconds, 1e-9))


def timed(rate: Rate, count: int, work) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    rate.add(count, time.perf_counter() - wall, time.process_time() - cpu)


def measure_invites(interview_ids: list[int]) -> Rate:
    interviews = [db.session.get(Interview, i) for i in interview_ids]
    invites.notify(scheduling.InterviewChange(interview=interviews[0]))  # warm up
    db.session.rollback()
    # Keep the interviews loaded across commits: reloading their rounds, candidacies and
    # panels is the scheduling door's work, not the invites'.
    db.session().expire_on_commit = False

    def block() -> None:
        for interview in interviews:
            # One change, one transaction: the outbox and invite rows commit with it.
            invites.notify(scheduling.InterviewChange(interview=interview), updated=True)
            db.session.commit()

    rate = Rate()
    try:
        for _ in range(INVITE_BLOCKS):
            timed(rate, INTERVIEWS * (PANEL + 1), block)
    finally:
        db.session().expire_on_commit = True
    made = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert made == INVITE_BLOCKS * INTERVIEWS * (PANEL + 1), made
    return rate


def queue_for_delivery() -> list[tuple[str, bytes]]:
    """Keep 500 invite messages; return their (recipient, raw) pairs."""
    keep = list(
        db.session.scalars(
            sa.select(OutboxMessage.id).order_by(OutboxMessage.id).limit(OUTBOX_MESSAGES)
        )
    )
    db.session.execute(sa.update(Invite).values(outbox_message_id=None))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.not_in(keep)))
    db.session.commit()
    return [
        (r, raw)
        for r, raw in db.session.execute(
            sa.select(OutboxMessage.recipient, OutboxMessage.raw).order_by(OutboxMessage.id)
        )
    ]


def requeue() -> None:
    """Every kept message pending again, due by the real clock (which delivery runs on)."""
    db.session.execute(
        sa.update(OutboxMessage).values(
            state=OutboxState.pending,
            attempts=0,
            lease_until=None,
            sent_at=None,
            next_attempt_at=datetime.now(UTC) - timedelta(minutes=1),
        )
    )
    db.session.commit()


def deliver_with_outbox(port: int, sink: Sink, record_every: int = 1) -> None:
    transport = SMTPTransport("127.0.0.1", port, sender="recruiting@coordinator.example")
    before = sink.count
    result = outbox.deliver_due(transport, record_every=record_every)
    assert result.sent == OUTBOX_MESSAGES and sink.count - before == OUTBOX_MESSAGES, result


def deliver_with_smtplib(port: int, sink: Sink, messages: list[tuple[str, bytes]]) -> None:
    before = sink.count
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    connection.ehlo()
    for recipient, raw in messages:
        connection.sendmail("recruiting@coordinator.example", [recipient], raw)
    connection.quit()
    assert sink.count - before == len(messages)


#: The floor's outcome: the worker's own UPDATE for a sent message, as psycopg runs it.
FLOOR_UPDATE = (
    "UPDATE outbox_messages SET state = %s, sent_at = %s, lease_until = NULL, last_error = NULL, "
    "next_attempt_at = %s WHERE outbox_messages.id = %s"
)


def deliver_floor(port: int, sink: Sink, messages: list[tuple[str, bytes]], ids: list[int]) -> None:
    """The durable per-message floor: plain smtplib as above, and after each accepted message
    one primary-key UPDATE autocommitted on one held psycopg connection (one round trip that
    waits for the commit to be durable), issued straight after the send, nothing overlapped."""
    before = sink.count
    with db.engine.connect() as held:
        raw_connection = held.connection.driver_connection
        raw_connection.autocommit = True
        try:
            cursor = raw_connection.cursor()
            connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
            connection.ehlo()
            for message_id, (recipient, raw) in zip(ids, messages, strict=True):
                connection.sendmail("recruiting@coordinator.example", [recipient], raw)
                now = datetime.now(UTC)
                cursor.execute(FLOOR_UPDATE, ("sent", now, now, message_id))
            connection.quit()
        finally:
            raw_connection.autocommit = False
    assert sink.count - before == len(messages)


#: The scratch database (MAIL_DATABASE names another, so that runs side by side do not collide).
PG_DATABASE = os.environ.get("MAIL_DATABASE", "bench_coordinator_mail")


@contextmanager
def postgres_app() -> Iterator[object | None]:
    """An app on a scratch PostgreSQL database migrated to head, or None when unreachable."""
    from flask_migrate import upgrade

    base = sa.engine.make_url(
        os.environ.get("COORDINATOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    base = base.set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    except sa.exc.OperationalError as err:
        print(f"PostgreSQL is not reachable ({err.orig}); skipping the PostgreSQL figures.")
        admin.dispose()
        yield None
        return
    url = base.set(database=PG_DATABASE).render_as_string(hide_password=False)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key",
            "RATELIMIT_ENABLED": False,
            "SMTP_HOST": "",
            "MAIL_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / "bench-mail"),
        }
    )
    try:
        with app.app_context():
            upgrade()
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def copy_messages(messages: list[tuple[str, bytes]]) -> None:
    """Queue the same raw messages (fresh Message-IDs for the unique column) in this database."""
    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(OutboxMessage.__table__),
        [
            {
                "kind": "bench",
                "recipient": recipient,
                "subject": "Invitation",
                "message_id": f"<bench-{n}@bench.example>",
                "raw": raw,
                "state": OutboxState.pending,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for n, (recipient, raw) in enumerate(messages)
        ],
    )
    db.session.commit()


@dataclass
class PostgresRates:
    outbox: Rate
    smtplib: Rate
    floor: Rate


def measure_postgres(messages: list[tuple[str, bytes]]) -> PostgresRates | None:
    """Outbox delivery on PostgreSQL, plain smtplib and the durable per-message floor,
    interleaved; None without PostgreSQL."""
    with postgres_app() as app:
        if app is None:
            return None
        sink = Sink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="bench.smtp")
        controller.start()
        rates = PostgresRates(Rate(), Rate(), Rate())
        try:
            with app.app_context():
                copy_messages(messages)
                ids = list(
                    db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id))
                )
                db.session.commit()
                deliver_with_smtplib(port, sink, messages[:20])  # warm-up, unmeasured
                for _ in range(DELIVERY_ROUNDS):
                    requeue()
                    timed(rates.outbox, OUTBOX_MESSAGES, lambda: deliver_with_outbox(port, sink))
                    timed(
                        rates.smtplib,
                        len(messages),
                        lambda: deliver_with_smtplib(port, sink, messages),
                    )
                    timed(
                        rates.floor, len(messages), lambda: deliver_floor(port, sink, messages, ids)
                    )
        finally:
            controller.stop()
        return rates


def main() -> None:
    with scratch_app() as app, app.app_context():
        freeze(NOW)
        try:
            invite_rate = measure_invites(seed())
            messages = queue_for_delivery()
        finally:
            freeze(None)
        report("invites_per_s", invite_rate.wall, "msg/s")

        sink = Sink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="bench.smtp")
        controller.start()
        outbox_rate, grouped_rate, smtplib_rate = Rate(), Rate(), Rate()
        try:
            deliver_with_smtplib(port, sink, messages[:20])  # warm both ends up, unmeasured
            for _ in range(DELIVERY_ROUNDS):  # interleaved, so both see the same machine
                requeue()
                timed(outbox_rate, OUTBOX_MESSAGES, lambda: deliver_with_outbox(port, sink))
                requeue()
                timed(
                    grouped_rate,
                    OUTBOX_MESSAGES,
                    lambda: deliver_with_outbox(port, sink, record_every=20),
                )
                timed(
                    smtplib_rate, len(messages), lambda: deliver_with_smtplib(port, sink, messages)
                )
        finally:
            controller.stop()
        report("outbox_per_s", outbox_rate.wall, "msg/s")
        report("smtplib_per_s", smtplib_rate.wall, "msg/s")
        report("outbox_vs_smtplib_ratio", outbox_rate.wall / smtplib_rate.wall, "x")
        # Recording outcomes 20 at a time (COORDINATOR_MAIL_RECORD_EVERY=20): faster, but a
        # worker killed mid-group may resend up to 20 messages.
        report("outbox_grouped_per_s", grouped_rate.wall, "msg/s")
        report("outbox_grouped_vs_smtplib_ratio", grouped_rate.wall / smtplib_rate.wall, "x")
        # The same by CPU time (this process, SMTP server thread included): steadier on a
        # busy machine, where the wall clock mostly measures waiting for a processor.
        report("invites_cpu_per_s", invite_rate.cpu, "msg/s")
        report("outbox_cpu_per_s", outbox_rate.cpu, "msg/s")
        report("smtplib_cpu_per_s", smtplib_rate.cpu, "msg/s")

    postgres = measure_postgres(messages)
    if postgres is not None:
        report("outbox_pg_per_s", postgres.outbox.wall, "msg/s")
        report("outbox_pg_vs_smtplib_ratio", postgres.outbox.wall / postgres.smtplib.wall, "x")
        # The floor: smtplib plus one durable, autocommitted primary-key UPDATE per message on
        # one held connection, each waited for before the next send (no overlap).
        report("outbox_pg_floor_per_s", postgres.floor.wall, "msg/s")
        report("outbox_pg_floor_vs_smtplib_ratio", postgres.floor.wall / postgres.smtplib.wall, "x")
        report("outbox_pg_vs_floor_ratio", postgres.outbox.wall / postgres.floor.wall, "x")
        report("outbox_pg_cpu_per_s", postgres.outbox.cpu, "msg/s")
        report("outbox_pg_floor_cpu_per_s", postgres.floor.cpu, "msg/s")
        report("smtplib_pg_cpu_per_s", postgres.smtplib.cpu, "msg/s")


if __name__ == "__main__":
    main()
