from __future__ import annotations

from tests.factories import PASSWORD


def test_pages_need_login(client):
    response = client.get("/jobs")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_user_signs_in_with_email_and_password(client, recruiter):
    response = client.post("/login", data={"email": recruiter.email.upper(), "password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/jobs").status_code == 200


def test_wrong_password_rerenders_with_message_and_keeps_email(client, recruiter):
    response = client.post("/login", data={"email": recruiter.email, "password": "nope-nope-nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wrong email or password." in page
    assert recruiter.email in page
