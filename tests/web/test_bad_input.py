"""Input no page may turn into a 500: ids beyond the database's integers, absurd page numbers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator import create_app
from coordinator.candidates.models import Candidate
from coordinator.db import db
from tests.web.pages import field_error, text

ABSURD_ID = 2**31  # one past the largest id any integer column can hold


def _int_rules() -> list[tuple[str, str]]:
    """(method, rule) of every route with an ``<int:...>`` part, pages and API alike."""
    app: Flask = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


INT_RULES = _int_rules()


def _absurd_path(rule: str) -> str:
    path = re.sub(r"<int:[^>]+>", str(ABSURD_ID), rule)
    return re.sub(r"<[^>]+>", "x", path)


def test_routes_with_ids_are_found():
    assert len(INT_RULES) > 40


@pytest.mark.parametrize(("method", "rule"), INT_RULES, ids=[f"{m} {r}" for m, r in INT_RULES])
def test_id_beyond_the_integer_range_is_404(method, rule, client, login, api_as, admin):
    if rule.startswith("/api/"):
        response = api_as(admin).open(method, _absurd_path(rule).removeprefix("/api/v1"))
    else:
        login(admin)
        response = client.open(_absurd_path(rule), method=method)
    assert response.status_code == 404


#: Every list page that reads ``?page=``, its ids filled from the page tests' world.
LIST_PAGES = ["/users", "/candidates", "/jobs", "/jobs/{job}", "/candidacies/{candidacy}",
              "/jobs/{job}/shortlist", "/admin/outbox", "/admin/audit"]

BAD_PAGES = ["1e20", "abc", "0", "-1", "", "99999999999999999999", "9" * 5000]


@pytest.mark.parametrize("page", LIST_PAGES)
def test_page_that_is_not_a_usable_page_is_400(page, client, login, world):
    login(world.users["admin"])
    path = page.format(job=world.job.id, candidacy=world.candidacy.id)
    for number in BAD_PAGES:
        response = client.get(f"{path}?page={number}")
        assert response.status_code == 400, number
        assert "whole number from 1 to" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", LIST_PAGES)
def test_usable_page_number_is_served(page, client, login, world):
    login(world.users["admin"])
    path = page.format(job=world.job.id, candidacy=world.candidacy.id)
    assert client.get(f"{path}?page=2").status_code == 200


def test_every_page_without_ids_survives_an_absurd_page_number(client, login, world, app):
    """Pages that do not paginate ignore ``?page=``; none of them fails on it."""
    login(world.users["admin"])
    for rule in app.url_map.iter_rules():
        if "<" in rule.rule or "GET" not in (rule.methods or ()) or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint in ("accounts.logout", "static"):
            continue
        assert client.get(f"{rule.rule}?page=1e20").status_code < 500, rule.rule


def _candidate_form(**overrides: str) -> dict[str, str]:
    return {"name": "Noor Haddad", "email": "noor@example.org", "phone": "",
            "time_zone": "Asia/Dubai", **overrides}


def _candidates() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) or 0


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\u202e",
                                  "\t", "\n", "\r"])
def test_control_character_in_a_single_line_field_is_a_field_error(char, client, login,
                                                                     recruiter):
    login(recruiter)
    response = client.post("/candidates/new", data=_candidate_form(name=f"Noor{char}Haddad"))
    assert response.status_code == 422
    assert "cannot be part of this text" in field_error(text(response), "name")
    assert _candidates() == 0


def test_control_character_in_a_multi_line_field_is_a_field_error(client, login, recruiter):
    login(recruiter)
    response = client.post("/profile", data={"profile-name": "Rita", "profile-bio": "a\x00b",
                                             "profile-time_zone": "UTC"})
    assert response.status_code == 422
    assert "Remove NUL" in field_error(text(response), "profile-bio")


def test_multi_line_field_keeps_line_breaks_as_newlines(client, login, recruiter):
    login(recruiter)
    response = client.post("/profile", data={"profile-name": "Rita",
                                             "profile-bio": "One.\r\n\tTwo.\rThree.",
                                             "profile-time_zone": "UTC"})
    assert response.status_code == 303
    db.session.refresh(recruiter)
    assert recruiter.bio == "One.\n\tTwo.\nThree."


def test_nul_in_a_search_is_400(client, login, admin):
    login(admin)
    for page in ("/candidates", "/users"):
        assert client.get(f"{page}?q=a%00b").status_code == 400


@pytest.mark.parametrize("page", ["/candidates/new", "/candidates", "/users", "/jobs/new",
                                  "/users/new", "/profile"])
def test_no_field_lets_the_browser_cut_text_silently(page, client, login, admin):
    login(admin)
    assert "maxlength" not in text(client.get(page))


def test_over_long_text_is_refused_with_a_message_and_kept(client, login, recruiter):
    login(recruiter)
    name = "N" * 201
    response = client.post("/candidates/new", data=_candidate_form(name=name))
    assert response.status_code == 422
    assert "longer than 200 characters" in field_error(text(response), "name")
    assert name in text(response)
    assert _candidates() == 0
