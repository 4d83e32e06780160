"""Pages agree (issue 15, item 7): why an interview moved or was cancelled shows in the
candidacy's history."""

from __future__ import annotations

from datetime import timedelta

from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from tests.web.pages import text


def test_reschedule_reason_appears_in_the_candidacy_history(
    client, login, interview, recruiter, candidacy
):
    scheduling.reschedule_interview(
        interview, actor=recruiter, reason="Candidate asked for the afternoon",
        starts_at=interview.starts_at + timedelta(hours=4),
    )
    db.session.commit()
    login(recruiter)
    history = text(client.get(f"/candidacies/{candidacy.id}")).split('id="history"', 1)[1]
    assert "Interview rescheduled: Candidate asked for the afternoon" in history


def test_cancel_reason_appears_in_the_candidacy_history(
    client, login, interview, recruiter, candidacy
):
    scheduling.cancel_interview(interview, actor=recruiter, reason="Role put on hold")
    db.session.commit()
    login(recruiter)
    history = text(client.get(f"/candidacies/{candidacy.id}")).split('id="history"', 1)[1]
    assert "Interview cancelled: Role put on hold" in history
