"""A shortlist read from the job's cached rows: few statements, and the page's table, pager and
chart rendered once per cached rows and everything else that shows in them (never another
viewer's withheld rows, time zone or a stale job title)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any

import pytest
from flask import template_rendered

from coordinator.api.shortlist import ShortlistRowOut
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.shortlist import aggregates, cache, operations, views
from tests.shortlist.conftest import criterion_ids
from tests.shortlist.pages import cell, row_html, text

WITHHELD_TEXT = "withheld until you submit your assessment"
RESULTS = "shortlist/_results.html"


@contextmanager
def rendered(app):
    """The names of the templates rendered inside the block."""
    names: list[str] = []

    def record(_sender, template, context, **_extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def erin_owed_by_manager(erin_half_assessed):
    """Erin's first round with Ivan (submitted) and the hiring manager (still owes it)."""
    erin = erin_half_assessed("ivan", name="Erin Doe").candidacy
    db.session.commit()
    return erin


def _statements_of(count_queries, client, url):
    assert client.get(url).status_code == 200  # a miss (or not): the rows are cached after it
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return queries


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_cached_shortlist_checks_the_sort_without_reading_the_plan(
    scenario, login, api_as, recruiter, count_queries, door
):
    ps, _ = criterion_ids(scenario.first)
    url = f"/jobs/{scenario.job.id}/shortlist?sort=-criterion:{ps}"
    client = login(recruiter) if door == "page" else api_as(recruiter)
    queries = _statements_of(count_queries, client, url)
    assert not [s for s in queries.statements if "FROM criteria" in s], str(queries)
    # The user (session or token), the job (the page: with its planned rounds, the filter), the
    # cached rows (what the viewer owes is cached with them).
    assert queries.count <= 3, str(queries)


def test_api_rows_written_from_the_kept_json_are_the_documented_row(
    scenario, erin_owed_by_manager, api_as, recruiter, hiring_manager
):
    """Both withheld and shown rows, written without the response model, dump as it would."""
    for viewer in (recruiter, hiring_manager):
        for item in _api_items(api_as(viewer), scenario).values():
            assert ShortlistRowOut.model_validate(item).model_dump(mode="json") == item


def test_sorting_by_a_retired_criterion_is_still_accepted(scenario, login, recruiter):
    ps, _ = criterion_ids(scenario.first)
    criterion = next(c for c in scenario.first.criteria if c.id == ps)
    criterion.is_retired = True
    db.session.commit()
    response = login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist?sort=criterion:{ps}")
    assert response.status_code == 200


def test_a_criterion_of_another_job_is_refused_as_a_sort(
    scenario, api_as, recruiter, make_job, make_planned_round
):
    other = make_job(actor=recruiter)
    foreign = criterion_ids(make_planned_round(other, actor=recruiter, title="Elsewhere"))
    url = f"/jobs/{scenario.job.id}/shortlist?sort=criterion:{foreign[0]}"
    assert api_as(recruiter).get(url).status_code == 422


def _pages_and_rendered(app, client, first_url, then_url):
    """The page at ``first_url``, then the one at ``then_url`` with the templates rendered
    for it."""
    first = text(client.get(first_url))
    with rendered(app) as names:
        then = text(client.get(then_url))
    return first, then, names


def test_the_table_is_rendered_once_for_the_same_cached_rows_and_request(
    app, scenario, login, recruiter
):
    url = f"/jobs/{scenario.job.id}/shortlist?sort=-raw"
    first, again, names = _pages_and_rendered(app, login(recruiter), url, url)
    assert RESULTS not in names
    assert "shortlist/show.html" in names
    assert again.split('id="compare-form"', 1)[1] == first.split('id="compare-form"', 1)[1]


@pytest.fixture
def rows_made(monkeypatch) -> list[int]:
    """The candidacies whose shortlist rows were made from the cached rows since, in order."""
    made: list[int] = []
    real = aggregates._from_prepared

    def counted(item):
        made.append(item.data[0])
        return real(item)

    monkeypatch.setattr(aggregates, "_from_prepared", counted)
    return made


def test_a_kept_table_is_served_without_making_the_rows_again(
    app, scenario, login, recruiter, rows_made
):
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist?sort=-raw"
    client.get(url)
    made = rows_made
    made.clear()
    page = text(client.get(url))
    assert made == []
    assert scenario.candidacies["alice"].candidate.name in page
    client.get(f"/jobs/{scenario.job.id}/shortlist?sort=name")  # another table: made again
    assert scenario.candidacies["alice"].id in made


def test_a_change_to_the_rows_shows_at_once(app, scenario, login, recruiter):
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    alice = scenario.candidacies["alice"]
    assert "None yet" in cell(text(client.get(url)), alice.id, 'data-label="Last decision"')
    operations.record_decision(
        alice, actor=recruiter, outcome="advance", reason="Strong", confirm_missing=True
    )
    db.session.commit()
    with rendered(app) as names:
        page = text(client.get(url))
    assert RESULTS in names
    assert "Advance" in row_html(page, alice.id)


def test_a_renamed_job_shows_its_new_title_in_the_table(app, scenario, login, recruiter):
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    client.get(url)
    jobs.update_job(scenario.job, actor=recruiter, title="Renamed Engineer")
    db.session.commit()
    page = text(client.get(url))
    assert "Candidacies for Renamed Engineer" in page


def test_rows_withheld_from_one_viewer_are_not_shown_withheld_to_another(
    scenario, erin_owed_by_manager, login, recruiter, hiring_manager
):
    url = f"/jobs/{scenario.job.id}/shortlist"
    erin = erin_owed_by_manager.id
    manager_page = text(login(hiring_manager).get(url))
    assert WITHHELD_TEXT in row_html(manager_page, erin)
    recruiter_page = text(login(recruiter).get(url))
    assert WITHHELD_TEXT not in row_html(recruiter_page, erin)
    assert cell(recruiter_page, erin, 'data-column="raw"') == "3.00"
    manager_again = text(login(hiring_manager).get(url))
    assert WITHHELD_TEXT in row_html(manager_again, erin)
    assert cell(manager_again, erin, 'data-column="raw"') == "withheld"


def test_each_viewer_gets_their_own_sign_out_form_around_a_kept_table(
    scenario, login, recruiter, hiring_manager
):
    url = f"/jobs/{scenario.job.id}/shortlist"
    login(recruiter).get(url)
    page = text(login(hiring_manager).get(url))
    assert hiring_manager.name in page
    assert recruiter.name not in page


def test_decision_times_follow_the_asked_time_zone_on_a_kept_table(scenario, login, recruiter):
    alice = scenario.candidacies["alice"]
    operations.record_decision(
        alice, actor=recruiter, outcome="hold", reason="Wait", confirm_missing=True
    )
    db.session.commit()
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    utc = cell(text(client.get(url + "?tz=UTC")), alice.id, 'data-label="Last decision"')
    tokyo = cell(text(client.get(url + "?tz=Asia/Tokyo")), alice.id, 'data-label="Last decision"')
    assert utc != tokyo
    assert cell(text(client.get(url + "?tz=UTC")), alice.id, 'data-label="Last decision"') == utc


def _api_items(api, scenario, query=""):
    response = api.get(f"/jobs/{scenario.job.id}/shortlist{query}")
    assert response.status_code == 200
    return {item["candidacy_id"]: item for item in response.json["items"]}


def test_api_rows_kept_for_a_recruiter_do_not_give_a_manager_emails(
    scenario, api_as, recruiter, hiring_manager
):
    assert all(i["candidate"]["email"] for i in _api_items(api_as(recruiter), scenario).values())
    manager = _api_items(api_as(hiring_manager), scenario)
    assert {i["candidate"]["email"] for i in manager.values()} == {None}


def test_api_rows_withheld_from_one_viewer_are_not_withheld_from_another(
    scenario, erin_owed_by_manager, api_as, recruiter, hiring_manager
):
    erin = erin_owed_by_manager.id
    assert _api_items(api_as(hiring_manager), scenario)[erin]["withheld"] is True
    seen = _api_items(api_as(recruiter), scenario)[erin]
    assert seen["withheld"] is False
    assert seen["raw_score"] == 3.0
    again = _api_items(api_as(hiring_manager), scenario)[erin]
    assert again["withheld"] is True
    assert again["raw_score"] is None


SORTS = ["name", "state", "rounds_done", "missing", "spread", "raw", "calibrated", "yes", "decided"]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("states", [None, ("active",), ("active", "shortlisted", "rejected")])
def test_rows_sorted_from_the_cached_rows_come_as_sort_rows_puts_them(
    scenario, recruiter, descending, states, rows_made
):
    from coordinator.candidates.models import CandidacyState
    from coordinator.shortlist import aggregates

    chosen = aggregates.DEFAULT_STATES if states is None else [CandidacyState(s) for s in states]
    keys = SORTS + [f"criterion:{cid}" for cid in criterion_ids(scenario.first)]
    for key in keys:
        for _twice in range(2):  # by a criterion: the second reads the sums the first parsed
            shortlist = aggregates.build(scenario.job, states=chosen, criterion_means=True)
            rows_made.clear()
            got = aggregates.sorted_rows(shortlist, key, descending)
            assert rows_made == [], key  # sorting makes no row: a page makes its own
            expected = aggregates.sort_rows(shortlist.rows, key, descending)
            assert [r.candidacy.id for r in got] == [r.candidacy.id for r in expected], key


def test_a_page_of_sorted_rows_makes_only_its_own_rows(scenario, rows_made):
    made = rows_made
    shortlist = aggregates.build(scenario.job, criterion_means=False)
    got = aggregates.sorted_rows(shortlist, "calibrated", True)
    page = got[:2]
    assert made == [row.candidacy.id for row in page]
    assert len(got) == shortlist.total > 2


def test_withheld_rows_sort_with_the_empty_values_through_sorted_rows(
    scenario, erin_owed_by_manager, hiring_manager
):
    from coordinator.shortlist import aggregates

    shortlist = aggregates.build(scenario.job, viewer=hiring_manager)
    got = aggregates.sorted_rows(shortlist, "raw", True)
    assert got[-1].candidacy.id in {erin_owed_by_manager.id, scenario.candidacies["cara"].id}
    assert [r.candidacy.id for r in got] == [
        r.candidacy.id for r in aggregates.sort_rows(shortlist.rows, "raw", True)
    ]
    assert erin_owed_by_manager.id not in [r.candidacy.id for r in got[:2]]
    keys = SORTS + [f"criterion:{cid}" for cid in criterion_ids(scenario.first)]
    for key in keys:
        for descending in (False, True):
            shortlist = aggregates.build(scenario.job, viewer=hiring_manager)
            assert shortlist.withheld
            expected = aggregates.sort_rows(shortlist.rows, key, descending)
            got = aggregates.sorted_rows(shortlist, key, descending)
            assert [r.candidacy.id for r in got] == [r.candidacy.id for r in expected], key


def _checked_states(page: str) -> set[str]:
    form = page.split('class="filters"', 1)[1].split("</form>", 1)[0]
    return set(re.findall(r'<input[^>]*checked[^>]*value="(\w+)"', form)) | set(
        re.findall(r'<input[^>]*value="(\w+)"[^>]*checked', form)
    )


def test_the_filter_form_shows_what_each_request_asked_for(app, scenario, login, recruiter):
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    assert _checked_states(text(client.get(url + "?state=rejected"))) == {"rejected"}
    assert _checked_states(text(client.get(url))) == {"active", "shortlisted"}
    with rendered(app) as names:
        again = text(client.get(url + "?state=rejected&sort=-raw"))
    assert "shortlist/_filters.html" in names  # another sort: another hidden field
    assert _checked_states(again) == {"rejected"}
    assert 'name="sort" value="-raw"' in again
    with rendered(app) as names:
        client.get(url + "?state=rejected&sort=-raw")
    assert "shortlist/_filters.html" not in names


def test_a_filter_refused_shows_its_error_only_for_that_request(scenario, login, recruiter):
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    refused = text(client.get(url + "?round=999999"))
    assert 'id="round-error"' in refused
    assert 'id="round-error"' not in text(client.get(url))
    assert 'id="round-error"' in text(client.get(url + "?round=999999"))


def test_a_criterion_sort_with_thousands_of_digits_is_refused_not_an_error(
    scenario, login, recruiter
):
    url = f"/jobs/{scenario.job.id}/shortlist?sort=criterion:{'9' * 5000}"
    assert login(recruiter).get(url).status_code == 422


@pytest.mark.parametrize("read", ["miss", "hit"])
def test_the_kept_table_stands_once_after_the_calibration_note_in_a_utf8_page(
    scenario, login, recruiter, read
):
    """The table is spliced into the page as bytes (views.RESULTS_HERE): a job whose title is
    that very marker shows it as text and its table once, where it belongs."""
    jobs.update_job(scenario.job, actor=recruiter, title="Café <!--shortlist-results--> — lead")
    db.session.commit()
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    if read == "hit":
        client.get(url)
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert page.count('id="compare-form"') == 1
    assert page.index('id="calibration-scope"') < page.index('id="compare-form"')
    assert "<!--shortlist-results-->" not in page
    assert "Candidacies for Café &lt;!--shortlist-results--&gt; — lead" in page
    assert page.rstrip().endswith("</html>")


def test_sorting_or_turning_a_page_renders_the_table_but_keeps_the_chart(
    app, scenario, login, recruiter
):
    url = f"/jobs/{scenario.job.id}/shortlist"
    first, resorted, names = _pages_and_rendered(app, login(recruiter), url, url + "?sort=-raw")
    assert RESULTS in names
    assert "shortlist/_distribution.html" not in names
    chart = first[first.index('aria-labelledby="distribution"'):]
    assert resorted[resorted.index('aria-labelledby="distribution"'):] == chart


def test_a_chart_kept_for_one_viewer_is_not_shown_to_one_with_rows_withheld(
    scenario, erin_owed_by_manager, login, recruiter, hiring_manager
):
    url = f"/jobs/{scenario.job.id}/shortlist"
    recruiter_page = text(login(recruiter).get(url))
    manager_page = text(login(hiring_manager).get(url))
    assert "left out of the chart" not in recruiter_page
    assert "1 candidacy is left out of the chart" in manager_page


def counted_memo(monkeypatch, name: str, part: int) -> tuple[cache.Memo, list[Any]]:
    """The views' memo ``name`` replaced by one of its own, and part ``part`` of each key put
    in it since (what was rendered and kept), in order."""
    kept = cache.Memo(size=64)
    put_keys: list[Any] = []
    real_put = kept.put

    def put(key, version, value):
        put_keys.append(key[part])
        real_put(key, version, value)

    monkeypatch.setattr(kept, "put", put)
    monkeypatch.setattr(views, name, kept)
    return kept, put_keys


@pytest.fixture
def row_renders(monkeypatch) -> tuple[cache.Memo, list[int]]:
    """The candidacies whose table row HTML was rendered (and kept) since, in order."""
    return counted_memo(monkeypatch, "_kept_rows", part=1)  # (columns, candidacy, ...)


def test_a_change_to_one_row_renders_only_that_row_again(app, scenario, login, recruiter,
                                                         row_renders):
    """After a decision on Alice the table is rendered anew, but of its rows only Alice's: the
    others come from the same cached rows as before. The page is the page a fresh process
    renders."""
    kept, rendered_rows = row_renders
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    client.get(url)
    assert len(rendered_rows) == len(scenario.candidacies) - 1  # one is rejected: not shown
    alice = scenario.candidacies["alice"]
    operations.record_decision(
        alice, actor=recruiter, outcome="advance", reason="Strong", confirm_missing=True
    )
    db.session.commit()
    rendered_rows.clear()
    page = text(client.get(url))
    assert rendered_rows == [alice.id]
    assert "Advance" in row_html(page, alice.id)
    kept.clear()
    cache.memo.clear()  # the rows decoded anew: every row rendered anew
    fresh = text(client.get(url))
    assert len(rendered_rows) > 1
    assert _without_tokens(fresh) == _without_tokens(page)


def test_rows_another_server_computed_are_rendered_again_only_where_they_changed(
    app, scenario, login, recruiter, row_renders
):
    """Another server computes and stores the rows after a decision on Alice; this process,
    which had rendered the older rows, decodes the new ones and renders only Alice's row again
    (the others equal rows it remembers). The page is the page a fresh process renders."""
    kept, rendered_rows = row_renders
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    client.get(url)
    here = cache.memo.get(scenario.job.id)
    alice = scenario.candidacies["alice"]
    operations.record_decision(
        alice, actor=recruiter, outcome="advance", reason="Strong", confirm_missing=True
    )
    db.session.commit()
    aggregates.build(scenario.job)  # the other server's read: computes and stores the rows
    db.session.commit()
    cache.memo.put(scenario.job.id, *here)  # this process remembers only the older rows
    rendered_rows.clear()
    page = text(client.get(url))
    assert rendered_rows == [alice.id]
    assert "Advance" in row_html(page, alice.id)
    kept.clear()
    cache.memo.clear()
    fresh = text(client.get(url))
    assert _without_tokens(fresh) == _without_tokens(page)


def test_a_change_that_keeps_the_ratings_renders_no_score_chart_again(
    app, scenario, login, recruiter, monkeypatch
):
    _kept, charted = counted_memo(monkeypatch, "_kept_charts", part=0)  # criteria charted
    client = login(recruiter)
    url = f"/jobs/{scenario.job.id}/shortlist"
    first = text(client.get(url))
    assert charted  # one per criterion with its counts
    charted.clear()
    operations.record_decision(
        scenario.candidacies["alice"], actor=recruiter, outcome="advance", reason="Strong",
        confirm_missing=True,
    )
    db.session.commit()
    again = text(client.get(url))
    assert charted == []
    assert again[again.index('id="distribution"'):] == first[first.index('id="distribution"'):]


def _without_tokens(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)
