"""The link is the credential: altered → 404 saying nothing, expired or closed → 410."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.timeutil import freeze
from tests.portal.conftest import portal_path, tampered
from tests.scheduling.conftest import NOW


def test_altered_link_is_404_and_reveals_nothing(client, scene):
    response = client.get(tampered(portal_path(scene.candidacy)))

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    for detail in ("Nora Newyork", scene.job.title, "expired", "closed"):
        assert detail not in page


@pytest.mark.parametrize("token", ["nonsense", "eyJjIjoxLCJlIjoxfQ", "a" * 600, "..", "%00"])
def test_made_up_link_is_404(client, scene, token):
    assert client.get(f"/p/{token}").status_code == 404


def test_link_forged_for_another_candidacy_is_404(client, scene, make_candidacy):
    other = make_candidacy(job=scene.job)
    mine, theirs = portal_path(scene.candidacy), portal_path(other)
    # The other link's payload with this link's signature.
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]

    assert client.get(forged).status_code == 404


def test_link_works_until_it_expires(client, scene):
    path = portal_path(scene.candidacy, days=3)
    freeze(NOW + timedelta(days=3) - timedelta(seconds=1))

    assert client.get(path).status_code == 200


def test_expired_link_is_410(client, scene):
    path = portal_path(scene.candidacy, days=3)
    freeze(NOW + timedelta(days=3, seconds=1))

    response = client.get(path)

    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_expired_link_cannot_download_a_calendar_file(client, scene):
    path = portal_path(scene.candidacy, days=1)
    freeze(NOW + timedelta(days=2))

    assert client.get(f"{path}/interviews/{scene.team_interview.id}.ics").status_code == 410


@pytest.mark.parametrize(
    "state", [CandidacyState.rejected, CandidacyState.withdrawn, CandidacyState.hired]
)
def test_closed_candidacy_link_is_410(client, scene, recruiter, state):
    path = portal_path(scene.candidacy)
    candidates.set_candidacy_state(scene.candidacy, state, actor=recruiter, reason="Decided")
    db.session.commit()

    response = client.get(path)

    assert response.status_code == 410
    assert "Nora Newyork" not in response.get_data(as_text=True)


@pytest.mark.parametrize("state", [CandidacyState.shortlisted, CandidacyState.offer])
def test_link_of_a_candidacy_still_in_play_works(client, scene, recruiter, state):
    path = portal_path(scene.candidacy)
    candidates.set_candidacy_state(scene.candidacy, state, actor=recruiter, reason="Going well")
    db.session.commit()

    assert client.get(path).status_code == 200


def test_portal_pages_are_not_cached_indexed_or_referred(client, scene):
    response = client.get(portal_path(scene.candidacy))

    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
