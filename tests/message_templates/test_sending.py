"""Mail uses the saved wording when there is one and the built-in wording otherwise; the
calendar part is the same either way, and what candidates typed cannot become markup."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import sqlalchemy as sa

from coordinator.db import db
from coordinator.invites.reminders import send_due_reminders
from coordinator.mail.models import OutboxMessage
from coordinator.message_templates import operations as wording
from coordinator.scheduling import loops, selfschedule
from coordinator.timeutil import freeze
from tests.invites.test_invites import cancel, latest, reschedule
from tests.scheduling.conftest import at


def _save(key, subject, body, actor):
    wording.save(key, subject=subject, body=body, actor=actor)
    db.session.commit()


def _parts(row: OutboxMessage) -> tuple[str, str, str]:
    message = message_from_bytes(row.raw, policy=default_policy)
    return (str(message["Subject"]),
            message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            message.get_body(("html",)).get_content())


def _last(kind: str) -> OutboxMessage:
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id.desc())).first()


def test_without_saved_wording_the_built_in_invitation_is_sent(booked, people):
    _round, candidate, *_ = people
    mail = latest(booked)[candidate.email]
    assert mail.message["Subject"].startswith("Interview: ")
    assert "You will meet:" in mail.text


def test_the_saved_invitation_wording_is_sent_with_the_same_calendar(people, book, recruiter):
    round_, candidate, peer, supervisor, _ = people
    candidate.name = "Cara <b>Candidate</b>"
    db.session.commit()
    _save("interview_invitation", "Welcome {candidate_name} to {company}",
          "Dear {candidate_name},\nsee you at {interview_time} in {place}.\n\n{panel}\n\n"
          "Page: {portal_url}\n\n{signature}", recruiter)

    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")],
                     location="Room 4").interview

    mail = latest(interview)[candidate.email]
    text = mail.text.replace("\r\n", "\n")
    assert mail.message["Subject"] == "Welcome Cara <b>Candidate</b> to coordinator.test"
    assert text.startswith("Dear Cara <b>Candidate</b>,\nsee you at ")
    assert "in Room 4." in text
    assert "- Priya Peer" in text and "(supervisor, new to you)" in text
    assert "Page: http://coordinator.test/p/" in text
    assert "Cara &lt;b&gt;Candidate&lt;/b&gt;" in mail.html and "<b>Candidate" not in mail.html
    assert '<a href="http' in mail.html  # the portal link is a link
    assert mail.method == "REQUEST"
    assert mail.calendar.summary.startswith("Interview: ")  # the event keeps its own title
    # the panel's mail is not the candidates' wording
    assert not latest(interview)[peer.email].text.startswith("Dear")


def test_update_and_cancellation_use_their_own_wording(people, book, recruiter):
    round_, candidate, peer, supervisor, _ = people
    _save("interview_update", "Moved: {job_title}", "Changes:\n{changes}\n\n{signature}",
          recruiter)
    _save("interview_cancellation", "Off: {job_title}", "Cancelled, sorry {candidate_name}.",
          recruiter)
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    assert latest(interview)[candidate.email].message["Subject"].startswith("Interview: ")

    reschedule(interview, recruiter, starts_at=at(2, 16))
    moved = latest(interview)[candidate.email]
    assert moved.message["Subject"].startswith("Moved: ")
    assert moved.text.replace("\r\n", "\n").startswith("Changes:\n- Time: ")
    assert moved.method == "REQUEST"

    cancel(interview, recruiter)
    cancelled = latest(interview)[candidate.email]
    assert cancelled.message["Subject"].startswith("Off: ")
    assert cancelled.text.startswith("Cancelled, sorry Cara Candidate.")
    assert cancelled.method == "CANCEL"


def test_after_a_reset_the_built_in_wording_is_sent_again(people, book, recruiter):
    round_, candidate, peer, supervisor, _ = people
    _save("interview_invitation", "Mine", "Mine {candidate_name}", recruiter)
    wording.reset("interview_invitation", actor=recruiter)
    db.session.commit()
    interview = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    assert latest(interview)[candidate.email].message["Subject"].startswith("Interview: ")


def test_the_reminder_uses_the_saved_wording(people, book, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    _save("interview_reminder", "Tomorrow: {round_title}", "Hi {candidate_name}, {video_link}",
          recruiter)
    book(round_, at(3, 9), [(peer, "peer"), (supervisor, "supervisor")],
         video_url="https://meet.example.com/abc")
    freeze(at(2, 10))
    send_due_reminders(at(2, 10))
    db.session.commit()

    subject, text, _html = _parts(_last("reminder.candidate"))
    assert subject == f"Tomorrow: {round_.title}"
    assert text == "Hi Cara Candidate, Join: https://meet.example.com/abc\n"


def test_the_self_scheduling_offer_uses_the_saved_wording(people, recruiter):
    round_, _candidate, peer, _supervisor, _ = people
    _save("self_schedule_offer", "Pick a slot, {candidate_name}",
          "{duration_minutes} minutes: {booking_url} until {deadline}", recruiter)
    selfschedule.offer(round_, selfschedule.Offer(
        duration_minutes=45, interviewer_ids=[peer.id], pool_ids=[], pool_size=0,
        starts_after=at(2, 8), ends_before=at(9, 8), expires_at=at(2, 8)), actor=recruiter)
    db.session.commit()

    subject, text, html = _parts(_last("self_schedule_offer"))
    assert subject == "Pick a slot, Cara Candidate"
    assert text.startswith("45 minutes: http://coordinator.test/")
    assert " until " in text
    assert '<a href="http' in html


def test_the_itinerary_uses_the_saved_wording(people, book, recruiter):
    round_, _candidate, peer, supervisor, _ = people
    first = book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")]).interview
    second = book(round_, at(2, 15) + timedelta(minutes=15),
                  [(peer, "peer"), (supervisor, "supervisor")]).interview
    _save("loop_itinerary", "Your day {day}", "{itinerary}", recruiter)

    loops.send_itinerary(round_, [("Technical", first), ("Values", second)])
    db.session.commit()

    subject, text, _html = _parts(_last("loop.itinerary"))
    assert subject.startswith("Your day ")
    assert "Technical\n    with Priya Peer" in text and "Values\n    with Priya Peer" in text
    assert "Break (15 minutes)" in text


def test_booking_looks_the_wording_up_once(people, book, recruiter):
    """One query for the candidate's wording, none for the panel's mails."""
    round_, _candidate, peer, supervisor, _ = people
    statements: list[str] = []
    engine = db.engine

    def count(conn, cursor, statement, *args):
        if "message_templates" in statement:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
