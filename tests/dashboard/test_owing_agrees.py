"""One reading of "owes an assessment" (``coordinator.assessments.owing``) behind the
interviewer's to-do, the recruiter's overdue list and the overdue reminders."""

from __future__ import annotations

from datetime import timedelta

from coordinator.assessments import followup, owing
from coordinator.assessments import todos as assessment_todos
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze
from tests.assessments.conftest import NOW, after
from tests.dashboard.test_todos import section
from tests.web.pages import text


def test_the_assessment_to_write_appears_when_the_interview_ends_not_when_it_starts(
    client, login, interview, panelists
):
    peer = panelists[0]
    freeze(interview.starts_at + timedelta(minutes=30))  # under way
    login(peer)
    assert section(text(client.get("/")), "assessments-to-write") == ""
    assert followup.owed_by(peer) == []

    freeze(interview.ends_at)
    group = section(text(client.get("/")), "assessments-to-write")
    assert f'href="/interviews/{interview.id}/assessment"' in group


def test_an_upcoming_interview_still_withholds_colleagues_findings(interview, panelists,
                                                                   candidacy):
    """Independence keeps counting interviews to come (the to-do waits for the end)."""
    freeze(interview.starts_at - timedelta(days=1))
    assert owing.owes_assessment(panelists[0], candidacy)
    assert followup.owed_by(panelists[0]) == []


def test_overdue_list_dashboard_and_reminders_count_the_same_assessments(
    client, login, book, candidacy, job, panelists, submit, recruiter
):
    peer, other = panelists
    early = book(candidacy, job.first, NOW + timedelta(hours=2), [peer, other])
    later = book(candidacy, job.first, NOW + timedelta(hours=4), [peer, other])
    gone = book(candidacy, job.first, NOW + timedelta(hours=6), [peer, other])
    fresh = book(candidacy, job.first, NOW + timedelta(days=2), [peer, other])
    after(early, timedelta(minutes=1))
    submit(early, peer)
    scheduling.cancel_interview(gone, actor=recruiter, reason="Moved to another day")
    db.session.commit()
    now = after(later, timedelta(hours=25))  # early and later are past due; fresh has not ended
    assert fresh.ends_at > now

    expected = {(early.id, other.id), (later.id, peer.id), (later.id, other.id)}
    listed = {(item.interview.id, item.interviewer.id) for item in followup.overdue(now)}
    on_dashboard = assessment_todos.overdue(recruiter, now)
    login(recruiter)
    group = section(text(client.get("/")), "overdue-assessments")
    counts = followup.send_followups(now)

    assert listed == expected
    assert len(on_dashboard) == len(expected)
    assert group.count("<li") == len(expected)
    assert counts["assessment_reminders"] == len(expected)
