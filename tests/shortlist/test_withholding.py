"""Independence on the shortlist: a viewer who still owes an assessment of a candidacy reads none
of its ratings, recommendations, spread, scores or decision reasons — on the page, the API, the
CSV, the compare view and the chart.

Erin (added to the scenario) was interviewed by Ivan and by the job's hiring manager; Ivan
submitted (4, 2, strong yes), the hiring manager has not. Without withholding, the manager reads
Ivan's scores off the shortlist.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from coordinator.db import db
from coordinator.scheduling import operations as scheduling
from coordinator.shortlist import operations
from coordinator.timeutil import freeze
from tests.api.support import assert_matches_document
from tests.shortlist.conftest import NOW, at, criterion_ids
from tests.shortlist.pages import cell, row_html, shown_rows, tally, text

WITHHELD_TEXT = "withheld until you submit your assessment"
REASON = "Ivan loved the design answer"


@pytest.fixture(scope="module")
def openapi_document(app):
    from coordinator.api.openapi import build

    with app.app_context():
        return build(app)


def _erin(scenario, make_candidacy, make_candidate, recruiter):
    return make_candidacy(
        job=scenario.job,
        actor=recruiter,
        candidate=make_candidate(actor=recruiter, name="Erin Doe"),
    )


def _decide(candidacy, recruiter):
    operations.record_decision(
        candidacy, actor=recruiter, outcome="advance", reason=REASON, confirm_missing=True
    )
    db.session.commit()


@pytest.fixture
def owed(
    scenario, hiring_manager, make_candidacy, make_candidate, recruiter, book, open_round, assess
):
    """Erin's first round (5 March) with Ivan and the hiring manager; only Ivan submitted."""
    ivan = scenario.people["ivan"]
    ps, comm = criterion_ids(scenario.first)
    erin = _erin(scenario, make_candidacy, make_candidate, recruiter)
    interview = book(open_round(erin, scenario.first), at(5, 9), [ivan, hiring_manager])
    assess(interview, ivan, {ps: 4, comm: 2}, "strong_yes")
    _decide(erin, recruiter)
    return SimpleNamespace(candidacy=erin, interview=interview)


@pytest.fixture
def owed_recorded_past(
    scenario, hiring_manager, make_candidacy, make_candidate, recruiter, open_round, assess
):
    """Erin's first round recorded after the fact (held elsewhere), the same panel and ratings."""
    ivan = scenario.people["ivan"]
    ps, comm = criterion_ids(scenario.first)
    erin = _erin(scenario, make_candidacy, make_candidate, recruiter)
    change = scheduling.schedule_interview(
        open_round(erin, scenario.first),
        actor=recruiter,
        starts_at=NOW - timedelta(days=2),
        duration_minutes=60,
        time_zone="Europe/Berlin",
        panel=[scheduling.Seat(ivan.id, "peer"), scheduling.Seat(hiring_manager.id, "peer")],
        record_past=True,
    )
    db.session.commit()
    assess(change.interview, ivan, {ps: 4, comm: 2}, "strong_yes")
    _decide(erin, recruiter)
    return SimpleNamespace(candidacy=erin, interview=change.interview)


@pytest.fixture
def owed_upcoming(
    scenario, hiring_manager, make_candidacy, make_candidate, recruiter, book, open_round, assess
):
    """Ivan alone held Erin's first round; the hiring manager interviews her tomorrow."""
    ivan = scenario.people["ivan"]
    ps, comm = criterion_ids(scenario.first)
    erin = _erin(scenario, make_candidacy, make_candidate, recruiter)
    first = book(open_round(erin, scenario.first), at(5, 9), [ivan])
    assess(first, ivan, {ps: 4, comm: 2}, "strong_yes")
    upcoming = book(open_round(erin, scenario.team), NOW + timedelta(days=1), [hiring_manager])
    _decide(erin, recruiter)
    return SimpleNamespace(candidacy=erin, interview=upcoming)


def api_row(api, scenario, candidacy_id):
    body = api.get(f"/jobs/{scenario.job.id}/shortlist").json
    return next(i for i in body["items"] if i["candidacy_id"] == candidacy_id)


# --- the page ------------------------------------------------------------------------------------


def test_page_withholds_the_scores_of_a_candidacy_the_viewer_owes(
    scenario, owed, login, hiring_manager
):
    page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist"))
    erin = owed.candidacy.id
    row = row_html(page, erin)
    assert WITHHELD_TEXT in row
    assert f'href="/interviews/{owed.interview.id}/assessment"' in row
    ps, comm = criterion_ids(scenario.first)
    for attribute in (
        f'data-criterion="{ps}"',
        f'data-criterion="{comm}"',
        'data-column="spread"',
        'data-column="raw"',
        'data-column="calibrated"',
    ):
        assert cell(page, erin, attribute) == "withheld", attribute
    assert tally(page, erin) == {}
    assert cell(page, erin, 'data-column="missing"') == "1"


def test_page_shows_the_scores_of_rows_the_viewer_does_not_owe(
    scenario, owed, login, hiring_manager
):
    page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist"))
    alice = scenario.candidacies["alice"].id
    assert "withheld" not in row_html(page, alice)
    assert cell(page, alice, 'data-column="raw"') != "withheld"


def test_page_shows_the_scores_to_a_recruiter_who_owes_nothing(scenario, owed, login, recruiter):
    page = text(login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist"))
    assert cell(page, owed.candidacy.id, 'data-column="raw"') == "3.00"


def test_sorting_by_score_puts_withheld_rows_with_the_empty_ones(
    scenario, owed, login, hiring_manager
):
    page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist?sort=-raw"))
    c = scenario.candidacies
    assert shown_rows(page) == [c["alice"].id, c["bob"].id, c["cara"].id, owed.candidacy.id]


def test_submitting_ones_own_assessment_lifts_the_withholding(
    scenario, owed, login, hiring_manager, assess
):
    ps, comm = criterion_ids(scenario.first)
    assess(owed.interview, hiring_manager, {ps: 2, comm: 2}, "no")
    page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist"))
    assert "withheld" not in row_html(page, owed.candidacy.id)
    assert cell(page, owed.candidacy.id, 'data-column="raw"') == "2.50"


# --- the API -------------------------------------------------------------------------------------


def test_api_withholds_the_row_of_a_candidacy_the_viewer_owes(
    scenario, owed, api_as, hiring_manager, openapi_document
):
    api = api_as(hiring_manager)
    response = api.get(f"/jobs/{scenario.job.id}/shortlist")
    assert_matches_document(openapi_document, "/api/v1/jobs/{job_id}/shortlist", "GET", response)
    row = next(i for i in response.json["items"] if i["candidacy_id"] == owed.candidacy.id)
    assert row["withheld"] is True
    for name in ("per_criterion", "recommendations", "spread", "raw_score", "calibrated_score"):
        assert row[name] is None, name
    assert row["last_decision"]["reason"] is None
    assert row["last_decision"]["outcome"] == "advance"
    assert row["missing_assessments"] == 1


def test_api_rows_the_viewer_does_not_owe_say_withheld_false(
    scenario, owed, api_as, hiring_manager
):
    body = api_as(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist").json
    others = [i for i in body["items"] if i["candidacy_id"] != owed.candidacy.id]
    assert others and all(i["withheld"] is False for i in others)
    assert all(i["recommendations"] is not None for i in others)


def test_api_gives_the_recruiter_the_row_in_full(scenario, owed, api_as, recruiter):
    row = api_row(api_as(recruiter), scenario, owed.candidacy.id)
    assert row["withheld"] is False
    assert row["raw_score"] == 3.0
    assert row["recommendations"]["strong_yes"] == 1
    assert row["last_decision"]["reason"] == REASON


def test_an_interview_recorded_after_the_fact_is_owed_like_any_other(
    scenario, owed_recorded_past, api_as, hiring_manager
):
    row = api_row(api_as(hiring_manager), scenario, owed_recorded_past.candidacy.id)
    assert row["withheld"] is True
    assert row["raw_score"] is None


def test_an_interview_still_to_come_withholds_colleagues_scores(
    scenario, owed_upcoming, api_as, hiring_manager
):
    row = api_row(api_as(hiring_manager), scenario, owed_upcoming.candidacy.id)
    assert row["withheld"] is True
    assert row["recommendations"] is None


def test_a_cancelled_interview_is_not_owed(scenario, owed, api_as, hiring_manager, recruiter):
    scheduling.cancel_interview(owed.interview, actor=recruiter, reason="Held by mistake")
    db.session.commit()
    row = api_row(api_as(hiring_manager), scenario, owed.candidacy.id)
    assert row["withheld"] is False


def test_sorting_the_api_by_score_reveals_no_withheld_order(
    scenario, owed, api_as, hiring_manager
):
    body = api_as(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist?sort=-raw").json
    assert body["items"][-1]["candidacy_id"] == owed.candidacy.id


# --- the CSV -------------------------------------------------------------------------------------


def test_csv_leaves_the_withheld_cells_empty_and_says_so(scenario, owed, login, hiring_manager):
    response = login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist.csv")
    rows = {int(r["candidacy_id"]): r for r in csv.DictReader(io.StringIO(text(response)))}
    erin = rows[owed.candidacy.id]
    assert erin["withheld"] == "true"
    for title in ("Problem solving", "Communication"):
        assert erin[f"{title} (mean)"] == ""
        assert erin[f"{title} (ratings)"] == ""
    for name in ("strong_no", "no", "yes", "strong_yes", "spread", "raw_score", "calibrated_score"):
        assert erin[name] == "", name
    assert erin["last_decision"] == "advance"
    assert erin["last_decision_reason"] == ""
    assert rows[scenario.candidacies["alice"].id]["withheld"] == "false"


def test_csv_gives_the_recruiter_every_figure(scenario, owed, login, recruiter):
    response = login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist.csv")
    rows = {int(r["candidacy_id"]): r for r in csv.DictReader(io.StringIO(text(response)))}
    assert rows[owed.candidacy.id]["raw_score"] == "3"
    assert rows[owed.candidacy.id]["last_decision_reason"] == REASON


# --- compare -------------------------------------------------------------------------------------


def test_compare_page_withholds_the_owed_candidacy(scenario, owed, login, hiring_manager):
    alice = scenario.candidacies["alice"].id
    page = text(
        login(hiring_manager).get(
            f"/jobs/{scenario.job.id}/shortlist/compare?ids={alice},{owed.candidacy.id}"
        )
    )
    assert page.count(f'data-withheld="{owed.candidacy.id}"') >= 5  # scores, spread, criteria
    assert WITHHELD_TEXT in page
    assert f'href="/interviews/{owed.interview.id}/assessment"' in page
    assert f'data-withheld="{alice}"' not in page


def test_compare_api_withholds_the_owed_candidacy(scenario, owed, api_as, hiring_manager):
    alice = scenario.candidacies["alice"].id
    body = api_as(hiring_manager).get(
        f"/jobs/{scenario.job.id}/shortlist/compare?ids={alice},{owed.candidacy.id}"
    ).json
    items = {i["candidacy_id"]: i for i in body["candidacies"]}
    assert items[owed.candidacy.id]["withheld"] is True
    assert items[owed.candidacy.id]["raw_score"] is None
    assert items[owed.candidacy.id]["assessments"] == []
    assert items[alice]["withheld"] is False
    assert items[alice]["raw_score"] is not None


# --- the chart -----------------------------------------------------------------------------------


def _chart_counts(page: str, criterion_id: int) -> list[int]:
    svg = re.search(
        rf'<svg[^>]*aria-labelledby="dist-{criterion_id}-title.*?</svg>', page, re.S
    ).group(0)
    return [int(n) for n in re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg)]


def test_chart_does_not_plot_withheld_rows(scenario, owed, login, hiring_manager, recruiter):
    ps, _ = criterion_ids(scenario.first)
    manager_page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist"))
    # Alice's and Bob's submitted "Problem solving" ratings: 4, 3 and 2, 1 (scores 1..4).
    assert _chart_counts(manager_page, ps) == [1, 1, 1, 1]
    assert "1 candidacy is left out of the chart" in manager_page
    recruiter_page = text(login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist"))
    assert _chart_counts(recruiter_page, ps) == [1, 1, 1, 2]


def test_chart_api_gives_the_points_the_page_plots(
    scenario, owed, api_as, hiring_manager, openapi_document
):
    response = api_as(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist/chart")
    assert response.status_code == 200
    assert_matches_document(
        openapi_document, "/api/v1/jobs/{job_id}/shortlist/chart", "GET", response
    )
    body = response.json
    ps, _ = criterion_ids(scenario.first)
    by_criterion = {c["criterion_id"]: c for c in body["criteria"]}
    assert [p["count"] for p in by_criterion[ps]["points"]] == [1, 1, 1, 1]
    assert [p["score"] for p in by_criterion[ps]["points"]] == [1, 2, 3, 4]
    assert by_criterion[ps]["total"] == 4
    assert body["withheld_candidacies"] == 1


def test_chart_api_counts_every_row_for_a_viewer_who_owes_nothing(
    scenario, owed, api_as, recruiter
):
    body = api_as(recruiter).get(f"/jobs/{scenario.job.id}/shortlist/chart").json
    ps, _ = criterion_ids(scenario.first)
    points = next(c for c in body["criteria"] if c["criterion_id"] == ps)["points"]
    assert [p["count"] for p in points] == [1, 1, 1, 2]
    assert body["withheld_candidacies"] == 0


def test_chart_api_follows_the_shortlist_filters(scenario, owed, api_as, recruiter):
    body = api_as(recruiter).get(
        f"/jobs/{scenario.job.id}/shortlist/chart?state=rejected"
    ).json
    ps, _ = criterion_ids(scenario.first)
    points = next(c for c in body["criteria"] if c["criterion_id"] == ps)["points"]
    assert [p["count"] for p in points] == [0, 0, 0, 1]  # Dan: Ivan's 4


def test_chart_api_refuses_an_unknown_state(scenario, api_as, recruiter):
    response = api_as(recruiter).get(f"/jobs/{scenario.job.id}/shortlist/chart?state=asleep")
    assert response.status_code == 422


# --- the query count -----------------------------------------------------------------------------


def test_withholding_adds_no_query_per_row(
    scenario, owed, login, hiring_manager, count_queries, assess, book, open_round,
    make_candidacy, make_candidate, recruiter,
):
    client = login(hiring_manager)
    url = f"/jobs/{scenario.job.id}/shortlist"
    with count_queries() as small:
        assert client.get(url).status_code == 200
    ivan = scenario.people["ivan"]
    ps, comm = criterion_ids(scenario.first)
    for hour in range(10, 14):
        candidacy = make_candidacy(job=scenario.job, actor=recruiter,
                                   candidate=make_candidate(actor=recruiter))
        interview = book(open_round(candidacy, scenario.first), at(6, hour), [ivan, hiring_manager])
        assess(interview, ivan, {ps: 3, comm: 3}, "yes")
    with count_queries() as large:
        page = text(client.get(url))
    assert page.count(WITHHELD_TEXT) == 5
    assert len(large) == len(small), f"{small}\n---\n{large}"


def test_clock_moving_past_a_later_interview_keeps_it_owed(
    scenario, owed_upcoming, api_as, hiring_manager
):
    freeze(owed_upcoming.interview.ends_at + timedelta(days=1))
    row = api_row(api_as(hiring_manager), scenario, owed_upcoming.candidacy.id)
    assert row["withheld"] is True
    assert row["missing_assessments"] == 1


def test_a_row_owed_twice_links_to_the_interview_that_took_place_first(
    scenario, owed, login, hiring_manager, book, open_round
):
    """The hiring manager owes Erin's first round (5 March) and a team round booked after it
    but held the day before (4 March): the row sends them to the one held first."""
    ivan = scenario.people["ivan"]
    earlier = book(open_round(owed.candidacy, scenario.team), at(4, 9), [ivan, hiring_manager])
    db.session.commit()
    assert earlier.id > owed.interview.id
    page = text(login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist"))
    row = row_html(page, owed.candidacy.id)
    assert f'href="/interviews/{earlier.id}/assessment"' in row
    assert f'href="/interviews/{owed.interview.id}/assessment"' not in row
