"""Bulk actions on a selection of a job's candidacies: open the next round, send
self-scheduling links, reject with one reason.

Each action is the same operation a recruiter uses on one candidacy
(:func:`coordinator.scheduling.operations.open_round`,
:func:`coordinator.scheduling.selfschedule.offer`,
:func:`coordinator.shortlist.operations.record_decision`), so audit rows, history, mail and
webhooks follow as usual. Each candidacy runs in its own savepoint: one that fails is rolled
back whole and reported with why, the others stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import TitledEnum, db
from coordinator.errors import DomainError, RuleViolation
from coordinator.jobs.models import Job, PlannedRound
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling import selfschedule
from coordinator.scheduling.models import Interview, InterviewState, Round, RoundState
from coordinator.shortlist import operations as shortlist
from coordinator.shortlist.models import Outcome
from coordinator.timeutil import utcnow

#: Candidacies one bulk action takes at most.
MAX_SELECTION = 200
#: Self-scheduling links offer this many days from now …
SELF_SCHEDULE_DAYS = 14
#: … and must be answered within this many.
SELF_SCHEDULE_DEADLINE_DAYS = 3


class Action(TitledEnum):
    open_next_round = "open_next_round", "Open the next round"
    send_self_schedule = "send_self_schedule", "Send self-scheduling links"
    reject = "reject", "Reject"


@dataclass(frozen=True)
class People:
    """Who self-scheduled interviews are with: required interviewers and/or k of a pool."""

    interviewer_ids: list[int] = field(default_factory=list)
    pool_ids: list[int] = field(default_factory=list)
    pool_size: int = 0

    def __bool__(self) -> bool:
        return bool(self.interviewer_ids or self.pool_ids)


@dataclass(frozen=True)
class Result:
    """What happened to one candidacy: done with what, or failed and why."""

    candidacy_id: int
    name: str
    done: bool
    detail: str
    round_id: int | None = None


@dataclass
class Report:
    action: Action
    results: list[Result]

    @property
    def done(self) -> list[Result]:
        return [r for r in self.results if r.done]

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.done]

    def summary(self) -> str:
        """``3 done, 1 failed: Ana Lima: why.``"""
        text = f"{self.action.title}: {len(self.done)} done"
        if self.failed:
            reasons = "; ".join(f"{r.name}: {r.detail}" for r in self.failed)
            text += f", {len(self.failed)} failed: {reasons}"
        return text + "."


def parse_action(value: str | None) -> Action:
    try:
        return Action(value or "")
    except ValueError as err:
        choices = ", ".join(a.value for a in Action)
        raise RuleViolation("action", f"Choose an action: {choices}.") from err


def selection(job: Job, candidacy_ids: Sequence[int]) -> list[Candidacy]:
    """The job's candidacies with these ids, in the order given (one query); RuleViolation on
    an empty or too long selection and on ids that are not the job's."""
    ids = list(dict.fromkeys(candidacy_ids))
    if not ids:
        raise RuleViolation("candidacy_ids", "Select at least one candidacy.")
    if len(ids) > MAX_SELECTION:
        raise RuleViolation("candidacy_ids", f"Select at most {MAX_SELECTION} candidacies.")
    found = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Candidacy)
            .options(orm.joinedload(Candidacy.candidate))
            .where(Candidacy.job_id == job.id, Candidacy.id.in_(ids))
        ).unique()
    }
    errors: dict[str, list[str]] = {}
    for index, candidacy_id in enumerate(candidacy_ids):
        if candidacy_id not in found:
            errors[f"candidacy_ids.{index}"] = [f"No candidacy {candidacy_id} for this job."]
    if errors:
        raise RuleViolation.many(errors)
    return [found[i] for i in ids]


def _rounds(candidacy: Candidacy) -> list[Round]:
    """The candidacy's rounds that are not cancelled, furthest along the plan first."""
    rounds = db.session.scalars(
        sa.select(Round)
        .options(orm.joinedload(Round.planned_round))
        .where(Round.candidacy_id == candidacy.id, Round.state != RoundState.cancelled)
    ).all()
    return sorted(rounds, key=lambda r: (r.planned_round.position, r.id), reverse=True)


def _open_next_round(candidacy: Candidacy, plan: list[PlannedRound], actor: User) -> Result:
    rounds = _rounds(candidacy)
    current = rounds[0].planned_round if rounds else None
    later = [p for p in plan if current is None or p.position > current.position]
    if not later:
        after = f" after “{current.title}”" if current else ""
        raise RuleViolation("planned_round_id", f"The plan has no further round{after}.")
    round_ = scheduling.open_round(candidacy, later[0], actor=actor)
    return Result(candidacy.id, candidacy.candidate.name, True,
                  f"“{later[0].title}” opened", round_.id)


def _send_self_schedule(candidacy: Candidacy, people: People, actor: User,
                        now: datetime) -> Result:
    rounds = _rounds(candidacy)
    if not rounds or rounds[0].state is not RoundState.open:
        raise RuleViolation("round_id", "No open round is waiting for a time: open the next "
                            "round first.")
    round_ = rounds[0]
    title = round_.planned_round.title
    booked = db.session.scalar(
        sa.select(sa.func.count(Interview.id)).where(
            Interview.round_id == round_.id, Interview.state == InterviewState.scheduled
        )
    )
    if booked:
        raise RuleViolation("round_id", f"“{title}” already has an interview booked.")
    previous = db.session.scalar(
        sa.select(selfschedule.SelfScheduleRequest)
        .where(selfschedule.SelfScheduleRequest.round_id == round_.id)
        .order_by(selfschedule.SelfScheduleRequest.id.desc())
        .limit(1)
    )
    if not people and previous is not None:
        people = People(list(previous.interviewer_ids), list(previous.pool_ids),
                        previous.pool_size)
    if not people:
        raise RuleViolation(
            "interviewer_ids",
            f"Nobody is named to interview for “{title}”: choose interviewers for "
            "self-scheduling.",
        )
    start = now.replace(second=0, microsecond=0)
    request = selfschedule.offer(round_, selfschedule.Offer(
        duration_minutes=round_.planned_round.duration_minutes,
        interviewer_ids=people.interviewer_ids,
        pool_ids=people.pool_ids,
        pool_size=people.pool_size,
        starts_after=start,
        ends_before=start + timedelta(days=SELF_SCHEDULE_DAYS),
        expires_at=start + timedelta(days=SELF_SCHEDULE_DEADLINE_DAYS),
        location=previous.location if previous else "",
        video_url=previous.video_url if previous else "",
    ), actor=actor)
    return Result(candidacy.id, candidacy.candidate.name, True,
                  f"link for “{title}” mailed", request.round_id)


def _reject(candidacy: Candidacy, reason: str, actor: User) -> Result:
    shortlist.record_decision(candidacy, actor=actor, outcome=Outcome.reject, reason=reason,
                              confirm_missing=True)
    return Result(candidacy.id, candidacy.candidate.name, True, "rejected")


def check_reason(action: Action, reason: str | None) -> str:
    """The reason, required (and limited) for rejecting."""
    text = (reason or "").strip()
    if action is Action.reject:
        if not text:
            raise RuleViolation("reason", "Give the reason for rejecting; it is kept with "
                                "each decision.")
        if len(text) > shortlist.MAX_REASON:
            raise RuleViolation("reason", f"At most {shortlist.MAX_REASON} characters.")
    return text


def run(job: Job, action: Action, candidacies: Sequence[Candidacy], *, actor: User,
        reason: str = "", people: People | None = None) -> Report:
    """Apply ``action`` to each candidacy in its own savepoint; a failure rolls back that
    candidacy alone and is reported with why. The caller commits once."""
    reason = check_reason(action, reason)
    plan = list(job.planned_rounds)
    now = utcnow()
    results: list[Result] = []
    for candidacy in candidacies:
        candidacy_id, name = candidacy.id, candidacy.candidate.name
        savepoint = db.session.begin_nested()
        try:
            if action is Action.open_next_round:
                result = _open_next_round(candidacy, plan, actor)
            elif action is Action.send_self_schedule:
                result = _send_self_schedule(candidacy, people or People(), actor, now)
            else:
                result = _reject(candidacy, reason, actor)
            db.session.flush()
        except DomainError as err:
            savepoint.rollback()
            results.append(Result(candidacy_id, name, False, err.message.rstrip(".")))
        except sa.exc.IntegrityError:
            savepoint.rollback()
            results.append(Result(candidacy_id, name, False,
                                  "changed by someone else at the same time; try again"))
        else:
            savepoint.commit()
            results.append(result)
    return Report(action, results)
