"""Domain events → webhook deliveries (connected once from create_app).

``data`` names the objects by id plus what changed. It carries no more than a panel member may
read: no ratings, notes or decision reasons (the independence rule), and never compensation
figures.
"""

from __future__ import annotations

from typing import Any

from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.events import (
    assessment_submitted,
    compensation_concluded,
    decision_recorded,
    interview_cancelled,
    interview_rescheduled,
    interview_response,
    interview_scheduled,
)
from coordinator.scheduling.models import Interview
from coordinator.timeutil import isoformat_z
from coordinator.webhooks.operations import emit


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "id", None)


def _candidacy(candidacy_id: int) -> dict[str, Any]:
    candidacy = db.session.get(Candidacy, candidacy_id)
    return {"candidacy_id": candidacy_id,
            "job_id": candidacy.job_id if candidacy is not None else None,
            "candidate_id": candidacy.candidate_id if candidacy is not None else None}


def _interview(interview: Interview) -> dict[str, Any]:
    return {
        "interview_id": interview.id,
        "round_id": interview.round_id,
        **_candidacy(interview.round.candidacy_id),
        "state": interview.state.value,
        "sequence": interview.sequence,
        "starts_at": isoformat_z(interview.starts_at),
        "ends_at": isoformat_z(interview.ends_at),
        "time_zone": interview.time_zone,
        "panel_user_ids": sorted(m.user_id for m in interview.panel),
    }


def on_scheduled(interview: Interview, *, actor: Any = None, **_: Any) -> None:
    emit("interview.scheduled", lambda: {**_interview(interview), "actor_id": _actor_id(actor),
                                         "recorded_past": interview.is_recorded_past})


def on_rescheduled(interview: Interview, *, change: Any, actor: Any = None, **_: Any) -> None:
    previous = change.previous
    changed = [name for name, flag in (("time", change.time_changed),
                                       ("place", change.place_changed),
                                       ("panel", change.panel_changed)) if flag]
    emit("interview.rescheduled", lambda: {
        **_interview(interview), "actor_id": _actor_id(actor), "changed": changed,
        "previous_starts_at": isoformat_z(previous.starts_at) if previous else None,
        "previous_ends_at": isoformat_z(previous.ends_at) if previous else None,
        "added_user_ids": sorted(change.added_user_ids),
        "removed_user_ids": sorted(change.removed_user_ids),
    })


def on_cancelled(interview: Interview, *, actor: Any = None, **_: Any) -> None:
    emit("interview.cancelled", lambda: {**_interview(interview), "actor_id": _actor_id(actor)})


def on_response(interview: Interview, *, response: str, previous: str, actor: Any = None,
                user_id: int | None = None, candidate_id: int | None = None, **_: Any) -> None:
    who = {"user_id": user_id} if user_id is not None else {"respondent": "candidate"}
    emit("interview.response", lambda: {
        "interview_id": interview.id, "round_id": interview.round_id,
        **_candidacy(interview.round.candidacy_id), **who,
        "response": response, "previous": previous,
    })


def on_assessment_submitted(assessment: Any, *, actor: Any = None, **_: Any) -> None:
    emit("assessment.submitted", lambda: {
        "assessment_id": assessment.id, "interview_id": assessment.interview.id,
        "round_id": assessment.interview.round_id,
        **_candidacy(assessment.interview.round.candidacy_id),
        "user_id": assessment.interviewer_id,
        "submitted_at": isoformat_z(assessment.submitted_at),
    })


def on_decision_recorded(decision: Any, *, actor: Any = None, **_: Any) -> None:
    emit("decision.recorded", lambda: {
        "decision_id": decision.id, **_candidacy(decision.candidacy_id),
        "outcome": decision.outcome.value, "actor_id": _actor_id(actor),
    })


def on_compensation_concluded(stage: Any, *, actor: Any = None, **_: Any) -> None:
    # The outcome only: amounts, bands and reasons stay inside.
    emit("compensation.concluded", lambda: {
        "compensation_id": stage.id, **_candidacy(stage.candidacy_id),
        "outcome": stage.state.value, "actor_id": _actor_id(actor),
    })


def register() -> None:
    """Connect once (blinker keeps one connection per receiver however often this runs)."""
    interview_scheduled.connect(on_scheduled)
    interview_rescheduled.connect(on_rescheduled)
    interview_cancelled.connect(on_cancelled)
    interview_response.connect(on_response)
    assessment_submitted.connect(on_assessment_submitted)
    decision_recorded.connect(on_decision_recorded)
    compensation_concluded.connect(on_compensation_concluded)
