"""The candidate's page: whom they meet, when (in their zone), where, and what it never shows."""

from __future__ import annotations

import pytest

from coordinator.assessments import operations as assessments
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.scheduling import operations
from coordinator.timeutil import freeze
from tests.portal.conftest import article, portal_path
from tests.scheduling.conftest import at


def test_page_opens_without_signing_in_and_names_the_candidates_zone(open_portal):
    page = open_portal()

    assert "Nora Newyork" in page
    assert "Times are shown in <strong>America/New_York</strong>" in page
    # 09:00 UTC on 2 March 2027 is 04:00 in New York (EST).
    assert "Tue 02 Mar 2027, 04:00 America/New_York (EST)" in page


def test_page_is_readable_on_a_phone(open_portal):
    page = open_portal()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_interviewer_met_in_an_earlier_interview_is_marked_met_before(open_portal, scene):
    page = open_portal()
    team = article(page, scene.team_interview.id)

    manager_line = team[team.index("Hana Hiring") :]
    assert manager_line[: manager_line.index("</li>")].count("You met before") == 1
    peer_line = team[team.index("Priya Peer") :]
    assert "New to you" in peer_line[: peer_line.index("</li>")]


def test_first_interview_is_new_to_the_candidate(open_portal, scene):
    page = open_portal()
    first = article(page, scene.first_interview.id)

    assert "New to you" in first
    assert "You met before" not in first


def test_page_gives_each_interviewers_job_title_relationship_and_bio(open_portal):
    page = open_portal()

    assert "Hana Hiring</bdi></strong>, <bdi>Head of Platform" in page
    assert "the hiring manager for this role (hiring manager)" in page
    assert "Priya Peer</bdi></strong>, <bdi>Senior engineer" in page
    assert "a peer, working in a role like this one (peer)" in page
    assert "would be your supervisor (supervisor)" in page
    assert "Hana has led the platform group since 2019 and hires for it." in page


def test_long_bio_is_shortened(open_portal, manager):
    manager.bio = ("Word " * 200).strip()  # 999 characters, the most a bio holds
    db.session.commit()

    page = open_portal()

    assert "Word " * 60 in page
    assert "Word " * 120 not in page
    assert "…" in page


def test_page_gives_the_place_or_the_video_link(open_portal):
    page = open_portal()

    assert "Room 4, Alexanderplatz 1" in page
    assert 'href="https://meet.example.com/team-nora"' in page


def test_zone_switch_shows_the_times_in_the_chosen_zone(open_portal):
    page = open_portal("?tz=Asia/Tokyo")

    assert "Times are shown in <strong>Asia/Tokyo</strong>" in page
    assert "Tue 02 Mar 2027, 18:00 Asia/Tokyo (JST)" in page
    assert "your own zone is America/New_York" in page


def test_zone_form_suggests_known_zones(open_portal):
    page = open_portal()

    assert 'name="tz"' in page and "<datalist" in page
    assert '<option value="Europe/Berlin">' in page


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "UTC; DROP TABLE", "x" * 300])
def test_unknown_zone_is_refused_with_a_message_and_times_stay_in_the_candidates(open_portal, zone):
    page = open_portal(f"?tz={zone}", status=422)

    assert "is not a known IANA time zone" in page
    assert "Times are shown in <strong>America/New_York</strong>" in page
    assert "Tue 02 Mar 2027, 04:00 America/New_York (EST)" in page


def test_past_interviews_are_listed_apart_from_upcoming_ones(open_portal, scene):
    freeze(at(2, 12))

    page = open_portal()

    upcoming = page[page.index('id="upcoming"') : page.index('id="past"')]
    past = page[page.index('id="past"') :]
    assert "Team interview" in upcoming and "First interview" not in upcoming
    assert "First interview" in past and "you met Hana Hiring" in past


def test_opened_round_without_an_interview_is_listed_to_schedule(
    client, make_round, plan, make_candidacy
):
    job, first, _team = plan
    round_ = make_round(make_candidacy(job=job), first)

    page = client.get(portal_path(round_.candidacy)).get_data(as_text=True)

    assert "No interview is booked right now." in page
    assert "Still to be scheduled: First interview" in page


def test_cancelled_upcoming_interview_is_shown_cancelled_without_panel_or_calendar_file(
    open_portal, scene, recruiter
):
    operations.cancel_interview(
        scene.first_interview, actor=recruiter, reason="The hiring manager is ill"
    )
    db.session.commit()

    page = open_portal()
    first = article(page, scene.first_interview.id)

    assert "Cancelled" in first and "will not take place" in first
    assert "<s>Tue 02 Mar 2027, 04:00 America/New_York (EST)" in first
    assert "Hana Hiring" not in first
    assert "Room 4" not in first
    assert ".ics" not in first
    assert "The hiring manager is ill" not in page


def test_cancelled_interview_whose_time_has_passed_is_left_out(open_portal, scene, recruiter):
    operations.cancel_interview(scene.first_interview, actor=recruiter, reason="Moved")
    db.session.commit()
    freeze(at(2, 12))

    page = open_portal()

    assert f'id="interview-{scene.first_interview.id}"' not in page
    assert 'id="past"' not in page
    assert "Still to be scheduled: First interview" in page


def test_page_never_shows_emails_notes_reasons_or_other_candidates(
    client, scene, recruiter, make_candidate, make_candidacy, make_round, book, manager
):
    # An override reason, a cancel reason, an interviewer's draft notes, another candidacy.
    rival = make_candidacy(job=scene.job, candidate=make_candidate(name="Rudi Rival"))
    book(
        make_round(rival, scene.team),
        at(4, 9),
        [(scene.peer, "peer")],
        override_relationships=True,
        override_reason="Rival override secret",
    )
    past = book(
        scene.first_round, at(1, 6), [(manager, "hiring_manager")], record_past=True
    ).interview
    assessments.save_assessment(
        past, actor=manager, ratings={}, recommendation=None, notes="Internal: weak on SQL"
    )
    operations.reschedule_interview(
        scene.team_interview,
        actor=recruiter,
        reason="Reason for moving, internal",
        panel=[operations.Seat(scene.peer.id, "peer")],
        override_relationships=True,
        override_reason="Override reason, internal",
    )
    operations.cancel_interview(
        scene.first_interview, actor=recruiter, reason="Cancel reason, internal"
    )
    db.session.commit()

    page = client.get(portal_path(scene.candidacy)).get_data(as_text=True)

    for secret in (
        scene.peer.email,
        scene.supervisor.email,
        manager.email,
        recruiter.email,
        "Rival override secret",
        "Reason for moving, internal",
        "Override reason, internal",
        "Cancel reason, internal",
        "Internal: weak on SQL",
        "Rudi Rival",
    ):
        assert secret not in page, secret
    assert "mailto:" not in page


def test_page_of_one_candidacy_shows_nothing_of_the_candidates_other_candidacy(
    client, scene, make_job, make_candidacy
):
    other_job = make_job(title="Secret Other Job")
    other = make_candidacy(job=other_job, candidate=scene.candidate)

    page = client.get(portal_path(scene.candidacy)).get_data(as_text=True)

    assert other.id != scene.candidacy.id
    assert "Secret Other Job" not in page


def test_page_query_count_does_not_grow_with_interviews(
    client, scene, book, make_round, count_queries, make_planned_round, recruiter, panelists
):
    path = portal_path(scene.candidacy)
    client.get(path)
    with count_queries() as before:
        client.get(path)
    for day in (8, 9, 10):
        extra = make_planned_round(scene.job, actor=recruiter, title=f"Extra {day}")
        book(make_round(scene.candidacy, extra), at(day, 9), [(panelists[0], "peer")])
    with count_queries() as after:
        client.get(path)

    assert after.count == before.count, str(after)


#: The candidacy with its candidate, job and recruiter (1); the job's plan with the candidacy's
#: rounds of it, their interviews and panels with their users, the compensation stage and the
#: availability given (1; who met whom is worked out from them). Nothing else is loaded.
PORTAL_QUERIES = 2


def test_page_runs_a_stated_number_of_statements(client, scene, count_queries):
    path = portal_path(scene.candidacy)
    client.get(path)
    with count_queries() as queries:
        assert client.get(path).status_code == 200

    assert queries.count == PORTAL_QUERIES, str(queries)


def test_closing_the_candidacy_closes_the_page(client, scene, recruiter):
    path = portal_path(scene.candidacy)
    candidates.set_candidacy_state(
        scene.candidacy, CandidacyState.withdrawn, actor=recruiter, reason="Took another offer"
    )
    db.session.commit()

    assert client.get(path).status_code == 410
