"""Candidate pages: list and search, add and edit, a candidate's candidacies, a candidacy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from coordinator.access import require, requires
from coordinator.accounts.models import User
from coordinator.assessments.views import candidacy_context
from coordinator.audit.history import candidacy_history, describe, describe_without_reasons
from coordinator.candidates import operations
from coordinator.candidates.forms import CandidacyForCandidateForm, CandidateForm
from coordinator.candidates.models import Candidate
from coordinator.candidates.permissions import (
    can_edit_candidacy,
    can_edit_candidate,
    can_list_candidates,
    can_manage_candidates,
    can_open_candidacy,
    can_view_candidacies,
    can_view_candidacy,
    can_view_candidate,
    can_view_candidate_contact,
)
from coordinator.compensation.views import compensation_context
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.invites import responses
from coordinator.jobs.operations import get_job, open_jobs
from coordinator.jobs.permissions import can_view_job
from coordinator.portal.permissions import can_issue_portal_link
from coordinator.scheduling import meetings
from coordinator.scheduling.permissions import can_schedule
from coordinator.shortlist.views import decisions_context
from coordinator.web import page_number, render_form, search_text

bp = Blueprint("candidates", __name__)

PER_PAGE = 50


@bp.get("/candidates")
@requires(can_list_candidates)
def list_candidates() -> Any:
    q = search_text()
    page = db.paginate(operations.search_candidates(q, viewer=g.user), page=page_number(),
                       per_page=PER_PAGE, error_out=False)
    return render_template("candidates/list.html", page=page, q=q,
                           can_manage=can_manage_candidates(g.user),
                           show_contact=can_view_candidate_contact(g.user))


@bp.route("/candidates/new", methods=["GET", "POST"])
@requires(can_manage_candidates)
def new_candidate() -> Any:
    form = CandidateForm()
    if request.method == "GET":
        form.time_zone.data = g.user.time_zone
    if form.validate_on_submit():
        try:
            candidate = operations.create_candidate(actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"{candidate.name} added.", "info")
            return redirect(url_for(".show_candidate", candidate_id=candidate.id), 303)
    return render_form("candidates/candidate_form.html", form=form, candidate=None)


@bp.get("/candidates/<int:candidate_id>")
@requires(can_manage_candidates)
def show_candidate(candidate_id: int) -> Any:
    candidate = operations.get_candidate(candidate_id)
    require(can_view_candidate(g.user, candidate))
    return _render_candidate_page(candidate)


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
@requires(can_manage_candidates)
def edit_candidate(candidate_id: int) -> Any:
    candidate = operations.get_candidate(candidate_id)
    require(can_edit_candidate(g.user, candidate))
    form = CandidateForm(obj=candidate)
    if form.validate_on_submit():
        try:
            operations.update_candidate(candidate, actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash("Candidate saved.", "info")
            return redirect(url_for(".show_candidate", candidate_id=candidate.id), 303)
    return render_form("candidates/candidate_form.html", form=form, candidate=candidate)


@bp.post("/candidates/<int:candidate_id>/candidacies")
@requires(can_manage_candidates)
def open_candidacy(candidate_id: int) -> Any:
    candidate = operations.get_candidate(candidate_id)
    require(can_view_candidate(g.user, candidate))
    form = CandidacyForCandidateForm(prefix="candidacy")
    form.offer_jobs(open_jobs())
    if form.validate_on_submit():
        job = get_job(form.job_id.data)  # type: ignore[arg-type]
        require(can_open_candidacy(g.user, job))
        try:
            candidacy = operations.open_candidacy(job, candidate, actor=g.user)
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"{candidate.name} is now a candidate for {job.title}.", "info")
            return redirect(url_for(".show_candidacy", candidacy_id=candidacy.id), 303)
    return _render_candidate_page(candidate, candidacy_form=form, status=422)


@bp.get("/candidacies/<int:candidacy_id>")
@requires(can_view_candidacies)
def show_candidacy(candidacy_id: int) -> Any:
    candidacy = operations.get_candidacy(candidacy_id)
    require(can_view_candidacy(g.user, candidacy))
    history = db.paginate(candidacy_history(candidacy.id), page=page_number(),
                          per_page=PER_PAGE, error_out=False)
    decisions = decisions_context(candidacy, g.user)
    # State changes repeat decision reasons, withheld from whoever still owes an assessment.
    withheld = decisions["reasons_withheld_until"] is not None
    return render_template(
        "candidates/candidacy.html", candidacy=candidacy, candidate=candidacy.candidate,
        job=candidacy.job, history=history,
        recruiter=db.session.get(User, candidacy.recruiter_id) if candidacy.recruiter_id else None,
        describe=describe_without_reasons if withheld else describe,
        can_see_candidate=can_view_candidate(g.user, candidacy.candidate),
        can_see_job=can_view_job(g.user, candidacy.job),
        can_edit=can_edit_candidacy(g.user, candidacy),
        can_issue_portal_link=can_issue_portal_link(g.user, candidacy),
        scheduling=meetings.rounds_overview(candidacy) if can_schedule(g.user) else None,
        response_todos=responses.todos(candidacy=candidacy) if can_schedule(g.user) else [],
        **candidacy_context(g.user, candidacy),
        **decisions,
        **compensation_context(g.user, candidacy),
    )



def _render_candidate_page(candidate: Candidate, *,
                           candidacy_form: CandidacyForCandidateForm | None = None,
                           status: int = 200) -> Any:
    if candidacy_form is None:
        candidacy_form = CandidacyForCandidateForm(prefix="candidacy", formdata=None)
        candidacy_form.offer_jobs(open_jobs())
    return render_template(
        "candidates/show.html", candidate=candidate,
        candidacies=operations.candidate_candidacies(candidate), candidacy_form=candidacy_form,
        can_edit=can_edit_candidate(g.user, candidate),
    ), status
