"""Mail: building invites, and delivering the outbox over SMTP compared with plain smtplib.

1. ``invites_per_s``: invite messages (iCalendar + text + HTML + MIME, outbox row, Invite row)
   built and enqueued per second for interviews with a four-person panel, by calling the same
   ``invites.operations.notify`` that scheduling calls (five messages a call) and committing.
2. ``outbox_per_s``: ``outbox.deliver_due`` over 500 queued invite messages into a loopback
   aiosmtpd server, claims, leases, outcome rows and all.
3. ``smtplib_per_s``: the same raw messages sent with plain ``smtplib`` over one connection.
4. ``outbox_vs_smtplib_ratio``: how much of plain SMTP's speed the durable outbox keeps.

Run from the project folder: ``.venv/bin/python bench/bench_mail.py`` (or ``make bench``).
"""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from _common import report, scratch_app
from aiosmtpd.controller import Controller

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
NOTIFY_ROUNDS = 8  # notify calls per interview: 25 × 8 × 5 = 1,000 messages
OUTBOX_MESSAGES = 500
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
    recruiter = accounts.create_user(actor=None, email="rita@bench.example", name="Rita Recruiter",
                                     roles={Role.recruiter})
    panel = [accounts.create_user(actor=None, email=f"panel{n}@bench.example",
                                  name=f"Panel Member {n}", job_title="Engineer",
                                  roles={Role.interviewer}, time_zone="Europe/Berlin")
             for n in range(PANEL)]
    job = jobs.create_job(actor=recruiter, title="Backend Engineer", department="Platform",
                          location="Berlin", pay_band_min="70000", pay_band_max="90000",
                          pay_band_currency="EUR")
    planned = jobs.add_planned_round(
        job, PlannedRoundInput(title="Team interview", duration_minutes=60,
                               relationships=["peer", "supervisor"],
                               criteria=[CriterionInput("Design")]), actor=recruiter)
    seats = [scheduling.Seat(u.id, "peer" if n % 2 else "supervisor") for n, u in enumerate(panel)]
    ids = []
    for n in range(INTERVIEWS):
        candidate = candidates.create_candidate(actor=recruiter, name=f"Candidate {n}",
                                                email=f"candidate{n}@bench.example",
                                                time_zone="America/New_York")
        candidacy = candidates.open_candidacy(job, candidate, actor=recruiter)
        round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
        change = scheduling.schedule_interview(
            round_, actor=recruiter, starts_at=NOW + timedelta(days=1, hours=2 * n),
            duration_minutes=60, time_zone="Europe/Berlin", panel=seats,
            location="Room 4, Alexanderplatz")
        ids.append(change.interview.id)
    db.session.commit()
    # The booking itself wrote invites; start the measurement from an empty outbox.
    db.session.execute(sa.delete(Invite))
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    return ids


def measure_invites(interview_ids: list[int]) -> float:
    interviews = [db.session.get(Interview, i) for i in interview_ids]
    invites.notify(scheduling.InterviewChange(interview=interviews[0]))  # warm up
    db.session.rollback()
    started = time.perf_counter()
    for _ in range(NOTIFY_ROUNDS):
        for interview in interviews:
            invites.notify(scheduling.InterviewChange(interview=interview), updated=True)
            db.session.commit()
    elapsed = time.perf_counter() - started
    made = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert made == INTERVIEWS * NOTIFY_ROUNDS * (PANEL + 1), made
    return made / elapsed


def queue_for_delivery() -> list[tuple[str, bytes]]:
    """Keep 500 invite messages pending and due; return their (recipient, raw) pairs."""
    keep = list(db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)
                                   .limit(OUTBOX_MESSAGES)))
    db.session.execute(sa.update(Invite).values(outbox_message_id=None))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.not_in(keep)))
    # Due by the real clock, which the delivery runs on.
    db.session.execute(sa.update(OutboxMessage).values(
        state=OutboxState.pending, attempts=0, lease_until=None, sent_at=None,
        next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    return [(r, raw) for r, raw in db.session.execute(
        sa.select(OutboxMessage.recipient, OutboxMessage.raw).order_by(OutboxMessage.id))]


def measure_outbox(port: int, sink: Sink) -> float:
    transport = SMTPTransport("127.0.0.1", port, sender="recruiting@coordinator.example")
    before = sink.count
    started = time.perf_counter()
    result = outbox.deliver_due(transport)
    elapsed = time.perf_counter() - started
    assert result.sent == OUTBOX_MESSAGES and sink.count - before == OUTBOX_MESSAGES, result
    return OUTBOX_MESSAGES / elapsed


def measure_smtplib(port: int, sink: Sink, messages: list[tuple[str, bytes]]) -> float:
    before = sink.count
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    connection.ehlo()
    for recipient, raw in messages:
        connection.sendmail("recruiting@coordinator.example", [recipient], raw)
    connection.quit()
    elapsed = time.perf_counter() - started
    assert sink.count - before == len(messages)
    return len(messages) / elapsed


def main() -> None:
    with scratch_app() as app, app.app_context():
        freeze(NOW)
        try:
            interview_ids = seed()
            report("invites_per_s", measure_invites(interview_ids), "msg/s")
            messages = queue_for_delivery()
        finally:
            freeze(None)
        sink = Sink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port,
                                server_hostname="bench.smtp")
        controller.start()
        try:
            # Warm the server and the client code path once, unmeasured.
            warm = smtplib.SMTP("127.0.0.1", port)
            warm.sendmail("recruiting@coordinator.example", [messages[0][0]], messages[0][1])
            warm.quit()
            outbox_rate = measure_outbox(port, sink)
            smtplib_rate = measure_smtplib(port, sink, messages)
        finally:
            controller.stop()
        report("outbox_per_s", outbox_rate, "msg/s")
        report("smtplib_per_s", smtplib_rate, "msg/s")
        report("outbox_vs_smtplib_ratio", outbox_rate / smtplib_rate, "x")


if __name__ == "__main__":
    main()
