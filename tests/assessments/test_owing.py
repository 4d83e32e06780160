"""The one definition of owing an assessment: its SQL form and its in-memory form agree, seat by
seat, for interviews held, recorded after the fact, still to come and cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.assessments import operations
from coordinator.assessments.owing import owed_seat, owes_assessment, seat_owes
from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling.models import Interview, PanelMember
from coordinator.timeutil import freeze, utcnow
from tests.assessments.conftest import NOW

#: case → (owes at all, owes now)
CASES = {
    "held, not submitted": (True, True),
    "held, draft only": (True, True),
    "held, submitted": (False, False),
    "recorded after the fact, not submitted": (True, True),
    "recorded after the fact, submitted": (False, False),
    "still to come": (True, False),
    "cancelled": (False, False),
}


@pytest.fixture
def seat(book, candidacy, job, panelists, submit, draft, recruiter):
    """Book the peer's seat as the case says; return (interview, peer)."""

    def make(case: str) -> tuple[Interview, object]:
        peer, _other = panelists
        if case.startswith("recorded"):
            interview = book(
                candidacy, job.first, NOW - timedelta(days=2), [peer], record_past=True
            )
        elif case == "still to come":
            interview = book(candidacy, job.first, NOW + timedelta(days=2), [peer])
        else:
            interview = book(candidacy, job.first, NOW + timedelta(hours=1), [peer])
            freeze(interview.ends_at)
        if case.endswith(", submitted"):
            submit(interview, peer)
        elif case.endswith("draft only"):
            draft(interview, peer)
        elif case == "cancelled":
            scheduling.cancel_interview(interview, actor=recruiter, reason="Not needed")
            db.session.commit()
        return interview, peer

    return make


def _sql(interview: Interview, user_id: int, started_by) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(PanelMember.id))
            .join(Interview, Interview.id == PanelMember.interview_id)
            .where(
                PanelMember.interview_id == interview.id,
                PanelMember.user_id == user_id,
                owed_seat(started_by),
            )
        )
    )


@pytest.mark.parametrize("case", list(CASES))
def test_sql_and_memory_forms_agree(case, seat):
    interview, peer = seat(case)
    owes_at_all, owes_now = CASES[case]
    every = operations.assessments_of_candidacy(interview.round.candidacy)
    now = utcnow()
    assert _sql(interview, peer.id, None) is owes_at_all
    assert seat_owes(interview, peer.id, every) is owes_at_all
    assert _sql(interview, peer.id, now) is owes_now
    assert seat_owes(interview, peer.id, every, started_by=now) is owes_now


@pytest.mark.parametrize("case", list(CASES))
def test_owing_an_assessment_of_a_candidacy_follows_the_seat(case, seat, candidacy):
    _interview, peer = seat(case)
    assert owes_assessment(peer, candidacy) is CASES[case][0]
