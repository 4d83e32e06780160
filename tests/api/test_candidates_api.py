"""Candidates and candidacies over the API."""

from __future__ import annotations

import pytest

from coordinator.candidates.models import Candidate
from coordinator.db import db
from coordinator.jobs.models import JobState
from tests.api.support import (
    assert_conflict,
    assert_invalid,
    assert_matches_document,
    assert_problem,
    table_counts,
)


@pytest.fixture
def recruiter(make_user):
    return make_user(("recruiter",))


@pytest.fixture
def api(api_as, recruiter):
    return api_as(recruiter)


def candidate_body(**overrides):
    body = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000",
            "time_zone": "Europe/London"}
    body.update(overrides)
    return body


# --- candidates -------------------------------------------------------------------------------


def test_recruiter_adds_a_candidate_and_gets_201(api):
    response = api.post("/candidates", json=candidate_body())
    assert response.status_code == 201
    assert response.json == {"id": response.json["id"], "name": "Ada Lovelace",
                             "email": "ada@example.com", "phone": "+44 20 7946 0000",
                             "time_zone": "Europe/London"}


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.com"])
def test_duplicate_candidate_email_is_409_and_saves_nothing(api, make_candidate, email):
    existing = make_candidate(email="ada@example.com")
    before = table_counts()
    body = assert_conflict(api.post("/candidates", json=candidate_body(email=email)),
                           "duplicate_email")
    assert body["conflicts"][0]["candidate_id"] == existing.id
    assert table_counts() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"email": "ada-at-example.com"}, "email"),
    ({"email": ["ada@example.com"]}, "email"),
    ({"phone": "call me maybe"}, "phone"),
    ({"phone": "1" * 41}, "phone"),
    ({"time_zone": "Atlantis/Capital"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"linkedin": "ada"}, "linkedin"),
])
def test_invalid_candidate_is_422_and_saves_nothing(api, change, field):
    before = table_counts()
    assert_invalid(api.post("/candidates", json=candidate_body(**change)), field)
    assert table_counts() == before


def test_candidate_search_matches_name_or_email(api, make_candidate):
    make_candidate(name="Linus", email="linus@kernel.example")
    make_candidate(name="Margaret", email="mh@apollo.example")
    names = [c["name"] for c in api.get("/candidates?q=apollo").json["items"]]
    assert names == ["Margaret"]


def test_absent_candidate_is_404(api):
    assert_problem(api.get("/candidates/999999"), 404)


def test_patch_changes_only_the_given_fields(api, make_candidate):
    candidate = make_candidate(name="Old Name", time_zone="Asia/Tokyo")
    response = api.patch(f"/candidates/{candidate.id}", json={"name": "New Name"})
    assert response.status_code == 200
    assert (response.json["name"], response.json["time_zone"]) == ("New Name", "Asia/Tokyo")


def test_patch_to_a_taken_email_is_409_and_changes_nothing(api, make_candidate):
    make_candidate(email="taken@example.com")
    candidate = make_candidate(email="mine@example.com")
    before = table_counts()
    assert_conflict(api.patch(f"/candidates/{candidate.id}", json={"email": "taken@example.com"}),
                    "duplicate_email")
    assert db.session.get(Candidate, candidate.id).email == "mine@example.com"
    assert table_counts() == before


def test_invalid_patch_is_422_and_changes_nothing(api, make_candidate):
    candidate = make_candidate(name="Kept", time_zone="Asia/Tokyo")
    response = api.patch(f"/candidates/{candidate.id}",
                         json={"name": "Changed", "time_zone": "Asia/Nowhere"})
    assert_invalid(response, "time_zone")
    db.session.refresh(candidate)
    assert (candidate.name, candidate.time_zone) == ("Kept", "Asia/Tokyo")


def test_patch_of_an_absent_candidate_is_404_even_with_a_bad_body(api):
    assert_problem(api.patch("/candidates/999999", json={"name": 5}), 404)


# --- candidacies ------------------------------------------------------------------------------


def test_opening_a_candidacy_is_201_with_the_contract_fields(api, make_job, make_candidate):
    job, candidate = make_job(), make_candidate()
    response = api.post(f"/jobs/{job.id}/candidacies", json={"candidate_id": candidate.id})
    assert response.status_code == 201
    assert {k: response.json[k] for k in ("job_id", "candidate_id", "state")} == {
        "job_id": job.id, "candidate_id": candidate.id, "state": "active"}
    assert isinstance(response.json["id"], int)


def test_second_candidacy_for_the_same_job_is_409_and_saves_nothing(api, make_candidacy):
    candidacy = make_candidacy()
    before = table_counts()
    response = api.post(f"/jobs/{candidacy.job_id}/candidacies",
                        json={"candidate_id": candidacy.candidate_id})
    body = assert_conflict(response, "duplicate_candidacy")
    assert body["conflicts"][0]["candidacy_id"] == candidacy.id
    assert table_counts() == before


def test_same_candidate_may_apply_to_another_job(api, make_candidacy, make_job):
    candidacy = make_candidacy()
    response = api.post(f"/jobs/{make_job().id}/candidacies",
                        json={"candidate_id": candidacy.candidate_id})
    assert response.status_code == 201


def test_candidacy_for_a_closed_job_is_409_and_saves_nothing(api, make_job, make_candidate):
    job = make_job()
    job.state = JobState.closed
    db.session.commit()
    candidate = make_candidate()
    before = table_counts()
    assert_conflict(api.post(f"/jobs/{job.id}/candidacies", json={"candidate_id": candidate.id}),
                    "job_closed")
    assert table_counts() == before


@pytest.mark.parametrize(("body", "field"), [
    ({}, "candidate_id"),
    ({"candidate_id": "1"}, "candidate_id"),
    ({"candidate_id": 0}, "candidate_id"),
    ({"candidate_id": 999999}, "candidate_id"),
    ({"candidate_id": 2**31}, "candidate_id"),
    ({"candidate_id": 1, "state": "hired"}, "state"),
])
def test_invalid_candidacy_is_422_and_saves_nothing(api, make_job, body, field):
    job = make_job()
    before = table_counts()
    assert_invalid(api.post(f"/jobs/{job.id}/candidacies", json=body), field)
    assert table_counts() == before


def test_candidacy_for_an_absent_job_is_404_and_saves_nothing(api, make_candidate):
    candidate = make_candidate()
    before = table_counts()
    response = api.post("/jobs/999999/candidacies", json={"candidate_id": candidate.id})
    assert_problem(response, 404)
    assert table_counts() == before


def test_job_candidacies_list_only_that_job(api, make_candidacy, make_job):
    job = make_job()
    mine = make_candidacy(job=job)
    make_candidacy()
    response = api.get(f"/jobs/{job.id}/candidacies")
    assert [c["id"] for c in response.json["items"]] == [mine.id]
    assert response.json["total"] == 1


def test_job_candidacies_filter_by_state(api, make_candidacy, make_job):
    from coordinator.candidates.models import CandidacyState

    job = make_job()
    make_candidacy(job=job)
    rejected = make_candidacy(job=job)
    rejected.state = CandidacyState.rejected
    db.session.commit()
    response = api.get(f"/jobs/{job.id}/candidacies?state=rejected")
    assert [c["id"] for c in response.json["items"]] == [rejected.id]


def test_candidacies_of_an_absent_job_is_404(api):
    assert_problem(api.get("/jobs/999999/candidacies"), 404)


def test_candidacy_detail_has_candidate_state_and_decisions(api, make_candidacy):
    candidacy = make_candidacy()
    response = api.get(f"/candidacies/{candidacy.id}")
    assert response.status_code == 200
    assert response.json["candidate"]["id"] == candidacy.candidate_id
    assert response.json["state"] == "active"
    assert response.json["decisions"] == []


def test_candidacy_detail_lists_decisions_oldest_first(api, recruiter, make_candidacy,
                                                       openapi_document):
    from coordinator.shortlist.operations import record_decision

    candidacy = make_candidacy()
    record_decision(candidacy, actor=recruiter, outcome="hold", reason="Waiting for references")
    record_decision(candidacy, actor=recruiter, outcome="advance", reason="Strong references")
    db.session.commit()
    response = api.get(f"/candidacies/{candidacy.id}")
    assert_matches_document(openapi_document, "/api/v1/candidacies/{candidacy_id}", "GET",
                            response)
    body = response.json
    assert [(d["outcome"], d["reason"]) for d in body["decisions"]] == [
        ("hold", "Waiting for references"), ("advance", "Strong references")]
    assert body["decisions"][0]["actor_id"] == recruiter.id
    assert body["decisions"][0]["decided_at"].endswith("Z")
    assert body["state"] == "shortlisted"


def test_the_jobs_hiring_manager_reads_its_candidacy(api_as, make_user, make_job,
                                                     make_candidacy):
    manager = make_user(("hiring_manager",))
    candidacy = make_candidacy(job=make_job(hiring_manager_id=manager.id))
    assert api_as(manager).get(f"/candidacies/{candidacy.id}").status_code == 200


def test_another_jobs_hiring_manager_gets_403(api_as, make_user, make_candidacy):
    manager = make_user(("hiring_manager",))
    candidacy = make_candidacy()
    assert_problem(api_as(manager).get(f"/candidacies/{candidacy.id}"), 403)


def test_absent_candidacy_is_404(api):
    assert_problem(api.get("/candidacies/999999"), 404)


# --- who sees which candidates, and their contact details --------------------------------------


def test_interviewer_reads_a_candidate_they_interview_without_email_or_phone(
        api_as, make_user, make_candidacy, make_interview, openapi_document):
    interviewer = make_user(("interviewer",))
    candidacy = make_candidacy()
    make_interview(candidacy, [interviewer])
    response = api_as(interviewer).get(f"/candidates/{candidacy.candidate_id}")
    assert response.status_code == 200
    assert (response.json["email"], response.json["phone"]) == (None, None)
    assert response.json["name"] == candidacy.candidate.name
    assert_matches_document(openapi_document, "/api/v1/candidates/{candidate_id}", "GET",
                            response)


def test_panel_member_reads_the_candidacy_without_the_candidates_email_or_phone(
        api_as, make_user, make_candidacy, make_interview):
    interviewer = make_user(("interviewer",))
    candidacy = make_candidacy()
    make_interview(candidacy, [interviewer])
    candidate = api_as(interviewer).get(f"/candidacies/{candidacy.id}").json["candidate"]
    assert (candidate["email"], candidate["phone"]) == (None, None)


def test_the_jobs_hiring_manager_gets_no_candidate_email_or_phone(api_as, make_user, make_job,
                                                                  make_candidacy):
    manager = make_user(("hiring_manager",))
    candidacy = make_candidacy(job=make_job(hiring_manager_id=manager.id))
    candidate = api_as(manager).get(f"/candidacies/{candidacy.id}").json["candidate"]
    assert (candidate["email"], candidate["phone"]) == (None, None)


def test_recruiter_reads_the_candidates_email_and_phone(api, make_candidate):
    candidate = make_candidate(email="cleo@example.com", phone="+49 30 555")
    body = api.get(f"/candidates/{candidate.id}").json
    assert (body["email"], body["phone"]) == ("cleo@example.com", "+49 30 555")


def test_interviewer_lists_only_the_candidates_of_interviews_they_sit_on(
        api_as, make_user, make_candidacy, make_interview):
    interviewer = make_user(("interviewer",))
    seated = make_candidacy()
    make_interview(seated, [interviewer])
    make_candidacy()
    body = api_as(interviewer).get("/candidates").json
    assert [item["id"] for item in body["items"]] == [seated.candidate_id]
    assert body["total"] == 1
    assert body["items"][0]["email"] is None


def test_interviewer_cannot_read_a_candidate_they_do_not_interview(api_as, make_user,
                                                                   make_candidate):
    candidate = make_candidate()
    assert_problem(api_as(make_user(("interviewer",))).get(f"/candidates/{candidate.id}"), 403)


def test_hiring_manager_lists_the_candidates_for_their_own_jobs_only(
        api_as, make_user, make_job, make_candidacy):
    manager = make_user(("hiring_manager",))
    own = make_candidacy(job=make_job(hiring_manager_id=manager.id))
    make_candidacy(job=make_job(hiring_manager_id=make_user(("hiring_manager",)).id))
    body = api_as(manager).get("/candidates").json
    assert [item["id"] for item in body["items"]] == [own.candidate_id]


def test_search_matches_emails_only_for_those_who_may_read_them(
        api_as, make_user, make_candidate, make_candidacy, make_interview):
    interviewer = make_user(("interviewer",))
    candidacy = make_candidacy(candidate=make_candidate(name="Cleo", email="secret@example.com"))
    make_interview(candidacy, [interviewer])
    assert api_as(interviewer).get("/candidates?q=secret").json["total"] == 0
    assert api_as(interviewer).get("/candidates?q=Cleo").json["total"] == 1


def test_listing_candidates_takes_the_same_queries_however_many_there_are(
        api_as, make_user, make_candidacy, make_interview, count_queries):
    interviewer = make_user(("interviewer",))
    api = api_as(interviewer)
    make_interview(make_candidacy(), [interviewer])
    with count_queries() as few:
        api.get("/candidates")
    for _ in range(3):
        make_interview(make_candidacy(), [interviewer])
    with count_queries() as many:
        assert api.get("/candidates").json["total"] == 4
    assert many.count == few.count
