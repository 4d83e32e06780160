"""The migration that adds the stored per-assessment sums fills them for assessments submitted
before it (and keeps every rating)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from coordinator.assessments import operations as assessments
from coordinator.assessments.models import Assessment, Rating
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.timeutil import freeze
from tests.conftest import PG_URL, committed_app, seed_booked_interview
from tests.shortlist.conftest import NOW, at

BEFORE = "a7c3e91f2b40"


def test_upgrading_fills_the_sums_of_assessments_submitted_before(tmp_path: Path):
    kind = "postgresql" if PG_URL else "sqlite"
    with committed_app(kind, "shortlist_sums", tmp_path) as app, app.app_context():
        freeze(at(1, 8))
        interview = seed_booked_interview(at(2, 9))
        planned = interview.round.planned_round
        jobs.update_planned_round(
            planned,
            PlannedRoundInput(title=planned.title, criteria=[CriterionInput("Depth"),
                                                             CriterionInput("Care")]),
            actor=_recruiter(interview),
        )
        db.session.commit()
        freeze(NOW)
        depth, care = (c.id for c in planned.criteria)
        recruiter = _recruiter(interview)
        assessments.save_assessment(interview, actor=recruiter, ratings={depth: 4, care: 1},
                                    recommendation="yes", submit=True)
        db.session.commit()
        expected = db.session.execute(
            sa.select(Assessment.rating_sum, Assessment.rating_count, Assessment.rating_scores)
        ).one()
        db.session.commit()
        downgrade(revision=BEFORE)
        upgrade()
        after = db.session.execute(
            sa.select(Assessment.rating_sum, Assessment.rating_count, Assessment.rating_scores)
        ).one()
        ratings = db.session.scalar(sa.select(sa.func.count(Rating.id)))
        db.session.commit()
    assert tuple(expected) == (5, 2, f"{depth}:4 {care}:1")
    assert (after[0], after[1]) == (5, 2)
    assert sorted(after[2].split()) == sorted(expected[2].split())
    assert ratings == 2


def _recruiter(interview):
    from coordinator.accounts.models import User

    return db.session.get(User, interview.scheduled_by_id)
