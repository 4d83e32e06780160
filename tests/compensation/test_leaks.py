"""Nobody outside admins, recruiters and the job's hiring manager meets a compensation figure.

A candidacy gets distinctive figures (expectation 123457.89, band 98765.43–111111.11, proposal
119876.54, and the reasons and notes repeat them). Then, as an interviewer on its panel and as the
hiring manager of another job, the walker (``walker.py``) reads every GET route of the app, every
GET operation of the OpenAPI document, the candidate's portal page and its ``.ics`` files, the
calendar feeds, and every message in the outbox, and looks for the figures in many spellings.
A recruiter's walk over the same scenario must find them: the walker and its spellings work.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from coordinator.accounts import operations as accounts
from coordinator.api.openapi import build
from coordinator.assessments.operations import save_assessment
from coordinator.candidates import links
from coordinator.compensation import operations
from coordinator.db import db
from coordinator.message_templates.catalogue import KINDS
from coordinator.scheduling import operations as scheduling
from tests.compensation.conftest import NOW, decide_current
from tests.compensation.walker import (
    Filler,
    Walk,
    api_urls,
    fetch,
    page_urls,
    read_outbox,
    spellings,
)
from tests.factories import sign_in

EXPECTED = Decimal("123457.89")
BAND_MIN, BAND_MAX = Decimal("98765.43"), Decimal("111111.11")
PROPOSED = Decimal("119876.54")
#: Figures derived from them: the gaps to the band the pages and the API compute.
DERIVED = (EXPECTED - BAND_MAX, PROPOSED - BAND_MAX)

FIGURES = sorted(
    set().union(
        *(spellings(a) for a in (EXPECTED, BAND_MIN, BAND_MAX, PROPOSED)),
        *(spellings(a, whole=False) for a in DERIVED),
    )
)

#: Routes the walker cannot fill and why (anything else it skips fails the coverage test).
EXPECTED_SKIPS = {
    "static": "<path:filename> names asset files, which hold no data",
    # Self-scheduling offers hold interviewer ids, a range and a state, never pay; the scenario
    # makes none, so there is no id to fill (their pages are walked in tests/scheduling).
    "api.show_self_schedule": "the scenario makes no self-scheduling offer",
    "GET /api/v1/rounds/{round_id}/self-schedule/{self_schedule_id}":
        "the scenario makes no self-scheduling offer",
}


@pytest.fixture
def scenario(app, make_user, make_job, make_planned_round, make_candidacy, people):
    """One candidacy with figures everywhere they can be typed, two interviews with invites
    (the interviewer on both panels), a portal link and calendar feeds."""
    recruiter, manager = people.recruiter, people.hiring_manager
    job = make_job(
        actor=recruiter,
        hiring_manager_id=manager.id,
        pay_band_min=str(BAND_MIN),
        pay_band_max=str(BAND_MAX),
        pay_band_currency="EUR",
    )
    make_job(actor=recruiter, hiring_manager_id=people.other_hiring_manager.id)
    first = make_planned_round(
        job, actor=recruiter, title="First interview", relationships=["peer"]
    )
    pay = make_planned_round(
        job,
        actor=recruiter,
        title="Compensation discussion",
        kind="compensation_discussion",
        relationships=["peer"],
        criteria=[],
    )
    candidacy = make_candidacy(job=job, actor=recruiter)
    rival = make_candidacy(job=job, actor=recruiter)
    seats = [scheduling.Seat(people.interviewer.id, "peer")]
    held = scheduling.schedule_interview(
        scheduling.open_round(candidacy, first, actor=recruiter),
        actor=recruiter,
        starts_at=NOW - timedelta(days=1),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        panel=seats,
        record_past=True,
    ).interview
    save_assessment(
        held,
        actor=people.interviewer,
        submit=True,
        recommendation="yes",
        ratings={c.id: 3 for c in first.criteria},
        notes="Solid answers.",
    )
    scheduling.schedule_interview(
        scheduling.open_round(candidacy, pay, actor=recruiter),
        actor=recruiter,
        starts_at=NOW + timedelta(minutes=50),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        panel=seats,
        location="Room 4",
    )
    stage = operations.stage_of(candidacy)
    operations.set_expectations(
        stage,
        actor=recruiter,
        amount=str(EXPECTED),
        currency="EUR",
        period="year",
        bonus_notes=f"Bonus on top of {EXPECTED:,.2f}",
        equity_notes="Options worth 123457",
        notice_period="3 months",
        notes=f"Expects {EXPECTED} firm",
        earliest_start=(NOW + timedelta(days=60)).date(),
    )
    operations.propose(
        stage,
        actor=recruiter,
        amount=str(PROPOSED),
        currency="EUR",
        notes=f"Offer {PROPOSED:,.2f} with bonus",
    )
    decide_current(stage, manager, reason=f"{PROPOSED} is fair against {EXPECTED}")
    operations.conclude(
        stage, actor=recruiter, outcome="agreed", reason=f"Agreed at {PROPOSED:,.2f}"
    )
    db.session.commit()
    # Reminders are due for the discussion (in 50 minutes): queue them like cron would.
    app.test_cli_runner().invoke(args=["send-reminders"])
    feeds = _feed_secrets([people.interviewer, people.other_hiring_manager, manager])
    tokens = [links.issue(candidacy).token, *feeds]
    db.session.commit()
    return SimpleNamespace(
        job=job,
        candidacy=candidacy,
        stage=stage,
        tokens=tokens,
        candidacy_ids=[candidacy.id, rival.id],
    )


def _feed_secrets(users):
    """Calendar feed secrets (the feed is a public route keyed by its secret)."""
    try:
        from coordinator.invites.feeds import create_feed
    except ImportError:  # no feeds in this build: nothing to walk
        return []
    return [create_feed(user, actor=user)[1] for user in users]


def _walk(app, client, api_as, user, scenario) -> Walk:
    """Everything ``user`` can GET (signed in, and with a token on the API), and the outbox."""
    walk = Walk()
    # ``ids``: the shortlist comparison's comma-separated candidacies.
    # ``message_key``: the candidate mail wordings (they hold no figures).
    filler = Filler({"token": scenario.tokens, "ids": [",".join(map(str, scenario.candidacy_ids))],
                     "message_key": [kind.key for kind in KINDS]})
    with app.app_context():
        document = build(app)
    sign_in(client, user)
    _, secret = accounts.create_token(user, actor=user)
    db.session.commit()
    urls = [*page_urls(app, filler, walk), *api_urls(document, filler, walk)]
    fetch(client, urls, walk, headers={"Authorization": f"Bearer {secret}"})
    read_outbox(walk)
    return walk


OUTSIDERS = ["interviewer", "other_hiring_manager"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_figure_reaches_someone_outside_the_circle(who, app, client, api_as, people, scenario):
    walk = _walk(app, client, api_as, getattr(people, who), scenario)
    assert walk.leaks(FIGURES) == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_walk_meets_no_server_error(who, app, client, api_as, people, scenario):
    walk = _walk(app, client, api_as, getattr(people, who), scenario)
    assert walk.server_errors() == []


def test_interviewer_walk_reaches_the_candidacy_its_interviews_and_the_portal(
    app, client, api_as, people, scenario
):
    """The walk is not vacuous: the panel member does read the candidacy, the compensation
    round's interview, the candidate's page and its calendar file."""
    walk = _walk(app, client, api_as, people.interviewer, scenario)
    reached = walk.reached()
    interview_ids = [i.id for r in scheduling.rounds_of(scenario.candidacy) for i in r.interviews]
    token = scenario.tokens[0]
    assert {
        f"/candidacies/{scenario.candidacy.id}",
        f"/p/{token}",
        *(f"/interviews/{i}" for i in interview_ids),
        *(f"/p/{token}/interviews/{i}.ics" for i in interview_ids),
    } <= reached
    assert any(where.startswith("outbox #") for where in reached)


def test_candidacy_page_tells_an_outsider_only_that_a_discussion_exists(
    app, client, api_as, people, scenario
):
    walk = _walk(app, client, api_as, people.interviewer, scenario)
    page = next(a.text for a in walk.answers if a.where == f"/candidacies/{scenario.candidacy.id}")
    assert "A compensation discussion is under way" in page


def test_recruiter_walk_finds_the_figures(app, client, api_as, people, scenario):
    """The control: the same walk as a recruiter meets every figure on the stage page and API."""
    walk = _walk(app, client, api_as, people.recruiter, scenario)
    leaked = {where for where, _ in walk.leaks(FIGURES)}
    path = f"/candidacies/{scenario.candidacy.id}/compensation"
    assert {path, "/api/v1" + path} <= leaked
    for figure in (EXPECTED, BAND_MIN, BAND_MAX, PROPOSED):
        assert walk.leaks(spellings(figure))


def test_walker_fills_every_get_route_but_documented_skips(app, client, api_as, people, scenario):
    """A new route whose parameter the walker cannot fill fails here: teach the walker a value
    (``Filler`` values, or a table the ``<thing>_id`` naming finds) or document the skip."""
    walk = _walk(app, client, api_as, people.interviewer, scenario)
    assert walk.skipped.keys() <= EXPECTED_SKIPS.keys(), walk.skipped


def test_spellings_cover_grouped_and_whole_forms():
    assert {"123457.89", "123,457.89", "123457", "123.457,89", "123 457,89"} <= spellings(
        "123457.89"
    )
