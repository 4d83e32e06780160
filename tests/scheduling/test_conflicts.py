"""The rules every booking, reschedule and panel change must pass."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.jobs.models import Relationship
from coordinator.scheduling import availability, meetings, operations
from coordinator.scheduling.models import Interview, Round
from tests.scheduling.conftest import at


@pytest.mark.parametrize(
    ("other_start", "other_minutes", "clashes"),
    [
        (at(2, 10), 60, True),  # same time
        (at(2, 10, 30), 60, True),  # partial overlap at the end
        (at(2, 9, 30), 60, True),  # partial overlap at the start
        (at(2, 9), 180, True),  # contains it
        (at(2, 10, 15), 15, True),  # inside it
        (at(2, 11), 60, False),  # back to back after
        (at(2, 9), 60, False),  # back to back before
        (at(2, 13), 60, False),  # later the same day
    ],
)
def test_interviewer_overlap_is_half_open(
    make_round, panelists, book, other_start, other_minutes, clashes
):
    peer, supervisor = panelists
    book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    other_round = make_round()
    if clashes:
        with pytest.raises(Conflict) as err:
            book(
                other_round,
                other_start,
                [(peer, "peer"), (supervisor, "supervisor")],
                minutes=other_minutes,
            )
        kinds = {c["kind"] for c in err.value.conflicts}
        assert kinds == {"interviewer_overlap"}
        assert {c["user_id"] for c in err.value.conflicts} == {peer.id, supervisor.id}
    else:
        book(
            other_round,
            other_start,
            [(peer, "peer"), (supervisor, "supervisor")],
            minutes=other_minutes,
        )


def test_two_candidates_with_different_panels_at_the_same_time_do_not_clash(
    make_round, make_user, book
):
    a = [(make_user(), "peer"), (make_user(), "supervisor")]
    b = [(make_user(), "peer"), (make_user(), "supervisor")]
    book(make_round(), at(2, 10), a)
    book(make_round(), at(2, 10), b)


def test_candidate_cannot_be_in_two_interviews_at_once_across_jobs(
    make_round, make_candidacy, make_job, make_planned_round, make_user, book, recruiter
):
    first_round = make_round()
    candidate = first_round.candidacy.candidate
    other_job = make_job(actor=recruiter)
    other_planned = make_planned_round(other_job, actor=recruiter, relationships=["peer"])
    other_candidacy = make_candidacy(job=other_job, candidate=candidate, actor=recruiter)
    other_round = make_round(candidacy=other_candidacy, planned=other_planned)
    book(first_round, at(2, 10), [(make_user(), "peer"), (make_user(), "supervisor")])
    with pytest.raises(Conflict) as err:
        book(other_round, at(2, 10, 30), [(make_user(), "peer")])
    assert [c["kind"] for c in err.value.conflicts] == ["candidate_overlap"]


def test_cancelled_interview_frees_its_time(make_round, panelists, book, recruiter):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    operations.cancel_interview(change.interview, actor=recruiter, reason="Candidate ill")
    book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])


def test_start_in_the_past_is_refused(make_round, panelists, book):
    peer, supervisor = panelists
    with pytest.raises(RuleViolation) as err:
        book(make_round(), at(1, 7), [(peer, "peer"), (supervisor, "supervisor")])
    assert err.value.field == "starts_at"


def test_record_past_accepts_an_interview_that_already_happened(make_round, panelists, book):
    peer, supervisor = panelists
    change = book(
        make_round(), at(1, 7), [(peer, "peer"), (supervisor, "supervisor")], record_past=True
    )
    assert change.interview.is_recorded_past


def test_empty_panel_is_refused(make_round, book):
    with pytest.raises(RuleViolation) as err:
        book(make_round(), at(2, 10), [])
    assert err.value.field == "panel"


def test_same_person_twice_on_a_panel_is_refused(make_round, panelists, book):
    peer, _ = panelists
    with pytest.raises(RuleViolation) as err:
        book(make_round(), at(2, 10), [(peer, "peer"), (peer, "supervisor")])
    assert err.value.field == "panel.1.user_id"


@pytest.mark.parametrize("minutes", [0, -30, 481, 24 * 60])
def test_absurd_durations_are_refused(make_round, panelists, book, minutes):
    peer, supervisor = panelists
    with pytest.raises(RuleViolation) as err:
        book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")], minutes=minutes)
    assert err.value.field == "duration_minutes"


def test_missing_relationship_is_a_conflict_naming_it(make_round, panelists, book):
    peer, _ = panelists
    with pytest.raises(Conflict) as err:
        book(make_round(), at(2, 10), [(peer, "peer")])
    assert err.value.conflicts[0]["kind"] == "relationships"
    assert err.value.conflicts[0]["missing"] == ["supervisor"]


def test_override_of_missing_relationship_needs_a_reason_and_is_recorded(
    make_round, panelists, book
):
    peer, _ = panelists
    with pytest.raises(RuleViolation):
        book(make_round(), at(2, 10), [(peer, "peer")], override_relationships=True)
    change = book(
        make_round(),
        at(2, 12),
        [(peer, "peer")],
        override_relationships=True,
        override_reason="Supervisor on leave; meets the candidate next week",
    )
    assert "Supervisor on leave" in change.interview.relationships_override_reason
    assert "supervisor" in change.interview.relationships_override_reason.lower()


def test_surplus_relationship_is_a_warning_not_a_refusal(make_round, panelists, make_user, book):
    peer, supervisor = panelists
    change = book(
        make_round(),
        at(2, 10),
        [(peer, "peer"), (supervisor, "supervisor"), (make_user(), "colleague")],
    )
    assert [w["kind"] for w in change.warnings if w["kind"] == "surplus_relationships"]


def test_daily_limit_counts_in_the_interviewers_own_zone(make_round, make_user, book, recruiter):
    tokyo = make_user(time_zone="Asia/Tokyo")
    availability.set_limits(tokyo, actor=recruiter, per_day=1, per_week=None)
    other = make_user()
    # 2 March 14:00 UTC is 23:00 in Tokyo; 2 March 16:00 UTC is 3 March 01:00 in Tokyo.
    book(make_round(), at(2, 14), [(tokyo, "peer"), (other, "supervisor")])
    book(make_round(), at(2, 16), [(tokyo, "peer"), (make_user(), "supervisor")])
    with pytest.raises(Conflict) as err:
        book(make_round(), at(2, 10), [(tokyo, "peer"), (make_user(), "supervisor")])
    assert err.value.conflicts[0]["kind"] == "load_limit"
    assert err.value.conflicts[0]["period"] == "day"


def test_weekly_limit_is_a_conflict(make_round, make_user, book, recruiter):
    busy = make_user()
    availability.set_limits(busy, actor=recruiter, per_day=None, per_week=2)
    for day in (2, 3):
        book(make_round(), at(day, 10), [(busy, "peer"), (make_user(), "supervisor")])
    with pytest.raises(Conflict) as err:
        book(make_round(), at(4, 10), [(busy, "peer"), (make_user(), "supervisor")])
    assert err.value.conflicts[0]["period"] == "week"
    # the next ISO week is free again
    book(make_round(), at(8, 10), [(busy, "peer"), (make_user(), "supervisor")])


def test_a_week_limit_below_the_day_limit_binds(make_round, make_user, book, recruiter):
    busy = make_user()
    availability.set_limits(busy, actor=recruiter, per_day=3, per_week=1)
    book(make_round(), at(2, 10), [(busy, "peer"), (make_user(), "supervisor")])
    with pytest.raises(Conflict) as err:
        book(make_round(), at(2, 14), [(busy, "peer"), (make_user(), "supervisor")])
    assert [c["period"] for c in err.value.conflicts] == ["week"]


def test_no_limits_mean_no_load_conflict(make_round, make_user, book, recruiter):
    free = make_user()
    availability.set_limits(free, actor=recruiter, per_day=None, per_week=None)
    for hour in (8, 10, 12, 14, 16):
        book(make_round(), at(2, hour), [(free, "peer"), (make_user(), "supervisor")])


def test_reschedule_reruns_the_overlap_rule(make_round, panelists, book, recruiter):
    peer, supervisor = panelists
    book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    later = book(make_round(), at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    with pytest.raises(Conflict):
        operations.reschedule_interview(
            later.interview, actor=recruiter, reason="Clash test", starts_at=at(2, 10, 30)
        )


def test_reschedule_to_the_same_time_is_refused_as_no_change(
    make_round, panelists, book, recruiter
):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    with pytest.raises(RuleViolation) as err:
        operations.reschedule_interview(
            change.interview, actor=recruiter, reason="Same", starts_at=at(2, 10)
        )
    assert "Nothing changed" in err.value.message


def test_reschedule_needs_a_reason(make_round, panelists, book, recruiter):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    with pytest.raises(RuleViolation) as err:
        operations.reschedule_interview(
            change.interview, actor=recruiter, reason=" ", starts_at=at(2, 12)
        )
    assert err.value.field == "reason"


def test_reschedule_raises_the_sequence_and_keeps_history(make_round, panelists, book, recruiter):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    moved = operations.reschedule_interview(
        change.interview, actor=recruiter, reason="Supervisor travelling", starts_at=at(3, 10)
    )
    assert moved.interview.sequence == 1
    assert moved.time_changed


def test_interview_does_not_clash_with_itself_when_moved_by_half_an_hour(
    make_round, panelists, book, recruiter
):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    operations.reschedule_interview(
        change.interview, actor=recruiter, reason="Later", starts_at=at(2, 10, 30)
    )


def test_panel_change_reports_added_and_removed(make_round, panelists, make_user, book, recruiter):
    peer, supervisor = panelists
    change = book(make_round(), at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    newcomer = make_user()
    moved = operations.reschedule_interview(
        change.interview,
        actor=recruiter,
        reason="Priya is ill",
        panel=[operations.Seat(newcomer.id, "peer"), operations.Seat(supervisor.id, "supervisor")],
    )
    assert moved.added_user_ids == [newcomer.id]
    assert moved.removed_user_ids == [peer.id]
    assert moved.interview.sequence == 1


@pytest.fixture
def met_first(make_round, plan, panelists, make_user, book):
    """A candidacy whose first round the hiring manager and the peer held on day 1, and its
    team round (opened, nothing booked)."""
    _job, first, team = plan
    peer, supervisor = panelists
    manager = make_user(("hiring_manager",))
    first_round = make_round(planned=first)
    book(
        first_round, at(1, 7), [(manager, "hiring_manager"), (peer, "colleague")], record_past=True
    )
    candidacy = first_round.candidacy
    return SimpleNamespace(
        candidacy=candidacy, first_round=first_round,
        team_round=make_round(candidacy=candidacy, planned=team),
        manager=manager, peer=peer, supervisor=supervisor,
    )


def test_met_before_marks_interviewers_from_an_earlier_interview(met_first, book):
    m = met_first
    change = book(m.team_round, at(3, 10), [(m.peer, "peer"), (m.supervisor, "supervisor")])
    met = meetings.met_before_map(m.candidacy.id)[change.interview.id]
    assert met == {m.peer.id}


def test_met_before_from_loaded_rounds_matches_the_query(met_first, book, recruiter):
    m = met_first
    cancelled = book(m.first_round, at(3, 8),
                     [(m.manager, "hiring_manager"), (m.supervisor, "peer")])
    operations.cancel_interview(cancelled.interview, actor=recruiter, reason="Moved")
    book(m.team_round, at(3, 10), [(m.peer, "peer"), (m.supervisor, "supervisor")])

    from_rounds = meetings.met_before_in(operations.rounds_of(m.candidacy))

    assert from_rounds == meetings.met_before_map(m.candidacy.id)
    assert any(from_rounds.values())


def test_met_before_with_the_last_end_skips_cancelled_interviews(met_first, book, recruiter):
    m = met_first
    kept = book(m.team_round, at(3, 10), [(m.peer, "peer"), (m.supervisor, "supervisor")])
    later = book(m.first_round, at(5, 8), [(m.manager, "hiring_manager"), (m.supervisor, "peer")])
    operations.cancel_interview(later.interview, actor=recruiter, reason="Moved")

    met_before, last_end = meetings.met_before_and_last_end(m.candidacy.id)

    assert met_before == meetings.met_before_in(operations.rounds_of(m.candidacy))
    assert met_before[kept.interview.id] == {m.peer.id}
    assert last_end == kept.interview.ends_at


def test_met_before_column_agrees_with_the_map_on_every_interview(met_first, book, recruiter):
    m = met_first
    cancelled = book(m.first_round, at(2, 8),
                     [(m.manager, "hiring_manager"), (m.supervisor, "peer")]).interview
    operations.cancel_interview(cancelled, actor=recruiter, reason="Moved")
    team = book(m.team_round, at(3, 10), [(m.peer, "peer"), (m.supervisor, "supervisor")])
    again = book(m.first_round, at(4, 10),
                 [(m.manager, "hiring_manager"), (m.supervisor, "peer")])

    column = dict(db.session.execute(
        sa.select(Interview.id, meetings.met_before_column())
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == m.candidacy.id)
    ).all())
    from_column = {
        interview_id: {int(u) for u in met.split(",")} if met else set()
        for interview_id, met in column.items()
    }

    assert from_column == meetings.met_before_map(m.candidacy.id)
    first = next(i for i in column if i not in {cancelled.id, team.interview.id,
                                                 again.interview.id})
    assert from_column == {
        first: set(),
        cancelled.id: {m.manager.id},
        team.interview.id: {m.peer.id},  # the supervisor's one interview before was cancelled
        again.interview.id: {m.manager.id, m.supervisor.id},
    }


def test_relationship_coverage_tells_which_planned_relationships_are_not_met(
    make_round, plan, panelists, book, make_user
):
    _job, first, _team = plan
    manager = make_user(("hiring_manager",))
    first_round = make_round(planned=first)
    book(first_round, at(1, 7), [(manager, "hiring_manager")], record_past=True)
    coverage = meetings.relationship_coverage(first_round.candidacy)
    assert coverage == {
        Relationship.peer: "not_met",
        Relationship.supervisor: "not_met",
        Relationship.hiring_manager: "met",
    }
