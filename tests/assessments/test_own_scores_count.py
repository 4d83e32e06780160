"""After submitting, what an interviewer sees counts their own scores: the interview page's
table and means, the candidacy's assessments section, and their shortlist row."""

from __future__ import annotations

from datetime import timedelta

from tests.assessments.conftest import NOW, after
from tests.web.pages import text


def _problem_solving_mean(page: str) -> str:
    row = page.split('<th scope="row">Problem solving</th>', 1)[1].split("</tr>", 1)[0]
    return row.rsplit('<td class="num">', 1)[1].split("</td>", 1)[0]


def test_the_interview_page_counts_ones_own_scores_in_the_means(
    client, login, interview, panelists, submit
):
    peer, other = panelists
    after(interview)
    submit(interview, other, score=4)
    submit(interview, peer, score=2)

    login(peer)
    page = text(client.get(f"/interviews/{interview.id}"))
    table = page.split('class="scores"', 1)[1].split("</table>", 1)[0]
    assert "Priya Peer" in table and "Omar Other" in table
    assert _problem_solving_mean(table) == "3.00"


def test_the_candidacy_page_counts_ones_own_scores_in_the_means(
    client, login, interview, panelists, submit, candidacy
):
    peer, other = panelists
    after(interview)
    submit(interview, other, score=4)
    submit(interview, peer, score=2)

    login(peer)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    section = page.split('id="assessments"', 1)[1]
    assert _problem_solving_mean(section) == "3.00"


def test_a_hiring_manager_on_the_panel_finds_their_scores_in_their_shortlist_row(
    api_as, book, candidacy, job, panelists, hiring_manager, submit
):
    other = panelists[1]
    interview = book(candidacy, job.first, NOW + timedelta(days=1), [hiring_manager, other])
    after(interview)
    submit(interview, other, score=4)
    api = api_as(hiring_manager)
    [row] = api.get(f"/jobs/{job.job.id}/shortlist").json["items"]
    assert row["withheld"] is True  # their own is still owed

    submit(interview, hiring_manager, score=2)

    [row] = api.get(f"/jobs/{job.job.id}/shortlist").json["items"]
    assert row["withheld"] is False
    solving = next(c for c in row["per_criterion"] if c["title"] == "Problem solving")
    assert (solving["count"], solving["mean"]) == (2, 3.0)
    assert row["recommendations"]["yes"] == 2
