"""Independence: who reads which assessments, and what briefs for later rounds show."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.assessments import operations
from coordinator.assessments.briefs import brief_for
from coordinator.assessments.permissions import (
    can_see_others_assessments,
    can_view_assessment,
    can_view_assessments,
)
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import freeze
from tests.assessments.conftest import NOW, after, scorecard_input


def authors(assessments) -> set[str]:
    return {a.interviewer.name for a in assessments}


# --- reading assessments -------------------------------------------------------------------------


def test_interviewer_sees_only_their_own_until_they_submit(
    interview, panelists, submit, draft, candidacy
):
    peer, other = panelists
    after(interview)
    submit(interview, other)
    draft(interview, peer)
    assert authors(operations.visible_assessments(peer, candidacy)) == {peer.name}


def test_interviewer_sees_colleagues_submitted_assessments_after_submitting(
    interview, panelists, submit, candidacy
):
    peer, other = panelists
    after(interview)
    submit(interview, other)
    submit(interview, peer)
    assert authors(operations.visible_assessments(peer, candidacy)) == {peer.name, other.name}


def test_colleagues_drafts_are_never_visible(
    interview, panelists, submit, draft, candidacy, recruiter
):
    peer, other = panelists
    after(interview)
    submit(interview, peer)
    draft(interview, other, notes="half-formed")
    assert authors(operations.visible_assessments(peer, candidacy)) == {peer.name}
    assert authors(operations.visible_assessments(recruiter, candidacy)) == {peer.name}


def test_a_later_interview_still_owed_keeps_the_interviewer_blind(
    interview, panelists, submit, candidacy, book, job
):
    peer, other = panelists
    book(candidacy, job.second, NOW + timedelta(days=3), [peer])
    after(interview)
    submit(interview, other)
    submit(interview, peer)
    assert not can_see_others_assessments(peer, candidacy)
    assert authors(operations.visible_assessments(peer, candidacy)) == {peer.name}


@pytest.mark.parametrize("who", ["recruiter", "admin", "hiring_manager"])
def test_recruiters_admins_and_the_jobs_hiring_manager_see_every_submitted_assessment(
    interview, panelists, submit, candidacy, request, who
):
    peer, other = panelists
    after(interview)
    submit(interview, peer)
    submit(interview, other)
    viewer = request.getfixturevalue(who)
    assert authors(operations.visible_assessments(viewer, candidacy)) == {peer.name, other.name}


def test_hiring_manager_of_another_job_reaches_no_assessments(interview, make_user):
    stranger = make_user(("hiring_manager",))
    assert not can_view_assessments(stranger, interview)


def test_interviewer_off_the_panel_reaches_no_assessments(interview, interviewer):
    assert not can_view_assessments(interviewer, interview)


def test_staff_who_still_owe_an_assessment_are_blind_too(
    interview, panelists, submit, candidacy, book, job, hiring_manager
):
    """Independence beats role: the hiring manager interviewing in round two is not anchored."""
    peer, _other = panelists
    book(
        candidacy,
        job.second,
        NOW + timedelta(days=3),
        [hiring_manager],
        relationship="hiring_manager",
        override_relationships=True,
        override_reason="HM round",
    )
    after(interview)
    submit(interview, peer)
    assert authors(operations.visible_assessments(hiring_manager, candidacy)) == set()


def test_panel_member_of_only_a_cancelled_interview_sees_no_colleagues(
    interview, panelists, submit, candidacy, book, job, make_user, recruiter
):
    peer, _ = panelists
    dropped = make_user(("interviewer",))
    later = book(candidacy, job.second, NOW + timedelta(days=3), [dropped])
    scheduling.cancel_interview(later, actor=recruiter, reason="Not needed")
    db.session.commit()
    after(interview)
    submit(interview, peer)
    assert not can_see_others_assessments(dropped, candidacy)


def test_reopening_makes_the_author_blind_again(interview, panelists, submit, candidacy, recruiter):
    peer, other = panelists
    after(interview)
    submit(interview, other)
    mine = submit(interview, peer)
    operations.reopen_assessment(mine, actor=recruiter, reason="Fix a rating")
    db.session.commit()
    assert authors(operations.visible_assessments(peer, candidacy)) == {peer.name}


def test_one_assessment_is_readable_by_its_author_and_then_by_colleagues(
    interview, panelists, submit, draft
):
    peer, other = panelists
    after(interview)
    theirs = submit(interview, other)
    mine = draft(interview, peer)
    assert can_view_assessment(peer, mine)
    assert not can_view_assessment(peer, theirs)
    assert not can_view_assessment(other, mine)  # a draft stays private
    submit(interview, peer)
    assert can_view_assessment(peer, theirs)


# --- briefs --------------------------------------------------------------------------------------


@pytest.fixture
def two_rounds(interview, panelists, submit, candidacy, book, job, make_user):
    """Round one assessed by both panelists (one note for later); round two booked with a new
    interviewer who has not assessed anything."""
    peer, other = panelists
    newcomer = make_user(("interviewer",), name="Nia Newcomer")
    later = book(candidacy, job.second, NOW + timedelta(days=3), [newcomer])
    after(interview)
    submit(
        interview,
        peer,
        notes="Private impressions",
        score=4,
        notes_for_later="Probe their database experience.",
    )
    submit(interview, other, score=2)
    return later, newcomer


def test_brief_shows_what_earlier_rounds_covered_and_notes_for_later(two_rounds):
    later, newcomer = two_rounds
    [entry] = brief_for(later, newcomer)
    assert entry.round_title == "First interview"
    assert entry.criteria == ["Problem solving", "Communication", "Curiosity"]
    assert [(n.author, n.text) for n in entry.notes] == [
        ("Priya Peer", "Probe their database experience.")
    ]
    assert {name for name, _title, _relationship in entry.panel} == {"Priya Peer", "Omar Other"}


def test_brief_shows_no_ratings_to_an_interviewer_who_has_not_submitted(two_rounds):
    later, newcomer = two_rounds
    [entry] = brief_for(later, newcomer)
    assert entry.assessments == []


def test_brief_shows_ratings_to_those_who_may_see_them(two_rounds, recruiter):
    later, _ = two_rounds
    [entry] = brief_for(later, recruiter)
    assert authors(entry.assessments) == {"Priya Peer", "Omar Other"}


def test_brief_leaves_out_notes_of_drafts(
    interview, panelists, draft, candidacy, book, job, make_user
):
    peer, _ = panelists
    newcomer = make_user(("interviewer",))
    later = book(candidacy, job.second, NOW + timedelta(days=3), [newcomer])
    draft(interview, peer, notes_for_later="Not ready yet")
    [entry] = brief_for(later, newcomer)
    assert entry.notes == []


def test_brief_lists_who_has_not_submitted(
    interview, panelists, submit, candidacy, book, job, make_user
):
    peer, other = panelists
    newcomer = make_user(("interviewer",))
    later = book(candidacy, job.second, NOW + timedelta(days=3), [newcomer])
    after(interview)
    submit(interview, peer)
    [entry] = brief_for(later, newcomer)
    assert entry.missing == [other.name]


def test_brief_says_what_was_rated_even_after_the_scorecard_changed(
    two_rounds, job, recruiter, interview
):
    later, newcomer = two_rounds
    kept = operations.scorecard(interview)[0]
    jobs.update_planned_round(
        job.first,
        scorecard_input(
            "First interview",
            [
                CriterionInput("Renamed", id=kept.id),
                CriterionInput("Brand new"),
            ],
        ),
        actor=recruiter,
    )
    db.session.commit()
    [entry] = brief_for(later, newcomer)
    assert entry.criteria == ["Problem solving", "Communication", "Curiosity"]


def test_brief_of_the_first_interview_is_empty(interview, panelists):
    peer, _ = panelists
    freeze(NOW)
    assert brief_for(interview, peer) == []


# --- interviews recorded after the fact are owed like any other ----------------------------------


@pytest.fixture
def recorded_past(book, candidacy, job, panelists, hiring_manager):
    """A first round held elsewhere two days ago: the peer and the job's hiring manager."""
    peer, _other = panelists
    return book(
        candidacy, job.first, NOW - timedelta(days=2), [peer, hiring_manager], record_past=True
    )


def test_a_recorded_past_interview_keeps_its_unsubmitted_panel_blind(
    recorded_past, panelists, hiring_manager, submit, candidacy
):
    peer, _other = panelists
    submit(recorded_past, peer)
    assert not can_see_others_assessments(hiring_manager, candidacy)
    assert authors(operations.visible_assessments(hiring_manager, candidacy)) == set()


def test_a_recorded_past_interview_is_listed_as_waiting_for_its_assessments(
    recorded_past, panelists, hiring_manager, submit, candidacy, recruiter
):
    from coordinator.assessments.overview import candidacy_assessments

    peer, _other = panelists
    submit(recorded_past, peer)
    [first_round] = candidacy_assessments(recruiter, candidacy).rounds
    assert [w.user.name for w in first_round.waiting] == [hiring_manager.name]


def test_the_brief_names_who_has_not_assessed_a_recorded_past_interview(
    recorded_past, panelists, hiring_manager, submit, interview, recruiter
):
    peer, _other = panelists
    submit(recorded_past, peer)
    [entry] = brief_for(interview, recruiter)
    assert entry.missing == [hiring_manager.name]


def test_the_brief_does_not_call_an_interview_still_to_come_missing(
    book, candidacy, job, panelists, recruiter
):
    peer, other = panelists
    earlier = book(candidacy, job.first, NOW + timedelta(days=1), [peer])
    later = book(candidacy, job.second, NOW + timedelta(days=2), [other])
    [entry] = brief_for(later, recruiter)
    assert entry.round_title == earlier.round.title
    assert entry.missing == []
