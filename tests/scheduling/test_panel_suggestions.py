"""Suggested panels: one seat per relationship the plan asks for, people ranked for each."""

from __future__ import annotations

from datetime import timedelta

from coordinator.db import db
from coordinator.jobs.models import Relationship
from coordinator.scheduling import calendar_sources, panel_suggestions
from coordinator.scheduling.models import CalendarSourceKind
from tests.scheduling.conftest import NOW, at


def _seats(round_):
    return panel_suggestions.suggest_panel(round_, round_.candidacy, now=NOW,
                                           zone_name="Europe/Berlin")


def test_one_seat_per_planned_relationship_in_plan_order(make_round, panelists):
    seats = _seats(make_round())
    assert [s.relationship for s in seats] == [Relationship.peer, Relationship.supervisor]
    assert all(s.pick is not None for s in seats)


def test_people_who_held_the_seat_for_this_job_come_first(make_round, panelists, book,
                                                          make_user):
    peer, supervisor = panelists
    make_user(("interviewer",), name="Aaron Early")  # first by name, but no history
    earlier = make_round()
    book(earlier, at(1, 9) + timedelta(days=1), [(peer, "peer"), (supervisor, "supervisor")])
    seats = _seats(make_round(planned=earlier.planned_round))
    assert seats[0].pick.user == peer and seats[0].pick.times_in_relationship == 1
    assert seats[1].pick.user == supervisor


def test_first_picks_are_distinct_people(make_round, panelists, book):
    peer, supervisor = panelists
    earlier = make_round()
    # the peer also held the supervisor seat twice: still only picked once
    book(earlier, at(2, 9), [(peer, "supervisor"), (supervisor, "peer")])
    book(make_round(), at(2, 12), [(peer, "supervisor"), (supervisor, "peer")])
    seats = _seats(make_round(planned=earlier.planned_round))
    picks = [s.pick.user_id for s in seats]
    assert len(set(picks)) == len(picks)


def test_load_this_week_counts_interviews_of_the_viewers_week(make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(3, 9), [(peer, "peer"), (supervisor, "supervisor")])
    book(make_round(), at(9, 9), [(peer, "peer"), (supervisor, "supervisor")])  # next week
    seats = _seats(make_round())
    people = {p.user_id: p for seat in seats for p in seat.people}
    assert people[peer.id].week_load == 1


def test_met_before_marks_people_the_candidate_already_met(make_round, plan, panelists, book,
                                                           make_user):
    _job, first, _team = plan
    peer, supervisor = panelists
    manager = make_user(("hiring_manager",), name="Hugo Manager")
    first_round = make_round(planned=first)
    book(first_round, at(1, 7), [(manager, "hiring_manager"), (peer, "peer")], record_past=True,
         override_relationships=True, override_reason="peer shadowing")
    team_round = make_round(candidacy=first_round.candidacy)
    people = {p.user_id: p for s in _seats(team_round) for p in s.people}
    assert people[peer.id].met_before is True
    assert people[supervisor.id].met_before is False


def test_the_jobs_hiring_manager_leads_a_hiring_manager_seat(make_job, make_planned_round,
                                                             make_candidacy, recruiter,
                                                             make_user, panelists):
    manager = make_user(("hiring_manager",), name="Zoe Manager")
    job = make_job(actor=recruiter, hiring_manager_id=manager.id)
    planned = make_planned_round(job, actor=recruiter, relationships=["hiring_manager"])
    from coordinator.scheduling import operations

    round_ = operations.open_round(make_candidacy(job=job), planned, actor=recruiter)
    db.session.commit()
    seat = _seats(round_)[0]
    assert seat.pick.user == manager and seat.pick.is_hiring_manager


def test_a_stale_calendar_is_said_next_to_the_person(make_round, panelists):
    peer, _supervisor = panelists
    source = calendar_sources.set_source(peer, actor=peer, kind=CalendarSourceKind.ics_url,
                                         url="https://cal.example.com/x.ics")
    source.last_synced_at = NOW - timedelta(days=3)
    source.last_error = "HTTP 404"
    db.session.commit()
    people = {p.user_id: p for s in _seats(make_round()) for p in s.people}
    assert people[peer.id].calendar_warning.startswith("calendar last synced 3 days ago")
    assert "HTTP 404" in people[peer.id].calendar_warning


def test_a_plan_without_relationships_suggests_no_seats(make_job, make_planned_round,
                                                        make_candidacy, recruiter):
    from coordinator.scheduling import operations

    job = make_job(actor=recruiter)
    planned = make_planned_round(job, actor=recruiter, relationships=[])
    round_ = operations.open_round(make_candidacy(job=job), planned, actor=recruiter)
    assert _seats(round_) == []


def test_statement_count_does_not_grow_with_people_and_interviews(make_round, panelists, book,
                                                                  make_user, count_queries):
    peer, supervisor = panelists
    round_ = make_round()
    _seats(round_)  # warm the round's own relationships
    with count_queries() as small:
        _seats(round_)
    for n in range(6):
        extra = make_user(("interviewer",), name=f"Extra {n}")
        book(make_round(), at(2 + n % 3, 8 + n), [(extra, "peer"), (supervisor, "supervisor")]
             if n % 2 else [(peer, "peer"), (extra, "supervisor")])
    round_ = make_round()
    _seats(round_)
    with count_queries() as large:
        _seats(round_)
    assert large.count == small.count, str(large)
