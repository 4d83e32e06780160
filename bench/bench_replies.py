"""Replies: how fast an iMIP REPLY is read, matched and applied, as the data grows.

For 1,000 and 10,000 interviews (each with a two-person panel and its candidate, so three invites
each, on a scratch SQLite database), REPLY messages shaped like Gmail's (multipart, inline
``text/calendar; method=REPLY`` and an ``.ics`` attachment) from random panel members are fed to
``replies.ingest`` exactly as ``ingest-mail`` does: parse, look the UID and address up in the
invites table, set the response, write the audit row, commit.

Figures (the 10,000-interview figures carry no suffix; the smaller set is ``_1k``):
``ingest_reply_ms`` — one REPLY processed, median; ``ingest_replies_per_s`` — replies per second
over the whole run.

Run from the project folder: ``.venv/bin/python bench/bench_replies.py`` (or ``make bench``).
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP

import sqlalchemy as sa
from _common import report, scratch_app

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.invites import replies
from coordinator.invites.models import Invite
from coordinator.jobs.models import Job, PlannedRound
from coordinator.scheduling.models import Interview, PanelMember, Round
from coordinator.timeutil import freeze

SIZES = (1_000, 10_000)
USERS = 50
REPLIES = 300
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
DOMAIN = "bench.example"


def seed(interviews: int) -> None:
    """Interviews, panels and the invites sent for them, through Core in a few statements."""
    now = NOW
    db.session.execute(sa.insert(User.__table__), [
        {"email": f"interviewer{n}@{DOMAIN}", "name": f"Interviewer {n}",
         "time_zone": "Europe/Berlin", "job_title": "Engineer", "bio": "", "is_active": True,
         "created_at": now} for n in range(1, USERS + 1)])
    db.session.execute(sa.insert(Job.__table__), [{
        "title": "Engineer", "department": "Engineering", "location": "Berlin",
        "pay_band_min": Decimal("70000"), "pay_band_max": Decimal("90000"),
        "pay_band_currency": "EUR", "state": "open", "assessment_due_hours": 24,
        "created_at": now}])
    db.session.execute(sa.insert(PlannedRound.__table__), [{
        "job_id": 1, "position": 0, "title": "Team interview", "kind": "interview",
        "duration_minutes": 60, "description": ""}])
    ids = range(1, interviews + 1)
    db.session.execute(sa.insert(Candidate.__table__), [
        {"name": f"Candidate {n}", "email": f"candidate{n}@{DOMAIN}", "phone": "",
         "time_zone": "Europe/Berlin", "created_at": now} for n in ids])
    db.session.execute(sa.insert(Candidacy.__table__), [
        {"candidate_id": n, "job_id": 1, "state": "active", "created_at": now, "updated_at": now}
        for n in ids])
    db.session.execute(sa.insert(Round.__table__), [
        {"candidacy_id": n, "planned_round_id": 1, "state": "open", "created_at": now}
        for n in ids])
    starts = {n: now + timedelta(days=2 + n % 60, hours=n % 8) for n in ids}
    db.session.execute(sa.insert(Interview.__table__), [
        {"round_id": n, "candidate_id": n, "starts_at": starts[n],
         "ends_at": starts[n] + timedelta(hours=1), "time_zone": "Europe/Berlin", "location": "",
         "video_url": "", "state": "scheduled", "sequence": 0, "is_recorded_past": False,
         "candidate_response": "needs_action", "candidate_response_comment": "",
         "created_at": now, "updated_at": now} for n in ids])
    db.session.execute(sa.insert(PanelMember.__table__), [
        {"interview_id": n, "user_id": panelist(n, seat), "relationship": "peer",
         "starts_at": starts[n], "ends_at": starts[n] + timedelta(hours=1), "is_active": True,
         "response": "needs_action", "response_comment": ""}
        for n in ids for seat in (0, 1)])
    db.session.execute(sa.insert(Invite.__table__), [
        {"interview_id": n, "audience": "panel", "recipient": f"interviewer{panelist(n, seat)}"
         f"@{DOMAIN}", "user_id": panelist(n, seat), "uid": panel_uid(n), "sequence": 0,
         "method": "REQUEST", "created_at": now}
        for n in ids for seat in (0, 1)] + [
        {"interview_id": n, "audience": "candidate", "recipient": f"candidate{n}@{DOMAIN}",
         "user_id": None, "uid": f"interview-{n}-candidate@{DOMAIN}", "sequence": 0,
         "method": "REQUEST", "created_at": now} for n in ids])
    db.session.commit()


def panelist(interview: int, seat: int) -> int:
    return (interview + seat * 17) % USERS + 1


def panel_uid(interview: int) -> str:
    return f"interview-{interview}-panel@{DOMAIN}"


def gmail_reply(interview: int, user: int, partstat: str) -> bytes:
    address = f"interviewer{user}@{DOMAIN}"
    calendar = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "METHOD:REPLY", "BEGIN:VEVENT", "DTSTART:20270310T140000Z", "DTEND:20270310T150000Z",
        "DTSTAMP:20270301T090000Z", f"ORGANIZER;CN=Recruiting:mailto:recruiting@{DOMAIN}",
        f"UID:{panel_uid(interview)}", f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT={partstat};CN=Interviewer {user}:mailto:{address}", "SEQUENCE:0",
        "SUMMARY:Interview", "END:VEVENT", "END:VCALENDAR", ""]).encode()
    message = EmailMessage()
    message["From"] = f"Interviewer {user} <{address}>"
    message["To"] = f"recruiting@{DOMAIN}"
    message["Subject"] = "Accepted: Interview"
    message.set_content("Accepted.")
    message.add_alternative(calendar, maintype="text", subtype="calendar",
                            params={"method": "REPLY"})
    message.add_attachment(calendar, maintype="application", subtype="ics",
                           filename="invite.ics")
    return message.as_bytes(policy=SMTP)


def run(interviews: int) -> tuple[float, float]:
    """(median ms per reply, replies per second) over REPLIES replies on ``interviews``."""
    with scratch_app() as app, app.app_context():
        freeze(NOW)
        seed(interviews)
        chooser = random.Random(interviews)
        messages = []
        for index in range(REPLIES):
            interview = chooser.randint(1, interviews)
            partstat = ("ACCEPTED", "TENTATIVE")[index % 2]
            messages.append(gmail_reply(interview, panelist(interview, index % 2), partstat))
        timings = []
        applied = 0
        started_all = time.perf_counter()
        for raw in messages:
            started = time.perf_counter()
            outcome = replies.ingest(raw)
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
            applied += outcome.applied
        elapsed = time.perf_counter() - started_all
        if applied != REPLIES:
            raise SystemExit(f"only {applied} of {REPLIES} replies applied")
        freeze(None)
        return statistics.median(timings), REPLIES / elapsed


def main() -> None:
    logging.getLogger("coordinator.invites.replies").setLevel(logging.WARNING)
    for interviews in SIZES:
        median_ms, per_second = run(interviews)
        suffix = "" if interviews == max(SIZES) else f"_{interviews // 1000}k"
        report(f"ingest_reply_ms{suffix}", median_ms, "ms")
        report(f"ingest_replies_per_s{suffix}", per_second, "1/s")


if __name__ == "__main__":
    main()
