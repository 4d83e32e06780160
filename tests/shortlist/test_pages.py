"""The shortlist page, its chart and CSV, the compare page, and deciding from a page."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from flask import get_template_attribute

from coordinator.assessments.models import Recommendation
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from coordinator.shortlist import calibration, operations
from coordinator.shortlist.models import Decision
from coordinator.shortlist.views import _tally_cell, csv_cell
from tests.shortlist.conftest import criterion_ids, expected_rows
from tests.shortlist.pages import cell, shown_rows, tally, text


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@pytest.fixture
def shortlist_page(scenario, login, recruiter):
    client = login(recruiter)

    def get(query: str = "", status: int = 200) -> str:
        response = client.get(f"/jobs/{scenario.job.id}/shortlist{query}")
        assert response.status_code == status, text(response)[:500]
        return text(response)

    return get


def test_page_shows_the_independently_computed_figures(scenario, shortlist_page):
    page = shortlist_page()
    for candidacy_id, want in expected_rows(scenario).items():
        if want["name"] == "dan":
            continue
        for criterion_id in criterion_ids(scenario.first) + criterion_ids(scenario.team):
            shown = cell(page, candidacy_id, f'data-criterion="{criterion_id}"')
            mean = want["means"].get(criterion_id)
            assert shown.startswith(fmt(mean)), (want["name"], criterion_id, shown)
            if mean is not None:
                assert f"({want['counts'][criterion_id]})" in shown
        assert tally(page, candidacy_id) == want["recommendations"]
        assert cell(page, candidacy_id, 'data-column="spread"') == fmt(want["spread"])
        assert cell(page, candidacy_id, 'data-column="missing"') == str(want["missing"])
        assert cell(page, candidacy_id, 'data-column="raw"') == fmt(want["raw"])


def test_page_lists_default_states_by_name_with_the_total(scenario, shortlist_page):
    page = shortlist_page()
    c = scenario.candidacies
    assert shown_rows(page) == [c["alice"].id, c["bob"].id, c["cara"].id]
    assert re.search(r"<strong>3</strong> candidacies match", page)


def test_page_says_too_little_data_instead_of_a_calibrated_number(scenario, shortlist_page):
    page = shortlist_page()
    assert cell(page, scenario.candidacies["cara"].id, 'data-column="calibrated"') == (
        "too little data"
    )
    assert cell(page, scenario.candidacies["alice"].id, 'data-column="calibrated"') == "3.42"


def test_page_explains_the_calibration_method_and_its_scope(shortlist_page):
    page = shortlist_page()
    assert calibration.METHOD.replace("'", "&#39;") in page
    assert 'data-scope="organisation"' in page
    assert "whole organisation" in page


def test_state_filter_shows_closed_candidacies_when_asked(scenario, shortlist_page):
    page = shortlist_page("?state=rejected")
    assert shown_rows(page) == [scenario.candidacies["dan"].id]


def test_state_filter_takes_comma_separated_values_too(scenario, shortlist_page):
    page = shortlist_page("?state=rejected,active")
    assert len(shown_rows(page)) == 4


def test_round_filter_keeps_candidacies_with_that_round(scenario, shortlist_page):
    page = shortlist_page(f"?round={scenario.team.id}")
    assert shown_rows(page) == [scenario.candidacies["alice"].id, scenario.candidacies["bob"].id]


def test_sorting_by_a_column_descending(scenario, shortlist_page):
    page = shortlist_page("?sort=-raw")
    c = scenario.candidacies
    assert shown_rows(page) == [c["alice"].id, c["bob"].id, c["cara"].id]
    assert 'aria-sort="descending"' in page


def test_sorting_by_a_criterion_column(scenario, shortlist_page):
    ps, _ = criterion_ids(scenario.first)
    page = shortlist_page(f"?sort=criterion:{ps}")
    c = scenario.candidacies
    assert shown_rows(page) == [c["bob"].id, c["alice"].id, c["cara"].id]


def test_an_unknown_sort_is_explained_and_falls_back_to_names(scenario, shortlist_page):
    page = shortlist_page("?sort=salary", status=422)
    assert "Sort by one of" in page
    assert len(shown_rows(page)) == 3


def test_pages_of_the_shortlist_split_after_sorting(scenario, shortlist_page, monkeypatch):
    from coordinator.shortlist import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    first, second = shortlist_page("?sort=-raw"), shortlist_page("?sort=-raw&page=2")
    c = scenario.candidacies
    assert shown_rows(first) == [c["alice"].id, c["bob"].id]
    assert shown_rows(second) == [c["cara"].id]
    assert "Page 2 of 2 (3 in all)" in second


def test_chart_is_inline_svg_with_counts_as_text_and_a_description(scenario, shortlist_page):
    page = shortlist_page()
    ps, _ = criterion_ids(scenario.first)
    chart = re.search(
        rf'<svg[^>]*aria-labelledby="dist-{ps}-title dist-{ps}-desc".*?</svg>', page, re.S
    )
    assert chart, "a chart per criterion"
    svg = chart.group(0)
    assert f'<title id="dist-{ps}-title">' in svg
    assert "Score 1 (Well below the bar): 1" in svg
    counts = re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg)
    assert counts == ["1", "1", "1", "1"]
    assert len(re.findall(r'<text class="label"', svg)) == 4


def test_page_has_no_inline_style_or_script(shortlist_page):
    page = shortlist_page()
    assert " style=" not in page
    assert "<script" not in page
    assert "<style" not in page


def test_csv_has_a_row_per_candidacy_with_the_figures(scenario, login, recruiter):
    response = login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist.csv?sort=-raw")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert [r["candidate"] for r in rows] == ["Alice Doe", "Bob Doe", "Cara Doe"]
    alice = rows[0]
    assert (alice["raw_score"], alice["calibrated_score"], alice["missing_assessments"]) == (
        "3.5",
        "3.42",
        "2",
    )
    assert (alice["strong_yes"], alice["yes"]) == ("1", "2")
    assert alice["Problem solving (mean)"] == "3.5"
    assert rows[2]["calibrated_score"] == ""


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)"])
def test_csv_cells_cannot_start_a_formula(scenario, login, recruiter, dangerous):
    operations.record_decision(
        scenario.candidacies["bob"], actor=recruiter, outcome="hold", reason=dangerous
    )
    scenario.candidacies["cara"].candidate.name = dangerous
    db.session.commit()
    response = login(recruiter).get(f"/jobs/{scenario.job.id}/shortlist.csv")
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert "'" + dangerous in {r["candidate"] for r in rows}
    assert "'" + dangerous in {r["last_decision_reason"] for r in rows}


def test_csv_cell_leaves_numbers_and_plain_text_alone():
    assert csv_cell(-1.5) == -1.5
    assert csv_cell("Alice") == "Alice"


def test_csv_leaves_out_emails_for_the_hiring_manager(scenario, login, hiring_manager):
    response = login(hiring_manager).get(f"/jobs/{scenario.job.id}/shortlist.csv")
    assert response.status_code == 200
    assert {r["email"] for r in csv.DictReader(io.StringIO(text(response)))} == {""}


# --- compare -----------------------------------------------------------------------------------


def compare(client, scenario, ids: str):
    return client.get(f"/jobs/{scenario.job.id}/shortlist/compare?{ids}")


def test_compare_shows_candidacies_side_by_side_with_each_rating(scenario, login, recruiter):
    c = scenario.candidacies
    response = compare(login(recruiter), scenario, f"ids={c['alice'].id}&ids={c['bob'].id}")
    assert response.status_code == 200
    page = text(response)
    assert page.index("Alice Doe") < page.index("Bob Doe")
    assert 'Ivan Interviewer: <span class="num">4</span>' in page
    assert "Clear, structured thinker." in page
    assert "Struggled with the basics." in page


def test_compare_hides_drafts_of_others(scenario, login, recruiter):
    c = scenario.candidacies
    page = text(compare(login(recruiter), scenario, f"ids={c['alice'].id},{c['bob'].id}"))
    assert "Draft thoughts." not in page
    assert "Sofia Interviewer" not in page


@pytest.mark.parametrize("which", [["alice"], ["alice", "bob", "cara", "dan", "extra"], []])
def test_compare_needs_two_to_four(scenario, login, recruiter, make_candidacy, which):
    ids = [
        scenario.candidacies[n].id
        if n in scenario.candidacies
        else make_candidacy(job=scenario.job).id
        for n in which
    ]
    response = compare(login(recruiter), scenario, "ids=" + ",".join(map(str, ids)))
    assert response.status_code == 422
    assert "Pick 2 to 4 candidacies" in text(response)


@pytest.mark.parametrize("ids", ["ids=abc", "ids=1,-2", "ids=99999999999999999999,1"])
def test_compare_refuses_malformed_ids_with_a_page_error(scenario, login, recruiter, ids):
    response = compare(login(recruiter), scenario, ids)
    assert response.status_code == 422
    assert 'role="alert"' in text(response)


def test_compare_refuses_candidacies_of_another_job(scenario, login, recruiter, make_candidacy):
    stranger = make_candidacy()
    response = compare(
        login(recruiter), scenario, f"ids={scenario.candidacies['alice'].id},{stranger.id}"
    )
    assert response.status_code == 422
    assert "of this job only" in text(response)


# --- deciding ----------------------------------------------------------------------------------


def decide(client, scenario, name: str, job_id: int | None = None, **data):
    candidacy = scenario.candidacies[name]
    return client.post(
        f"/jobs/{job_id or scenario.job.id}/candidacies/{candidacy.id}/decisions", data=data
    )


def test_deciding_from_the_page_records_it_and_goes_to_the_candidacy(
    scenario, login, hiring_manager
):
    client = login(hiring_manager)
    response = decide(client, scenario, "bob", outcome="advance", reason="Solid first round")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/candidacies/{scenario.candidacies['bob'].id}#decisions"
    )
    page = text(client.get(response.headers["Location"]))
    assert "Solid first round" in page
    assert scenario.candidacies["bob"].state is CandidacyState.shortlisted


def test_deciding_with_missing_assessments_asks_for_confirmation(scenario, login, recruiter):
    response = decide(login(recruiter), scenario, "alice", outcome="advance", reason="Strong")
    assert response.status_code == 409
    page = text(response)
    assert "2 assessment(s) are still missing" in page
    assert 'id="confirm_missing"' in page
    assert 'name="reason"' in page and "Strong" in page, "the input is kept"
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_confirming_records_the_missing_count(scenario, login, recruiter):
    response = decide(
        login(recruiter), scenario, "alice", outcome="advance", reason="Strong", confirm_missing="y"
    )
    assert response.status_code == 303
    decision = db.session.scalar(sa.select(Decision))
    assert decision.missing_assessments == 2


def test_deciding_without_a_reason_is_refused_on_the_field(scenario, login, recruiter):
    response = decide(login(recruiter), scenario, "bob", outcome="advance", reason="")
    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)


def test_deciding_on_a_closed_candidacy_is_a_conflict(scenario, login, recruiter):
    response = decide(login(recruiter), scenario, "dan", outcome="advance", reason="Again")
    assert response.status_code == 409
    assert "takes no more decisions" in text(response)


def test_deciding_through_another_jobs_url_is_not_found(scenario, login, recruiter, make_job):
    other = make_job(actor=recruiter)
    response = decide(
        login(recruiter), scenario, "bob", job_id=other.id, outcome="advance", reason="Sneaky"
    )
    assert response.status_code == 404


def test_the_candidacy_page_shows_the_decision_history(scenario, login, recruiter):
    bob = scenario.candidacies["bob"]
    operations.record_decision(bob, actor=recruiter, outcome="hold", reason="Wait for refs")
    operations.record_decision(bob, actor=recruiter, outcome="advance", reason="Refs are in")
    db.session.commit()
    page = text(login(recruiter).get(f"/candidacies/{bob.id}"))
    section = page[page.index('id="decisions"') :]
    assert section.index("Wait for refs") < section.index("Refs are in")
    assert "Record a decision" in section


def test_a_panel_member_sees_decisions_but_no_form(scenario, login, recruiter):
    # Ivan submitted both his assessments of Alice, so he owes none (see test_withheld_reasons).
    alice = scenario.candidacies["alice"]
    operations.record_decision(
        alice, actor=recruiter, outcome="hold", reason="Wait for refs", confirm_missing=True
    )
    db.session.commit()
    page = text(login(scenario.people["ivan"]).get(f"/candidacies/{alice.id}"))
    assert "Wait for refs" in page
    assert "Record a decision" not in page


def test_the_job_page_links_to_the_shortlist_for_its_hiring_manager_only(
    scenario, login, hiring_manager
):
    client = login(hiring_manager)
    assert f"/jobs/{scenario.job.id}/shortlist" in text(client.get(f"/jobs/{scenario.job.id}"))
    client.post("/logout")
    login(scenario.people["ivan"])
    assert f"/jobs/{scenario.job.id}/shortlist" not in text(client.get(f"/jobs/{scenario.job.id}"))


def test_closed_candidacies_on_the_page_offer_no_decision(scenario, shortlist_page):
    page = shortlist_page("?state=rejected,active")
    decide = f"/jobs/{scenario.job.id}/candidacies/{{}}/decide"
    assert decide.format(scenario.candidacies["dan"].id) not in page
    assert decide.format(scenario.candidacies["alice"].id) in page


@pytest.mark.parametrize("counts", [(0, 0, 0, 0), (1, 0, 12, 3), (7, 5, 0, 100)])
def test_the_tables_tally_cells_are_the_tally_macros_markup(app, counts):
    recommendations = list(Recommendation)
    given = dict(zip([r.value for r in recommendations], counts, strict=True))
    with app.test_request_context():
        macro = get_template_attribute("shortlist/_macros.html", "tally")
        assert _tally_cell(recommendations)(given) == macro(given, recommendations)
