"""The to-do conditions the pipeline shares with the dashboard (shortlist/todos.py) hold for
each candidacy on its own, whatever other candidacies are doing."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.shortlist import operations as shortlist
from coordinator.shortlist.todos import awaiting_decision, ready_for_decision
from coordinator.timeutil import freeze, utcnow
from tests.pipeline.conftest import NOW, YESTERDAY


def test_a_decision_after_the_last_interview_clears_ready_even_when_others_interview_later(
        make_applicant, job, book, submit, panelists, hiring_manager):
    peer, _other = panelists
    decided = make_applicant("Dana Decided")
    held = book(decided, job.first, YESTERDAY, [peer], record_past=True)
    submit(held, peer)
    shortlist.record_decision(decided, actor=hiring_manager, outcome="hold", reason="Wait.")
    db.session.commit()
    later = make_applicant("Liam Later")
    book(later, job.first, NOW + timedelta(days=3), [peer])
    ready = db.session.scalars(
        sa.select(Candidacy.id).where(ready_for_decision(utcnow()))).all()
    assert decided.id not in ready
    assert [t.title for t in awaiting_decision(hiring_manager, utcnow())] == []


def test_ready_for_decision_needs_every_assessment_of_that_candidacy(
        make_applicant, job, book, submit, panelists, hiring_manager):
    peer, other = panelists
    ready = make_applicant("Rita Ready")
    submit(book(ready, job.first, YESTERDAY, [peer], record_past=True), peer)
    waiting = make_applicant("Walt Waiting")
    book(waiting, job.first, YESTERDAY + timedelta(hours=3), [other], record_past=True)
    freeze(NOW)
    titles = [t.title for t in awaiting_decision(hiring_manager, utcnow())]
    assert titles == ["Rita Ready"]
