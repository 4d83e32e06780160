"""Candidate and candidacy operations."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.accounts.operations import normalise_email
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.candidates.permissions import (
    can_view_candidate_contact,
    visible_candidates_condition,
)
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.jobs.models import Job, JobState
from coordinator.timeutil import is_valid_zone
from coordinator.validation import text as _text

PHONE_CHARACTERS = set("0123456789+-() ./")



def _phone(value: str | None) -> str:
    phone = _text("phone", value, 40)
    if phone and (not set(phone) <= PHONE_CHARACTERS or sum(c.isdigit() for c in phone) < 5):
        raise RuleViolation("phone",
                            "Use digits, spaces and + - ( ) . / only, e.g. +49 30 1234567.")
    return phone


#: The phone rule, for forms to show its message with the other fields' (see ``checked_by``).
check_phone = _phone


def _zone(value: str) -> str:
    if not is_valid_zone(value):
        raise RuleViolation("time_zone", f"“{value}” is not a known IANA time zone.")
    return value


def _unique_email(email: str, candidate_id: int | None = None) -> str:
    email = normalise_email(email)
    other = db.session.scalar(sa.select(Candidate).where(Candidate.email == email))
    if other is not None and other.id != candidate_id:
        raise Conflict(
            "A candidate with this email already exists.",
            [{"kind": "duplicate_email", "detail": f"{email} belongs to candidate {other.id}",
              "candidate_id": other.id}],
            field="email",
        )
    return email


def create_candidate(*, actor: User, name: str, email: str, phone: str = "",
                     time_zone: str = "UTC") -> Candidate:
    candidate = Candidate(
        name=_text("name", name, 200, required=True),
        email=_unique_email(email),
        phone=_phone(phone),
        time_zone=_zone(time_zone),
    )
    db.session.add(candidate)
    db.session.flush()
    record(actor, "candidate.created", candidate)
    return candidate


def update_candidate(candidate: Candidate, *, actor: User, name: str | None = None,
                     email: str | None = None, phone: str | None = None,
                     time_zone: str | None = None) -> Candidate:
    changed = []
    if name is not None:
        candidate.name = _text("name", name, 200, required=True)
        changed.append("name")
    if email is not None:
        candidate.email = _unique_email(email, candidate.id)
        changed.append("email")
    if phone is not None:
        candidate.phone = _phone(phone)
        changed.append("phone")
    if time_zone is not None:
        candidate.time_zone = _zone(time_zone)
        changed.append("time_zone")
    db.session.flush()
    if changed:
        record(actor, "candidate.updated", candidate, changes=changed)
    return candidate


def open_candidacy(job: Job, candidate: Candidate, *, actor: User) -> Candidacy:
    if job.state is not JobState.open:
        raise Conflict(
            "This job is closed; reopen it to add candidates.",
            [{"kind": "job_closed", "detail": "the job is closed", "job_id": job.id}],
            field="job_id",
        )
    existing = db.session.scalar(
        sa.select(Candidacy).where(Candidacy.job_id == job.id,
                                   Candidacy.candidate_id == candidate.id)
    )
    if existing is not None:
        raise Conflict(
            f"{candidate.name} already has a candidacy for this job.",
            [{"kind": "duplicate_candidacy", "detail": "one candidacy per candidate and job",
              "candidacy_id": existing.id}],
            field="candidate_id",
        )
    candidacy = Candidacy(job=job, candidate=candidate, state=CandidacyState.active,
                          recruiter_id=actor.id if actor is not None else None)
    db.session.add(candidacy)
    db.session.flush()
    record(actor, "candidacy.opened", candidacy, candidacy_id=candidacy.id, job_id=job.id,
           candidate_id=candidate.id)
    return candidacy


def set_candidacy_state(candidacy: Candidacy, state: CandidacyState, *, actor: User,
                        reason: str) -> Candidacy:
    """Move a candidacy to a new state (decisions and compensation outcomes call this)."""
    reason = _text("reason", reason, 2000, required=True, multi_line=True)
    if candidacy.state is state:
        return candidacy
    previous = candidacy.state
    candidacy.state = state
    db.session.flush()
    record(actor, "candidacy.state_changed", candidacy, candidacy_id=candidacy.id,
           previous=previous.value, state=state.value, reason=reason)
    return candidacy


def get_candidate(candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate.")
    return candidate


def get_candidacy(candidacy_id: int) -> Candidacy:
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None:
        raise NotFound("No such candidacy.")
    return candidacy


def get_job_candidacy(job: Job, candidacy_id: int) -> Candidacy:
    """A candidacy reached through its job; another job's candidacy is 404."""
    candidacy = db.session.scalar(
        sa.select(Candidacy).where(Candidacy.id == candidacy_id, Candidacy.job_id == job.id)
    )
    if candidacy is None:
        raise NotFound("No such candidacy for this job.")
    return candidacy


def search_candidates(text: str = "", *,
                      viewer: User | None = None) -> sa.Select[tuple[Candidate]]:
    """Candidates whose name or email contains ``text``, alphabetically; with ``viewer``, only
    those the viewer sees (whose email matches only for those who may read it)."""
    statement = sa.select(Candidate).order_by(Candidate.name, Candidate.id)
    if viewer is not None:
        statement = statement.where(visible_candidates_condition(viewer))
    text = (text or "").strip()[:200]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [Candidate.name.ilike(pattern, escape="\\")]
        if viewer is None or can_view_candidate_contact(viewer):
            matches.append(Candidate.email.ilike(pattern, escape="\\"))
        statement = statement.where(sa.or_(*matches))
    return statement


# --- reading -----------------------------------------------------------------------------------

#: Candidacies still in play (not hired, rejected or withdrawn).
OPEN_STATES = tuple(state for state in CandidacyState if not state.is_closed)


def active_candidacy_counts(job_ids: list[int]) -> dict[int, int]:
    """How many candidacies are still in play for each job, in one aggregate query."""
    if not job_ids:
        return {}
    rows = db.session.execute(
        sa.select(Candidacy.job_id, sa.func.count(Candidacy.id))
        .where(Candidacy.job_id.in_(job_ids), Candidacy.state.in_(OPEN_STATES))
        .group_by(Candidacy.job_id)
    )
    counts = {job_id: 0 for job_id in job_ids}
    counts.update({job_id: count for job_id, count in rows})
    return counts


def job_candidacies(job: Job) -> sa.Select[tuple[Candidacy]]:
    """A job's candidacies by candidate name (candidate loaded in the same query)."""
    return (
        sa.select(Candidacy)
        .join(Candidate, Candidacy.candidate_id == Candidate.id)
        .options(sa.orm.contains_eager(Candidacy.candidate))
        .where(Candidacy.job_id == job.id)
        .order_by(Candidate.name, Candidacy.id)
    )


def candidate_candidacies(candidate: Candidate) -> list[Candidacy]:
    """A candidate's candidacies, newest first (job loaded in the same query)."""
    return list(db.session.scalars(
        sa.select(Candidacy)
        .options(sa.orm.joinedload(Candidacy.job))
        .where(Candidacy.candidate_id == candidate.id)
        .order_by(Candidacy.created_at.desc(), Candidacy.id.desc())
    ).unique())


def get_candidate_by_email(email: str) -> Candidate:
    """The candidate with this address, or a RuleViolation on ``candidate_email``."""
    address = normalise_email(email, "candidate_email")
    candidate = db.session.scalar(sa.select(Candidate).where(Candidate.email == address))
    if candidate is None:
        raise RuleViolation("candidate_email",
                            f"No candidate has the address {address}; add them first.")
    return candidate
