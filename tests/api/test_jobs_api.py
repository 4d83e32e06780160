from __future__ import annotations


def job_body(**overrides):
    body = {"title": "Platform Engineer", "department": "Platform", "location": "Berlin",
            "pay_band": {"min": "70000.00", "max": "90000.00", "currency": "EUR"}}
    body.update(overrides)
    return body


def test_recruiter_creates_a_job_and_gets_201_with_the_band(api_as, recruiter):
    response = api_as(recruiter).post("/jobs", json=job_body())
    assert response.status_code == 201
    assert response.json["pay_band"] == {"min": "70000.00", "max": "90000.00", "currency": "EUR"}
    assert response.json["state"] == "open"


def test_band_min_above_max_is_422_on_the_field(api_as, recruiter):
    response = api_as(recruiter).post(
        "/jobs", json=job_body(pay_band={"min": "95000", "max": "90000", "currency": "EUR"})
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "pay_band.max" in response.json["errors"]


def test_malformed_json_is_400_problem(api_as, recruiter):
    response = api_as(recruiter).post("/jobs", data="{not json",
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_no_token_is_401(api_as):
    response = api_as(None).get("/jobs")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_interviewer_cannot_create_jobs(api_as, interviewer):
    response = api_as(interviewer).post("/jobs", json=job_body())
    assert response.status_code == 403


def test_plan_round_with_criteria_gets_ids(api_as, recruiter, make_job):
    job = make_job()
    response = api_as(recruiter).post(f"/jobs/{job.id}/plan", json={
        "title": "Team interview", "duration_minutes": 60, "relationships": ["peer", "supervisor"],
        "criteria": [{"title": "System design", "guidance": "Trade-offs"}],
    })
    assert response.status_code == 201, response.json
    assert response.json["relationships"] == ["peer", "supervisor"]
    assert isinstance(response.json["criteria"][0]["id"], int)


def test_openapi_document_lists_the_jobs_path(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "post" in document["paths"]["/api/v1/jobs"]
