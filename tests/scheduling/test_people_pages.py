"""Pages for a person's working hours, limits and busy calendar, and the candidate's
availability as a recruiter records it."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling.models import BusyBlock, CandidateAvailability, WorkingHours

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
    "DTSTAMP:20270101T000000Z\r\nDTSTART:20270302T090000Z\r\nDTEND:20270302T100000Z\r\n"
    "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_person_sets_own_working_hours_in_their_zone(login, interviewer):
    client = login(interviewer)
    response = client.post(f"/users/{interviewer.id}/working-hours",
                           data={"time_zone": "Europe/Lisbon", "mon": "09:00-12:00, 13:00-17:00",
                                 "fri": "10:00-14:00"})
    assert response.status_code == 303
    rows = db.session.scalars(sa.select(WorkingHours).where(WorkingHours.user_id == interviewer.id)
                              .order_by(WorkingHours.weekday, WorkingHours.start_minute)).all()
    assert [(r.weekday, r.start_minute, r.end_minute) for r in rows] == [
        (0, 540, 720), (0, 780, 1020), (4, 600, 840)]
    db.session.refresh(interviewer)
    assert interviewer.time_zone == "Europe/Lisbon"


def test_badly_written_working_hours_rerender_with_the_message_on_the_day(login, interviewer):
    response = login(interviewer).post(f"/users/{interviewer.id}/working-hours",
                                       data={"time_zone": "Europe/Berlin", "tue": "9 to 5"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write spans like 09:00-12:00" in page
    assert 'value="9 to 5"' in page


def test_someone_else_cannot_set_my_working_hours(login, interviewer, make_user):
    other = make_user()
    assert login(other).get(f"/users/{interviewer.id}/working-hours").status_code == 403


def test_recruiter_sets_a_week_limit_below_the_day_limit(login, recruiter, interviewer):
    response = login(recruiter).post(f"/users/{interviewer.id}/limits",
                                     data={"max_interviews_per_day": "3",
                                           "max_interviews_per_week": "2"})
    assert response.status_code == 303
    db.session.refresh(interviewer)
    assert (interviewer.max_interviews_per_day, interviewer.max_interviews_per_week) == (3, 2)


def test_empty_limit_on_the_page_means_no_limit(login, recruiter, interviewer):
    client = login(recruiter)
    client.post(f"/users/{interviewer.id}/limits",
                data={"max_interviews_per_day": "2", "max_interviews_per_week": "6"})
    response = client.post(f"/users/{interviewer.id}/limits",
                           data={"max_interviews_per_day": "", "max_interviews_per_week": "6"})
    assert response.status_code == 303
    db.session.refresh(interviewer)
    assert (interviewer.max_interviews_per_day, interviewer.max_interviews_per_week) == (None, 6)


def test_limit_outside_the_range_is_a_field_error(login, recruiter, interviewer):
    response = login(recruiter).post(f"/users/{interviewer.id}/limits",
                                     data={"max_interviews_per_day": "51"})
    assert response.status_code == 422


def test_uploading_an_ics_replaces_busy_time(login, interviewer):
    from io import BytesIO

    client = login(interviewer)
    response = client.post(f"/users/{interviewer.id}/busy",
                           data={"file": (BytesIO(ICS.encode()), "cal.ics")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BusyBlock)
                             .where(BusyBlock.user_id == interviewer.id)) == 1


def test_a_broken_ics_upload_is_refused_on_the_field(login, interviewer):
    from io import BytesIO

    response = login(interviewer).post(f"/users/{interviewer.id}/busy",
                                       data={"file": (BytesIO(b"not a calendar"), "x.ics")},
                                       content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Not a valid iCalendar file" in response.get_data(as_text=True)


def test_recruiter_records_candidate_availability_in_the_candidates_zone(
        login, recruiter, make_round):
    round_ = make_round()
    client = login(recruiter)
    url = f"/candidacies/{round_.candidacy_id}/availability"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"time_zone": "America/New_York",
                                      "windows-0-date": "2027-03-03", "windows-0-start": "09:00",
                                      "windows-0-end": "12:00"})
    assert response.status_code == 303
    window = db.session.scalar(sa.select(CandidateAvailability)
                               .where(CandidateAvailability.candidacy_id == round_.candidacy_id))
    assert window.starts_at.isoformat() == "2027-03-03T14:00:00+00:00"


def test_availability_window_ending_before_it_starts_is_refused(login, recruiter, make_round):
    round_ = make_round()
    response = login(recruiter).post(
        f"/candidacies/{round_.candidacy_id}/availability",
        data={"time_zone": "Europe/Berlin", "windows-0-date": "2027-03-03",
              "windows-0-start": "12:00", "windows-0-end": "09:00"})
    assert response.status_code == 422
    assert "must end after it starts" in response.get_data(as_text=True)


def test_reschedule_form_moves_the_interview_and_needs_a_reason(login, recruiter, make_round,
                                                                 panelists, book):
    from tests.scheduling.conftest import at

    peer, supervisor = panelists
    round_ = make_round()
    change = book(round_, at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    client = login(recruiter)
    url = (f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/interviews/"
           f"{change.interview.id}/edit")
    assert client.get(url).status_code == 200
    data = {"date": "2027-03-04", "time": "11:00", "time_zone": "Europe/Berlin",
            "duration_minutes": "60", "location": "", "video_url": "",
            "panel-0-user_id": str(peer.id), "panel-0-relationship": "peer",
            "panel-1-user_id": str(supervisor.id), "panel-1-relationship": "supervisor"}
    assert client.post(url, data=data).status_code == 422  # no reason
    # 11:00 in Berlin is 05:00 for the candidate: warned first, then moved deliberately
    warned = client.post(url, data={**data, "reason": "Supervisor travelling"})
    assert warned.status_code == 200 and "Save anyway" in warned.get_data(as_text=True)
    moved = client.post(url, data={**data, "reason": "Supervisor travelling",
                                    "action": "confirm"})
    assert moved.status_code == 303
    db.session.refresh(change.interview)
    assert change.interview.starts_at == at(4, 10)
    assert change.interview.sequence == 1
