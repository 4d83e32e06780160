"""The pipeline page: a job's candidacies by round and status, with bulk actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from coordinator.access import require, requires
from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.jobs.models import Job
from coordinator.jobs.operations import get_job
from coordinator.pipeline import operations, statuses
from coordinator.pipeline.forms import FILTER_NAMES, BulkActionForm, PipelineFilterForm
from coordinator.pipeline.operations import Action
from coordinator.pipeline.permissions import (
    can_reach_pipelines,
    can_reject_in_bulk,
    can_schedule_in_bulk,
    can_view_pipeline,
)
from coordinator.scheduling.operations import panel_people
from coordinator.scheduling.permissions import can_schedule
from coordinator.timeutil import utcnow
from coordinator.validation import MAX_ID
from coordinator.web import ListPage, page_number

bp = Blueprint("pipeline", __name__)

PER_PAGE = 50


@bp.app_context_processor
def _pipeline_helpers() -> dict[str, Any]:
    """Lets the job page and the job list ask whether the viewer may open a job's pipeline."""
    return {"can_view_pipeline": can_view_pipeline}


def _job(job_id: int) -> Job:
    if job_id > MAX_ID:
        raise NotFound("No such job.")
    job = get_job(job_id)
    require(can_view_pipeline(g.user, job),
            "Only recruiters, admins and this job's hiring manager see its pipeline.")
    return job


def _actions(user: User) -> list[Action]:
    """The bulk actions the viewer may take: schedulers all three, deciders reject."""
    if can_schedule(user):
        return list(Action)
    return [Action.reject]


def _panel_people(user: User) -> list[User]:
    """Who may interview (for self-scheduling links), only for those who schedule."""
    if not can_schedule(user):
        return []
    return panel_people()


def _render(job: Job, args: MultiDict[str, str], page: int, action_form: BulkActionForm,
            status: int = 200) -> Any:
    form = PipelineFilterForm(args, list(job.planned_rounds))
    form.validate()
    pipeline = statuses.build(job, form.filters(), now=utcnow(), page=page, per_page=PER_PAGE)
    filter_args = form.query_args()
    back_args = dict(filter_args, page=page) if page > 1 else filter_args
    if not action_form.back.data:
        action_form.back.data = url_for(".show_pipeline", job_id=job.id, **back_args)
    return render_template(
        "pipeline/show.html",
        job=job,
        pipeline=pipeline,
        pager=ListPage(pipeline.rows, pipeline.page, pipeline.per_page, pipeline.total),
        form=form,
        filter_args=filter_args,
        action_form=action_form,
        schedules=can_schedule(g.user),
        Status=statuses.Status,
        NO_ROUND=statuses.NO_ROUND,
    ), status


@bp.get("/jobs/<int:job_id>/pipeline")
@requires(can_reach_pipelines)
def show_pipeline(job_id: int) -> Any:
    job = _job(job_id)
    action_form = BulkActionForm(formdata=None)
    action_form.offer(_actions(g.user), _panel_people(g.user))
    return _render(job, request.args, page_number(), action_form)


def _back_args(form: BulkActionForm) -> MultiDict[str, str]:
    """The pipeline's filters and page from the form's ``back`` address (nothing else is kept,
    so the redirect cannot leave this page)."""
    _path, _, query = (form.back.data or "").partition("?")
    return MultiDict([(k, v) for k, v in parse_qsl(query)[:50]
                      if k in (*FILTER_NAMES, "page")])


def _page_of(args: MultiDict[str, str]) -> int:
    value = args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 100000 else 1


@bp.post("/jobs/<int:job_id>/pipeline/actions")
@requires(can_reach_pipelines)
def act_on_pipeline(job_id: int) -> Any:
    """Confirm, then apply one action to the selected candidacies, each on its own."""
    job = _job(job_id)
    form = BulkActionForm()
    form.offer(_actions(g.user), _panel_people(g.user))
    args = _back_args(form)
    form.back.data = url_for(".show_pipeline", job_id=job.id, **args.to_dict(flat=True))
    if not form.validate():
        return _render(job, args, _page_of(args), form, 422)
    try:
        action = operations.parse_action(form.action.data)
        candidacies = operations.selection(job, form.candidacy_ids.data)
        reason = operations.check_reason(action, form.reason.data)
    except RuleViolation as err:
        form.attach(err)
        return _render(job, args, _page_of(args), form, 422)
    allowed = can_reject_in_bulk if action is Action.reject else can_schedule_in_bulk
    for candidacy in candidacies:
        require(allowed(g.user, candidacy), "Your role does not allow this action.")
    if not form.confirmed.data:
        return _confirm(job, form, action, candidacies)
    report = operations.run(job, action, candidacies, actor=g.user, reason=reason,
                            people=form.people())
    db.session.commit()
    flash(report.summary(), "warning" if report.failed else "info")
    return redirect(url_for(".show_pipeline", job_id=job.id, **args.to_dict(flat=True)), 303)


def _confirm(job: Job, form: BulkActionForm, action: Action,
             candidacies: list[Candidacy]) -> Any:
    return render_template("pipeline/confirm.html", job=job, form=form, action=action,
                           candidacies=candidacies, Action=Action)
