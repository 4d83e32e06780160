"""What the candidate's page shows, built from the candidacy into plain values.

The page's template receives only these values, never the models, so an interviewer's email
address, internal notes, an override or cancel reason, the pay band or another candidacy cannot
reach it by accident.

Decisions:

* an interview is *upcoming* until it ends, *past* after;
* a cancelled interview whose time is still ahead is listed as cancelled (so the candidate knows
  the slot no longer holds), without its panel, place or calendar file; one whose time has gone
  by is left out;
* the compensation notice shows while the job's plan has a compensation discussion that the
  candidacy has not held yet (no round opened for it, or its round is open and none of its
  interviews has ended); it never carries figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coordinator.candidates.models import Candidacy
from coordinator.invites import operations as invites
from coordinator.jobs.models import Relationship, RoundKind
from coordinator.scheduling import availability, meetings, operations
from coordinator.scheduling.models import Interview, InviteResponse, Round, RoundState

#: Bios are cut to this many characters on the page.
BIO_LENGTH = 400


@dataclass(frozen=True)
class Interviewer:
    name: str
    job_title: str
    relationship: Relationship
    bio: str
    met_before: bool


@dataclass(frozen=True)
class InterviewItem:
    id: int
    round_title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    video_url: str
    is_cancelled: bool
    discusses_compensation: bool
    interviewers: tuple[Interviewer, ...]
    #: The candidate's answer to the invite (``needs_action`` until they give one).
    response: InviteResponse = InviteResponse.needs_action

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class CompensationNotice:
    round_title: str
    #: When the discussion is booked; ``None`` while it is still to be scheduled.
    starts_at: datetime | None


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Overview:
    candidate_name: str
    candidate_zone: str
    job_title: str
    job_location: str
    upcoming: tuple[InterviewItem, ...]
    past: tuple[InterviewItem, ...]
    #: Rounds opened for the candidacy with nothing booked yet (titles).
    to_schedule: tuple[str, ...]
    compensation: CompensationNotice | None
    windows: tuple[Window, ...]
    #: Whom the candidate deals with (``COMPANY_NAME``, else the sender's domain).
    company: str = ""
    #: The candidacy's recruiter (else who booked the latest interview); empty when nobody is
    #: known (or inactive).
    #: Only the name: the page never shows a staff email address.
    recruiter_name: str = ""


def short_bio(text: str, limit: int = BIO_LENGTH) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _item(interview: Interview, round_: Round, met: set[int]) -> InterviewItem:
    cancelled = interview.is_cancelled
    interviewers = (
        ()
        if cancelled
        else tuple(
            Interviewer(
                name=m.user.name,
                job_title=m.user.job_title,
                relationship=m.relationship,
                bio=short_bio(m.user.bio),
                met_before=m.user_id in met,
            )
            for m in interview.panel
        )
    )
    return InterviewItem(
        id=interview.id,
        # A session of an interview day carries its own title after the round's.
        round_title=f"{round_.title} — {interview.title}" if interview.title else round_.title,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        location="" if cancelled else interview.location,
        video_url="" if cancelled else interview.video_url,
        is_cancelled=cancelled,
        discusses_compensation=round_.kind is RoundKind.compensation_discussion,
        interviewers=interviewers,
        response=interview.candidate_response,
    )


def compensation_notice(
    candidacy: Candidacy, rounds: Sequence[Round], now: datetime
) -> CompensationNotice | None:
    """The compensation discussion still ahead of the candidacy, if its job plans one."""
    by_plan = {r.planned_round_id: r for r in rounds}
    for planned in candidacy.job.planned_rounds:
        if planned.kind is not RoundKind.compensation_discussion:
            continue
        round_ = by_plan.get(planned.id)
        if round_ is None:
            return CompensationNotice(planned.title, None)
        if round_.state is not RoundState.open:
            continue
        live = [i for i in round_.interviews if not i.is_cancelled]
        if any(i.ends_at <= now for i in live):
            continue
        return CompensationNotice(planned.title, min((i.starts_at for i in live), default=None))
    if any(p.kind is RoundKind.compensation_discussion for p in candidacy.job.planned_rounds):
        return None
    return _stage_notice(candidacy)


def _stage_notice(candidacy: Candidacy) -> CompensationNotice | None:
    """A stage opened without a compensation round (pay discussed inside another round)."""
    from coordinator.compensation.models import StageState
    from coordinator.compensation.operations import stage_of

    stage = stage_of(candidacy)
    if stage is not None and stage.state is StageState.open:
        return CompensationNotice("Compensation discussion", None)
    return None


def build(candidacy: Candidacy, now: datetime) -> Overview:
    """Everything the candidate's page shows, in a handful of queries whatever the history."""
    rounds = operations.rounds_of(candidacy)
    met = meetings.met_before_in(rounds)
    upcoming: list[InterviewItem] = []
    past: list[InterviewItem] = []
    to_schedule: list[str] = []
    for round_ in rounds:
        if round_.state is RoundState.open and all(i.is_cancelled for i in round_.interviews):
            to_schedule.append(round_.title)
        for interview in round_.interviews:
            item = _item(interview, round_, met.get(interview.id, set()))
            if interview.ends_at > now:
                upcoming.append(item)
            elif not interview.is_cancelled:
                past.append(item)
    upcoming.sort(key=lambda i: (i.starts_at, i.id))
    past.sort(key=lambda i: (i.starts_at, i.id), reverse=True)
    windows = tuple(
        Window(w.starts_at, w.ends_at)
        for w in availability.candidate_availability(candidacy)
        if w.ends_at > now
    )
    candidate, job = candidacy.candidate, candidacy.job
    booked = [i for r in rounds for i in r.interviews]
    latest = max(booked, key=lambda i: i.id, default=None)
    if latest is not None:
        recruiter = invites.recruiter_of(latest)
    else:
        owner = candidacy.recruiter
        recruiter = owner if owner is not None and owner.is_active else None
    return Overview(
        candidate_name=candidate.name,
        candidate_zone=candidate.time_zone,
        job_title=job.title,
        job_location=job.location,
        upcoming=tuple(upcoming),
        past=tuple(past),
        to_schedule=tuple(to_schedule),
        compensation=compensation_notice(candidacy, rounds, now),
        windows=windows,
        company=invites.company_name(),
        recruiter_name=recruiter.name if recruiter else "",
    )
