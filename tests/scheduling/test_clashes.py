"""What the booking pages say before saving: clashes in the viewer's zone, with links, without
internal ids; the candidate's reasonable hours; the nearest free times."""

from __future__ import annotations

from datetime import timedelta

from coordinator.scheduling import clashes, conflicts
from tests.scheduling.conftest import at


def test_an_interviewer_clash_names_the_interview_in_the_viewers_zone(make_round, panelists,
                                                                       book, recruiter):
    peer, supervisor = panelists
    booked = book(make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])
    item = {"kind": "interviewer_overlap", "detail": "…", "user_id": peer.id,
            "interview_id": booked.interview.id}
    [said] = clashes.describe([item], viewer=recruiter, zone_name="Asia/Tokyo")
    assert said.is_blocking and said.interview_id == booked.interview.id
    assert said.text.startswith("Priya Peer is already in “Team interview” with ")
    assert "18:00–19:00 Asia/Tokyo" in said.text  # 09:00 UTC
    assert "interview " + str(booked.interview.id) not in said.text.lower()
    assert "id" not in said.text.split()


def test_a_clash_gives_no_link_to_a_viewer_who_may_not_see_the_interview(make_round, panelists,
                                                                         book, make_user):
    peer, supervisor = panelists
    booked = book(make_round(), at(2, 9), [(peer, "peer"), (supervisor, "supervisor")])
    outsider = make_user(("interviewer",), name="Olga Outsider")
    item = {"kind": "candidate_overlap", "detail": "…", "interview_id": booked.interview.id}
    [said] = clashes.describe([item], viewer=outsider, zone_name="UTC")
    assert said.interview_id is None
    assert said.text.startswith("The candidate is already in “Team interview”")


def test_working_hours_warning_drops_the_other_persons_zone(recruiter):
    item = {"kind": "outside_working_hours", "user_id": 1,
            "detail": "Outside Priya Peer's working hours (Tue 02 Mar 2027, 07:00 Europe/London "
                      "(GMT))."}
    [said] = clashes.describe([item], viewer=recruiter, zone_name="UTC")
    assert said.text == "Outside Priya Peer's working hours."
    assert not said.is_blocking


def test_candidate_hours_warn_outside_eight_to_seven_local():
    # 10:00 UTC is 05:00 in New York
    [warning] = conflicts.candidate_hours_warnings(at(2, 10), at(2, 11), "America/New_York")
    assert warning["kind"] == "outside_candidate_hours"
    assert "05:00–06:00" in warning["detail"]
    assert conflicts.candidate_hours_warnings(at(2, 14), at(2, 15), "America/New_York") == []
    # ending exactly at 19:00 local is fine, a minute later is not
    assert conflicts.candidate_hours_warnings(at(2, 23), at(3, 0), "America/New_York") == []
    assert conflicts.candidate_hours_warnings(at(2, 23), at(3, 0, 1), "America/New_York")


def test_nearest_free_times_surround_the_clashing_time(make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(3, 14), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    nearest = clashes.nearest_free(round_.candidacy, [peer, supervisor], at(3, 14), 60)
    assert 1 <= len(nearest) <= 4
    assert all(abs(s.starts_at - at(3, 14)) <= timedelta(days=2) for s in nearest)
    assert at(3, 13) in [s.starts_at for s in nearest]  # the hour before, same day
    assert at(3, 14) not in [s.starts_at for s in nearest]
    assert [s.starts_at for s in nearest] == sorted(s.starts_at for s in nearest)


def test_nearest_free_times_need_people():
    assert clashes.nearest_free(None, [], at(3, 14), 60) == []  # type: ignore[arg-type]


def test_nearest_free_times_prefer_the_candidates_reasonable_hours(make_round, panelists):
    peer, supervisor = panelists
    round_ = make_round()  # the candidate is in New York
    nearest = clashes.nearest_free(round_.candidacy, [peer, supervisor], at(3, 7), 60)
    assert nearest
    assert all(not conflicts.candidate_hours_warnings(s.starts_at, s.ends_at,
                                                      "America/New_York") for s in nearest)


def test_nearest_free_times_for_a_move_do_not_count_the_interview_being_moved(
        make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(3, 14), [(peer, "peer"), (supervisor, "supervisor")])
    round_ = make_round()
    moving = book(round_, at(3, 13), [(peer, "peer"), (supervisor, "supervisor")]).interview
    people = [peer, supervisor]
    kept = [s.starts_at for s in clashes.nearest_free(round_.candidacy, people, at(3, 14), 60)]
    assert at(3, 13) not in kept  # counted as busy, the moving interview blocks its own time
    moved = [s.starts_at for s in clashes.nearest_free(round_.candidacy, people, at(3, 14), 60,
                                                       exclude_interview_id=moving.id)]
    assert at(3, 13) in moved  # its own slot, the hour before the clash (08:00 in New York)
