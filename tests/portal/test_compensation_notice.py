"""A planned pay discussion is announced, with a nudge to prepare, and never any figures."""

from __future__ import annotations

import pytest

from coordinator.db import db
from coordinator.scheduling import operations
from coordinator.scheduling.models import RoundState
from tests.portal.conftest import portal_path
from tests.scheduling.conftest import at

#: The factory's pay band is 70000–90000 EUR; none of these may reach the candidate.
FIGURES = (
    "70000",
    "70,000",
    "70.000",
    "70 000",
    "90000",
    "90,000",
    "90.000",
    "90 000",
    "EUR",
    "€",
    "pay band",
)


@pytest.fixture
def pay_round(scene, make_planned_round, recruiter):
    return make_planned_round(
        scene.job,
        actor=recruiter,
        title="Offer conversation",
        kind="compensation_discussion",
        relationships=["hiring_manager"],
    )


def _page(client, scene) -> str:
    response = client.get(portal_path(scene.candidacy))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_planned_pay_discussion_is_announced_with_a_nudge_to_prepare(client, scene, pay_round):
    page = _page(client, scene)

    assert "Pay will be discussed" in page
    assert "“Offer conversation”" in page
    assert "salary requirements" in page


def test_pay_discussion_notice_shows_no_figures(client, scene, pay_round):
    page = _page(client, scene)

    for figure in FIGURES:
        assert figure not in page, figure


def test_booked_pay_discussion_gives_its_date_and_marks_the_interview(
    client, scene, pay_round, make_round, book
):
    book(make_round(scene.candidacy, pay_round), at(5, 15), [(scene.manager, "hiring_manager")])

    page = _page(client, scene)

    assert "In “Offer conversation” on Fri 05 Mar 2027, 10:00 America/New_York (EST)" in page
    assert "Compensation will be discussed in this interview" in page
    for figure in FIGURES:
        assert figure not in page, figure


def test_no_notice_once_the_pay_discussion_was_held(client, scene, pay_round, make_round, book):
    book(
        make_round(scene.candidacy, pay_round),
        at(1, 6),
        [(scene.manager, "hiring_manager")],
        record_past=True,
    )

    assert "Pay will be discussed" not in _page(client, scene)


def test_no_notice_once_the_pay_round_is_done(client, scene, pay_round, make_round):
    round_ = make_round(scene.candidacy, pay_round)
    round_.state = RoundState.done
    db.session.commit()

    assert "Pay will be discussed" not in _page(client, scene)


def test_notice_stays_when_the_pay_discussion_was_cancelled(
    client, scene, pay_round, make_round, book, recruiter
):
    interview = book(
        make_round(scene.candidacy, pay_round), at(5, 15), [(scene.manager, "hiring_manager")]
    ).interview
    operations.cancel_interview(interview, actor=recruiter, reason="Manager away")
    db.session.commit()

    page = _page(client, scene)

    assert "In a later stage, “Offer conversation”" in page


def test_no_notice_when_the_plan_has_no_pay_discussion(client, scene):
    page = _page(client, scene)

    assert "Pay will be discussed" not in page
    assert "salary" not in page


def test_stage_opened_inside_another_round_is_announced_without_a_pay_round(
    client, scene, recruiter
):
    from coordinator.compensation import operations as compensation

    assert "Pay will be discussed" not in _page(client, scene)
    compensation.open_stage(scene.candidacy, actor=recruiter)
    db.session.commit()

    page = _page(client, scene)

    assert "Pay will be discussed" in page
    for figure in FIGURES:
        assert figure not in page, figure


def test_stage_opened_for_a_job_without_a_plan_is_announced(client, make_candidacy, recruiter):
    from coordinator.compensation import operations as compensation

    candidacy = make_candidacy(actor=recruiter)
    assert candidacy.job.planned_rounds == []
    compensation.open_stage(candidacy, actor=recruiter)
    db.session.commit()

    response = client.get(portal_path(candidacy))

    assert response.status_code == 200
    assert "Pay will be discussed" in response.get_data(as_text=True)


def test_invite_mentions_pay_when_the_stage_is_open_without_a_pay_round(
    scene, recruiter, make_round, book, panelists
):
    from coordinator.compensation import operations as compensation
    from coordinator.invites.operations import discusses_compensation

    assert not discusses_compensation(scene.team_interview)
    compensation.open_stage(scene.candidacy, actor=recruiter)
    db.session.commit()

    assert discusses_compensation(scene.team_interview)
