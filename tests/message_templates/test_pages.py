"""The pages: list, edit with the default filled in, save (all problems at once), preview,
reset; recruiters and admins only; every change audited."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.audit.models import AuditEvent
from coordinator.db import db
from coordinator.message_templates.catalogue import BY_KEY
from coordinator.message_templates.models import MessageTemplate

URL = "/settings/messages/interview_invitation"


def _rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(MessageTemplate)).all()


def test_the_list_names_every_candidate_message_as_default(login, recruiter):
    page = login(recruiter).get("/settings/messages").get_data(as_text=True)
    for title in ("Interview invitation", "Interview changed", "Interview cancelled",
                  "Interview reminder", "Self-scheduling offer", "Interview day itinerary"):
        assert title in page
    assert page.count("Default") >= 6


def test_the_editor_starts_from_the_default_wording_with_a_preview(login, recruiter):
    page = login(recruiter).get(URL).get_data(as_text=True)
    assert "Interview: {job_title} — {round_title}" in page
    assert "Preview with sample data" in page
    assert "Ada Lovelace" in page  # the sample candidate
    assert "{compensation_notice}" in page  # documented


def test_saving_stores_the_wording_and_audits_it(login, recruiter):
    response = login(recruiter).post(URL, data={
        "subject": "See you, {candidate_name}", "body": "Hi {candidate_name}\n\n{signature}",
        "action": "save"})

    assert response.status_code == 303
    [row] = _rows()
    assert (row.key, row.subject, row.updated_by_id) == (
        "interview_invitation", "See you, {candidate_name}", recruiter.id)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "message_template.saved"))
    assert event.actor_id == recruiter.id
    assert event.details["body"] == "Hi {candidate_name}\n\n{signature}"


def test_every_problem_of_both_fields_is_shown_at_once_with_the_input_kept(login, admin):
    response = login(admin).post(URL, data={
        "subject": "Hi {panel} " + "x" * 200, "body": "Dear {nickname}, at {when",
        "action": "save"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "At most 200 characters" in page
    assert "can be used in the body only" in page
    assert "Unknown placeholder {nickname}" in page
    assert "A lone “{”" in page
    assert "Dear {nickname}, at {when" in page
    assert _rows() == []


def test_an_empty_form_asks_for_both_fields(login, recruiter):
    response = login(recruiter).post(URL, data={"subject": "", "body": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give a subject." in page and "Give the message&#39;s text." in page


def test_over_long_text_is_refused_never_cut(login, recruiter):
    body = "{candidate_name} " + "y" * 10_000
    response = login(recruiter).post(URL, data={"subject": "S", "body": body})
    assert response.status_code == 422
    assert "At most 10000 characters" in response.get_data(as_text=True)
    assert _rows() == []


def test_preview_renders_the_unsaved_wording_with_sample_data_and_saves_nothing(login, recruiter):
    response = login(recruiter).post(URL, data={
        "subject": "For {job_title}", "body": "Hello {candidate_name} <b>bold</b>",
        "action": "preview"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "For Backend Engineer" in page
    assert "Hello Ada Lovelace &lt;b&gt;bold&lt;/b&gt;" in page
    # the HTML part, as candidates' mail programs show it
    assert '<div class="mail-html"><p>Hello Ada Lovelace &lt;b&gt;bold&lt;/b&gt;</p></div>' in page
    assert _rows() == []


def test_reset_goes_back_to_the_default_and_audits_it(login, recruiter):
    client = login(recruiter)
    client.post(URL, data={"subject": "Mine", "body": "Mine {candidate_name}"})

    response = client.post(URL + "/reset")

    assert response.status_code == 303
    assert _rows() == []
    assert db.session.scalar(sa.select(AuditEvent.details).where(
        AuditEvent.action == "message_template.reset"))["previous_subject"] == "Mine"
    page = client.get(URL).get_data(as_text=True)
    assert BY_KEY["interview_invitation"].subject in page


def test_an_unknown_message_is_not_found(login, recruiter):
    assert login(recruiter).get("/settings/messages/no_such_message").status_code == 404


def test_interviewers_and_hiring_managers_cannot_edit(login, make_user):
    for roles in (("interviewer",), ("hiring_manager",)):
        client = login(make_user(roles))
        assert client.get("/settings/messages").status_code == 403
        assert client.post(URL, data={"subject": "x", "body": "y"}).status_code == 403
        client.post("/logout")
    assert _rows() == []


def test_the_pages_query_count_does_not_grow_with_saved_wordings(login, recruiter, make_user,
                                                                 count_queries):
    from coordinator.message_templates import operations

    client = login(recruiter)
    with count_queries() as none_saved:
        client.get("/settings/messages")
    with count_queries() as edit_default:
        client.get(URL)
    for index, kind in enumerate(BY_KEY.values()):
        operations.save(kind.key, subject=f"S{index}", body="{candidate_name}",
                        actor=make_user(("recruiter",)))
    db.session.commit()
    with count_queries() as all_saved:
        page = client.get("/settings/messages").get_data(as_text=True)
    with count_queries() as edit_saved:
        client.get(URL)
    assert page.count("Changed") >= 6
    assert all_saved.count == none_saved.count, str(all_saved)
    assert edit_saved.count == edit_default.count, str(edit_saved)
