"""Job pages: list, create, edit, the job page and who sees its pay band."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.jobs.models import Job, JobState
from tests.web.pages import field_error, is_marked_invalid, text, value_of


def _job_form(**overrides: str) -> dict[str, str]:
    data = {"title": "Data Engineer", "department": "Data", "location": "Lisbon",
            "hiring_manager_id": "", "pay_band_min": "60000", "pay_band_max": "80000",
            "pay_band_currency": "EUR", "assessment_due_hours": "48"}
    data.update(overrides)
    return data


def _job_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job)) or 0


def test_job_list_shows_open_jobs_with_their_active_candidacy_counts(
        client, login, recruiter, make_job, make_candidacy):
    job = make_job(title="Platform Engineer")
    make_candidacy(job=job)
    make_candidacy(job=job)
    rejected = make_candidacy(job=job)
    candidates.set_candidacy_state(rejected, CandidacyState.rejected, actor=recruiter,
                                   reason="Not a fit")
    db.session.commit()
    login(recruiter)
    page = text(client.get("/jobs"))
    assert f'<a href="/jobs/{job.id}"><bdi>Platform Engineer</bdi></a>' in page
    assert '<td class="num">2</td>' in page


def test_job_list_shows_closed_jobs_only_under_closed(client, login, recruiter, make_job):
    job = make_job(title="Old Role")
    job.state = JobState.closed
    db.session.commit()
    login(recruiter)
    assert "Old Role" not in text(client.get("/jobs"))
    assert "Old Role" in text(client.get("/jobs?state=closed"))
    assert "Old Role" in text(client.get("/jobs?state=all"))


def test_interviewer_sees_the_job_list_without_candidacy_counts(
        client, login, interviewer, make_job, make_candidacy, make_interview):
    job = make_job(title="Visible Role")
    make_interview(make_candidacy(job=job), [interviewer])
    login(interviewer)
    page = text(client.get("/jobs"))
    assert "Visible Role" in page
    assert '<td class="num">1</td>' not in page
    assert "New job" not in page


def test_interviewer_lists_only_the_jobs_of_interviews_they_sit_on(
        client, login, interviewer, make_job, make_candidacy, make_interview):
    make_interview(make_candidacy(job=make_job(title="Seated Role")), [interviewer])
    make_job(title="Elsewhere Role")
    login(interviewer)
    page = text(client.get("/jobs"))
    assert "Seated Role" in page
    assert "Elsewhere Role" not in page


def test_hiring_manager_lists_only_their_own_jobs(client, login, hiring_manager, make_job):
    make_job(title="Managed Role", hiring_manager_id=hiring_manager.id)
    make_job(title="Elsewhere Role")
    login(hiring_manager)
    page = text(client.get("/jobs"))
    assert "Managed Role" in page
    assert "Elsewhere Role" not in page


def test_interviewer_cannot_open_the_page_of_a_job_they_do_not_interview_for(
        client, login, interviewer, make_job):
    job = make_job()
    login(interviewer)
    assert client.get(f"/jobs/{job.id}").status_code == 403


def test_new_job_form_offers_only_hiring_managers_and_admins(client, login, recruiter,
                                                             hiring_manager, interviewer):
    login(recruiter)
    page = text(client.get("/jobs/new"))
    assert f'value="{hiring_manager.id}"' in page
    assert f'value="{interviewer.id}"' not in page


def test_recruiter_creates_a_job(client, login, recruiter, hiring_manager):
    login(recruiter)
    response = client.post("/jobs/new", data=_job_form(hiring_manager_id=str(hiring_manager.id)))
    assert response.status_code == 303
    job = db.session.scalar(sa.select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.title, job.department, job.location) == ("Data Engineer", "Data", "Lisbon")
    assert job.hiring_manager_id == hiring_manager.id
    assert (job.pay_band_min, job.pay_band_max, job.pay_band_currency) == (
        Decimal("60000.00"), Decimal("80000.00"), "EUR")
    assert job.assessment_due_hours == 48


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "This field is required."),
    ("title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("department", "d" * 201, "Field cannot be longer than 200 characters."),
    ("pay_band_min", "lots", "Not a valid decimal value."),
    ("pay_band_min", "90000", "The band's minimum must not exceed its maximum."),
    ("pay_band_min", "NaN", "Give a finite amount."),
    ("pay_band_max", "1e40", "check the number of digits"),
    ("pay_band_min", "-5", "An amount cannot be negative."),
    ("pay_band_currency", "XYZ", "“XYZ” is not an ISO 4217 currency code"),
    ("hiring_manager_id", "999999", "Not a valid choice."),
    ("hiring_manager_id", "Hugo", "Invalid Choice: could not coerce."),
    ("assessment_due_hours", "soon", "Not a valid integer value."),
    ("assessment_due_hours", "0", "Number must be between 1 and 720."),
])
def test_bad_job_input_rerenders_with_message_on_the_field(client, login, recruiter, field,
                                                           value, message):
    login(recruiter)
    data = _job_form(**{"title": "Kept title", field: value})
    response = client.post("/jobs/new", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, field)
    assert is_marked_invalid(page, field)
    if field != "hiring_manager_id":
        assert value_of(page, field) == value
    if field != "title":
        assert value_of(page, "title") == "Kept title"
    assert _job_count() == 0


def test_a_user_without_the_role_cannot_be_made_hiring_manager(client, login, recruiter,
                                                               interviewer):
    login(recruiter)
    response = client.post("/jobs/new", data=_job_form(hiring_manager_id=str(interviewer.id)))
    assert response.status_code == 422
    assert field_error(text(response), "hiring_manager_id") == "Not a valid choice."
    assert _job_count() == 0


def test_recruiter_edits_a_job_and_closes_it(client, login, recruiter, make_job, admin):
    job = make_job(title="Before")
    login(recruiter)
    form = text(client.get(f"/jobs/{job.id}/edit"))
    assert value_of(form, "title") == "Before"
    response = client.post(f"/jobs/{job.id}/edit", data=_job_form(
        title="After", hiring_manager_id=str(admin.id), state="closed", pay_band_max="99000.50"))
    assert response.status_code == 303
    db.session.refresh(job)
    assert (job.title, job.state, job.hiring_manager_id) == ("After", JobState.closed, admin.id)
    assert job.pay_band_max == Decimal("99000.50")


def test_bad_edit_keeps_the_job_unchanged(client, login, recruiter, make_job):
    job = make_job(title="Stable")
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/edit", data=_job_form(
        title="Changed", pay_band_min="90000", pay_band_max="80000", state="open"))
    assert response.status_code == 422
    assert "must not exceed" in field_error(text(response), "pay_band_min")
    assert value_of(text(response), "title") == "Changed"
    db.session.refresh(job)
    assert job.title == "Stable"


def test_unknown_state_is_refused(client, login, recruiter, make_job):
    job = make_job()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/edit", data=_job_form(state="paused"))
    assert response.status_code == 422
    assert field_error(text(response), "state") == "Not a valid choice."


def test_job_keeps_a_hiring_manager_who_lost_the_role_when_other_fields_change(
        client, login, recruiter, admin, make_job, hiring_manager):
    job = make_job(hiring_manager_id=hiring_manager.id)
    accounts.update_user(hiring_manager, actor=admin, roles={Role.interviewer})
    db.session.commit()
    login(recruiter)
    response = client.post(f"/jobs/{job.id}/edit", data=_job_form(
        title="Renamed", hiring_manager_id=str(hiring_manager.id), state="open"))
    assert response.status_code == 303
    db.session.refresh(job)
    assert (job.title, job.hiring_manager_id) == ("Renamed", hiring_manager.id)


@pytest.mark.parametrize(("who", "sees_band"), [
    ("recruiter", True), ("admin", True), ("the_hiring_manager", True),
    ("other_hiring_manager", False), ("interviewer", False),
])
def test_pay_band_shows_only_to_those_allowed(client, login, make_user, make_job, who,
                                              sees_band):
    manager = make_user(("hiring_manager",))
    job = make_job(hiring_manager_id=manager.id, pay_band_min="71234", pay_band_max="91234")
    viewer = {
        "recruiter": lambda: make_user(("recruiter",)),
        "admin": lambda: make_user(("admin",)),
        "the_hiring_manager": lambda: manager,
        "other_hiring_manager": lambda: make_user(("hiring_manager",)),
        "interviewer": lambda: make_user(("interviewer",)),
    }[who]()
    login(viewer)
    page = text(client.get(f"/jobs/{job.id}"))
    assert ("71,234.00" in page and "91,234.00" in page) is sees_band
    assert ("Pay band" in page) is sees_band


def test_job_page_lists_its_candidacies_with_links(client, login, recruiter, make_job,
                                                   make_candidate, make_candidacy):
    job = make_job()
    candidacy = make_candidacy(job=job, candidate=make_candidate(name="Zoë Quinn"))
    login(recruiter)
    page = text(client.get(f"/jobs/{job.id}"))
    assert f'<a href="/candidacies/{candidacy.id}">Zoë Quinn</a>' in page


def test_job_page_paginates_its_candidacies(client, login, recruiter, make_job, make_candidacy,
                                            monkeypatch):
    from coordinator.jobs import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    job = make_job()
    for _ in range(3):
        make_candidacy(job=job)
    login(recruiter)
    first = text(client.get(f"/jobs/{job.id}"))
    assert "Page 1 of 2" in first
    assert first.count('href="/candidacies/') == 2
    assert text(client.get(f"/jobs/{job.id}?page=2")).count('href="/candidacies/') == 1


def test_the_jobs_hiring_manager_sees_its_candidacies_without_candidate_emails(
        client, login, hiring_manager, make_job, make_candidate, make_candidacy):
    job = make_job(hiring_manager_id=hiring_manager.id)
    make_candidacy(job=job, candidate=make_candidate(name="Cora Candidate",
                                                    email="cora@example.com"))
    login(hiring_manager)
    page = text(client.get(f"/jobs/{job.id}"))
    assert "Cora Candidate" in page
    assert "cora@example.com" not in page


def test_editing_on_the_page_audits_only_what_changed(client, login, recruiter, make_job):
    from coordinator.audit.models import AuditEvent

    job = make_job(title="Before", department="Data", location="Lisbon",
                   pay_band_min="60000", pay_band_max="80000")
    login(recruiter)
    client.post(f"/jobs/{job.id}/edit", data=_job_form(title="After", state="open",
                                                       assessment_due_hours="24"))
    changes = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "job.updated")
    ).all()
    assert changes == [{"changes": {"title": {"old": "Before", "new": "After"}}}]
