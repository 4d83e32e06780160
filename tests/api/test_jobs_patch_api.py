"""PATCH /jobs/{id}: the API twin of the job edit page, and how job edits are audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from tests.api.support import assert_invalid, assert_problem
from tests.factories import PASSWORD


@pytest.fixture
def recruiter(make_user):
    return make_user(("recruiter",))


@pytest.fixture
def manager(make_user):
    return make_user(("hiring_manager",), name="Hana Manager")


@pytest.fixture
def job(make_job, recruiter, manager):
    return make_job(
        actor=recruiter,
        title="Platform Engineer",
        department="Platform",
        location="Berlin",
        hiring_manager_id=manager.id,
        pay_band_min="70000",
        pay_band_max="90000",
        pay_band_currency="EUR",
    )


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


def patch(api, job, body):
    return api.patch(f"/jobs/{job.id}", json=body)


def edits(job) -> list[dict]:
    return [
        e.details["changes"]
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "job.updated", AuditEvent.object_id == job.id)
            .order_by(AuditEvent.id)
        )
    ]


def test_patching_the_title_answers_the_job_with_only_the_title_changed(api, job, manager):
    response = patch(api, job, {"title": "Staff Platform Engineer"})
    body = response.get_json()
    assert (response.status_code, body["title"], body["location"], body["hiring_manager_id"]) == (
        200,
        "Staff Platform Engineer",
        "Berlin",
        manager.id,
    )


def test_patching_the_pay_band_changes_it(api, job):
    body = patch(api, job, {"pay_band": {"min": "80000", "max": "95000.5", "currency": "EUR"}})
    assert body.get_json()["pay_band"] == {"min": "80000.00", "max": "95000.50", "currency": "EUR"}


def test_patching_the_state_closes_the_job(api, job):
    assert patch(api, job, {"state": "closed"}).get_json()["state"] == "closed"


def test_a_null_hiring_manager_clears_it(api, job):
    assert patch(api, job, {"hiring_manager_id": None}).get_json()["hiring_manager_id"] is None


def test_an_admin_may_patch_a_job(api_as, make_user, job):
    response = patch(api_as(make_user(("admin",))), job, {"department": "Infrastructure"})
    assert (response.status_code, response.get_json()["department"]) == (200, "Infrastructure")


def test_the_jobs_own_hiring_manager_may_not_patch_it(api_as, manager, job):
    assert_problem(patch(api_as(manager), job, {"title": "Mine now"}), 403)


def test_patching_an_absent_job_is_404(api):
    assert_problem(api.patch("/jobs/999999", json={"title": "Ghost"}), 404)


def test_a_job_keeps_a_hiring_manager_who_lost_the_role_when_named_again(
    api, job, manager, make_user
):
    from coordinator.accounts import operations as accounts
    from coordinator.accounts.models import Role

    accounts.update_user(manager, actor=make_user(("admin",)), roles={Role.interviewer})
    db.session.commit()
    response = patch(api, job, {"title": "Renamed", "hiring_manager_id": manager.id})
    assert (response.status_code, response.get_json()["hiring_manager_id"]) == (200, manager.id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pay_band": {"min": "95000", "max": "90000", "currency": "EUR"}}, "pay_band.max"),
        ({"pay_band": {"min": "-1", "max": "90000", "currency": "EUR"}}, "pay_band.min"),
        ({"pay_band": {"min": "1", "max": "2", "currency": "XYZ"}}, "pay_band.currency"),
        ({"pay_band": {"min": "1", "max": "2"}}, "pay_band.currency"),
        ({"pay_band": None}, "pay_band"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"department": None}, "department"),
        ({"location": "x" * 201}, "location"),
        ({"state": "paused"}, "state"),
        ({"state": None}, "state"),
        ({"hiring_manager_id": 999999}, "hiring_manager_id"),
        ({"hiring_manager_id": "7"}, "hiring_manager_id"),
        ({"assessment_due_hours": 0}, "assessment_due_hours"),
        ({"salary": "lots"}, "salary"),
        ({}, "_"),
    ],
    ids=[
        "band-reversed",
        "band-negative",
        "band-currency",
        "band-partial",
        "band-null",
        "title-empty",
        "title-blank",
        "title-null",
        "title-long",
        "department-null",
        "location-long",
        "state-unknown",
        "state-null",
        "manager-absent",
        "manager-string",
        "due-hours-zero",
        "unknown-member",
        "empty",
    ],
)
def test_a_bad_value_is_422_on_its_field_and_changes_nothing(api, job, body, field):
    assert_invalid(patch(api, job, body), field)
    db.session.refresh(job)
    assert (job.title, str(job.pay_band_max), job.state.value, edits(job)) == (
        "Platform Engineer",
        "90000.00",
        "open",
        [],
    )


def test_an_interviewer_cannot_be_made_hiring_manager(api, job, make_user):
    interviewer = make_user(("interviewer",))
    assert_invalid(patch(api, job, {"hiring_manager_id": interviewer.id}), "hiring_manager_id")


# --- the audit row of an edit --------------------------------------------------------------------


def test_an_edit_audits_only_the_fields_that_changed_with_old_and_new(api, job):
    patch(api, job, {"title": "Staff Platform Engineer", "location": "Berlin"})
    assert edits(job) == [{"title": {"old": "Platform Engineer", "new": "Staff Platform Engineer"}}]


def test_a_band_change_is_audited_with_the_old_and_new_figures(api, job):
    patch(api, job, {"pay_band": {"min": "70000", "max": "240000", "currency": "EUR"}})
    assert edits(job) == [
        {
            "pay_band": {
                "old": {"min": "70000.00", "max": "90000.00", "currency": "EUR"},
                "new": {"min": "70000.00", "max": "240000.00", "currency": "EUR"},
            }
        }
    ]


def test_a_new_hiring_manager_and_state_are_audited_by_id_and_value(api, job, manager, make_user):
    other = make_user(("hiring_manager",))
    patch(api, job, {"hiring_manager_id": other.id, "state": "closed"})
    assert edits(job) == [
        {
            "hiring_manager_id": {"old": manager.id, "new": other.id},
            "state": {"old": "open", "new": "closed"},
        }
    ]


def test_an_edit_that_changes_nothing_writes_no_audit_row(api, job):
    response = patch(
        api, job, {"title": "Platform Engineer", "pay_band": {"min": "70000.00", "max": "90000",
                                                              "currency": "eur"}}
    )
    assert (response.status_code, edits(job)) == (200, [])


def test_the_admin_audit_log_reads_the_band_change(api, job, make_user, login):
    patch(api, job, {"pay_band": {"min": "70000", "max": "240000", "currency": "EUR"}})
    page = login(make_user(("admin",), password=PASSWORD)).get("/admin/audit")
    assert "pay band 70000.00–90000.00 EUR → 70000.00–240000.00 EUR" in page.get_data(
        as_text=True
    )
