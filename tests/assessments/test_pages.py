"""Assessment pages: the scorecard form, reading and reopening, and the assessment parts of the
interview, candidacy and dashboard pages."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import flask_wtf.csrf
import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from coordinator.assessments import operations
from coordinator.assessments.models import SCALE, Assessment, AssessmentState
from coordinator.db import db
from coordinator.timeutil import freeze
from tests.assessments.conftest import after
from tests.web.pages import field_error, text


def form_url(interview) -> str:
    return f"/interviews/{interview.id}/assessment"


def show_url(assessment) -> str:
    return f"/interviews/{assessment.interview_id}/assessments/{assessment.id}"


def reopen_url(assessment) -> str:
    return show_url(assessment) + "/reopen"


def form_data(interview, score: int = 3, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f"rating_{c.id}": str(score) for c in operations.scorecard(interview)}
    data.update(
        {
            "recommendation": "yes",
            "notes": "Clear thinker",
            "notes_for_later": "Ask about testing",
            "submit": "Submit",
        }
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def is_checked(page: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- the form ------------------------------------------------------------------------------------


def test_form_has_a_radio_group_per_criterion_with_the_four_labels(
    client, login, interview, panelists
):
    login(panelists[0])
    page = text(client.get(form_url(interview)))
    for criterion in operations.scorecard(interview):
        assert f"<legend>{criterion.title}" in page
        for score, label in SCALE.items():
            assert f'name="rating_{criterion.id}" type="radio" value="{score}"' in page
            assert f"{score} · {label}" in page


def test_form_marks_required_criteria_and_shows_guidance(client, login, interview, panelists):
    login(panelists[0])
    page = text(client.get(form_url(interview)))
    assert page.count('<span class="badge warn">required</span>') == 3  # two criteria + verdict
    assert "(optional)" in page
    assert "Breaks the problem down; tests ideas." in page
    assert "best judged by a supervisor" in page


def test_form_has_recommendation_notes_and_both_buttons(client, login, interview, panelists):
    login(panelists[0])
    page = text(client.get(form_url(interview)))
    for value in ("strong_no", "no", "yes", "strong_yes"):
        assert f'name="recommendation" type="radio" value="{value}"' in page
    assert re.search(r'<textarea[^>]* id="notes"', page)
    assert re.search(r'<textarea[^>]* id="notes_for_later"', page)
    assert 'value="Save draft"' in page
    assert 'value="Submit"' in page


def test_save_draft_keeps_an_incomplete_assessment(client, login, interview, panelists):
    peer, _ = panelists
    login(peer)
    solving = operations.scorecard(interview)[0]
    response = client.post(
        form_url(interview),
        data={f"rating_{solving.id}": "2", "notes": "So far", "save_draft": "1"},
    )
    assert response.status_code == 303
    saved = operations.find(interview, peer)
    assert saved.state is AssessmentState.draft
    assert [(r.criterion_id, r.score) for r in saved.ratings] == [(solving.id, 2)]


def test_draft_is_shown_again_in_the_form(client, login, interview, panelists, draft):
    peer, _ = panelists
    solving = operations.scorecard(interview)[0]
    draft(interview, peer, ratings={solving.id: 4}, notes="Where I was")
    login(peer)
    page = text(client.get(form_url(interview)))
    assert is_checked(page, f"rating_{solving.id}", "4")
    assert "Where I was" in page


def test_submit_locks_it_and_returns_to_the_interview(client, login, interview, panelists):
    peer, _ = panelists
    after(interview)
    login(peer)
    response = client.post(form_url(interview), data=form_data(interview))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/interviews/{interview.id}")
    saved = operations.find(interview, peer)
    assert saved.is_submitted
    assert saved.notes_for_later == "Ask about testing"


def test_form_of_a_submitted_assessment_leads_to_reading_it(
    client, login, interview, panelists, submit
):
    peer, _ = panelists
    after(interview)
    assessment = submit(interview, peer)
    login(peer)
    response = client.get(form_url(interview))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(show_url(assessment))


def test_refused_submission_keeps_what_was_typed_with_messages_on_the_fields(
    client, login, interview, panelists
):
    peer, _ = panelists
    after(interview)
    login(peer)
    solving, communication, _ = operations.scorecard(interview)
    response = client.post(
        form_url(interview),
        data=form_data(
            interview,
            **{
                f"rating_{communication.id}": None,
                "recommendation": None,
                "notes": "A long, careful note",
            },
        ),
    )
    assert response.status_code == 422
    page = text(response)
    assert "required" in field_error(page, f"rating_{communication.id}")
    assert field_error(page, "recommendation") == "Give an overall recommendation."
    assert field_error(page, f"rating_{solving.id}") == ""
    assert is_checked(page, f"rating_{solving.id}", "3")
    assert "A long, careful note" in page
    assert "Ask about testing" in page
    assert count(Assessment) == 0


@pytest.mark.parametrize("value", ["7", "0", "abc", "3.5"])
def test_score_off_the_scale_is_refused_on_its_field(client, login, interview, panelists, value):
    peer, _ = panelists
    after(interview)
    login(peer)
    solving = operations.scorecard(interview)[0]
    response = client.post(
        form_url(interview), data=form_data(interview, **{f"rating_{solving.id}": value})
    )
    assert response.status_code == 422
    assert field_error(text(response), f"rating_{solving.id}") == "Rate from 1 to 4."
    assert count(Assessment) == 0


def test_recommendation_not_one_of_the_four_is_refused(client, login, interview, panelists):
    peer, _ = panelists
    after(interview)
    login(peer)
    response = client.post(form_url(interview), data=form_data(interview, recommendation="maybe"))
    assert response.status_code == 422
    assert field_error(text(response), "recommendation")
    assert count(Assessment) == 0


def test_submit_before_the_interview_is_refused_and_the_draft_not_saved(
    client, login, interview, panelists
):
    peer, _ = panelists
    login(peer)
    response = client.post(form_url(interview), data=form_data(interview))
    assert response.status_code == 422
    assert "once the interview has started" in text(response)
    assert "Clear thinker" in text(response)
    assert count(Assessment) == 0


def test_submitting_twice_is_409(client, login, interview, panelists, submit):
    peer, _ = panelists
    after(interview)
    submit(interview, peer, score=2)
    login(peer)
    response = client.post(form_url(interview), data=form_data(interview, score=4))
    assert response.status_code == 409
    assert "already submitted" in text(response)
    assert {r.score for r in operations.find(interview, peer).ratings} == {2}


@pytest.mark.parametrize("who", ["recruiter", "hiring_manager", "interviewer"])
def test_someone_off_the_panel_cannot_open_or_post_the_form(client, login, interview, request, who):
    after(interview)
    login(request.getfixturevalue(who))
    assert client.get(form_url(interview)).status_code == 403
    assert client.post(form_url(interview), data=form_data(interview)).status_code == 403
    assert count(Assessment) == 0


# --- an hour of writing --------------------------------------------------------------------------


def test_csrf_and_session_last_twelve_hours(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 12 * 3600
    assert app.config["PERMANENT_SESSION_LIFETIME"] in (12 * 3600, timedelta(hours=12))


def _token_rendered(client, url: str, monkeypatch: pytest.MonkeyPatch, age: timedelta) -> str:
    """Render ``url`` with its CSRF token signed ``age`` ago, and return that token.

    Only the CSRF serializer is aged: the session cookie is signed the same way and must stay
    valid, as it does in a browser left open.
    """
    signed_at = int(time.time() - age.total_seconds())

    class EarlierSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return signed_at

    class EarlierSerializer(URLSafeTimedSerializer):
        default_signer = EarlierSigner

    with monkeypatch.context() as patch:
        patch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", EarlierSerializer)
        response = client.get(url)
    assert response.status_code == 200
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', text(response)).group(1)


def test_form_posted_61_minutes_after_it_was_rendered_still_works(
    client, login, interview, panelists, app, monkeypatch
):
    peer, _ = panelists
    after(interview)
    login(peer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = _token_rendered(client, form_url(interview), monkeypatch, timedelta(minutes=61))
    response = client.post(form_url(interview), data={**form_data(interview), "csrf_token": token})
    assert response.status_code == 303, text(response)[:500]
    assert operations.find(interview, peer).is_submitted


def test_form_posted_after_thirteen_hours_is_refused_as_expired(
    client, login, interview, panelists, app, monkeypatch
):
    """The control for the test above: the token's age is what the check looks at."""
    peer, _ = panelists
    after(interview)
    login(peer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = _token_rendered(client, form_url(interview), monkeypatch, timedelta(hours=13))
    response = client.post(form_url(interview), data={**form_data(interview), "csrf_token": token})
    assert response.status_code == 400
    assert "Form expired" in text(response)
    assert count(Assessment) == 0


# --- reading someone's assessment ----------------------------------------------------------------


@pytest.fixture
def assessed(interview, panelists, submit, draft) -> SimpleNamespace:
    """The second panelist submitted; the first has a draft."""
    peer, other = panelists
    after(interview)
    theirs = submit(interview, other, notes="Strong on design", score=4)
    mine = draft(interview, peer, notes="My draft")
    return SimpleNamespace(theirs=theirs, mine=mine, peer=peer, other=other)


def test_a_colleagues_assessment_is_forbidden_until_ones_own_is_in(client, login, assessed):
    login(assessed.peer)
    response = client.get(show_url(assessed.theirs))
    assert response.status_code == 403
    assert "Strong on design" not in text(response)


def test_a_colleagues_draft_is_forbidden(client, login, assessed):
    login(assessed.other)
    assert client.get(show_url(assessed.mine)).status_code == 403


def test_a_colleagues_assessment_is_readable_once_ones_own_is_in(
    client, login, assessed, submit, interview
):
    submit(interview, assessed.peer)
    login(assessed.peer)
    page = text(client.get(show_url(assessed.theirs)))
    assert "Strong on design" in page
    assert "Well above the bar" in page


def test_assessment_reached_through_another_interview_is_not_found(
    client, login, assessed, recruiter, book, candidacy, job, panelists
):
    other_interview = book(
        candidacy, job.second, assessed.theirs.interview.ends_at + timedelta(days=2), [panelists[1]]
    )
    login(recruiter)
    url = f"/interviews/{other_interview.id}/assessments/{assessed.theirs.id}"
    assert client.get(url).status_code == 404


def test_submitted_assessment_shows_the_titles_as_rated(client, login, assessed, recruiter, job):
    from coordinator.jobs import operations as jobs
    from coordinator.jobs.operations import CriterionInput
    from tests.assessments.conftest import scorecard_input

    kept = operations.scorecard(assessed.theirs.interview)[0]
    jobs.update_planned_round(
        job.first,
        scorecard_input("First interview", [CriterionInput("Renamed criterion", id=kept.id)]),
        actor=recruiter,
    )
    db.session.commit()
    login(recruiter)
    page = text(client.get(show_url(assessed.theirs)))
    assert "Problem solving" in page and "Communication" in page
    assert "Renamed criterion" not in page


# --- reopening -----------------------------------------------------------------------------------


def test_recruiter_reopens_with_a_reason(client, login, assessed, recruiter):
    login(recruiter)
    response = client.post(reopen_url(assessed.theirs), data={"reason": "Wrong candidate"})
    assert response.status_code == 303
    db.session.refresh(assessed.theirs)
    assert assessed.theirs.state is AssessmentState.draft
    page = text(client.get(f"/candidacies/{assessed.theirs.interview.round.candidacy_id}"))
    assert "Assessment reopened: Wrong candidate" in page


def test_reopen_without_a_reason_is_refused(client, login, assessed, recruiter):
    login(recruiter)
    response = client.post(reopen_url(assessed.theirs), data={"reason": " "})
    assert response.status_code == 422
    assert field_error(text(response), "reason")
    db.session.refresh(assessed.theirs)
    assert assessed.theirs.is_submitted


def test_reopening_a_draft_is_409(client, login, assessed, recruiter):
    login(recruiter)
    response = client.post(reopen_url(assessed.mine), data={"reason": "Why"})
    assert response.status_code == 409


@pytest.mark.parametrize("who", ["hiring_manager", "interviewer"])
def test_only_recruiters_and_admins_reopen(client, login, assessed, request, who):
    login(request.getfixturevalue(who))
    assert client.post(reopen_url(assessed.theirs), data={"reason": "Let me"}).status_code == 403
    db.session.refresh(assessed.theirs)
    assert assessed.theirs.is_submitted


def test_candidacy_page_offers_recruiters_the_reopen_form(
    client, login, assessed, recruiter, candidacy
):
    login(recruiter)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    assert f'action="{reopen_url(assessed.theirs)}"' in page
    assert 'name="reason"' in page


def test_candidacy_page_offers_no_reopen_form_to_the_hiring_manager(
    client, login, assessed, hiring_manager, candidacy
):
    login(hiring_manager)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    assert "Strong on design" not in page  # notes stay on the assessment's own page
    assert reopen_url(assessed.theirs) not in page


# --- the interview page --------------------------------------------------------------------------


def test_interview_page_shows_own_state_and_hides_colleagues_until_submitted(
    client, login, assessed, interview
):
    login(assessed.peer)
    page = text(client.get(f"/interviews/{interview.id}"))
    assert "Continue your draft" in page
    assert f'href="{form_url(interview)}"' in page
    assert "appear here once you have submitted" in page
    assert show_url(assessed.theirs) not in page


def test_interview_page_shows_colleagues_after_submitting(
    client, login, assessed, interview, submit
):
    submit(interview, assessed.peer)
    login(assessed.peer)
    page = text(client.get(f"/interviews/{interview.id}"))
    assert "Read your assessment" in page
    assert show_url(assessed.theirs) in page
    assert "Omar Other" in page


def test_interview_page_shows_the_brief_of_earlier_rounds(
    client, login, assessed, interview, submit, book, candidacy, job, make_user
):
    submit(interview, assessed.peer, notes_for_later="Check their SQL")
    newcomer = make_user(("interviewer",), name="Nia Newcomer")
    later = book(candidacy, job.second, interview.ends_at + timedelta(days=2), [newcomer])
    login(newcomer)
    page = text(client.get(f"/interviews/{later.id}"))
    assert "Brief: earlier interviews" in page
    assert "Check their SQL" in page
    assert "Covered: Problem solving, Communication, Curiosity" in page
    assert show_url(assessed.theirs) not in page  # no ratings before their own is in
    assert "Write your assessment" in page


# --- the candidacy page --------------------------------------------------------------------------


def test_candidacy_page_shows_scores_recommendations_and_who_is_missing(
    client, login, assessed, recruiter, candidacy
):
    login(recruiter)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    section = page.split('id="assessments"', 1)[1]
    assert "Problem solving" in section
    assert "Omar Other" in section
    assert "Yes × 1" in section
    assert "Not yet submitted:" in section
    assert "Priya Peer" in section.split("Not yet submitted:", 1)[1]
    assert "draft saved" in section


def test_candidacy_page_is_blind_for_an_interviewer_who_has_not_submitted(
    client, login, assessed, candidacy
):
    login(assessed.peer)
    page = text(client.get(f"/candidacies/{candidacy.id}"))
    section = page.split('id="assessments"', 1)[1]
    assert "you see only your own" in section
    assert show_url(assessed.theirs) not in section
    assert "Yes × 1" not in section


def test_candidacy_page_shows_colleagues_once_the_interviewer_owes_nothing(
    client, login, assessed, candidacy, submit, interview
):
    submit(interview, assessed.peer)
    login(assessed.peer)
    section = text(client.get(f"/candidacies/{candidacy.id}")).split('id="assessments"', 1)[1]
    assert show_url(assessed.theirs) in section


# --- the dashboard -------------------------------------------------------------------------------


def test_recruiter_dashboard_lists_overdue_assessments(
    client, login, assessed, recruiter, interview
):
    freeze(interview.ends_at + timedelta(days=2))
    login(recruiter)
    page = text(client.get("/"))
    section = page.split('id="overdue-assessments"', 1)[1]
    assert "Priya Peer" in section
    assert "Omar Other" not in section  # submitted
    assert "Cleo Candidate" in section


def test_interviewer_dashboard_lists_assessments_to_write(client, login, assessed, interview):
    login(assessed.peer)
    page = text(client.get("/"))
    assert "Your assessments to write" in page
    assert f'href="{form_url(interview)}"' in page
    assert 'id="overdue-assessments"' not in page


def test_dashboard_of_someone_with_nothing_to_write_has_no_such_list(client, login, assessed):
    login(assessed.other)
    assert "Your assessments to write" not in text(client.get("/"))


# --- role × page ---------------------------------------------------------------------------------

PAGE_ROLES = ("admin", "recruiter", "hiring_manager", "panel", "interviewer", "anonymous")
STAFF = {"admin": 200, "recruiter": 200, "hiring_manager": 200}


PAGES = [
    ("edit_assessment", "GET", lambda a: form_url(a.theirs.interview), {"panel": 200}),
    ("edit_assessment", "POST", lambda a: form_url(a.theirs.interview), {"panel": 303}),
    ("show_assessment", "GET", lambda a: show_url(a.theirs), STAFF),
    ("reopen_assessment", "GET", lambda a: reopen_url(a.theirs), {"admin": 200, "recruiter": 200}),
    ("reopen_assessment", "POST", lambda a: reopen_url(a.theirs), {"admin": 303, "recruiter": 303}),
]


def test_the_role_table_covers_every_assessment_page(app):
    pages = {
        (rule.endpoint.split(".", 1)[1], method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("assessments.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert pages == {(name, method) for name, method, *_ in PAGES}


@pytest.mark.parametrize("role", PAGE_ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "allowed"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES]
)
def test_role_reaches_assessment_page_only_when_allowed(
    client, login, assessed, request, role, name, method, url, allowed
):
    users = {"panel": assessed.peer}
    if role not in ("anonymous", "panel"):
        users[role] = request.getfixturevalue(role)
    if role != "anonymous":
        login(users[role])
    data = {"reason": "Because", "save_draft": "1"} if method == "POST" else None
    response = client.open(url(assessed), method=method, data=data)
    expected = 302 if role == "anonymous" else allowed.get(role, 403)
    assert response.status_code == expected, text(response)[:300]
    if expected == 302:
        assert "/login" in response.headers["Location"]
