"""The "Plan a day" pages, as a recruiter uses them (no script: fixed session rows)."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.models import Interview


def _query(panelists, **overrides):
    peer, supervisor = panelists
    query = {
        "sessions-0-title": "Technical", "sessions-0-duration_minutes": "60",
        "sessions-0-user_id": peer.id, "sessions-0-relationship": "peer",
        "sessions-1-title": "Values", "sessions-1-duration_minutes": "45",
        "sessions-1-user_id": supervisor.id, "sessions-1-relationship": "supervisor",
        "break_minutes": "15", "date_from": "2027-03-02", "date_to": "2027-03-03",
    }
    query.update(overrides)
    return query


def _hidden(page: str) -> dict[str, list[str]]:
    form = page[page.index('action="', page.index("<ol class=\"loop-days\">")):]
    form = form[: form.index("</form>")]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(value)
    return fields


def test_the_round_page_offers_plan_a_day(login, recruiter, make_round):
    round_ = make_round()
    page = login(recruiter).get(f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}")
    assert "/plan-day" in page.get_data(as_text=True)


def test_plan_a_day_lists_days_and_books_one(login, recruiter, make_round, panelists):
    round_ = make_round()
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    response = client.get(base + "/plan-day", query_string=_query(panelists))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("Book this day") == 2  # Tuesday and Wednesday
    fields = _hidden(page)
    assert fields["session_count"] == ["2"]
    assert fields["title-0"] == ["Technical"] and fields["title-1"] == ["Values"]
    data = {**{k: v for k, v in fields.items() if k != "csrf_token"},
            "location": "Room 4.01", "video_url": ""}
    booked = client.post(base + "/loops", data=data)
    assert booked.status_code == 303, booked.get_data(as_text=True)[:500]
    interviews = db.session.scalars(
        sa.select(Interview).where(Interview.round_id == round_.id)
        .order_by(Interview.starts_at)).all()
    assert [(i.ends_at - i.starts_at).seconds // 60 for i in interviews] == [60, 45]
    assert [m.relationship.value for i in interviews for m in i.panel] == ["peer", "supervisor"]
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "loop.itinerary")) == 1


def test_a_rule_broken_by_a_session_shows_on_its_row(login, recruiter, make_round, panelists):
    round_ = make_round()
    query = _query(panelists, **{"sessions-1-pool_size": "2"})
    response = login(recruiter).get(
        f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}/plan-day", query_string=query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="sessions-1-pool-error">([^<]*)</p>', page)
    assert error is not None and "The pool is empty" in error.group(1)
    assert 'value="Values"' in page  # the input is kept


def test_a_day_that_no_longer_fits_books_nothing(login, recruiter, make_round, panelists, book):
    round_ = make_round()
    client = login(recruiter)
    base = f"/candidacies/{round_.candidacy_id}/rounds/{round_.id}"
    page = client.get(base + "/plan-day", query_string=_query(panelists)).get_data(as_text=True)
    fields = _hidden(page)
    peer, supervisor = panelists
    second = datetime.fromisoformat(fields["starts_at-1"][0])
    book(make_round(), second, [(peer, "peer"), (supervisor, "supervisor")], minutes=30)
    response = client.post(base + "/loops", data={k: v for k, v in fields.items()
                                                  if k != "csrf_token"})
    assert response.status_code == 303
    assert "/plan-day" in response.headers["Location"]
    assert db.session.scalars(sa.select(Interview).where(Interview.round_id == round_.id)).all() \
        == []
