"""Shortlist rows computed in SQL: a fixed number of grouped queries per job, whatever its size.

Only submitted assessments of non-cancelled interviews count (drafts never do; a reopened
assessment counts again once resubmitted).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from coordinator.assessments.models import (
    SCALE,
    Assessment,
    AssessmentState,
    Rating,
    Recommendation,
)
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.jobs.models import Criterion, Job
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.shortlist import calibration
from coordinator.shortlist.models import Decision
from coordinator.timeutil import utcnow

DEFAULT_STATES = (CandidacyState.active, CandidacyState.shortlisted)
SORTS = ("name", "state", "rounds_done", "missing", "spread", "raw", "calibrated", "yes", "decided")
ORG_SAMPLE = 20_000
#: Candidacy states in the order a candidacy moves through them (sorting by state follows it).
PIPELINE = list(CandidacyState)


@dataclass
class CriterionStat:
    criterion_id: int
    title: str
    mean: float | None
    count: int


@dataclass
class ShortlistRow:
    candidacy: Candidacy
    rounds_done: int = 0
    next_round: str | None = None
    per_criterion: list[CriterionStat] = field(default_factory=list)
    recommendations: dict[str, int] = field(
        default_factory=lambda: {r.value: 0 for r in Recommendation}
    )
    spread: float | None = None
    missing_assessments: int = 0
    raw_score: float | None = None
    calibrated_score: float | None = None
    last_decision: Decision | None = None

    @property
    def candidate(self) -> Candidate:
        return self.candidacy.candidate


@dataclass
class Shortlist:
    job: Job
    criteria: list[tuple[int, str]]
    rows: list[ShortlistRow]
    calibration_scope: str  # "job", "organisation" or "none"
    states: Sequence[CandidacyState] = DEFAULT_STATES
    planned_round_id: int | None = None


@dataclass
class Distribution:
    """How often each score of the scale was given for one criterion."""

    criterion_id: int
    title: str
    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _submitted() -> sa.ColumnElement[bool]:
    return sa.and_(
        Assessment.state == AssessmentState.submitted, Interview.state == InterviewState.scheduled
    )


def _job_rounds(job: Job) -> sa.Select:
    return (
        sa.select(Round.id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(Candidacy.job_id == job.id)
    )


def _scored(
    where: sa.ColumnElement[bool], limit: int | None = None
) -> list[tuple[calibration.Scored, float, int]]:
    """Per submitted assessment: (overall score, sum of ratings, number of ratings).

    With ``limit``, only the latest ``limit`` submitted assessments are read: they are chosen
    before their ratings are joined, so the sample costs ``limit`` rows, not the whole table.
    """
    if limit is not None:
        latest = (
            sa.select(Assessment.id)
            .join(Interview, Interview.id == Assessment.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .where(_submitted(), where)
            .order_by(Assessment.id.desc())
            .limit(limit)
            .scalar_subquery()
        )
        where = Assessment.id.in_(latest)
    statement = (
        sa.select(
            Assessment.id,
            Assessment.interview_id,
            Assessment.interviewer_id,
            Round.candidacy_id,
            sa.func.sum(Rating.score),
            sa.func.count(Rating.id),
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(_submitted(), where)
        .group_by(
            Assessment.id, Assessment.interview_id, Assessment.interviewer_id, Round.candidacy_id
        )
    )
    return [
        (calibration.Scored(row[1], row[2], row[3], row[4] / row[5]), float(row[4]), int(row[5]))
        for row in db.session.execute(statement)
    ]


def _candidacy_filter(
    job: Job,
    states: Sequence[CandidacyState],
    planned_round_id: int | None,
    candidacy_ids: Sequence[int] | None,
) -> list[sa.ColumnElement[bool]]:
    """Which of the job's candidacies a shortlist shows."""
    where = [Candidacy.job_id == job.id, Candidacy.state.in_(list(states))]
    if planned_round_id is not None:
        where.append(
            sa.exists(
                sa.select(Round.id).where(
                    Round.candidacy_id == Candidacy.id, Round.planned_round_id == planned_round_id
                )
            )
        )
    if candidacy_ids is not None:
        where.append(Candidacy.id.in_(list(candidacy_ids)))
    return where


def build(
    job: Job,
    *,
    states: Sequence[CandidacyState] = DEFAULT_STATES,
    planned_round_id: int | None = None,
    candidacy_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> Shortlist:
    """The job's shortlist rows (unsorted, unpaginated), filtered by state and planned round.

    ``candidacy_ids`` narrows the rows to those candidacies (comparison); leniencies are still
    estimated from the whole job, so a candidacy's calibrated score is the same everywhere.
    """
    now = now or utcnow()
    statement = (
        sa.select(Candidacy)
        .join(Candidacy.candidate)
        .options(contains_eager(Candidacy.candidate))
        .where(*_candidacy_filter(job, states, planned_round_id, candidacy_ids))
        .order_by(Candidate.name, Candidacy.id)
    )
    candidacies = list(db.session.scalars(statement).unique())
    rows = {c.id: ShortlistRow(candidacy=c) for c in candidacies}
    in_job = Round.id.in_(_job_rounds(job))

    criteria = [(c.id, c.title) for p in job.planned_rounds for c in p.criteria if not c.is_retired]
    titles = dict(criteria)
    means: dict[int, dict[int, tuple[float, int]]] = defaultdict(dict)
    for candidacy_id, criterion_id, title, mean, count in db.session.execute(
        sa.select(
            Round.candidacy_id,
            Rating.criterion_id,
            Criterion.title,
            sa.func.avg(Rating.score),
            sa.func.count(Rating.id),
        )
        .join(Assessment, Assessment.id == Rating.assessment_id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .join(Criterion, Criterion.id == Rating.criterion_id)
        .where(_submitted(), in_job)
        .group_by(Round.candidacy_id, Rating.criterion_id, Criterion.title)
    ):
        means[candidacy_id][criterion_id] = (float(mean), int(count))
        if criterion_id not in titles:
            titles[criterion_id] = title
            criteria.append((criterion_id, title))

    for candidacy_id, recommendation, count in db.session.execute(
        sa.select(Round.candidacy_id, Assessment.recommendation, sa.func.count(Assessment.id))
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(_submitted(), in_job)
        .group_by(Round.candidacy_id, Assessment.recommendation)
    ):
        if candidacy_id in rows and recommendation is not None:
            rows[candidacy_id].recommendations[recommendation.value] = int(count)

    scored = _scored(in_job)
    shared = calibration.shared_interviews(s for s, _, _ in scored)
    scope = "job"
    basis = [s for s, _, _ in scored]
    if shared < calibration.MIN_JOB_COMPARISONS:
        scope = "organisation"
        basis = [s for s, _, _ in _scored(sa.true(), limit=ORG_SAMPLE)]
    lean = calibration.leniencies(basis)
    if not lean:
        scope = "none"

    by_candidacy: dict[int, list[tuple[calibration.Scored, float, int]]] = defaultdict(list)
    for item in scored:
        by_candidacy[item[0].candidacy_id].append(item)
    for candidacy_id, row in rows.items():
        items = by_candidacy.get(candidacy_id, [])
        row.per_criterion = [
            CriterionStat(
                cid,
                title,
                round(means[candidacy_id][cid][0], 2) if cid in means[candidacy_id] else None,
                means[candidacy_id].get(cid, (0.0, 0))[1],
            )
            for cid, title in criteria
        ]
        if items:
            row.raw_score = round(sum(s.overall for s, _, _ in items) / len(items), 2)
        row.spread = spread(items)
        row.calibrated_score = calibration.calibrated([s for s, _, _ in items], lean)

    for candidacy_id, missing in missing_by_candidacy(in_job, now).items():
        if candidacy_id in rows:
            rows[candidacy_id].missing_assessments = missing

    _rounds(job, rows, now)
    for decision in db.session.scalars(
        sa.select(Decision).where(
            Decision.id.in_(
                sa.select(sa.func.max(Decision.id))
                .join(Candidacy, Candidacy.id == Decision.candidacy_id)
                .where(Candidacy.job_id == job.id)
                .group_by(Decision.candidacy_id)
            )
        )
    ):
        if decision.candidacy_id in rows:
            rows[decision.candidacy_id].last_decision = decision
    return Shortlist(
        job=job,
        criteria=criteria,
        rows=list(rows.values()),
        calibration_scope=scope,
        states=tuple(states),
        planned_round_id=planned_round_id,
    )


def score_distribution(shortlist: Shortlist) -> list[Distribution]:
    """Submitted ratings per criterion and score over the shortlist's candidacies (one query)."""
    shown = sa.select(Candidacy.id).where(
        *_candidacy_filter(shortlist.job, shortlist.states, shortlist.planned_round_id, None)
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for criterion_id, score, count in db.session.execute(
        sa.select(Rating.criterion_id, Rating.score, sa.func.count(Rating.id))
        .join(Assessment, Assessment.id == Rating.assessment_id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(_submitted(), Round.candidacy_id.in_(shown))
        .group_by(Rating.criterion_id, Rating.score)
    ):
        counts[criterion_id][int(score)] = int(count)
    return [
        Distribution(cid, title, {score: counts[cid].get(score, 0) for score in SCALE})
        for cid, title in shortlist.criteria
    ]


def missing_by_candidacy(where: sa.ColumnElement[bool], now: datetime) -> dict[int, int]:
    """Panel seats on interviews that have started, without a submitted assessment."""
    return {
        candidacy_id: int(missing)
        for candidacy_id, missing in db.session.execute(
            sa.select(Round.candidacy_id, sa.func.count(PanelMember.id))
            .join(Interview, Interview.id == PanelMember.interview_id)
            .join(Round, Round.id == Interview.round_id)
            .where(
                where,
                Interview.state == InterviewState.scheduled,
                Interview.starts_at <= now,
                ~sa.exists(
                    sa.select(Assessment.id).where(
                        Assessment.interview_id == PanelMember.interview_id,
                        Assessment.interviewer_id == PanelMember.user_id,
                        Assessment.state == AssessmentState.submitted,
                    )
                ),
            )
            .group_by(Round.candidacy_id)
        )
    }


def spread(items: Iterable[tuple[calibration.Scored, float, int]]) -> float | None:
    """Population standard deviation of the interviewers' overall means (all their ratings)."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for scored, total, count in items:
        sums[scored.interviewer_id][0] += total
        sums[scored.interviewer_id][1] += count
    means = [total / count for total, count in sums.values() if count]
    if len(means) < 2:
        return None
    average = sum(means) / len(means)
    return round(math.sqrt(sum((m - average) ** 2 for m in means) / len(means)), 3)


def _rounds(job: Job, rows: dict[int, ShortlistRow], now: datetime) -> None:
    """Rounds done (every live interview ended) and the next round of the plan."""
    done: dict[int, set[int]] = defaultdict(set)
    for candidacy_id, planned_round_id, last_end, live in db.session.execute(
        sa.select(
            Round.candidacy_id,
            Round.planned_round_id,
            sa.func.max(Interview.ends_at),
            sa.func.count(Interview.id),
        )
        .join(Interview, Interview.round_id == Round.id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(Candidacy.job_id == job.id, Interview.state == InterviewState.scheduled)
        .group_by(Round.candidacy_id, Round.planned_round_id)
    ):
        if live and last_end is not None and _aware(last_end) <= now:
            done[candidacy_id].add(planned_round_id)
    plan = list(job.planned_rounds)
    for candidacy_id, row in rows.items():
        row.rounds_done = len(done[candidacy_id])
        row.next_round = next((p.title for p in plan if p.id not in done[candidacy_id]), None)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sort_rows(rows: list[ShortlistRow], key: str, descending: bool = False) -> list[ShortlistRow]:
    """Sort by a column; empty values always last."""

    def value(row: ShortlistRow) -> object:
        if key == "name":
            return row.candidate.name.casefold()
        if key == "state":
            return PIPELINE.index(row.candidacy.state)
        if key == "rounds_done":
            return row.rounds_done
        if key == "missing":
            return row.missing_assessments
        if key == "spread":
            return row.spread
        if key == "raw":
            return row.raw_score
        if key == "calibrated":
            return row.calibrated_score
        if key == "yes":
            return row.recommendations["yes"] + row.recommendations["strong_yes"]
        if key == "decided":
            return row.last_decision.created_at if row.last_decision else None
        if key.startswith("criterion:"):
            wanted = int(key.split(":", 1)[1])
            return next((c.mean for c in row.per_criterion if c.criterion_id == wanted), None)
        raise ValueError(key)

    keyed = [(value(r), r) for r in rows]
    # Ties stay by name then id in both directions: sort by those first, then stably by value.
    present = sorted(
        (item for item in keyed if item[0] is not None),
        key=lambda item: (item[1].candidate.name.casefold(), item[1].candidacy.id),
    )
    present.sort(key=lambda item: item[0], reverse=descending)  # type: ignore[arg-type,return-value]
    empty = sorted(
        (item[1] for item in keyed if item[0] is None),
        key=lambda r: (r.candidate.name.casefold(), r.candidacy.id),
    )
    return [item[1] for item in present] + empty


def parse_sort(text: str | None, criteria: Iterable[tuple[int, str]]) -> tuple[str, bool]:
    """``name``, ``-calibrated``, ``criterion:12`` → (key, descending); else RuleViolation."""
    text = (text or "name").strip()
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key in SORTS:
        return key, descending
    if key.startswith("criterion:"):
        wanted = key.split(":", 1)[1]
        if wanted.isdigit() and int(wanted) in {cid for cid, _ in criteria}:
            return f"criterion:{int(wanted)}", descending
    raise RuleViolation(
        "sort",
        f"Sort by one of {', '.join(SORTS)} or criterion:<id> of this shortlist; "
        "a leading - sorts descending.",
    )
