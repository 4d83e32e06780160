"""Reminders: the candidate a day before, interviewers an hour before, once per interview time."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa

from coordinator.candidates import links
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.invites.reminders import (
    CANDIDATE_LEAD,
    PANEL_LEAD,
    due_interviews,
    send_due_reminders,
)
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.scheduling import operations
from coordinator.timeutil import freeze, isoformat_z
from tests.scheduling.conftest import at

START = at(3, 9)  # Wednesday 3 March 2027, 09:00 UTC (04:00 in New York, 10:00 in Berlin)


@pytest.fixture
def interview(make_round, panelists, book):
    peer, supervisor = panelists
    return book(
        make_round(),
        START,
        [(peer, "peer"), (supervisor, "supervisor")],
        location="Room 4",
        video_url="https://meet.example.com/abc",
    ).interview


def reminders(kind: str | None = None) -> list[OutboxMessage]:
    statement = sa.select(OutboxMessage).where(OutboxMessage.kind.like("reminder.%"))
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == f"reminder.{kind}")
    return list(db.session.scalars(statement.order_by(OutboxMessage.id)))


def run(now):
    freeze(now)
    counts = send_due_reminders(now)
    db.session.commit()
    return counts


def text_of(row: OutboxMessage) -> str:
    message = message_from_bytes(row.raw, policy=default_policy)
    return message.get_body(("plain",)).get_content()


def test_nothing_is_sent_before_the_candidates_window(interview):
    counts = run(START - CANDIDATE_LEAD - timedelta(minutes=1))

    assert counts.total == 0
    assert reminders() == []


def test_candidate_is_reminded_a_day_before(interview):
    counts = run(START - CANDIDATE_LEAD)

    assert (counts.candidate, counts.panel) == (1, 0)
    [row] = reminders("candidate")
    candidate = interview.round.candidacy.candidate
    assert row.recipient == candidate.email
    assert row.dedupe_key == f"reminder:candidate:{interview.id}:{isoformat_z(START)}"
    assert "Wed 03 Mar 2027, 04:00 America/New_York (EST)" in row.subject


def test_candidate_reminder_carries_a_working_portal_link(client, interview):
    run(START - CANDIDATE_LEAD)

    text = text_of(reminders("candidate")[0])

    assert "Room 4" in text and "https://meet.example.com/abc" in text
    url = next(line for line in text.splitlines() if "/p/" in line).strip()
    assert url.startswith("http://coordinator.test/p/")
    token = url.rsplit("/", 1)[1]
    assert links.resolve(token).id == interview.round.candidacy_id
    assert client.get(url.removeprefix("http://coordinator.test")).status_code == 200


def test_candidate_reminder_has_no_calendar_part_and_no_interviewer_address(interview, panelists):
    run(START - CANDIDATE_LEAD)

    row = reminders("candidate")[0]
    message = message_from_bytes(row.raw, policy=default_policy)
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert all(p.email.encode() not in row.raw for p in panelists)


def test_interviewers_are_not_reminded_a_day_before(interview):
    run(START - CANDIDATE_LEAD)

    assert reminders("panel") == []


def test_interviewers_are_reminded_an_hour_before_with_the_interview_link(interview, panelists):
    counts = run(START - PANEL_LEAD)

    assert counts.panel == 2
    rows = reminders("panel")
    assert sorted(r.recipient for r in rows) == sorted(p.email for p in panelists)
    text = text_of(rows[0])
    assert f"http://coordinator.test/interviews/{interview.id}" in text
    assert "Wed 03 Mar 2027, 10:00 Europe/Berlin (CET)" in text


def test_each_reminder_is_sent_once(interview):
    run(START - CANDIDATE_LEAD)
    run(START - timedelta(hours=5))
    run(START - PANEL_LEAD)
    again = run(START - timedelta(minutes=10))

    assert again.total == 0
    assert len(reminders("candidate")) == 1
    assert len(reminders("panel")) == 2


def test_nothing_is_sent_once_the_interview_started(interview):
    assert run(START).total == 0
    assert run(START + timedelta(minutes=30)).total == 0


def test_cancelled_interview_gets_no_reminder(interview, recruiter):
    operations.cancel_interview(interview, actor=recruiter, reason="Panel ill")
    db.session.commit()

    assert run(START - PANEL_LEAD).total == 0
    assert reminders() == []


def test_recorded_past_interview_gets_no_reminder(make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(1, 6), [(peer, "peer"), (supervisor, "supervisor")], record_past=True)

    assert run(at(1, 5, 30)).total == 0


def test_moved_interview_is_reminded_again_for_its_new_time(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    [first] = reminders("candidate")
    first.state, first.sent_at = OutboxState.sent, START - CANDIDATE_LEAD  # delivered
    db.session.commit()
    freeze(START - timedelta(hours=20))
    operations.reschedule_interview(
        interview, actor=recruiter, reason="Room clash", starts_at=START + timedelta(hours=4)
    )
    db.session.commit()

    counts = run(START - timedelta(hours=20))

    assert counts.candidate == 1
    keys = [r.dedupe_key for r in reminders("candidate")]
    assert keys[-1].endswith(isoformat_z(START + timedelta(hours=4)))
    assert len(set(keys)) == 2


def test_place_change_alone_sends_no_second_reminder(interview, recruiter):
    run(START - CANDIDATE_LEAD)
    [first] = reminders("candidate")
    first.state, first.sent_at = OutboxState.sent, START - CANDIDATE_LEAD  # delivered
    db.session.commit()
    operations.reschedule_interview(
        interview, actor=recruiter, reason="Bigger room", location="Room 9"
    )
    db.session.commit()

    assert run(START - timedelta(hours=12)).candidate == 0


def test_closed_candidacy_gets_no_reminders(interview, recruiter):
    candidates.set_candidacy_state(
        interview.round.candidacy,
        CandidacyState.withdrawn,
        actor=recruiter,
        reason="Took another offer",
    )
    db.session.commit()

    assert run(START - PANEL_LEAD).total == 0


def test_removed_panel_member_is_not_reminded(interview, recruiter, panelists, make_user):
    _peer, supervisor = panelists
    stand_in = make_user(("interviewer",), name="Stan Stand-in")
    operations.reschedule_interview(
        interview,
        actor=recruiter,
        reason="Peer on leave",
        panel=[operations.Seat(stand_in.id, "peer"), operations.Seat(supervisor.id, "supervisor")],
    )
    db.session.commit()

    run(START - PANEL_LEAD)

    assert sorted(r.recipient for r in reminders("panel")) == sorted(
        [stand_in.email, supervisor.email]
    )


def test_due_interviews_take_two_queries_however_many(
    make_round, panelists, book, make_user, count_queries
):
    peer, supervisor = panelists
    for hour in (9, 11, 13, 15):
        book(
            make_round(),
            at(3, hour),
            [
                (peer, "peer"),
                (supervisor, "supervisor"),
                (make_user(("interviewer",)), "colleague"),
            ],
        )
    db.session.expunge_all()

    with count_queries() as queries:
        due = due_interviews(at(2, 16))
        names = [m.user.name for interview in due for m in interview.panel]

    assert len(due) == 4 and len(names) == 12
    assert queries.count == 2, str(queries)


def test_send_reminders_command_queues_and_reports(app, interview):
    freeze(START - PANEL_LEAD)

    result = app.test_cli_runner().invoke(args=["send-reminders"])

    assert result.exit_code == 0, result.output
    assert "queued 1 candidate and 2 interviewer reminders" in result.output
    assert len(reminders()) == 3
