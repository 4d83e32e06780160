"""Candidates and candidacies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import g
from pydantic import Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import Id, Out, PageOf, PageQuery, Schema, endpoint, paginate
from coordinator.api.schemas import TimeZone
from coordinator.assessments.owing import owes_assessment
from coordinator.candidates import operations
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.candidates.permissions import (
    can_list_candidates,
    can_manage_candidates,
    can_read_candidate,
    can_view_candidacies,
    can_view_candidacy,
    can_view_candidate_contact,
)
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.jobs.operations import get_job
from coordinator.shortlist.models import Decision
from coordinator.shortlist.operations import decisions_of
from coordinator.timeutil import isoformat_z

CandidacyStateName = Literal["active", "shortlisted", "offer", "hired", "rejected", "withdrawn"]


class CandidateIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254)]
    phone: Annotated[str, Field(max_length=40)] = ""
    time_zone: TimeZone = "UTC"


class CandidatePatch(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Annotated[str, Field(min_length=3, max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    time_zone: TimeZone | None = None


class CandidateOut(Out):
    id: int
    name: str
    email: str | None = Field(description="Only for recruiters and admins; null for others.")
    phone: str | None = Field(description="Only for recruiters and admins; null for others.")
    time_zone: str

    @classmethod
    def of(cls, candidate: Candidate) -> CandidateOut:
        """The candidate as the acting user may see it (contact details withheld as null)."""
        contact = can_view_candidate_contact(g.user)
        return cls(id=candidate.id, name=candidate.name, time_zone=candidate.time_zone,
                   email=candidate.email if contact else None,
                   phone=candidate.phone if contact else None)


class CandidacyIn(Schema):
    candidate_id: Id


class CandidacyOut(Out):
    id: int
    job_id: int
    candidate_id: int
    candidate: CandidateOut
    state: CandidacyStateName
    recruiter_id: int | None = Field(
        default=None, description="The recruiter who owns the candidacy (candidates hear from and "
                                  "reply to them); null when nobody does.")

    @classmethod
    def of(cls, candidacy: Candidacy) -> CandidacyOut:
        return cls(id=candidacy.id, job_id=candidacy.job_id, candidate_id=candidacy.candidate_id,
                   candidate=CandidateOut.of(candidacy.candidate),
                   state=candidacy.state.value, recruiter_id=candidacy.recruiter_id)


class DecisionOut(Out):
    id: int
    outcome: Literal["advance", "hold", "reject", "offer"]
    reason: str | None = Field(
        description="Why; null (withheld) while the viewer still owes an assessment of the "
                    "candidacy.")
    withheld: bool = Field(
        description="The reason is withheld until the viewer submits the assessments they owe "
                    "of this candidacy (independence).")
    actor_id: int | None = Field(description="Who decided (null once that user is deleted).")
    missing_assessments: int = Field(
        description="Assessments still missing when the decision was made."
    )
    decided_at: str = Field(description="UTC instant, ISO 8601 with Z.",
                            examples=["2027-03-29T08:00:00Z"])

    @classmethod
    def of(cls, decision: Decision, *, withheld: bool = False) -> DecisionOut:
        return cls(id=decision.id, outcome=decision.outcome.value,
                   reason=None if withheld else decision.reason, withheld=withheld,
                   actor_id=decision.actor_id, missing_assessments=decision.missing_assessments,
                   decided_at=isoformat_z(decision.created_at) or "")


class CandidacyDetailOut(CandidacyOut):
    decisions: list[DecisionOut] = Field(
        description="The append-only history of decisions, oldest first; reasons are withheld "
                    "from a viewer who still owes an assessment of the candidacy."
    )

    @classmethod
    def of(cls, candidacy: Candidacy, *, withheld: bool = False) -> CandidacyDetailOut:
        return cls(**dict(CandidacyOut.of(candidacy)),
                   decisions=[DecisionOut.of(d, withheld=withheld)
                              for d in decisions_of(candidacy)])


class CandidateListQuery(PageQuery):
    q: Annotated[str, Field(max_length=200, description="Part of a name or email")] | None = None


class CandidacyListQuery(PageQuery):
    state: CandidacyStateName | None = None


@endpoint(bp, "GET", "/candidates", summary="List and search candidates",
          allow=can_list_candidates, query=CandidateListQuery, response=PageOf[CandidateOut],
          paginated=True, tag="candidates",
          description="Recruiters and admins list every candidate; others only the candidates "
                      "for jobs they hire for and of interviews they sit on. `email` and `phone` "
                      "are null (and `q` matches names only) unless the reader is a recruiter or "
                      "an admin.")
def list_candidates(query: CandidateListQuery) -> Any:
    return paginate(operations.search_candidates(query.q or "", viewer=g.user), query,
                    CandidateOut.of)


@endpoint(bp, "POST", "/candidates", summary="Add a candidate", allow=can_manage_candidates,
          body=CandidateIn, response=CandidateOut, status=201, errors=(409,), tag="candidates")
def create_candidate(body: CandidateIn) -> Any:
    candidate = operations.create_candidate(actor=g.user, name=body.name, email=body.email,
                                            phone=body.phone, time_zone=body.time_zone)
    db.session.commit()
    return CandidateOut.of(candidate)


@endpoint(bp, "GET", "/candidates/<int:candidate_id>", summary="Get a candidate",
          allow=can_list_candidates, response=CandidateOut, tag="candidates",
          description="Recruiters and admins; others for the candidates they list (`403` "
                      "otherwise), with `email` and `phone` null.")
def show_candidate(candidate_id: int) -> Any:
    candidate = operations.get_candidate(candidate_id)
    require(can_read_candidate(g.user, candidate))
    return CandidateOut.of(candidate)


@endpoint(bp, "PATCH", "/candidates/<int:candidate_id>", summary="Edit a candidate",
          allow=can_manage_candidates, body=CandidatePatch, response=CandidateOut,
          errors=(409,), tag="candidates")
def update_candidate(candidate_id: int, body: CandidatePatch) -> Any:
    candidate = operations.get_candidate(candidate_id)
    operations.update_candidate(candidate, actor=g.user, name=body.name, email=body.email,
                                phone=body.phone, time_zone=body.time_zone)
    db.session.commit()
    return CandidateOut.of(candidate)


@endpoint(bp, "GET", "/jobs/<int:job_id>/candidacies", summary="A job's candidacies",
          allow=can_manage_candidates, query=CandidacyListQuery, response=PageOf[CandidacyOut],
          paginated=True, tag="candidacies")
def list_candidacies(job_id: int, query: CandidacyListQuery) -> Any:
    job = get_job(job_id)
    statement = (sa.select(Candidacy).join(Candidacy.candidate)
                 .options(sa.orm.contains_eager(Candidacy.candidate))
                 .where(Candidacy.job_id == job.id).order_by(Candidate.name, Candidacy.id))
    if query.state:
        statement = statement.where(Candidacy.state == CandidacyState(query.state))
    return paginate(statement, query, CandidacyOut.of)


@endpoint(bp, "POST", "/jobs/<int:job_id>/candidacies", summary="Open a candidacy for a job",
          allow=can_manage_candidates, body=CandidacyIn, response=CandidacyOut, status=201,
          errors=(409,), tag="candidacies")
def open_candidacy(job_id: int, body: CandidacyIn) -> Any:
    job = get_job(job_id)
    try:
        candidate = operations.get_candidate(body.candidate_id)
    except NotFound as err:
        raise RuleViolation("candidate_id", "No such candidate.") from err
    candidacy = operations.open_candidacy(job, candidate, actor=g.user)
    db.session.commit()
    return CandidacyOut.of(candidacy)


@endpoint(bp, "GET", "/candidacies/<int:candidacy_id>",
          summary="Get a candidacy with its decisions (recruiters, the job's hiring manager, "
                  "panel members)",
          allow=can_view_candidacies, response=CandidacyDetailOut, tag="candidacies")
def show_candidacy(candidacy_id: int) -> Any:
    candidacy = operations.get_candidacy(candidacy_id)
    require(can_view_candidacy(g.user, candidacy))
    return CandidacyDetailOut.of(candidacy, withheld=owes_assessment(g.user, candidacy))
