"""Decisions on candidacies, and side-by-side comparison."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.models import Assessment
from coordinator.assessments.operations import visible_assessments
from coordinator.audit.operations import record
from coordinator.candidates.models import Candidacy, CandidacyState
from coordinator.candidates.operations import set_candidacy_state
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.events import decision_recorded
from coordinator.jobs.models import Job
from coordinator.scheduling.models import Interview, InterviewState, Round
from coordinator.scheduling.operations import cancel_interview
from coordinator.shortlist import aggregates
from coordinator.shortlist.models import Decision, Outcome
from coordinator.timeutil import utcnow

MAX_COMPARE = 4
MAX_REASON = 4000
#: A candidacy state change keeps at most this much of its reason (candidates.operations).
STATE_REASON_MAX = 2000


def decisions_of(candidacy: Candidacy) -> list[Decision]:
    """The candidacy's decisions, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .options(sa.orm.joinedload(Decision.actor))
            .where(Decision.candidacy_id == candidacy.id)
            .order_by(Decision.id)
        )
    )


def missing_assessments(candidacy: Candidacy) -> int:
    where = Round.candidacy_id == candidacy.id
    return aggregates.missing_by_candidacy(where, utcnow()).get(candidacy.id, 0)


def record_decision(
    candidacy: Candidacy,
    *,
    actor: User,
    outcome: Outcome | str,
    reason: str,
    confirm_missing: bool = False,
) -> Decision:
    """Append a decision; the candidacy's state follows it.

    Deciding while assessments are missing needs ``confirm_missing`` (recorded with the count).
    Rejecting closes the candidate's link and cancels their future interviews (invites follow).
    """
    try:
        chosen = Outcome(outcome)
    except ValueError as err:
        raise RuleViolation("outcome", "Choose advance, hold, reject or offer.") from err
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("reason", "Give the reason for this decision; it is kept.")
    if len(reason) > MAX_REASON:
        raise RuleViolation("reason", f"At most {MAX_REASON} characters.")
    if candidacy.is_closed:
        raise Conflict(
            f"This candidacy is {candidacy.state.title.lower()}; it takes no more decisions.",
            [{"kind": "closed", "detail": candidacy.state.value}],
        )
    missing = missing_assessments(candidacy)
    if missing and not confirm_missing:
        raise Conflict(
            f"{missing} assessment(s) are still missing. Confirm to decide anyway.",
            [
                {
                    "kind": "missing_assessments",
                    "detail": f"{missing} not submitted",
                    "missing": missing,
                }
            ],
            field="confirm_missing",
        )
    decision = Decision(
        candidacy_id=candidacy.id,
        outcome=chosen,
        reason=reason,
        actor_id=actor.id,
        missing_assessments=missing,
    )
    db.session.add(decision)
    db.session.flush()
    record(
        actor,
        "decision.recorded",
        decision,
        candidacy_id=candidacy.id,
        outcome=chosen.value,
        reason=reason,
        missing_assessments=missing,
    )
    decision_recorded.send(decision, actor=actor)
    set_candidacy_state(candidacy, chosen.state, actor=actor, reason=_state_reason(chosen, reason))
    if chosen is Outcome.reject:
        for interview in db.session.scalars(
            sa.select(Interview)
            .join(Round, Round.id == Interview.round_id)
            .where(
                Round.candidacy_id == candidacy.id,
                Interview.state == InterviewState.scheduled,
                Interview.starts_at > utcnow(),
            )
        ).unique():
            cancel_interview(interview, actor=actor, reason="The candidacy was closed.")
    return decision


def _state_reason(outcome: Outcome, reason: str) -> str:
    """The state change's reason: the decision's, cut to what a state change keeps (2000)."""
    text = f"{outcome.title}: {reason}"
    return text if len(text) <= STATE_REASON_MAX else text[: STATE_REASON_MAX - 1] + "…"


@dataclass
class ComparedCandidacy:
    candidacy: Candidacy
    row: aggregates.ShortlistRow
    assessments: list[Assessment] = field(default_factory=list)


@dataclass
class Comparison:
    """Candidacies of one job side by side, on the job's criteria."""

    job: Job
    criteria: list[tuple[int, str]]
    calibration_scope: str
    candidacies: list[ComparedCandidacy]


def compare(job: Job, candidacy_ids: Sequence[int], *, viewer: User) -> Comparison:
    """2–4 candidacies of one job side by side, with what the viewer may see of assessments."""
    ids = list(dict.fromkeys(candidacy_ids))
    if not 2 <= len(ids) <= MAX_COMPARE:
        raise RuleViolation("ids", f"Pick 2 to {MAX_COMPARE} candidacies to compare.")
    found = {c.id: c for c in db.session.scalars(sa.select(Candidacy).where(Candidacy.id.in_(ids)))}
    for index, candidacy_id in enumerate(ids):
        candidacy = found.get(candidacy_id)
        if candidacy is None or candidacy.job_id != job.id:
            raise RuleViolation(f"ids.{index}", "Compare candidacies of this job only.")
    shortlist = aggregates.build(
        job, states=list(CandidacyState), candidacy_ids=ids, viewer=viewer
    )
    rows = {r.candidacy.id: r for r in shortlist.rows}
    return Comparison(
        job=job,
        criteria=shortlist.criteria,
        calibration_scope=shortlist.calibration_scope,
        candidacies=[
            ComparedCandidacy(found[i], rows[i], visible_assessments(viewer, found[i])) for i in ids
        ],
    )
