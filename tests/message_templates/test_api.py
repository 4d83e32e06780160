"""GET/PUT/DELETE /message-templates/{key}: the pages' twin."""

from __future__ import annotations

import pytest

from tests.api.support import assert_invalid

PATH = "/message-templates/self_schedule_offer"


def test_the_list_gives_every_message_with_its_placeholders(api_as, recruiter):
    listed = api_as(recruiter).get("/message-templates").json
    assert listed["total"] == 6
    keys = [item["key"] for item in listed["items"]]
    assert "interview_invitation" in keys and "loop_itinerary" in keys
    offer = next(item for item in listed["items"] if item["key"] == "self_schedule_offer")
    assert offer["is_default"] is True
    booking = next(p for p in offer["placeholders"] if p["name"] == "booking_url")
    assert booking["multi_line"] is False and "signed link" in booking["meaning"]


def test_put_changes_the_wording_and_delete_resets_it(api_as, admin):
    api = api_as(admin)

    changed = api.put(PATH, json={"subject": "Pick, {candidate_name}",
                                  "body": "Line one\r\n{booking_url}"})

    assert changed.status_code == 200
    assert changed.json["is_default"] is False
    assert changed.json["body"] == "Line one\n{booking_url}"
    assert changed.json["updated_by_id"] == admin.id
    assert api.get(PATH).json["subject"] == "Pick, {candidate_name}"

    reset = api.delete(PATH)
    assert reset.status_code == 200
    assert reset.json["is_default"] is True
    assert reset.json["subject"] == "Pick a time for your interview: {job_title}"


def test_bad_placeholders_are_422_on_both_fields(api_as, recruiter):
    response = api_as(recruiter).put(PATH, json={"subject": "{nope}", "body": "{deadline"})
    assert_invalid(response, "subject")
    assert "Unknown placeholder {nope}" in response.json["errors"]["subject"][0]
    assert "A lone" in response.json["errors"]["body"][0]


def test_a_missing_member_is_422(api_as, recruiter):
    assert_invalid(api_as(recruiter).put(PATH, json={"subject": "x"}), "body")


def test_an_unknown_message_is_404(api_as, recruiter):
    api = api_as(recruiter)
    assert api.get("/message-templates/nope").status_code == 404
    assert api.put("/message-templates/nope", json={"subject": "a", "body": "b"}).status_code \
        == 404


@pytest.mark.parametrize("role", ["hiring_manager", "interviewer"])
def test_only_recruiters_and_admins_reach_it(api_as, make_user, role):
    api = api_as(make_user((role,)))
    assert api.get(PATH).status_code == 403
    assert api.put(PATH, json={"subject": "a", "body": "b"}).status_code == 403
