"""Job operations: create and edit jobs, and shape their interview plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.accounts.models import Role, User, UserRole
from coordinator.audit.history import DESCRIPTIONS
from coordinator.audit.models import AuditEvent
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import NotFound, RuleViolation
from coordinator.jobs.models import (
    Criterion,
    Job,
    JobState,
    PlannedRound,
    Relationship,
    RequiredRelationship,
    RoundKind,
)
from coordinator.jobs.permissions import visible_jobs_condition
from coordinator.money import amount, as_text, currency_code
from coordinator.validation import text as _text

MAX_CRITERIA = 30
MAX_ROUNDS = 30



def _hiring_manager(user_id: int | None, field_name: str = "hiring_manager_id") -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise RuleViolation(field_name, f"No active user with id {user_id}.")
    if not user.has_role(Role.hiring_manager, Role.admin):
        raise RuleViolation(field_name, f"{user.name} does not have the hiring manager role.")
    return user


def _band(minimum: object, maximum: object, currency: str) -> tuple[Decimal, Decimal, str]:
    low = amount(minimum, "pay_band.min")
    high = amount(maximum, "pay_band.max")
    code = currency_code(currency, "pay_band.currency")
    if low > high:
        raise RuleViolation("pay_band.min", "The band's minimum must not exceed its maximum.")
    return low, high, code


def create_job(
    *,
    actor: User,
    title: str,
    pay_band_min: object,
    pay_band_max: object,
    pay_band_currency: str,
    department: str = "",
    location: str = "",
    hiring_manager_id: int | None = None,
    assessment_due_hours: int = 24,
) -> Job:
    low, high, code = _band(pay_band_min, pay_band_max, pay_band_currency)
    job = Job(
        title=_text("title", title, 200, required=True),
        department=_text("department", department, 200),
        location=_text("location", location, 200),
        hiring_manager=_hiring_manager(hiring_manager_id),
        pay_band_min=low,
        pay_band_max=high,
        pay_band_currency=code,
        assessment_due_hours=_due_hours(assessment_due_hours),
    )
    db.session.add(job)
    db.session.flush()
    record(actor, "job.created", job, title=job.title)
    return job


def _due_hours(hours: int) -> int:
    if not isinstance(hours, int) or hours < 1 or hours > 24 * 30:
        raise RuleViolation("assessment_due_hours", "Between 1 hour and 30 days (720 hours).")
    return hours


def update_job(
    job: Job,
    *,
    actor: User,
    title: str | None = None,
    department: str | None = None,
    location: str | None = None,
    hiring_manager_id: int | object | None = ...,
    pay_band_min: object = None,
    pay_band_max: object = None,
    pay_band_currency: str | None = None,
    state: JobState | str | None = None,
    assessment_due_hours: int | None = None,
) -> Job:
    """Change the fields given (``None`` leaves one as it is; ``hiring_manager_id=None``
    clears the hiring manager). The audit row ``job.updated`` records only the fields whose
    value changed, each with its old and new value (the pay band with its figures)."""
    before = _audited(job)
    if title is not None:
        job.title = _text("title", title, 200, required=True)
    if department is not None:
        job.department = _text("department", department, 200)
    if location is not None:
        job.location = _text("location", location, 200)
    # Naming the current hiring manager again keeps them, even if they lost the role since.
    if hiring_manager_id is not ... and hiring_manager_id != job.hiring_manager_id:
        job.hiring_manager = _hiring_manager(hiring_manager_id)  # type: ignore[arg-type]
    if pay_band_min is not None or pay_band_max is not None or pay_band_currency is not None:
        low, high, code = _band(
            pay_band_min if pay_band_min is not None else job.pay_band_min,
            pay_band_max if pay_band_max is not None else job.pay_band_max,
            pay_band_currency if pay_band_currency is not None else job.pay_band_currency,
        )
        job.pay_band_min, job.pay_band_max, job.pay_band_currency = low, high, code
    if state is not None:
        try:
            job.state = JobState(state)
        except ValueError as err:
            raise RuleViolation("state", "Choose open or closed.") from err
    if assessment_due_hours is not None:
        job.assessment_due_hours = _due_hours(assessment_due_hours)
    db.session.flush()
    after = _audited(job)
    changes = {
        name: {"old": before[name], "new": after[name]}
        for name in before
        if before[name] != after[name]
    }
    if changes:
        record(actor, JOB_UPDATED, job, changes=changes)
    return job


JOB_UPDATED = "job.updated"


def _audited(job: Job) -> dict[str, Any]:
    """A job's editable fields as its audit rows record them (money as decimal strings)."""
    return {
        "title": job.title,
        "department": job.department,
        "location": job.location,
        "hiring_manager_id": job.hiring_manager_id,
        "pay_band": {
            "min": as_text(job.pay_band_min),
            "max": as_text(job.pay_band_max),
            "currency": job.pay_band_currency,
        },
        "state": JobState(job.state).value,
        "assessment_due_hours": job.assessment_due_hours,
    }


def _describe_updated(event: AuditEvent) -> str:
    """``Job edited: title, pay band 70000.00–90000.00 EUR → 70000.00–95000.00 EUR``."""
    changes = (event.details or {}).get("changes") or {}
    if not isinstance(changes, dict):  # rows written before old and new were kept
        return "Job edited: " + ", ".join(str(name).replace("_", " ") for name in changes)
    parts = []
    for name, change in changes.items():
        if name == "pay_band":
            old, new = change.get("old") or {}, change.get("new") or {}
            parts.append(f"pay band {_band_text(old)} → {_band_text(new)}")
        else:
            parts.append(name.replace("_", " "))
    return "Job edited: " + ", ".join(parts)


def _band_text(band: dict[str, Any]) -> str:
    return f"{band.get('min', '?')}–{band.get('max', '?')} {band.get('currency', '')}".strip()


DESCRIPTIONS[JOB_UPDATED] = _describe_updated


@dataclass
class CriterionInput:
    title: str
    guidance: str = ""
    is_required: bool = True
    relationship: Relationship | str | None = None
    id: int | None = None


@dataclass
class PlannedRoundInput:
    title: str
    kind: RoundKind | str = RoundKind.interview
    duration_minutes: int = 60
    relationships: Sequence[Relationship | str] = ()
    criteria: Sequence[CriterionInput] = field(default_factory=list)
    description: str = ""


def _check_planned_round(data: PlannedRoundInput) -> tuple[RoundKind, Counter[Relationship]]:
    _text("title", data.title, 200, required=True)
    _text("description", data.description, 2000, multi_line=True)
    try:
        kind = RoundKind(data.kind)
    except ValueError as err:
        raise RuleViolation("kind", "Choose interview or compensation_discussion.") from err
    if not isinstance(data.duration_minutes, int) or not 5 <= data.duration_minutes <= 480:
        raise RuleViolation("duration_minutes", "Between 5 minutes and 8 hours (480 minutes).")
    seats: Counter[Relationship] = Counter()
    for index, value in enumerate(data.relationships):
        try:
            seats[Relationship(value)] += 1
        except ValueError as err:
            raise RuleViolation(
                f"relationships.{index}",
                "Choose colleague, peer, supervisor or hiring_manager.",
            ) from err
    if any(count > 10 for count in seats.values()):
        raise RuleViolation("relationships", "At most 10 seats of one relationship.")
    if len(data.criteria) > MAX_CRITERIA:
        raise RuleViolation("criteria", f"At most {MAX_CRITERIA} criteria.")
    titles: set[str] = set()
    for index, criterion in enumerate(data.criteria):
        title = _text(f"criteria.{index}.title", criterion.title, 200, required=True)
        _text(f"criteria.{index}.guidance", criterion.guidance, 2000, multi_line=True)
        if title.casefold() in titles:
            raise RuleViolation(f"criteria.{index}.title", "Two criteria have this title.")
        titles.add(title.casefold())
        if criterion.relationship not in (None, ""):
            try:
                Relationship(criterion.relationship)
            except ValueError as err:
                raise RuleViolation(
                    f"criteria.{index}.relationship",
                    "Choose colleague, peer, supervisor or hiring_manager.",
                ) from err
    return kind, seats


def _apply_relationships(planned: PlannedRound, seats: Counter[Relationship]) -> None:
    existing = {row.relationship: row for row in planned.required_relationships}
    for relationship, row in existing.items():
        if relationship not in seats:
            planned.required_relationships.remove(row)
    for relationship, count in seats.items():
        if relationship in existing:
            existing[relationship].minimum = count
        else:
            planned.required_relationships.append(
                RequiredRelationship(relationship=relationship, minimum=count)
            )


def _apply_criteria(planned: PlannedRound, items: Sequence[CriterionInput]) -> None:
    """Replace the scorecard's criteria, keeping ids of those that stay.

    Criteria that leave the scorecard are retired rather than deleted, so assessments that rated
    them keep what they were given.
    """
    by_id = {c.id: c for c in planned.criteria}
    keep_ids = {item.id for item in items if item.id is not None}
    for index, item in enumerate(items):
        if item.id is not None and item.id not in by_id:
            raise RuleViolation(f"criteria.{index}.id", "No such criterion on this round.")
    # Park every position out of the way first so the unique (round, position) holds throughout.
    offset = 1000 + len(by_id) + len(items)
    for criterion in planned.criteria:
        criterion.position += offset
    db.session.flush()
    position = 0
    for item in items:
        relationship = Relationship(item.relationship) if item.relationship else None
        if item.id is not None:
            criterion = by_id[item.id]
        else:
            criterion = Criterion(title=item.title.strip(), position=0)
            planned.criteria.append(criterion)
        criterion.title = item.title.strip()
        criterion.guidance = (item.guidance or "").strip()
        criterion.is_required = bool(item.is_required)
        criterion.relationship = relationship
        criterion.is_retired = False
        criterion.position = position
        position += 1
    for criterion in planned.criteria:
        if criterion.id is not None and criterion.id not in keep_ids and criterion.id in by_id:
            criterion.is_retired = True
            criterion.position = position
            position += 1
    db.session.flush()


def add_planned_round(job: Job, data: PlannedRoundInput, *, actor: User) -> PlannedRound:
    kind, seats = _check_planned_round(data)
    if len(job.planned_rounds) >= MAX_ROUNDS:
        raise RuleViolation("title", f"A plan holds at most {MAX_ROUNDS} rounds.")
    position = max((p.position for p in job.planned_rounds), default=-1) + 1
    planned = PlannedRound(
        job=job,
        position=position,
        title=data.title.strip(),
        kind=kind,
        duration_minutes=data.duration_minutes,
        description=(data.description or "").strip(),
    )
    db.session.add(planned)
    _apply_relationships(planned, seats)
    db.session.flush()
    _apply_criteria(planned, data.criteria)
    record(actor, "planned_round.added", planned, job_id=job.id, title=planned.title)
    return planned


def update_planned_round(planned: PlannedRound, data: PlannedRoundInput, *,
                         actor: User) -> PlannedRound:
    kind, seats = _check_planned_round(data)
    planned.title = data.title.strip()
    planned.kind = kind
    planned.duration_minutes = data.duration_minutes
    planned.description = (data.description or "").strip()
    _apply_relationships(planned, seats)
    db.session.flush()
    _apply_criteria(planned, data.criteria)
    record(actor, "planned_round.updated", planned, job_id=planned.job_id)
    return planned


def reorder_planned_rounds(job: Job, ordered_ids: Iterable[int], *, actor: User) -> None:
    """Put the plan's rounds in the given order (every round's id exactly once)."""
    ordered = list(ordered_ids)
    current = {p.id: p for p in job.planned_rounds}
    if sorted(ordered) != sorted(current):
        raise RuleViolation("order", "List every round of this plan exactly once.")
    for planned in current.values():
        planned.position += 1000 + len(current)
    db.session.flush()
    for position, planned_id in enumerate(ordered):
        current[planned_id].position = position
    db.session.flush()
    job.planned_rounds.sort(key=lambda p: p.position)
    record(actor, "plan.reordered", job, order=ordered)


def move_planned_round(planned: PlannedRound, offset: int, *, actor: User) -> None:
    """Move a round up (-1) or down (+1) in its plan."""
    rounds = list(planned.job.planned_rounds)
    index = rounds.index(planned)
    target = max(0, min(len(rounds) - 1, index + offset))
    if target == index:
        return
    rounds.insert(target, rounds.pop(index))
    reorder_planned_rounds(planned.job, [p.id for p in rounds], actor=actor)


def remove_planned_round(planned: PlannedRound, *, actor: User) -> None:
    job = planned.job
    if _is_in_use(planned):
        raise RuleViolation(
            "planned_round", "Candidacies already have this round; it can no longer be removed."
        )
    record(actor, "planned_round.removed", job, planned_round_id=planned.id, title=planned.title)
    # Its scorecard and relationships go with it (delete-orphan): load them before the flush.
    db.session.refresh(planned, ["criteria", "required_relationships"])
    job.planned_rounds.remove(planned)
    db.session.delete(planned)
    db.session.flush()
    for position, remaining in enumerate(sorted(job.planned_rounds, key=lambda p: p.position)):
        remaining.position = position
    db.session.flush()


def _is_in_use(planned: PlannedRound) -> bool:
    """Whether any candidacy opened a round from this planned round (scheduling registers it)."""
    return any(check(planned) for check in IN_USE_CHECKS)


#: Later domains (scheduling) register a predicate saying a planned round is referenced.
IN_USE_CHECKS: list[Callable[[PlannedRound], bool]] = []


def get_job(job_id: int, *, with_planned_rounds: bool = False) -> Job:
    """The job; ``with_planned_rounds``: its planned rounds come in the same statement (one
    built once per process: pages that read it on every request, the shortlist)."""
    job = (
        db.session.execute(_JOB_WITH_PLANNED_ROUNDS, {"job_id": job_id}).unique().scalar()
        if with_planned_rounds
        else db.session.get(Job, job_id)
    )
    if job is None:
        raise NotFound("No such job.")
    return job


_JOB_WITH_PLANNED_ROUNDS = (
    sa.select(Job)
    .where(Job.id == sa.bindparam("job_id", type_=sa.Integer()))
    .options(orm.joinedload(Job.planned_rounds))
)


def load_plan(job: Job) -> list[PlannedRound]:
    """The job's plan for showing: planned rounds with their relationships and scorecards, in
    three statements whatever its size (relationships are lazy by default). For reads only:
    it refreshes the job's loaded plan from the database."""
    db.session.scalars(
        sa.select(Job)
        .where(Job.id == job.id)
        .options(
            orm.selectinload(Job.planned_rounds).selectinload(PlannedRound.criteria),
            orm.selectinload(Job.planned_rounds).selectinload(PlannedRound.required_relationships),
        )
        .execution_options(populate_existing=True)
    ).one()
    return job.planned_rounds


def get_planned_round(job: Job, planned_round_id: int) -> PlannedRound:
    planned = db.session.scalar(
        sa.select(PlannedRound).where(PlannedRound.id == planned_round_id,
                                      PlannedRound.job_id == job.id)
    )
    if planned is None:
        raise NotFound("No such round in this job's plan.")
    return planned


# --- reading -----------------------------------------------------------------------------------

#: Roles that may be a job's hiring manager (as :func:`_hiring_manager` checks).
HIRING_MANAGER_ROLES = (Role.hiring_manager, Role.admin)


def hiring_manager_choices() -> list[User]:
    """Active users who may be picked as a job's hiring manager, by name."""
    eligible = sa.select(UserRole.user_id).where(UserRole.role.in_(HIRING_MANAGER_ROLES))
    return list(db.session.scalars(
        sa.select(User).where(User.is_active, User.id.in_(eligible)).order_by(User.name, User.id)
    ))


def open_jobs() -> list[Job]:
    """Every open job, by title (candidacies can only be opened for these)."""
    return list(db.session.scalars(
        sa.select(Job).where(Job.state == JobState.open).order_by(Job.title, Job.id)
    ))


def recent_open_jobs(limit: int = 10, hiring_manager: User | None = None, *,
                     viewer: User | None = None) -> list[Job]:
    """The newest open jobs, optionally only those ``hiring_manager`` hires for and those
    ``viewer`` sees."""
    statement = sa.select(Job).options(orm.joinedload(Job.hiring_manager)).where(
        Job.state == JobState.open)
    if hiring_manager is not None:
        statement = statement.where(Job.hiring_manager_id == hiring_manager.id)
    if viewer is not None:
        statement = statement.where(visible_jobs_condition(viewer))
    return list(db.session.scalars(
        statement.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    ))


def jobs_by_title(state: JobState | None = None, *,
                  viewer: User | None = None) -> sa.Select[tuple[Job]]:
    """Jobs alphabetically, optionally only those in ``state`` and those ``viewer`` sees."""
    statement = (sa.select(Job).options(orm.joinedload(Job.hiring_manager))
                 .order_by(Job.title, Job.id))
    if state is not None:
        statement = statement.where(Job.state == state)
    if viewer is not None:
        statement = statement.where(visible_jobs_condition(viewer))
    return statement
