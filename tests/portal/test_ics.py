"""The per-interview calendar file: METHOD:PUBLISH, the candidate's UID, no RSVP, own candidacy."""

from __future__ import annotations

from coordinator.db import db
from coordinator.invites import operations as invites
from coordinator.invites.models import Audience
from coordinator.scheduling import operations
from tests.portal.conftest import portal_path, tampered
from tests.portal.published import read_published
from tests.scheduling.conftest import at


def _ics(client, scene, interview, path=None):
    path = path or portal_path(scene.candidacy)
    return client.get(f"{path}/interviews/{interview.id}.ics")


def test_ics_is_a_calendar_attachment(client, scene):
    response = _ics(client, scene, scene.team_interview)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".ics" in response.headers["Content-Disposition"]


def test_ics_is_publish_with_the_candidates_uid_and_no_rsvp(client, scene):
    published = read_published(_ics(client, scene, scene.team_interview).data)

    assert published.method == "PUBLISH"
    [event] = published.events
    assert event.uid == invites.uid(scene.team_interview, Audience.candidate)
    assert event.uid == f"interview-{scene.team_interview.id}-candidate@coordinator.test"
    assert event.attendees == 0
    assert (event.starts_at, event.ends_at) == (at(3, 9), at(3, 10))
    assert event.sequence == scene.team_interview.sequence
    assert event.conference == event.url == "https://meet.example.com/team-nora"
    assert "https://meet.example.com/team-nora" in event.description


def test_ics_names_the_panel_but_no_email_address(client, scene):
    published = read_published(_ics(client, scene, scene.team_interview).data)

    assert "Priya Peer" in published.events[0].description
    assert scene.peer.email not in published.text
    assert scene.supervisor.email not in published.text


def test_ics_after_a_move_has_the_new_time_and_a_higher_sequence(client, scene, recruiter):
    operations.reschedule_interview(
        scene.team_interview, actor=recruiter, reason="Room clash", starts_at=at(4, 13)
    )
    db.session.commit()

    [event] = read_published(_ics(client, scene, scene.team_interview).data).events

    assert event.starts_at == at(4, 13)
    assert event.sequence == 1


def test_ics_of_another_candidacys_interview_is_404(
    client, scene, make_candidacy, make_round, book
):
    other = make_round(make_candidacy(job=scene.job), scene.first)
    foreign = book(other, at(5, 9), [(scene.manager, "hiring_manager")]).interview

    response = _ics(client, scene, foreign)

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.data


def test_ics_of_an_unknown_interview_is_404(client, scene):
    response = client.get(f"{portal_path(scene.candidacy)}/interviews/99999999.ics")

    assert response.status_code == 404


def test_ics_of_a_cancelled_interview_is_410(client, scene, recruiter):
    operations.cancel_interview(scene.team_interview, actor=recruiter, reason="Panel ill")
    db.session.commit()

    response = _ics(client, scene, scene.team_interview)

    assert response.status_code == 410
    assert b"cancelled" in response.data


def test_ics_with_an_altered_link_is_404(client, scene):
    path = tampered(portal_path(scene.candidacy))

    response = _ics(client, scene, scene.team_interview, path=path)

    assert response.status_code == 404
