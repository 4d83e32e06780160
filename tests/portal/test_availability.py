"""The candidate gives windows for the next round; suggestions honour them; bad rows save
nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.scheduling import slots
from coordinator.scheduling.models import AvailabilitySource, CandidateAvailability
from tests.portal.conftest import portal_path, tampered
from tests.scheduling.conftest import at


def rows(*windows: tuple[str, str, str], zone: str = "America/New_York") -> dict[str, str]:
    data = {"time_zone": zone}
    for index, (day, start, end) in enumerate(windows):
        data |= {
            f"windows-{index}-date": day,
            f"windows-{index}-start": start,
            f"windows-{index}-end": end,
        }
    return data


def saved(candidacy) -> list[CandidateAvailability]:
    return list(
        db.session.scalars(
            sa.select(CandidateAvailability)
            .where(CandidateAvailability.candidacy_id == candidacy.id)
            .order_by(CandidateAvailability.starts_at)
        )
    )


def test_availability_is_saved_in_the_candidates_zone(client, scene):
    path = portal_path(scene.candidacy)

    response = client.post(
        f"{path}/availability",
        data=rows(("2027-03-08", "09:00", "12:00"), ("2027-03-09", "14:00", "17:30")),
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{path}#availability")
    windows = saved(scene.candidacy)
    # New York is UTC-5 until 14 March 2027.
    assert [(w.starts_at, w.ends_at) for w in windows] == [
        (at(8, 14), at(8, 17)),
        (at(9, 19), at(9, 22, 30)),
    ]
    assert {w.source for w in windows} == {AvailabilitySource.candidate}


def test_saved_windows_are_shown_and_thanked_for(client, scene):
    path = portal_path(scene.candidacy)
    client.post(f"{path}/availability", data=rows(("2027-03-08", "09:00", "12:00")))

    page = client.get(path).get_data(as_text=True)

    assert "Thank you: we saved 1 time when you can meet." in page
    assert "Mon 08 Mar 2027, 09:00 America/New_York (EST) – 12:00" in page


def test_availability_in_a_switched_zone_uses_that_zone(client, scene):
    path = portal_path(scene.candidacy)

    response = client.post(
        f"{path}/availability", data=rows(("2027-03-08", "09:00", "12:00"), zone="Asia/Tokyo")
    )

    assert response.status_code == 303
    assert "tz=Asia" in response.headers["Location"]
    [window] = saved(scene.candidacy)
    assert (window.starts_at, window.ends_at) == (at(8, 0), at(8, 3))


def test_slot_suggestions_honour_the_candidates_windows(client, scene):
    client.post(
        f"{portal_path(scene.candidacy)}/availability", data=rows(("2027-03-08", "09:00", "11:00"))
    )  # 14:00–16:00 UTC

    found = slots.suggest(
        scene.candidacy,
        required=[scene.peer],
        duration_minutes=60,
        starts_after=at(1, 8),
        ends_before=at(12, 0),
    )

    assert found
    assert {(s.starts_at, s.ends_at) for s in found} <= {
        (at(8, 14), at(8, 15)),
        (at(8, 14, 30), at(8, 15, 30)),
        (at(8, 15), at(8, 16)),
    }


def test_saving_again_replaces_the_earlier_windows(client, scene):
    path = portal_path(scene.candidacy)
    client.post(f"{path}/availability", data=rows(("2027-03-08", "09:00", "12:00")))

    client.post(f"{path}/availability", data=rows(("2027-03-10", "10:00", "11:00")))

    assert [(w.starts_at, w.ends_at) for w in saved(scene.candidacy)] == [(at(10, 15), at(10, 16))]


BAD_ROWS = [
    pytest.param(
        rows(("2027-03-08", "12:00", "09:00")),
        "The end must be after the start",
        id="end-before-start",
    ),
    pytest.param(
        rows(("2027-03-08", "09:00", "09:00")), "The end must be after the start", id="empty-window"
    ),
    pytest.param(
        rows(("2027-03-14", "02:30", "04:00")), "does not exist in America/New_York", id="dst-gap"
    ),
    pytest.param(
        rows(("2027-03-08", "09:00", "")), "Give a date, a start and an end", id="missing-end"
    ),
    pytest.param(
        rows(("", "09:00", "10:00")), "Give a date, a start and an end", id="missing-date"
    ),
    pytest.param(rows(("2027-02-30", "09:00", "10:00")), "Not a valid date", id="impossible-date"),
    pytest.param(rows(("2027-03-08", "25:00", "26:00")), "Not a valid time", id="impossible-time"),
    pytest.param(rows(("2027-02-26", "09:00", "10:00")), "already over", id="in-the-past"),
    pytest.param(rows(), "Give at least one window", id="no-rows"),
    pytest.param(
        rows(("2027-03-08", "09:00", "10:00"), zone="Mars/Olympus"),
        "known time zone",
        id="unknown-zone",
    ),
    pytest.param(
        rows(("2027-03-08", "09:00", "10:00"), ("2027-03-08", "12:00", "11:00")),
        "Please fix window 2",
        id="one-bad-row-of-two",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_ROWS)
def test_bad_rows_are_refused_with_a_message_and_nothing_is_saved(client, scene, data, message):
    path = portal_path(scene.candidacy)
    client.post(f"{path}/availability", data=rows(("2027-03-10", "10:00", "11:00")))
    before = [(w.starts_at, w.ends_at) for w in saved(scene.candidacy)]

    response = client.post(f"{path}/availability", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert [(w.starts_at, w.ends_at) for w in saved(scene.candidacy)] == before


def test_refused_form_keeps_the_input(client, scene):
    response = client.post(
        f"{portal_path(scene.candidacy)}/availability", data=rows(("2027-03-08", "12:00", "09:00"))
    )

    page = response.get_data(as_text=True)
    assert 'value="2027-03-08"' in page and 'value="12:00"' in page
    assert "Window 1:" in page


def test_closed_candidacy_cannot_give_availability(client, scene, recruiter):
    path = portal_path(scene.candidacy)
    candidates.set_candidacy_state(
        scene.candidacy, CandidacyState.rejected, actor=recruiter, reason="Not a fit"
    )
    db.session.commit()

    response = client.post(f"{path}/availability", data=rows(("2027-03-08", "09:00", "12:00")))

    assert response.status_code == 410
    assert saved(scene.candidacy) == []


def test_altered_link_cannot_give_availability(client, scene):
    path = portal_path(scene.candidacy)

    response = client.post(
        f"{tampered(path)}/availability", data=rows(("2027-03-08", "09:00", "12:00"))
    )

    assert response.status_code == 404
    assert saved(scene.candidacy) == []


def test_availability_form_needs_its_csrf_token(app, client, scene, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = portal_path(scene.candidacy)
    data = rows(("2027-03-08", "09:00", "12:00"))

    refused = client.post(f"{path}/availability", data=data)
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(f"{path}/availability", data={**data, "csrf_token": token})

    assert refused.status_code == 400
    assert accepted.status_code == 303
    assert len(saved(scene.candidacy)) == 1


def test_windows_far_apart_in_time_stay_separate_and_merge_when_touching(client, scene):
    client.post(
        f"{portal_path(scene.candidacy)}/availability",
        data=rows(
            ("2027-03-08", "09:00", "10:00"),
            ("2027-03-08", "10:00", "11:00"),
            ("2027-03-09", "09:00", "10:00"),
        ),
    )

    windows = saved(scene.candidacy)

    assert [(w.ends_at - w.starts_at) for w in windows] == [timedelta(hours=2), timedelta(hours=1)]


def test_availability_more_than_two_years_ahead_is_refused(client, scene):
    path = portal_path(scene.candidacy)

    response = client.post(f"{path}/availability", data=rows(("2029-06-01", "09:00", "12:00")))

    assert response.status_code == 422
    assert "At most two years ahead" in response.get_data(as_text=True)
    assert saved(scene.candidacy) == []
