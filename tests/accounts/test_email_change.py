"""Changing one's own email: it needs the current password and reveals no accounts."""

from __future__ import annotations

import email
import re
import time
from email import policy

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from coordinator.accounts import email_change
from coordinator.db import db
from coordinator.errors import Gone
from coordinator.mail.models import OutboxMessage
from tests.factories import PASSWORD, sign_in
from tests.web.pages import field_error, text


def request_change(client, new_email, password=PASSWORD):
    return client.post("/profile/email", data={"email-email": new_email,
                                               "email-current_password": password})


def mail_to(address):
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()
    return [email.message_from_bytes(row.raw, policy=policy.default) for row in rows]


def body(message):
    return message.get_body(("plain",)).get_content()


def link_in(message):
    return re.search(r"http://coordinator\.test(/profile/email/\S+)", body(message)).group(1)


def flash_text(client):
    page = text(client.get("/profile"))
    return re.search(r'class="flash[^"]*"[^>]*>(.*?)<', page, re.S).group(1).strip()


def test_changing_email_needs_the_current_password(client, login, interviewer):
    login(interviewer)
    response = request_change(client, "new.me@example.com", "not-my-password")
    assert response.status_code == 422
    assert "not your current password" in field_error(text(response), "email-current_password")
    assert mail_to("new.me@example.com") == []


def test_profile_shows_the_email_change_form_asking_for_the_password(client, login,
                                                                     interviewer):
    login(interviewer)
    page = text(client.get("/profile"))
    assert 'name="email-email"' in page and 'name="email-current_password"' in page


def test_request_mails_a_link_to_the_new_address_and_changes_nothing_yet(client, login,
                                                                         interviewer):
    old = interviewer.email
    login(interviewer)
    response = request_change(client, "New.Me@Example.com")
    assert response.status_code == 303
    [message] = mail_to("new.me@example.com")
    assert "/profile/email/" in body(message)
    db.session.refresh(interviewer)
    assert interviewer.email == old


def test_following_the_link_and_confirming_changes_the_email(client, login, interviewer, app):
    login(interviewer)
    request_change(client, "new.me@example.com")
    link = link_in(mail_to("new.me@example.com")[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "new.me@example.com" in text(page)
    assert client.post(link).status_code == 303
    db.session.refresh(interviewer)
    assert interviewer.email == "new.me@example.com"
    sign_in(app.test_client(), interviewer)


def test_opening_the_link_alone_changes_nothing(client, login, interviewer):
    old = interviewer.email
    login(interviewer)
    request_change(client, "new.me@example.com")
    client.get(link_in(mail_to("new.me@example.com")[0]))
    db.session.refresh(interviewer)
    assert interviewer.email == old


def test_taken_address_gets_the_same_answer_as_a_free_one(app, make_user):
    make_user(email="taken@example.com")
    answers = []
    for address in ("taken@example.com", "free@example.com"):
        user = make_user()
        client = app.test_client()
        sign_in(client, user)
        response = request_change(client, address)
        answers.append((response.status_code,
                        flash_text(client).replace(address, "X").replace(user.email, "Y")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 303


def test_taken_address_is_told_by_mail_that_nothing_changed(client, login, interviewer,
                                                            make_user):
    make_user(email="taken@example.com")
    old = interviewer.email
    login(interviewer)
    request_change(client, "taken@example.com")
    [message] = mail_to("taken@example.com")
    assert "already belongs to an account" in body(message)
    assert "/profile/email/" not in body(message)
    db.session.refresh(interviewer)
    assert interviewer.email == old


def test_used_link_no_longer_works(client, login, interviewer):
    login(interviewer)
    request_change(client, "new.me@example.com")
    link = link_in(mail_to("new.me@example.com")[0])
    client.post(link)
    assert client.get(link).status_code == 410


def test_link_is_refused_to_another_user(client, login, interviewer, make_user, app):
    login(interviewer)
    request_change(client, "new.me@example.com")
    link = link_in(mail_to("new.me@example.com")[0])
    other = app.test_client()
    sign_in(other, make_user())
    assert other.post(link).status_code == 404
    assert other.get(link.replace("/email/", "/email/x")).status_code == 404


def test_address_taken_since_the_request_is_refused_at_confirmation(client, login,
                                                                    interviewer, make_user):
    login(interviewer)
    request_change(client, "new.me@example.com")
    link = link_in(mail_to("new.me@example.com")[0])
    make_user(email="new.me@example.com")
    assert client.post(link).status_code == 409
    db.session.refresh(interviewer)
    assert interviewer.email != "new.me@example.com"


def test_link_expires_after_a_day(app, make_user, monkeypatch):
    user = make_user()
    day_and_more = email_change.LINK_HOURS * 3600 + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - day_and_more)
    token = email_change._serializer().dumps({"u": user.id, "from": user.email,
                                              "to": "late@example.com"})
    monkeypatch.undo()
    with pytest.raises(Gone):
        email_change.read_link(token, user)


def test_api_refuses_a_users_own_email_change_alike_for_taken_and_free(api_as, make_user):
    make_user(email="taken@example.com")
    user = make_user()
    api = api_as(user)
    taken = api.patch(f"/users/{user.id}", json={"email": "taken@example.com"})
    free = api.patch(f"/users/{user.id}", json={"email": "free@example.com"})
    assert taken.status_code == free.status_code == 403
    assert taken.json["detail"] == free.json["detail"]


def test_api_email_change_needs_the_password(api_as, make_user):
    user = make_user()
    response = api_as(user).post(f"/users/{user.id}/email-change",
                                 json={"email": "new.me@example.com",
                                       "current_password": "not-my-password"})
    assert response.status_code == 422
    assert "current_password" in response.json["errors"]
    assert mail_to("new.me@example.com") == []


def test_api_email_change_answers_alike_for_taken_and_free(api_as, make_user):
    make_user(email="taken@example.com")
    answers = []
    for address in ("taken@example.com", "free@example.com"):
        user = make_user()
        response = api_as(user).post(f"/users/{user.id}/email-change",
                                     json={"email": address, "current_password": PASSWORD})
        answers.append((response.status_code, response.json))
    assert answers == [(200, {"sent_to": "taken@example.com"}),
                       (200, {"sent_to": "free@example.com"})]
    assert len(mail_to("taken@example.com")) == len(mail_to("free@example.com")) == 1


def test_api_email_change_of_another_user_is_refused_even_to_an_admin(api_as, make_user,
                                                                         admin):
    user = make_user()
    response = api_as(admin).post(f"/users/{user.id}/email-change",
                                  json={"email": "x@example.com", "current_password": PASSWORD})
    assert response.status_code == 403
    assert mail_to("x@example.com") == []
