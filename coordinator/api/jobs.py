"""Jobs and their interview plans."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import g
from pydantic import Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import Id, Out, PageOf, PageQuery, Schema, endpoint, paginate
from coordinator.api.schemas import PayBandIn, PayBandOut
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.jobs import operations
from coordinator.jobs.models import Job, JobState, PlannedRound
from coordinator.jobs.permissions import (
    can_edit_job,
    can_manage_jobs,
    can_view_job,
    can_view_jobs,
    can_view_pay_band,
)

RelationshipName = Literal["colleague", "peer", "supervisor", "hiring_manager"]


class JobIn(Schema):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    department: Annotated[str, Field(max_length=200)] = ""
    location: Annotated[str, Field(max_length=200)] = ""
    hiring_manager_id: Id | None = Field(
        None, description="An active user with the hiring_manager (or admin) role."
    )
    pay_band: PayBandIn
    assessment_due_hours: Annotated[int, Field(ge=1, le=720)] = 24


class JobPatch(Schema):
    """Members present change; absent ones stay. Only ``hiring_manager_id`` may be ``null``
    (no hiring manager); the pay band is replaced whole."""

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    department: Annotated[str, Field(max_length=200)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None
    hiring_manager_id: Id | None = Field(
        None, description="An active user with the hiring_manager (or admin) role; null: none."
    )
    pay_band: PayBandIn | None = None
    state: Literal["open", "closed"] | None = Field(
        None, description="A closed job takes no new candidacies."
    )
    assessment_due_hours: Annotated[int, Field(ge=1, le=720)] | None = None

    def changes(self) -> dict[str, Any]:
        """The keyword arguments for ``update_job``; 422 for an empty body or a ``null``."""
        given = self.model_fields_set
        if not given:
            raise RuleViolation(None, "Give at least one member to change.")
        nulls = sorted(name for name in given - {"hiring_manager_id"}
                       if getattr(self, name) is None)
        if nulls:
            raise RuleViolation.many({name: ["May not be null."] for name in nulls})
        changes: dict[str, Any] = {name: getattr(self, name) for name in given}
        band = changes.pop("pay_band", None)
        if band is not None:
            changes.update(pay_band_min=band.min, pay_band_max=band.max,
                           pay_band_currency=band.currency)
        return changes


class JobOut(Out):
    id: int
    title: str
    department: str
    location: str
    hiring_manager_id: int | None
    pay_band: PayBandOut | None = Field(
        description="Only for admins, recruiters and the job's hiring manager."
    )
    state: Literal["open", "closed"]
    assessment_due_hours: int

    @classmethod
    def of(cls, job: Job) -> JobOut:
        band = None
        if can_view_pay_band(g.user, job):
            band = PayBandOut.of(job.pay_band_min, job.pay_band_max, job.pay_band_currency)
        return cls(id=job.id, title=job.title, department=job.department, location=job.location,
                   hiring_manager_id=job.hiring_manager_id, pay_band=band, state=job.state.value,
                   assessment_due_hours=job.assessment_due_hours)


class JobListQuery(PageQuery):
    state: Literal["open", "closed"] | None = None


class CriterionIn(Schema):
    multi_line = frozenset({"guidance"})

    id: Id | None = Field(None, description="Keep this criterion (on PUT); omit for a new one.")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    guidance: Annotated[str, Field(max_length=2000)] = ""
    required: bool = True
    relationship: RelationshipName | None = None


class CriterionOut(Out):
    id: int
    title: str
    guidance: str
    required: bool
    relationship: RelationshipName | None
    position: int


class PlannedRoundIn(Schema):
    multi_line = frozenset({"description"})

    title: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["interview", "compensation_discussion"] = "interview"
    duration_minutes: Annotated[int, Field(ge=5, le=480)] = 60
    relationships: Annotated[list[RelationshipName], Field(max_length=40)] = []
    criteria: Annotated[list[CriterionIn], Field(max_length=operations.MAX_CRITERIA)] = []
    description: Annotated[str, Field(max_length=2000)] = ""

    def to_input(self) -> operations.PlannedRoundInput:
        return operations.PlannedRoundInput(
            title=self.title, kind=self.kind, duration_minutes=self.duration_minutes,
            relationships=list(self.relationships), description=self.description,
            criteria=[operations.CriterionInput(id=c.id, title=c.title, guidance=c.guidance,
                                                is_required=c.required,
                                                relationship=c.relationship)
                      for c in self.criteria],
        )


class PlannedRoundOut(Out):
    id: int
    job_id: int
    position: int
    title: str
    kind: Literal["interview", "compensation_discussion"]
    duration_minutes: int
    relationships: list[RelationshipName]
    criteria: list[CriterionOut]
    description: str

    @classmethod
    def of(cls, planned: PlannedRound) -> PlannedRoundOut:
        return cls(
            id=planned.id, job_id=planned.job_id, position=planned.position, title=planned.title,
            kind=planned.kind.value, duration_minutes=planned.duration_minutes,
            relationships=[r.value for r in planned.relationships],
            criteria=[CriterionOut(id=c.id, title=c.title, guidance=c.guidance,
                                   required=c.is_required,
                                   relationship=c.relationship.value if c.relationship else None,
                                   position=c.position)
                      for c in planned.criteria if not c.is_retired],
            description=planned.description,
        )


def whole_plan(job: Job) -> dict[str, Any]:
    """The plan in the list envelope; a plan is short enough to fit the default page."""
    items = [PlannedRoundOut.of(p) for p in job.planned_rounds]
    return {"items": items, "page": 1, "per_page": 50, "total": len(items)}


class PlanOrderIn(Schema):
    order: Annotated[list[Id], Field(min_length=1, max_length=operations.MAX_ROUNDS,
                                     description="Every planned round's id, once each.")]


@endpoint(bp, "GET", "/jobs", summary="List jobs", allow=can_view_jobs, query=JobListQuery,
          response=PageOf[JobOut], paginated=True, tag="jobs",
          description="Recruiters and admins list every job; hiring managers the jobs they hire "
                      "for, and interviewers the jobs of interviews they sit on (both, for "
                      "someone who does both). `pay_band` is null unless the reader is an "
                      "admin, a recruiter or the job's hiring manager.")
def list_jobs(query: JobListQuery) -> Any:
    statement = operations.jobs_by_title(JobState(query.state) if query.state else None,
                                         viewer=g.user)
    return paginate(statement, query, JobOut.of)


@endpoint(bp, "POST", "/jobs", summary="Create a job", allow=can_manage_jobs, body=JobIn,
          response=JobOut, status=201, tag="jobs")
def create_job(body: JobIn) -> Any:
    job = operations.create_job(
        actor=g.user, title=body.title, department=body.department, location=body.location,
        hiring_manager_id=body.hiring_manager_id, pay_band_min=body.pay_band.min,
        pay_band_max=body.pay_band.max, pay_band_currency=body.pay_band.currency,
        assessment_due_hours=body.assessment_due_hours,
    )
    db.session.commit()
    return JobOut.of(job)


@endpoint(bp, "GET", "/jobs/<int:job_id>", summary="Get a job", allow=can_view_jobs,
          response=JobOut, tag="jobs",
          description="For those who list the job (`403` otherwise).")
def show_job(job_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_view_job(g.user, job))
    return JobOut.of(job)


@endpoint(bp, "PATCH", "/jobs/<int:job_id>", summary="Change a job (the twin of its edit page)",
          allow=can_manage_jobs, body=JobPatch, response=JobOut, tag="jobs",
          description="Any of `title`, `department`, `location`, `hiring_manager_id`, "
                      "`pay_band`, `state`, `assessment_due_hours`; the others stay. The audit "
                      "log records the fields that changed, old and new (band figures "
                      "included). A band edited while compensation proposals are open applies "
                      "to them at once: a proposal now outside it needs approval to be agreed.")
def update_job(job_id: int, body: JobPatch) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    operations.update_job(job, actor=g.user, **body.changes())
    db.session.commit()
    return JobOut.of(job)


@endpoint(bp, "GET", "/jobs/<int:job_id>/plan", summary="The job's interview plan, in order",
          allow=can_manage_jobs, query=PageQuery, response=PageOf[PlannedRoundOut],
          paginated=True, tag="plan")
def show_plan(job_id: int, query: PageQuery) -> Any:
    job = operations.get_job(job_id)
    statement = (sa.select(PlannedRound).where(PlannedRound.job_id == job.id)
                 .order_by(PlannedRound.position))
    return paginate(statement, query, PlannedRoundOut.of)


@endpoint(bp, "POST", "/jobs/<int:job_id>/plan", summary="Add a planned round at the end",
          allow=can_manage_jobs, body=PlannedRoundIn, response=PlannedRoundOut, status=201,
          tag="plan")
def add_planned_round(job_id: int, body: PlannedRoundIn) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.add_planned_round(job, body.to_input(), actor=g.user)
    db.session.commit()
    return PlannedRoundOut.of(planned)


@endpoint(bp, "PUT", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          summary="Replace a planned round (criteria keep their ids when given)",
          allow=can_manage_jobs, body=PlannedRoundIn, response=PlannedRoundOut, tag="plan",
          description="Criteria left out are retired: they leave the scorecard but assessments "
                      "that rated them keep their ratings.")
def update_planned_round(job_id: int, planned_round_id: int, body: PlannedRoundIn) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.get_planned_round(job, planned_round_id)
    operations.update_planned_round(planned, body.to_input(), actor=g.user)
    db.session.commit()
    return PlannedRoundOut.of(planned)


@endpoint(bp, "DELETE", "/jobs/<int:job_id>/plan/<int:planned_round_id>",
          summary="Remove a planned round no candidacy uses; answers the remaining plan",
          allow=can_manage_jobs, response=PageOf[PlannedRoundOut], errors=(409,), tag="plan")
def remove_planned_round(job_id: int, planned_round_id: int) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    planned = operations.get_planned_round(job, planned_round_id)
    try:
        operations.remove_planned_round(planned, actor=g.user)
    except RuleViolation as err:
        # The only rule: candidacies use the round. On the API that is a conflict with state.
        raise Conflict(err.message, [{"kind": "planned_round_in_use", "detail": err.message,
                                      "planned_round_id": planned.id}]) from err
    db.session.commit()
    return whole_plan(job)


@endpoint(bp, "PUT", "/jobs/<int:job_id>/plan/order", summary="Reorder the plan",
          allow=can_manage_jobs, body=PlanOrderIn, response=PageOf[PlannedRoundOut], tag="plan")
def reorder_plan(job_id: int, body: PlanOrderIn) -> Any:
    job = operations.get_job(job_id)
    require(can_edit_job(g.user, job))
    operations.reorder_planned_rounds(job, body.order, actor=g.user)
    db.session.commit()
    return whole_plan(job)
