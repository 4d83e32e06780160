"""Pipeline fixtures: the assessment suite's clock and two-round job, with one candidacy in each
pipeline status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from coordinator.candidates.models import Candidacy
from coordinator.compensation import operations as compensation
from coordinator.db import db
from coordinator.shortlist import operations as shortlist
from coordinator.timeutil import freeze
from tests.assessments.conftest import (  # noqa: F401
    NOW,
    book,
    frozen_now,
    job,
    panelists,
    submit,
)

YESTERDAY = NOW - timedelta(days=1)


@pytest.fixture
def make_applicant(make_candidacy, make_candidate, job, recruiter) -> Callable[..., Candidacy]:  # noqa: F811
    def make(name: str) -> Candidacy:
        candidate = make_candidate(actor=recruiter, name=name)
        return make_candidacy(job=job.job, candidate=candidate, actor=recruiter)

    return make


@pytest.fixture
def world(make_applicant, job, book, submit, panelists, recruiter, hiring_manager) -> Any:  # noqa: F811
    """One candidacy per status (named for it) on ``job.job``."""
    peer, other = panelists
    c = SimpleNamespace()
    c.new = make_applicant("Nina New")  # no round yet: waiting to schedule
    c.scheduled = make_applicant("Sam Scheduled")
    book(c.scheduled, job.first, NOW + timedelta(days=1), [peer])
    c.owed = make_applicant("Ada Awaiting")
    book(c.owed, job.first, YESTERDAY, [peer, other], record_past=True)
    c.ready = make_applicant("Rhea Ready")
    done = book(c.ready, job.first, YESTERDAY + timedelta(hours=2), [peer], record_past=True)
    submit(done, peer)
    c.passed = make_applicant("Pat Passed")
    passed = book(c.passed, job.first, YESTERDAY + timedelta(hours=4), [peer], record_past=True)
    submit(passed, peer)
    freeze(NOW + timedelta(minutes=5))  # decided after the round was opened
    shortlist.record_decision(c.passed, actor=hiring_manager, outcome="advance",
                              reason="Strong first round.")
    freeze(NOW)
    c.offer = make_applicant("Otto Offer")
    compensation.open_stage(c.offer, actor=recruiter)
    c.rejected = make_applicant("Rex Rejected")
    shortlist.record_decision(c.rejected, actor=hiring_manager, outcome="reject",
                              reason="Not a fit.")
    db.session.commit()
    return c
