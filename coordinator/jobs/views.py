"""Job pages: the job list, a job with its interview plan and candidacies, and their forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from coordinator.access import require, requires
from coordinator.candidates import operations as candidacies
from coordinator.candidates.forms import CandidacyForJobForm
from coordinator.candidates.permissions import (
    can_list_candidacies,
    can_manage_candidates,
    can_open_candidacy,
    can_view_candidate_contact,
)
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.jobs import operations
from coordinator.jobs.forms import EditJobForm, JobForm, PlannedRoundForm
from coordinator.jobs.models import Job, JobState
from coordinator.jobs.permissions import (
    can_edit_job,
    can_manage_jobs,
    can_view_job,
    can_view_jobs,
    can_view_pay_band,
)
from coordinator.web import page_number, render_form

bp = Blueprint("jobs", __name__)

PER_PAGE = 50


@bp.get("/jobs")
@requires(can_view_jobs)
def list_jobs() -> Any:
    state = request.args.get("state", JobState.open.value)
    if state not in {s.value for s in JobState}:
        state = "all"
    statement = operations.jobs_by_title(None if state == "all" else JobState(state),
                                         viewer=g.user)
    page = db.paginate(statement, page=page_number(), per_page=PER_PAGE, error_out=False)
    counted = [job.id for job in page.items if can_list_candidacies(g.user, job)]
    counts = candidacies.active_candidacy_counts(counted)
    return render_template("jobs/list.html", page=page, counts=counts, state=state,
                           can_create=can_manage_jobs(g.user))


@bp.route("/jobs/new", methods=["GET", "POST"])
@requires(can_manage_jobs)
def new_job() -> Any:
    form = JobForm()
    form.offer_hiring_managers(operations.hiring_manager_choices())
    if form.validate_on_submit():
        try:
            job = operations.create_job(actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"Job “{job.title}” created. Now plan its interview rounds.", "info")
            return redirect(url_for(".show_job", job_id=job.id), 303)
    return render_form("jobs/job_form.html", form=form, job=None)


@bp.get("/jobs/<int:job_id>")
@requires(can_view_jobs)
def show_job(job_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_view_job(g.user, job))
    return _render_job_page(job)


@bp.route("/jobs/<int:job_id>/edit", methods=["GET", "POST"])
@requires(can_manage_jobs)
def edit_job(job_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    form = EditJobForm(obj=job)
    form.offer_hiring_managers(operations.hiring_manager_choices(), current=job.hiring_manager)
    if form.validate_on_submit():
        try:
            operations.update_job(job, actor=g.user, **form.changes(job))
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash("Job saved.", "info")
            return redirect(url_for(".show_job", job_id=job.id), 303)
    return render_form("jobs/job_form.html", form=form, job=job)


@bp.route("/jobs/<int:job_id>/plan/new", methods=["GET", "POST"])
@requires(can_manage_jobs)
def new_planned_round(job_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    form = PlannedRoundForm()
    if form.validate_on_submit():
        try:
            operations.add_planned_round(job, form.to_input(), actor=g.user)
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash("Round added to the interview plan.", "info")
            return redirect(url_for(".show_job", job_id=job.id, _anchor="plan"), 303)
    return render_form("jobs/planned_round_form.html", form=form, job=job, planned=None)


@bp.route("/jobs/<int:job_id>/plan/<int:planned_round_id>/edit", methods=["GET", "POST"])
@requires(can_manage_jobs)
def edit_planned_round(job_id: int, planned_round_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.get_planned_round(job, planned_round_id)
    form = PlannedRoundForm(data=None if request.method == "POST"
                            else PlannedRoundForm.data_of(planned))
    if form.validate_on_submit():
        try:
            operations.update_planned_round(planned, form.to_input(), actor=g.user)
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"Round “{planned.title}” saved.", "info")
            return redirect(url_for(".show_job", job_id=job.id, _anchor="plan"), 303)
    return render_form("jobs/planned_round_form.html", form=form, job=job, planned=planned)


@bp.post("/jobs/<int:job_id>/plan/<int:planned_round_id>/move/<any(up, down):direction>")
@requires(can_manage_jobs)
def move_planned_round(job_id: int, planned_round_id: int, direction: str) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.get_planned_round(job, planned_round_id)
    try:
        operations.move_planned_round(planned, -1 if direction == "up" else 1, actor=g.user)
    except RuleViolation as err:
        db.session.rollback()
        return _render_job_page(operations.get_job(job_id), plan_error=err.message, status=422)
    db.session.commit()
    return redirect(url_for(".show_job", job_id=job.id, _anchor=f"round-{planned.id}"), 303)


@bp.post("/jobs/<int:job_id>/plan/<int:planned_round_id>/remove")
@requires(can_manage_jobs)
def remove_planned_round(job_id: int, planned_round_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.get_planned_round(job, planned_round_id)
    title = planned.title
    try:
        operations.remove_planned_round(planned, actor=g.user)
    except RuleViolation as err:
        db.session.rollback()
        return _render_job_page(operations.get_job(job_id), plan_error=err.message, status=422)
    db.session.commit()
    flash(f"Round “{title}” removed from the plan.", "info")
    return redirect(url_for(".show_job", job_id=job.id, _anchor="plan"), 303)


@bp.post("/jobs/<int:job_id>/candidacies")
@requires(can_manage_candidates)
def open_candidacy(job_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_open_candidacy(g.user, job))
    form = CandidacyForJobForm(prefix="candidacy")
    if form.validate_on_submit():
        try:
            candidate = candidacies.get_candidate_by_email(form.candidate_email.data or "")
            candidacy = candidacies.open_candidacy(job, candidate, actor=g.user)
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"{candidate.name} is now a candidate for {job.title}.", "info")
            return redirect(url_for("candidates.show_candidacy", candidacy_id=candidacy.id), 303)
    return _render_job_page(job, candidacy_form=form, status=422)



def _render_job_page(job: Job, *, candidacy_form: CandidacyForJobForm | None = None,
                     plan_error: str | None = None, status: int = 200) -> Any:
    user = g.user
    page = None
    if can_list_candidacies(user, job):
        page = db.paginate(candidacies.job_candidacies(job), page=page_number(),
                           per_page=PER_PAGE, error_out=False)
    if candidacy_form is None and can_open_candidacy(user, job) and job.state is JobState.open:
        candidacy_form = CandidacyForJobForm(prefix="candidacy", formdata=None)
    return render_template(
        "jobs/show.html", job=job, plan=operations.load_plan(job), candidacies=page,
        candidacy_form=candidacy_form, plan_error=plan_error,
        can_edit=can_edit_job(user, job), show_pay_band=can_view_pay_band(user, job),
        show_contact=can_view_candidate_contact(user),
    ), status
