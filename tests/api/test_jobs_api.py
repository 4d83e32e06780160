"""Jobs over the API: create and read; pay bands are money as decimal strings."""

from __future__ import annotations

import pytest

from tests.api.support import assert_invalid, assert_problem, table_counts


def job_body(**overrides):
    body = {"title": "Platform Engineer", "department": "Platform", "location": "Berlin",
            "pay_band": {"min": "70000.00", "max": "90000.00", "currency": "EUR"}}
    body.update(overrides)
    return body


def band(low="70000", high="90000", currency="EUR"):
    return {"min": low, "max": high, "currency": currency}


@pytest.fixture
def recruiter_api(api_as, make_user):
    return api_as(make_user(("recruiter",)))


def test_recruiter_creates_a_job_and_gets_201_with_the_band(recruiter_api):
    response = recruiter_api.post("/jobs", json=job_body())
    assert response.status_code == 201
    assert response.json["pay_band"] == {"min": "70000.00", "max": "90000.00", "currency": "EUR"}
    assert response.json["state"] == "open"


def test_amounts_come_back_with_two_decimals(recruiter_api):
    response = recruiter_api.post("/jobs", json=job_body(pay_band=band("70000.5", "90000")))
    assert response.json["pay_band"] == {"min": "70000.50", "max": "90000.00", "currency": "EUR"}


def test_currency_code_is_upper_cased(recruiter_api):
    response = recruiter_api.post("/jobs", json=job_body(pay_band=band(currency="chf")))
    assert response.json["pay_band"]["currency"] == "CHF"


def test_job_names_its_hiring_manager(recruiter_api, make_user):
    manager = make_user(("hiring_manager",))
    response = recruiter_api.post("/jobs", json=job_body(hiring_manager_id=manager.id))
    assert response.json["hiring_manager_id"] == manager.id


@pytest.mark.parametrize(("change", "field"), [
    ({"pay_band": band("95000", "90000")}, "pay_band.max"),
    ({"pay_band": band("-1", "90000")}, "pay_band.min"),
    ({"pay_band": band("70000", "90000.001")}, "pay_band.max"),
    ({"pay_band": band("70000", "1e6")}, "pay_band.max"),
    ({"pay_band": band("70000", "NaN")}, "pay_band.max"),
    ({"pay_band": band("70000", "Infinity")}, "pay_band.max"),
    ({"pay_band": band("999999999", "999999999")}, "pay_band.min"),
    ({"pay_band": band("70000", "١٢٣٤٥٦")}, "pay_band.max"),
    ({"pay_band": {"min": 70000, "max": 90000, "currency": "EUR"}}, "pay_band.min"),
    ({"pay_band": band(currency="EURO")}, "pay_band.currency"),
    ({"pay_band": band(currency="XYZ")}, "pay_band.currency"),
    ({"pay_band": {"min": "1", "max": "2"}}, "pay_band.currency"),
    ({"pay_band": {**band(), "bonus": "5"}}, "pay_band.bonus"),
    ({"pay_band": "70000-90000"}, "pay_band"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": 5}, "title"),
    ({"title": None}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"department": "x" * 201}, "department"),
    ({"hiring_manager_id": "7"}, "hiring_manager_id"),
    ({"hiring_manager_id": 0}, "hiring_manager_id"),
    ({"hiring_manager_id": 99999999999999999999}, "hiring_manager_id"),
    ({"hiring_manager_id": 999999}, "hiring_manager_id"),
    ({"assessment_due_hours": 0}, "assessment_due_hours"),
    ({"assessment_due_hours": True}, "assessment_due_hours"),
    ({"state": "closed"}, "state"),
])
def test_invalid_job_is_422_on_the_dotted_field_and_saves_nothing(recruiter_api, change, field):
    before = table_counts()
    response = recruiter_api.post("/jobs", json=job_body(**change))
    assert_invalid(response, field)
    assert table_counts() == before


def test_hiring_manager_must_hold_the_role(recruiter_api, make_user):
    interviewer = make_user(("interviewer",))
    response = recruiter_api.post("/jobs", json=job_body(hiring_manager_id=interviewer.id))
    assert_invalid(response, "hiring_manager_id")


def test_missing_pay_band_is_422(recruiter_api):
    body = job_body()
    del body["pay_band"]
    assert_invalid(recruiter_api.post("/jobs", json=body), "pay_band")


def test_absent_job_is_404(recruiter_api):
    assert_problem(recruiter_api.get("/jobs/999999"), 404)


def test_list_filters_by_state(recruiter_api, make_job):
    from coordinator.db import db
    from coordinator.jobs.models import JobState

    make_job(title="Open one")
    closed = make_job(title="Closed one")
    closed.state = JobState.closed
    db.session.commit()
    titles = [j["title"] for j in recruiter_api.get("/jobs?state=closed").json["items"]]
    assert titles == ["Closed one"]


def test_unknown_state_filter_is_422(recruiter_api):
    assert_invalid(recruiter_api.get("/jobs?state=paused"), "state")


def test_interviewer_reads_the_jobs_they_interview_for_without_the_pay_band(
        api_as, make_user, make_job, make_candidacy, make_interview):
    job = make_job()
    interviewer = make_user(("interviewer",))
    make_interview(make_candidacy(job=job), [interviewer])
    response = api_as(interviewer).get(f"/jobs/{job.id}")
    assert response.status_code == 200
    assert response.json["pay_band"] is None


def test_interviewer_cannot_read_a_job_they_do_not_interview_for(api_as, make_user, make_job):
    job = make_job()
    assert_problem(api_as(make_user(("interviewer",))).get(f"/jobs/{job.id}"), 403)


def test_interviewer_lists_only_the_jobs_of_interviews_they_sit_on(
        api_as, make_user, make_job, make_candidacy, make_interview):
    interviewer = make_user(("interviewer",))
    seated = make_job()
    make_interview(make_candidacy(job=seated), [interviewer])
    make_job()
    body = api_as(interviewer).get("/jobs").json
    assert [item["id"] for item in body["items"]] == [seated.id]
    assert body["total"] == 1


def test_hiring_manager_lists_their_own_jobs_only(api_as, make_user, make_job):
    manager = make_user(("hiring_manager",))
    own = make_job(hiring_manager_id=manager.id)
    make_job(hiring_manager_id=make_user(("hiring_manager",)).id)
    body = api_as(manager).get("/jobs").json
    assert [item["id"] for item in body["items"]] == [own.id]


def test_hiring_manager_who_interviews_also_lists_the_jobs_they_interview_for(
        api_as, make_user, make_job, make_candidacy, make_interview):
    manager = make_user(("hiring_manager", "interviewer"))
    own = make_job(hiring_manager_id=manager.id, title="A own")
    seated = make_job(title="B seated")
    make_interview(make_candidacy(job=seated), [manager])
    make_job(title="C elsewhere")
    body = api_as(manager).get("/jobs").json
    assert [item["id"] for item in body["items"]] == [own.id, seated.id]


def test_recruiter_lists_every_job(api_as, recruiter, make_job):
    jobs = [make_job(title=f"Role {n}") for n in range(3)]
    body = api_as(recruiter).get("/jobs").json
    assert [item["id"] for item in body["items"]] == [job.id for job in jobs]


def test_the_jobs_own_hiring_manager_sees_the_pay_band(api_as, make_user, make_job):
    manager = make_user(("hiring_manager",))
    job = make_job(hiring_manager_id=manager.id)
    response = api_as(manager).get(f"/jobs/{job.id}")
    assert response.json["pay_band"] == {"min": "70000.00", "max": "90000.00", "currency": "EUR"}


def test_another_jobs_hiring_manager_does_not_see_the_pay_band(
        api_as, make_user, make_job, make_candidacy, make_interview):
    manager = make_user(("hiring_manager",))
    job = make_job()
    make_interview(make_candidacy(job=job), [manager])
    assert api_as(manager).get(f"/jobs/{job.id}").json["pay_band"] is None


def test_interviewer_cannot_create_jobs(api_as, make_user):
    response = api_as(make_user(("interviewer",))).post("/jobs", json=job_body())
    assert_problem(response, 403)


def test_listing_jobs_takes_the_same_queries_however_many_there_are(
        api_as, make_user, make_job, make_candidacy, make_interview, count_queries):
    interviewer = make_user(("interviewer",))
    api = api_as(interviewer)
    make_interview(make_candidacy(job=make_job()), [interviewer])
    with count_queries() as few:
        api.get("/jobs")
    for _ in range(3):
        make_interview(make_candidacy(job=make_job()), [interviewer])
    with count_queries() as many:
        assert api.get("/jobs").json["total"] == 4
    assert many.count == few.count
