"""Candidate pages: list and search, add, edit, open candidacies, the candidacy page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coordinator.candidates import operations
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.db import db
from coordinator.jobs.models import JobState
from coordinator.timeutil import freeze
from tests.web.pages import field_error, is_marked_invalid, text, value_of


def _candidate_form(**overrides: str) -> dict[str, str]:
    data = {"name": "Noor Haddad", "email": "noor@example.org", "phone": "+971 4 555 0101",
            "time_zone": "Asia/Dubai"}
    data.update(overrides)
    return data


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_candidate_list_searches_names_and_emails(client, login, recruiter, make_candidate):
    make_candidate(name="Alma Berg", email="alma@example.org")
    make_candidate(name="Bruno Diaz", email="bruno@work.example")
    login(recruiter)
    by_name = text(client.get("/candidates?q=alma"))
    assert "Alma Berg" in by_name and "Bruno Diaz" not in by_name
    by_email = text(client.get("/candidates?q=work.example"))
    assert "Bruno Diaz" in by_email and "Alma Berg" not in by_email
    assert "No candidate matches “zzz”" in text(client.get("/candidates?q=zzz"))


def test_candidate_search_treats_wildcards_as_text(client, login, recruiter, make_candidate):
    make_candidate(name="Plain Name")
    login(recruiter)
    assert "Plain Name" not in text(client.get("/candidates?q=%25"))


def test_candidate_list_is_paginated(client, login, recruiter, make_candidate, monkeypatch):
    from coordinator.candidates import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for name in ("A One", "B Two", "C Three"):
        make_candidate(name=name)
    login(recruiter)
    first = text(client.get("/candidates"))
    assert "A One" in first and "C Three" not in first
    assert "Page 1 of 2" in first
    assert "C Three" in text(client.get("/candidates?page=2"))


def test_new_candidate_form_suggests_the_recruiters_time_zone(client, login, recruiter):
    login(recruiter)
    page = text(client.get("/candidates/new"))
    assert value_of(page, "time_zone") == recruiter.time_zone
    assert '<datalist id="time_zone-datalist">' in page
    assert '<option value="America/New_York">' in page


def test_recruiter_adds_a_candidate(client, login, recruiter):
    login(recruiter)
    response = client.post("/candidates/new", data=_candidate_form(email="Noor@Example.org"))
    assert response.status_code == 303
    candidate = db.session.scalar(sa.select(Candidate))
    assert response.headers["Location"].endswith(f"/candidates/{candidate.id}")
    assert (candidate.name, candidate.email, candidate.phone, candidate.time_zone) == (
        "Noor Haddad", "noor@example.org", "+971 4 555 0101", "Asia/Dubai")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("name", "n" * 201, "Field cannot be longer than 200 characters."),
    ("email", "not-an-address", "Not a valid email address"),
    ("email", "e" * 250 + "@x.org", "Field cannot be longer than 254 characters."),
    ("phone", "call me maybe", "Use digits, spaces and + - ( ) . / only"),
    ("time_zone", "Mars/Olympus", "“Mars/Olympus” is not a known IANA time zone"),
    ("time_zone", "", "This field is required."),
])
def test_bad_candidate_input_rerenders_with_message_on_the_field(client, login, recruiter,
                                                                 field, value, message):
    login(recruiter)
    response = client.post("/candidates/new", data=_candidate_form(**{field: value}))
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, field)
    assert is_marked_invalid(page, field)
    assert value_of(page, field) == value
    assert _count(Candidate) == 0


def test_duplicate_candidate_email_is_refused_on_the_email_field(client, login, recruiter,
                                                                 make_candidate):
    make_candidate(email="taken@example.org")
    login(recruiter)
    response = client.post("/candidates/new", data=_candidate_form(email="TAKEN@example.org"))
    assert response.status_code == 422
    page = text(response)
    assert field_error(page, "email") == "A candidate with this email already exists."
    assert value_of(page, "name") == "Noor Haddad"
    assert _count(Candidate) == 1


def test_recruiter_edits_a_candidate(client, login, recruiter, make_candidate):
    candidate = make_candidate(name="Old Name")
    login(recruiter)
    assert value_of(text(client.get(f"/candidates/{candidate.id}/edit")), "name") == "Old Name"
    response = client.post(f"/candidates/{candidate.id}/edit", data=_candidate_form())
    assert response.status_code == 303
    db.session.refresh(candidate)
    assert (candidate.name, candidate.time_zone) == ("Noor Haddad", "Asia/Dubai")


def test_bad_candidate_edit_changes_nothing(client, login, recruiter, make_candidate):
    candidate = make_candidate(name="Kept", time_zone="Europe/Paris")
    login(recruiter)
    response = client.post(f"/candidates/{candidate.id}/edit",
                           data=_candidate_form(time_zone="Europe/Atlantis"))
    assert response.status_code == 422
    assert value_of(text(response), "time_zone") == "Europe/Atlantis"
    db.session.refresh(candidate)
    assert (candidate.name, candidate.time_zone) == ("Kept", "Europe/Paris")


def test_candidate_page_lists_their_candidacies(client, login, recruiter, make_candidate,
                                                make_job, make_candidacy):
    candidate = make_candidate()
    candidacy = make_candidacy(job=make_job(title="Site Reliability Engineer"),
                               candidate=candidate)
    login(recruiter)
    page = text(client.get(f"/candidates/{candidate.id}"))
    assert "Site Reliability Engineer" in page
    assert f'href="/candidacies/{candidacy.id}"' in page


def test_candidate_page_offers_only_open_jobs(client, login, recruiter, make_candidate, make_job):
    candidate = make_candidate()
    open_job = make_job(title="Open Position")
    closed = make_job(title="Filled Position")
    closed.state = JobState.closed
    db.session.commit()
    login(recruiter)
    page = text(client.get(f"/candidates/{candidate.id}"))
    assert f'<option value="{open_job.id}">Open Position' in page
    assert "Filled Position" not in page


def test_recruiter_opens_a_candidacy_from_the_candidate_page(client, login, recruiter,
                                                             make_candidate, make_job):
    candidate, job = make_candidate(), make_job()
    login(recruiter)
    response = client.post(f"/candidates/{candidate.id}/candidacies",
                           data={"candidacy-job_id": str(job.id)})
    assert response.status_code == 303
    candidacy = db.session.scalar(sa.select(Candidacy))
    assert response.headers["Location"].endswith(f"/candidacies/{candidacy.id}")
    assert (candidacy.job_id, candidacy.candidate_id, candidacy.state) == (
        job.id, candidate.id, CandidacyState.active)


@pytest.mark.parametrize(("job_id", "message"), [
    ("", "This field is required."),
    ("999999", "Not a valid choice."),
    ("first", "Invalid Choice: could not coerce."),
])
def test_bad_job_choice_is_refused_on_the_candidate_page(client, login, recruiter,
                                                         make_candidate, job_id, message):
    candidate = make_candidate()
    login(recruiter)
    response = client.post(f"/candidates/{candidate.id}/candidacies",
                           data={"candidacy-job_id": job_id})
    assert response.status_code == 422
    assert message in field_error(text(response), "candidacy-job_id")
    assert _count(Candidacy) == 0


def test_second_candidacy_for_the_same_job_is_refused(client, login, recruiter, make_candidacy):
    candidacy = make_candidacy()
    login(recruiter)
    response = client.post(f"/candidates/{candidacy.candidate_id}/candidacies",
                           data={"candidacy-job_id": str(candidacy.job_id)})
    assert response.status_code == 422
    assert "already has a candidacy for this job" in field_error(text(response),
                                                                  "candidacy-job_id")
    assert _count(Candidacy) == 1


def test_recruiter_opens_a_candidacy_from_the_job_page_by_email(client, login, recruiter,
                                                                make_candidate, make_job):
    candidate, job = make_candidate(email="lee@example.org"), make_job()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/candidacies",
                           data={"candidacy-candidate_email": "LEE@example.org"})
    assert response.status_code == 303
    candidacy = db.session.scalar(sa.select(Candidacy))
    assert (candidacy.job_id, candidacy.candidate_id) == (job.id, candidate.id)


@pytest.mark.parametrize(("email", "message"), [
    ("nobody@example.org", "No candidate has the address nobody@example.org; add them first."),
    ("not an address", "Not a valid email address"),
    ("", "This field is required."),
])
def test_unknown_candidate_email_is_refused_on_the_job_page(client, login, recruiter, make_job,
                                                            email, message):
    job = make_job()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/candidacies",
                           data={"candidacy-candidate_email": email})
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, "candidacy-candidate_email")
    assert value_of(page, "candidacy-candidate_email") == email
    assert _count(Candidacy) == 0


def test_closed_job_takes_no_candidacy(client, login, recruiter, make_job, make_candidate):
    job = make_job()
    candidate = make_candidate()
    job.state = JobState.closed
    db.session.commit()
    login(recruiter)
    assert "Add a candidate" not in text(client.get(f"/jobs/{job.id}"))
    response = client.post(f"/jobs/{job.id}/candidacies",
                           data={"candidacy-candidate_email": candidate.email})
    assert response.status_code == 422
    assert "This job is closed" in text(response)
    assert _count(Candidacy) == 0


def test_candidacy_page_shows_candidate_job_state_and_history_in_viewers_zone(
        client, login, make_user, make_candidacy):
    recruiter = make_user(("recruiter",), name="Rhea Recruiter", time_zone="Asia/Tokyo")
    freeze(datetime(2027, 3, 1, 9, 30, tzinfo=UTC))
    candidacy = make_candidacy(actor=recruiter)
    freeze(datetime(2027, 3, 2, 16, 0, tzinfo=UTC))
    operations.set_candidacy_state(candidacy, CandidacyState.shortlisted, actor=recruiter,
                                   reason="Strong first round")
    db.session.commit()
    login(recruiter)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    assert candidacy.candidate.name in page and candidacy.job.title in page
    assert "Shortlisted" in page
    assert "Mon 01 Mar 2027, 18:30 Asia/Tokyo (JST)" in page
    assert "Rhea Recruiter" in page
    assert "State changed from active to shortlisted: Strong first round" in page
    assert page.index("State changed") < page.index("Candidacy opened")


def test_candidacy_page_shows_times_in_a_zone_asked_for(client, login, recruiter,
                                                        make_candidacy):
    freeze(datetime(2027, 3, 1, 9, 30, tzinfo=UTC))
    candidacy = make_candidacy()
    login(recruiter)
    page = text(client.get(f"/candidacies/{candidacy.id}?tz=America/Chicago"))
    assert "Mon 01 Mar 2027, 03:30 America/Chicago (CST)" in page


def test_job_hiring_manager_sees_the_candidacy_without_candidate_admin_links(
        client, login, hiring_manager, make_job, make_candidacy):
    candidacy = make_candidacy(job=make_job(hiring_manager_id=hiring_manager.id))
    login(hiring_manager)
    response = client.get(f"/candidacies/{candidacy.id}")
    assert response.status_code == 200
    assert f'href="/candidates/{candidacy.candidate_id}"' not in text(response)


def test_interviewer_lists_only_the_candidates_they_interview_without_contact_details(
        client, login, interviewer, make_candidate, make_candidacy, make_interview):
    seated = make_candidate(name="Seated Sam", email="sam@example.com", phone="+1 555 0100")
    make_interview(make_candidacy(candidate=seated), [interviewer])
    make_candidacy(candidate=make_candidate(name="Other Olive"))
    login(interviewer)
    page = text(client.get("/candidates"))
    assert "Seated Sam" in page
    assert "Other Olive" not in page
    assert "sam@example.com" not in page and "+1 555 0100" not in page


def test_free_text_inputs_take_their_direction_from_what_is_typed(client, login, recruiter):
    login(recruiter)
    page = text(client.get("/candidates/new"))

    name = re.search(r'<input[^>]*id="name"[^>]*>', page).group(0)
    email = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert ('dir="auto"' in name, 'dir="auto"' in email) == (True, False)


def test_candidate_names_in_the_list_are_isolated(client, login, recruiter, make_candidate):
    make_candidate(name="نور حداد")
    login(recruiter)

    assert "<bdi>نور حداد</bdi>" in text(client.get("/candidates"))
