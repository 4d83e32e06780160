"""What the booking and reschedule pages say before anything is saved: each conflict or warning
as one sentence in the viewer's zone, without internal ids, naming the clashing interview (with
a link target only where the viewer may see it), and the nearest free times instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling import slots
from coordinator.scheduling.conflicts import candidate_hours_warnings
from coordinator.scheduling.models import Interview, PanelMember, Round
from coordinator.scheduling.permissions import can_view_interview
from coordinator.timeutil import format_local, to_zone

#: Kinds that refuse a booking; the rest are warnings the recruiter may book over.
BLOCKING = frozenset({"interviewer_overlap", "candidate_overlap", "load_limit", "relationships",
                      "concurrent_booking"})
#: Kinds about the time itself (the time field points at the check's sentences).
TIMING = frozenset({"interviewer_overlap", "candidate_overlap", "load_limit",
                    "concurrent_booking"})
#: How far around the proposed time the nearest free times are looked for.
NEAR = timedelta(days=4)


@dataclass(frozen=True)
class Clash:
    kind: str
    text: str
    is_blocking: bool
    #: The clashing interview, when there is one and the viewer may open it.
    interview_id: int | None = None


def _span(starts_at: datetime, ends_at: datetime, zone_name: str) -> str:
    end = to_zone(ends_at, zone_name)
    return f"{format_local(starts_at, zone_name, False)}–{end:%H:%M} {zone_name}"


def describe(items: Sequence[dict[str, Any]], *, viewer: User, zone_name: str) -> list[Clash]:
    """Conflicts and warnings (as operations report them) as sentences for this viewer.

    One query loads every interview they mention, with what a sentence names.
    """
    ids = {item["interview_id"] for item in items if item.get("interview_id")}
    interviews = {}
    if ids:
        interviews = {
            i.id: i
            for i in db.session.scalars(
                sa.select(Interview)
                .where(Interview.id.in_(ids))
                .options(
                    sa.orm.joinedload(Interview.round).joinedload(Round.planned_round),
                    sa.orm.joinedload(Interview.round)
                    .joinedload(Round.candidacy)
                    .joinedload(Candidacy.candidate),
                    sa.orm.joinedload(Interview.round)
                    .joinedload(Round.candidacy)
                    .joinedload(Candidacy.job),
                    sa.orm.selectinload(Interview.panel).joinedload(PanelMember.user),
                )
            ).unique()
        }
    said: list[Clash] = []
    for item in items:
        kind = item.get("kind", "")
        interview = interviews.get(item.get("interview_id") or -1)
        text = item.get("detail", "")
        link = None
        if interview is not None:
            what = (f"“{interview.round.title}” with {interview.round.candidacy.candidate.name}, "
                    f"{_span(interview.starts_at, interview.ends_at, zone_name)}")
            if kind == "interviewer_overlap":
                person = next((m.user.name for m in interview.panel
                               if m.user_id == item.get("user_id")), "An interviewer")
                text = f"{person} is already in {what}."
            elif kind == "candidate_overlap":
                text = f"The candidate is already in {what}."
            if can_view_interview(viewer, interview):
                link = interview.id
        elif kind == "outside_working_hours":
            text = text.split(" (")[0] + "."
        said.append(Clash(kind, text, kind in BLOCKING, link))
    return said


def nearest_free(
    candidacy: Candidacy,
    people: Sequence[User],
    starts_at: datetime,
    duration_minutes: int,
    *,
    count: int = 4,
    exclude_interview_id: int | None = None,
) -> list[slots.Slot]:
    """Up to ``count`` free times closest to ``starts_at`` for the same people (the slot finder
    over a few days around it), in time order, inside the candidate's reasonable hours when
    possible; none when it cannot search. ``exclude_interview_id`` names an interview being
    moved: its own time blocks nobody, so its slot and the times around it can be offered."""
    if not people:
        return []
    try:
        found = slots.suggest(
            candidacy, required=list(people), duration_minutes=duration_minutes,
            starts_after=starts_at - NEAR, ends_before=starts_at + NEAR, limit=10_000,
            exclude_interview_id=exclude_interview_id,
        )
    except (RuleViolation, ValueError):
        return []
    zone_name = candidacy.candidate.time_zone
    # Times inside the candidate's reasonable hours, when there are any.
    reasonable = [s for s in found
                  if not candidate_hours_warnings(s.starts_at, s.ends_at, zone_name)]
    nearest = sorted(reasonable or found,
                     key=lambda s: (abs(s.starts_at - starts_at), s.starts_at))[:count]
    return sorted(nearest, key=lambda s: s.starts_at)
