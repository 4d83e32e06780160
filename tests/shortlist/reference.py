"""The shortlist as it was computed before the per-job cache and the stored per-assessment sums
(every request from the ratings themselves), kept as the reference the cached rows must equal.

Shortlist rows computed in SQL: a fixed number of grouped queries per job, whatever its size.

Only submitted assessments of non-cancelled interviews count (drafts never do; a reopened
assessment counts again once resubmitted).

Only the figures are computed here independently; helpers the cache left unchanged (the chart
and criterion types, reading back stored times) are the ones
in :mod:`coordinator.shortlist.aggregates`, and so are sorting and sort keys (not kept here).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, load_only

from coordinator.accounts.models import User
from coordinator.assessments.models import (
    SCALE,
    Assessment,
    AssessmentState,
    Rating,
    Recommendation,
)
from coordinator.assessments.owing import owed_seat, withheld_from
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.shortlist import calibration
from coordinator.shortlist.aggregates import (
    DEFAULT_STATES,
    ORG_SAMPLE,
    CriterionStat,
    Distribution,
    _aware,
)
from coordinator.shortlist.models import Decision
from coordinator.timeutil import utcnow


@dataclass
class ShortlistRow:
    candidacy: Candidacy
    rounds_done: int = 0
    next_round: str | None = None
    #: The shortlist's criteria columns, and this row's (sum, count) of ratings per criterion.
    criteria: list[tuple[int, str]] = field(default_factory=list)
    criterion_sums: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: Recommendation tally; None while withheld.
    recommendations: dict[str, int] | None = field(
        default_factory=lambda: {r.value: 0 for r in Recommendation}
    )
    spread: float | None = None
    missing_assessments: int = 0
    raw_score: float | None = None
    calibrated_score: float | None = None
    last_decision: Decision | None = None
    #: The viewer still owes an assessment of this candidacy: its ratings, recommendations,
    #: spread, scores and decision reasons are withheld from them (independence).
    withheld: bool = False
    #: The interview whose assessment the viewer owes first (where the page links to).
    owed_interview_id: int | None = None

    @property
    def candidate(self) -> Candidate:
        return self.candidacy.candidate

    @property
    def per_criterion(self) -> list[CriterionStat]:
        """Mean and count of submitted ratings per criterion column (made when asked for)."""
        sums = self.criterion_sums
        return [
            CriterionStat(cid, title, round(sums[cid][0] / sums[cid][1], 2), sums[cid][1])
            if cid in sums
            else CriterionStat(cid, title, None, 0)
            for cid, title in self.criteria
        ]

    def withhold(self, interview_id: int) -> None:
        """Blank what independence hides from a viewer who owes an assessment of this row."""
        self.withheld = True
        self.owed_interview_id = interview_id
        self.criterion_sums = {}
        self.recommendations = None
        self.spread = self.raw_score = self.calibrated_score = None

    def mean(self, criterion_id: int) -> float | None:
        total_count = self.criterion_sums.get(criterion_id)
        return round(total_count[0] / total_count[1], 2) if total_count else None


@dataclass
class Shortlist:
    job: Job
    criteria: list[tuple[int, str]]
    rows: list[ShortlistRow]
    calibration_scope: str  # "job", "organisation" or "none"
    states: Sequence[CandidacyState] = DEFAULT_STATES
    planned_round_id: int | None = None
    #: Submitted ratings per criterion and score over the rows not withheld (the chart).
    distribution: list[Distribution] = field(default_factory=list)

    @property
    def withheld_count(self) -> int:
        """Rows withheld from the viewer (left out of the chart)."""
        return sum(1 for row in self.rows if row.withheld)


def _submitted() -> sa.ColumnElement[bool]:
    return sa.and_(
        Assessment.state == AssessmentState.submitted, Interview.state == InterviewState.scheduled
    )


def _in_job(job: Job) -> sa.ColumnElement[bool]:
    """Rounds of the job's candidacies (the planner starts from the job's candidacies)."""
    return Round.candidacy_id.in_(sa.select(Candidacy.id).where(Candidacy.job_id == job.id))


def _scored_sample(limit: int) -> list[calibration.Scored]:
    """The organisation's latest ``limit`` submitted assessments with their overall scores.

    They are chosen before their ratings are joined, so the sample costs ``limit`` rows, not the
    whole table.
    """
    latest = (
        sa.select(Assessment.id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .where(_submitted())
        .order_by(Assessment.id.desc())
        .limit(limit)
        .scalar_subquery()
    )
    statement = (
        sa.select(
            Assessment.interview_id,
            Assessment.interviewer_id,
            Round.candidacy_id,
            sa.func.sum(Rating.score),
            sa.func.count(Rating.id),
        )
        .join(Rating, Rating.assessment_id == Assessment.id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Assessment.id.in_(latest))
        .group_by(
            Assessment.id, Assessment.interview_id, Assessment.interviewer_id, Round.candidacy_id
        )
    )
    return [
        calibration.Scored(interview_id, interviewer_id, candidacy_id, total / count)
        for interview_id, interviewer_id, candidacy_id, total, count in db.session.execute(
            statement
        )
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


_INT = sa.Integer()


def _none(type_: sa.types.TypeEngine[object] = _INT) -> sa.ColumnElement[object]:
    return sa.cast(sa.null(), type_)


def _rating_aggregates(
    job: Job, shown: sa.Select[tuple[int]], criterion_means: bool | int
) -> sa.CompoundSelect:
    """One pass over the job's submitted ratings, up to three groupings (UNION ALL), one statement:

    ``a`` per assessment (interview, interviewer, candidacy, recommendation, sum and count of
    ratings) for scores, spread, calibration and the recommendation tally; ``d`` per criterion
    and score over the shown candidacies, for the distribution chart; ``c`` per shown candidacy
    and criterion (sum and count) for the criterion means: every criterion (``True``), one
    (a criterion id, to sort by it) or none (``False``; :func:`load_criterion_means` then reads
    them for the rows of one page).
    """
    rated = (
        sa.select(
            Round.candidacy_id.label("candidacy_id"),
            # Whether the shortlist shows the candidacy: one hashed lookup per row, no join.
            Round.candidacy_id.in_(shown).label("shown"),
            Assessment.id.label("assessment_id"),
            Assessment.interview_id.label("interview_id"),
            Assessment.interviewer_id.label("interviewer_id"),
            Assessment.recommendation.label("recommendation"),
            Rating.criterion_id.label("criterion_id"),
            Rating.score.label("score"),
        )
        .select_from(Round)
        .join(Interview, Interview.round_id == Round.id)
        .join(Assessment, Assessment.interview_id == Interview.id)
        .outerjoin(Rating, Rating.assessment_id == Assessment.id)
        .where(_in_job(job), _submitted())
        .cte("rated")
    )
    shown_only = rated.c.shown.is_(True)
    per_assessment = sa.select(
        sa.literal("a").label("kind"),
        rated.c.assessment_id.label("k1"),
        rated.c.interview_id.label("k2"),
        rated.c.interviewer_id.label("k3"),
        rated.c.candidacy_id.label("k4"),
        sa.type_coerce(rated.c.recommendation, sa.String()).label("recommendation"),
        sa.func.sum(rated.c.score).label("total"),
        sa.func.count(rated.c.score).label("n"),
    ).group_by(
        rated.c.assessment_id,
        rated.c.interview_id,
        rated.c.interviewer_id,
        rated.c.candidacy_id,
        rated.c.recommendation,
    )
    per_score = (
        sa.select(
            sa.literal("d"),
            rated.c.criterion_id,
            rated.c.score,
            _none(),
            _none(),
            _none(sa.String()),
            _none(),
            sa.func.count(rated.c.score),
        )
        .where(shown_only, rated.c.criterion_id.is_not(None))
        .group_by(rated.c.criterion_id, rated.c.score)
    )
    if criterion_means is False:
        return sa.union_all(per_assessment, per_score)
    which = rated.c.criterion_id.is_not(None)
    if criterion_means is not True:
        which = rated.c.criterion_id == criterion_means
    per_criterion = (
        sa.select(
            sa.literal("c"),
            rated.c.candidacy_id,
            rated.c.criterion_id,
            _none(),
            _none(),
            _none(sa.String()),
            sa.func.sum(rated.c.score),
            sa.func.count(rated.c.score),
        )
        .where(shown_only, which)
        .group_by(rated.c.candidacy_id, rated.c.criterion_id)
    )
    return sa.union_all(per_assessment, per_score, per_criterion)


def load_criterion_means(rows: Sequence[ShortlistRow]) -> None:
    """Every criterion's sum and count of submitted ratings for these rows (one page): one query.

    Withheld rows stay without means.
    """
    by_id = {row.candidacy.id: row for row in rows if not row.withheld}
    if not by_id:
        return
    sums: dict[int, dict[int, tuple[int, int]]] = {candidacy_id: {} for candidacy_id in by_id}
    for candidacy_id, criterion_id, total, count in db.session.execute(
        sa.select(
            Round.candidacy_id,
            Rating.criterion_id,
            sa.func.sum(Rating.score),
            sa.func.count(Rating.id),
        )
        .select_from(Round)
        .join(Interview, Interview.round_id == Round.id)
        .join(Assessment, Assessment.interview_id == Interview.id)
        .join(Rating, Rating.assessment_id == Assessment.id)
        .where(Round.candidacy_id.in_(list(by_id)), _submitted())
        .group_by(Round.candidacy_id, Rating.criterion_id)
    ).all():
        sums[candidacy_id][criterion_id] = (int(total), int(count))
    for candidacy_id, row in by_id.items():
        row.criterion_sums = sums[candidacy_id]


def build(
    job: Job,
    *,
    states: Sequence[CandidacyState] = DEFAULT_STATES,
    planned_round_id: int | None = None,
    candidacy_ids: Sequence[int] | None = None,
    criterion_means: bool | int = True,
    now: datetime | None = None,
    viewer: User | None = None,
) -> Shortlist:
    """The job's shortlist rows (unsorted, unpaginated), filtered by state and planned round.

    ``candidacy_ids`` narrows the rows to those candidacies (comparison); leniencies are still
    estimated from the whole job, so a candidacy's calibrated score is the same everywhere.
    ``criterion_means``: the per-criterion means of every row (``True``), of one criterion
    only (its id: enough to sort by it), or none yet (``False``: load them for the rows of one
    page with :func:`load_criterion_means`).

    ``viewer``: rows of candidacies the viewer still owes an assessment of are withheld (see
    :meth:`ShortlistRow.withhold`) and left out of the chart and the criterion means.

    A fixed number of statements whatever the job's size: the candidacies, what the viewer
    owes, the ratings (one pass), the organisation's sample when the job alone says too
    little, missing assessments, rounds, last decisions.
    """
    now = now or utcnow()
    where = _candidacy_filter(job, states, planned_round_id, candidacy_ids)
    statement = (
        sa.select(Candidacy)
        .join(Candidacy.candidate)
        # The job is the one in hand: no join back to it (and its manager's roles) per row;
        # and only the columns a shortlist shows (hundreds of rows are loaded, one page shown).
        .options(
            load_only(Candidacy.id, Candidacy.job_id, Candidacy.candidate_id, Candidacy.state),
            contains_eager(Candidacy.candidate).load_only(
                Candidate.id, Candidate.name, Candidate.email, Candidate.time_zone
            ),
            lazyload(Candidacy.job),
        )
        .where(*where)
        .order_by(Candidate.name, Candidacy.id)
    )
    rows = {c.id: ShortlistRow(candidacy=c) for c in db.session.scalars(statement).unique()}

    # Criteria columns: the plan's live criteria in order; retired ones only once rated.
    titles = {c.id: c.title for p in job.planned_rounds for c in p.criteria}
    live = [(c.id, c.title) for p in job.planned_rounds for c in p.criteria if not c.is_retired]

    scored: list[tuple[calibration.Scored, float, int]] = []
    score_counts: dict[int, dict[int, int]] = defaultdict(dict)
    rated_criteria: set[int] = set()
    shown = sa.select(Candidacy.id).where(*where)
    withheld = withheld_from(viewer, shown) if viewer is not None else {}
    if withheld:
        # Withheld rows count towards nothing the viewer sees: not the chart, not the means.
        shown = shown.where(Candidacy.id.not_in(list(withheld)))
    for kind, k1, k2, k3, k4, recommendation, total, n in db.session.execute(
        _rating_aggregates(job, shown, criterion_means)
    ).all():
        if kind == "a":
            row = rows.get(k4)
            if row is not None and row.recommendations is not None and recommendation:
                row.recommendations[recommendation] += 1
            if n:
                scored.append((calibration.Scored(k2, k3, k4, total / n), float(total), int(n)))
        elif kind == "c":
            row = rows.get(k1)
            if row is not None:
                row.criterion_sums[k2] = (int(total), int(n))
            rated_criteria.add(k2)
        else:
            score_counts[k1][int(k2)] = int(n)
            rated_criteria.add(k1)
    live_ids = {cid for cid, _ in live}
    criteria = live + [
        (cid, titles.get(cid, f"Criterion {cid}"))
        for cid in sorted(rated_criteria - live_ids, key=lambda cid: (titles.get(cid, ""), cid))
    ]

    basis = [s for s, _, _ in scored]
    scope = "job"
    if calibration.shared_interviews(basis) < calibration.MIN_JOB_COMPARISONS:
        scope = "organisation"
        basis = _scored_sample(ORG_SAMPLE)
    lean = calibration.leniencies(basis)
    if not lean:
        scope = "none"

    by_candidacy: dict[int, list[tuple[calibration.Scored, float, int]]] = defaultdict(list)
    for item in scored:
        by_candidacy[item[0].candidacy_id].append(item)
    for candidacy_id, row in rows.items():
        items = by_candidacy.get(candidacy_id, [])
        row.criteria = criteria
        if items:
            row.raw_score = round(sum(s.overall for s, _, _ in items) / len(items), 2)
        row.spread = spread(items)
        row.calibrated_score = calibration.calibrated([s for s, _, _ in items], lean)

    for candidacy_id, missing in missing_by_candidacy(Candidacy.job_id == job.id, now).items():
        if candidacy_id in rows:
            rows[candidacy_id].missing_assessments = missing

    for candidacy_id, interview_id in withheld.items():
        if candidacy_id in rows:
            rows[candidacy_id].withhold(interview_id)

    _rounds(job, rows, now)
    for decision in db.session.scalars(
        sa.select(Decision)
        .options(joinedload(Decision.actor).lazyload(User.role_rows))
        .where(
            Decision.id.in_(
                sa.select(sa.func.max(Decision.id))
                .join(Candidacy, Candidacy.id == Decision.candidacy_id)
                .where(*where)
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
        distribution=[
            Distribution(cid, title, {s: score_counts[cid].get(s, 0) for s in SCALE})
            for cid, title in criteria
        ],
    )


def missing_by_candidacy(where: sa.ColumnElement[bool], now: datetime) -> dict[int, int]:
    """Panel seats that owe an assessment now (interviews that have started; see
    :mod:`coordinator.assessments.owing`).

    ``where`` picks the rounds; it may name ``Candidacy`` columns (joined through the round).
    """
    return {
        candidacy_id: int(missing)
        for candidacy_id, missing in db.session.execute(
            sa.select(Round.candidacy_id, sa.func.count(PanelMember.id))
            .select_from(Candidacy)
            .join(Round, Round.candidacy_id == Candidacy.id)
            .join(Interview, Interview.round_id == Round.id)
            .join(PanelMember, PanelMember.interview_id == Interview.id)
            .where(where, owed_seat(started_by=now))
            .group_by(Round.candidacy_id)
        )
    }



def spread(items: Iterable[tuple[calibration.Scored, float, int]]) -> float | None:
    """Population standard deviation of the interviewers' overall means (all their ratings),
    computed here on its own so that the equivalence test checks the formula too."""
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
