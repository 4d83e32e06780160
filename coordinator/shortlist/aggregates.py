"""Shortlist rows: computed per job in a fixed number of grouped queries, kept in the job's
cache (:mod:`coordinator.shortlist.cache`), then filtered and withheld per request.

Only submitted assessments of non-cancelled interviews count (drafts never do; a reopened
assessment counts again once resubmitted). An assessment's overall score comes from the sum and
count of its ratings stored when it was submitted.

What is cached is what every viewer sees alike: every candidacy of the job (all states) with its
figures, and per criterion how often each score was given (means and the chart come from those).
Filters, the independence rule (a viewer who owes an assessment of a candidacy sees its figures
withheld) and sorting apply to the cached rows on every request.
"""

from __future__ import annotations

import functools
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar, overload

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.assessments.models import (
    SCALE,
    Assessment,
    AssessmentState,
    Recommendation,
)
from coordinator.assessments.owing import owed_interviews, owed_seat
from coordinator.candidates.models import Candidacy, CandidacyState, Candidate
from coordinator.db import UTCDateTime, db
from coordinator.errors import RuleViolation
from coordinator.jobs.models import Criterion, Job, PlannedRound
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.shortlist import cache, calibration
from coordinator.shortlist.models import Decision, Outcome, ShortlistCache
from coordinator.timeutil import utcnow

DEFAULT_STATES = (CandidacyState.active, CandidacyState.shortlisted)
SORTS = ("name", "state", "rounds_done", "missing", "spread", "raw", "calibrated", "yes", "decided")
ORG_SAMPLE = 20_000
#: Derived views one cached payload keeps at most (see :attr:`Shortlist.derived`).
DERIVED_LIMIT = 24
#: Candidacy states in the order a candidacy moves through them (sorting by state follows it).
PIPELINE = list(CandidacyState)
_RECOMMENDATIONS = [r.value for r in Recommendation]
_RECOMMENDATION_INDEX = {value: index for index, value in enumerate(_RECOMMENDATIONS)}


@dataclass
class CriterionStat:
    criterion_id: int
    title: str
    mean: float | None
    count: int


class CandidateView(NamedTuple):
    """What a shortlist shows of a candidate (read from the cached rows)."""

    id: int
    name: str
    email: str
    time_zone: str


class CandidacyView(NamedTuple):
    """What a shortlist shows of a candidacy (read from the cached rows)."""

    id: int
    job_id: int
    state: CandidacyState
    candidate: CandidateView

    @property
    def is_closed(self) -> bool:
        """Hired, rejected or withdrawn: it takes no more decisions."""
        return self.state.is_closed


class DecisionView(NamedTuple):
    """A candidacy's last decision, as a shortlist shows it."""

    id: int
    candidacy_id: int
    outcome: Outcome
    reason: str
    actor_id: int | None
    missing_assessments: int
    created_at: datetime


@dataclass
class ShortlistRow:
    candidacy: CandidacyView
    rounds_done: int = 0
    next_round: str | None = None
    #: The shortlist's criteria columns, and this row's (sum, count) of ratings per criterion.
    criteria: list[tuple[int, str]] = field(default_factory=list)
    criterion_sums: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: Recommendation tally; None while withheld.
    recommendations: dict[str, int] | None = field(
        default_factory=lambda: dict.fromkeys(_RECOMMENDATIONS, 0)
    )
    spread: float | None = None
    missing_assessments: int = 0
    raw_score: float | None = None
    calibrated_score: float | None = None
    last_decision: DecisionView | None = None
    #: The viewer still owes an assessment of this candidacy: its ratings, recommendations,
    #: spread, scores and decision reasons are withheld from them (independence).
    withheld: bool = False
    #: The interview whose assessment the viewer owes first (where the page links to).
    owed_interview_id: int | None = None
    #: The cached row this one was read from (the same list for as long as the candidacy's
    #: figures stay: see :func:`compute`); None when not read from cached rows.
    source: list[Any] | None = field(default=None, repr=False, compare=False)

    #: The row's ratings as cached: ``criterion:score`` pairs (read only when needed).
    given: str = field(default="", repr=False)
    #: :attr:`all_sums` of the cached payload's rows by candidacy, filled as rows are read and
    #: shared by the requests that read the payload (None: parse ``given`` every time).
    sums_memo: dict[int, dict[int, tuple[int, int]]] | None = field(default=None, repr=False)

    @property
    def candidate(self) -> CandidateView:
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
        self.given = ""
        self.sums_memo = None
        self.recommendations = None
        self.spread = self.raw_score = self.calibrated_score = None

    @property
    def all_sums(self) -> dict[int, tuple[int, int]]:
        """Every criterion's (sum, count) of this row's ratings."""
        memo = self.sums_memo
        if memo is None:
            return _sums(self.given)
        return _memo_sums(memo, self.candidacy.id, self.given)

    def mean(self, criterion_id: int) -> float | None:
        total_count = self.criterion_sums.get(criterion_id)
        return round(total_count[0] / total_count[1], 2) if total_count else None


@dataclass
class Shortlist:
    """The rows a viewer is shown (made when first asked for: a request whose page is kept
    rendered never makes them), with what is worked out for every request alike."""

    job: Job
    criteria: list[tuple[int, str]]
    #: Makes :attr:`rows` (the candidacies shown, withheld and with their means as asked).
    make_rows: Callable[[], list[ShortlistRow]] = field(repr=False)
    calibration_scope: str  # "job", "organisation" or "none"
    #: How many candidacies are shown (withheld ones too): ``len(rows)`` without making them.
    total: int = 0
    #: The shown candidacies withheld from the viewer, each with the interview whose
    #: assessment they owe first.
    withheld: dict[int, int] = field(default_factory=dict)
    states: Sequence[CandidacyState] = DEFAULT_STATES
    planned_round_id: int | None = None
    #: Submitted ratings per criterion and score over the rows not withheld (the chart).
    distribution: list[Distribution] = field(default_factory=list)
    #: Every criterion of the job's plan, retired ones too (a shortlist may sort by them).
    plan: list[tuple[int, str]] = field(default_factory=list)
    #: Derived views of the cached rows this process may keep and share between requests
    #: (rendered fragments): it lives as long as the cached rows it was derived
    #: from (a change to the job gives a new payload, hence a new dict), so every other input
    #: of what is kept must be part of its key. Never a viewer's data under a key without them.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: The cached rows shown (in name order) and what makes one of them a row of the viewer's
    #: (withheld, with its means as asked): :func:`sorted_rows` sorts the cached rows and
    #: makes only those asked for. None: no cached rows.
    shown: list[_Prepared] | None = field(default=None, repr=False)
    make_row: Callable[[_Prepared], ShortlistRow] | None = field(default=None, repr=False)

    @functools.cached_property
    def rows(self) -> list[ShortlistRow]:
        """The candidacies shown, in the cached order (by name)."""
        return self.make_rows()

    def derive(self, key: Any, make: Callable[[], Any]) -> Any:
        """What :attr:`derived` keeps under ``key``, made (and kept) when it has none yet."""
        found = self.derived.get(key)
        if found is None:
            found = self.derived[key] = make()
        return found

    @property
    def withheld_count(self) -> int:
        """Rows withheld from the viewer (left out of the chart)."""
        return len(self.withheld)


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


def _in_job(job_id: int | sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """Rounds of the job's candidacies (the planner starts from the job's candidacies)."""
    return Round.candidacy_id.in_(sa.select(Candidacy.id).where(Candidacy.job_id == job_id))


def _scored_sample(limit: int) -> list[calibration.Scored]:
    """The organisation's latest ``limit`` submitted assessments with their overall scores
    (from their stored sums; those without ratings take a place but score nothing)."""
    return [
        calibration.Scored(interview_id, interviewer_id, candidacy_id, total / count)
        for interview_id, interviewer_id, candidacy_id, total, count in db.session.execute(
            _scored_sample_statement(), {"limit": limit}
        )
    ]


@functools.cache
def _scored_sample_statement() -> sa.Select[Any]:
    """:func:`_scored_sample`'s statement (``:limit``), built once per process."""
    latest = (
        sa.select(Assessment.id)
        .join(Interview, Interview.id == Assessment.interview_id)
        .where(_submitted())
        .order_by(Assessment.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer()))
        .scalar_subquery()
    )
    return (
        sa.select(
            Assessment.interview_id,
            Assessment.interviewer_id,
            Round.candidacy_id,
            Assessment.rating_sum,
            Assessment.rating_count,
        )
        .join(Interview, Interview.id == Assessment.interview_id)
        .join(Round, Round.id == Interview.round_id)
        .where(Assessment.id.in_(latest), Assessment.rating_count > 0)
    )


@functools.cache
def _job_rows(lateral: bool = False, some: bool = False) -> sa.Select[Any]:
    """Every candidacy of the job ``:job_id`` with its figures at ``:now``: one
    statement whatever the job's size, over the assessments' sums stored when they were
    submitted (no rating row). Built once per process (building it costs more than running it
    through SQLAlchemy's compiled cache); executed with both parameters.

    ``lateral`` (PostgreSQL): each candidacy's last decision is one backward probe of the
    decisions index, so the statement reads only the job's decisions; without it PostgreSQL
    hashes every decision of the organisation to join the job's few (a term that grows with
    the organisation, not the job). SQLite has no LATERAL and already probes the index.
    ``some``: only the candidacies ``:candidacy_ids`` (expanding) of the job.

    Columns: candidacy (id, state), candidate (id, name, email, time zone), last decision (id,
    outcome, reason, actor, missing assessments, time), planned rounds and those done (ids
    separated by spaces), the next start and end of an interview after ``now``, missing
    assessments, the recommendation tally (in :data:`Recommendation` order), the
    ``criterion:score`` pairs of its assessments, the ``interview:interviewer:sum:count`` of
    those with ratings (scores and leniencies are worked out from them in Python, see
    :func:`compute`: they are job-wide, and kept per row a change to one candidacy needs only
    its own row read again; the spread comes from them too)."""
    job_id = sa.bindparam("job_id", type_=sa.Integer())
    now = sa.bindparam("now", type_=UTCDateTime())
    scheduled = Interview.state == InterviewState.scheduled
    candidacies = sa.select(Candidacy.id, Candidacy.state, Candidacy.candidate_id).where(
        Candidacy.job_id == job_id
    )
    if some:
        candidacies = candidacies.where(
            Candidacy.id.in_(sa.bindparam("candidacy_ids", expanding=True))
        )
    candidacies = candidacies.cte("job_candidacies")
    rounds = (
        sa.select(Round.id, Round.candidacy_id, Round.planned_round_id)
        .join(candidacies, candidacies.c.id == Round.candidacy_id)
        .cte("job_rounds")
    )
    # The job's live interviews: the only ones any figure reads.
    interviews = (
        sa.select(
            Interview.id,
            Interview.round_id,
            Interview.starts_at,
            Interview.ends_at,
            rounds.c.candidacy_id,
        )
        .join(rounds, rounds.c.id == Interview.round_id)
        .where(scheduled)
        .cte("job_interviews")
    )
    submitted = (
        sa.select(
            interviews.c.candidacy_id,
            Assessment.interview_id,
            Assessment.interviewer_id,
            Assessment.recommendation,
            Assessment.rating_sum,
            Assessment.rating_count,
            Assessment.rating_scores,
        )
        .join(interviews, interviews.c.id == Assessment.interview_id)
        .where(Assessment.state == AssessmentState.submitted)
        .cte("job_assessments")
    )

    # Rounds: per planned round, its live interviews and their last end; done when it has
    # some and every one has ended.
    per_round = (
        sa.select(
            rounds.c.candidacy_id,
            rounds.c.planned_round_id,
            sa.func.count(interviews.c.id).label("live"),
            sa.func.max(interviews.c.ends_at).label("last_end"),
            sa.func.min(sa.case((interviews.c.starts_at > now, interviews.c.starts_at))).label(
                "next_start"
            ),
            sa.func.min(sa.case((interviews.c.ends_at > now, interviews.c.ends_at))).label(
                "next_end"
            ),
        )
        .select_from(rounds)
        .outerjoin(interviews, interviews.c.round_id == rounds.c.id)
        .group_by(rounds.c.candidacy_id, rounds.c.planned_round_id)
        .subquery("per_round")
    )
    planned_id = sa.cast(per_round.c.planned_round_id, sa.String)
    round_figures = (
        sa.select(
            per_round.c.candidacy_id,
            sa.func.aggregate_strings(planned_id, " ").label("planned"),
            sa.func.aggregate_strings(
                sa.case((sa.and_(per_round.c.live > 0, per_round.c.last_end <= now), planned_id)),
                " ",
            ).label("done"),
            sa.func.min(per_round.c.next_start).label("next_start"),
            sa.func.min(per_round.c.next_end).label("next_end"),
        )
        .group_by(per_round.c.candidacy_id)
        .subquery("round_figures")
    )

    # Missing assessments: the seats owed of interviews that have started. (Who owes what at
    # all is read per viewer with the cached rows, see _read_with_owed: seats booked ahead
    # change it without changing these rows.)
    owing_seats = (
        sa.select(interviews.c.candidacy_id)
        .select_from(PanelMember)
        .join(interviews, interviews.c.id == PanelMember.interview_id)
        .where(owed_seat(started_by=now, live_interview=interviews, submitted=submitted))
        .subquery("owed_seats")
    )
    missing = (
        sa.select(owing_seats.c.candidacy_id, sa.func.count().label("missing"))
        .group_by(owing_seats.c.candidacy_id)
        .subquery("missing")
    )

    recommendation = sa.type_coerce(submitted.c.recommendation, sa.String())
    tallies = (
        sa.select(
            submitted.c.candidacy_id,
            *(
                sa.func.count(sa.case((recommendation == value, 1))).label(f"tally_{value}")
                for value in _RECOMMENDATIONS
            ),
            sa.func.aggregate_strings(
                sa.case((submitted.c.rating_scores != "", submitted.c.rating_scores)), " "
            ).label("given"),
            # The assessments with ratings: interview:interviewer:sum:count (the scores).
            sa.func.aggregate_strings(
                sa.case(
                    (
                        submitted.c.rating_count > 0,
                        sa.cast(submitted.c.interview_id, sa.String)
                        + ":"
                        + sa.cast(submitted.c.interviewer_id, sa.String)
                        + ":"
                        + sa.cast(submitted.c.rating_sum, sa.String)
                        + ":"
                        + sa.cast(submitted.c.rating_count, sa.String),
                    )
                ),
                " ",
            ).label("scored"),
        )
        .group_by(submitted.c.candidacy_id)
        .subquery("tallies")
    )

    # Each candidacy's last decision, read through the job's candidacies (by index).
    decision_columns = (
        Decision.id,
        Decision.candidacy_id,
        Decision.outcome,
        Decision.reason,
        Decision.actor_id,
        Decision.missing_assessments,
        Decision.created_at,
    )
    latest: sa.Subquery | sa.Lateral
    if lateral:
        latest = (
            sa.select(*decision_columns)
            .where(Decision.candidacy_id == candidacies.c.id)
            .order_by(Decision.id.desc())
            .limit(1)
            .lateral("latest")
        )
        last_decision = sa.true()
    else:
        latest = (
            sa.select(
                *decision_columns,
                sa.func.row_number()
                .over(partition_by=Decision.candidacy_id, order_by=Decision.id.desc())
                .label("nth"),
            )
            .join(candidacies, candidacies.c.id == Decision.candidacy_id)
            .subquery("latest")
        )
        last_decision = sa.and_(latest.c.candidacy_id == candidacies.c.id, latest.c.nth == 1)
    return (
        sa.select(
            candidacies.c.id,
            sa.type_coerce(candidacies.c.state, sa.String()),
            Candidate.id,
            Candidate.name,
            Candidate.email,
            Candidate.time_zone,
            latest.c.id,
            sa.type_coerce(latest.c.outcome, sa.String()),
            latest.c.reason,
            latest.c.actor_id,
            latest.c.missing_assessments,
            latest.c.created_at,
            round_figures.c.planned,
            round_figures.c.done,
            round_figures.c.next_start,
            round_figures.c.next_end,
            missing.c.missing,
            *(tallies.c[f"tally_{value}"] for value in _RECOMMENDATIONS),
            tallies.c.given,
            tallies.c.scored,
        )
        .select_from(candidacies)
        # An outer join (every candidacy has its candidate) keeps the job's candidacies the
        # outer loop on SQLite; PostgreSQL looks candidates up by primary key. The rows are
        # put in name order in Python (compute), as the shortlist sorts names.
        .outerjoin(Candidate, Candidate.id == candidacies.c.candidate_id)
        .outerjoin(latest, last_decision)
        .outerjoin(round_figures, round_figures.c.candidacy_id == candidacies.c.id)
        .outerjoin(missing, missing.c.candidacy_id == candidacies.c.id)
        .outerjoin(tallies, tallies.c.candidacy_id == candidacies.c.id)
    )


def rows_statement(some: bool = False) -> sa.Select[Any]:
    """:func:`_job_rows` for the session's database (LATERAL on PostgreSQL): the statement a
    miss runs for the job's rows (``some``: for the candidacies changed)."""
    return _job_rows(db.session.get_bind().dialect.name == "postgresql", some)


def _iso(value: datetime) -> str:
    return _aware(value).astimezone(UTC).isoformat()


#: Where a cached row (see :func:`compute`; it starts with the candidacy's id) keeps its state,
#: its candidate's name, its planned rounds, rounds done and next round, missing assessments,
#: recommendation tally, spread, raw and calibrated scores, last decision and
#: ``criterion:score`` pairs; and what is not shown but worked out again on a miss: its
#: assessments' scores and panel differences, its interviews shared by two or more scores,
#: until when its figures hold and the planned rounds it has done. (:func:`_row` reads a row
#: whole, in this order.)
_STATE, _NAME, _PLANNED, _ROUNDS_DONE, _NEXT, _MISSING, _TALLY = 1, 3, 6, 7, 8, 9, 10
_SPREAD, _RAW, _CALIBRATED, _DECISION, _GIVEN = 11, 12, 13, 14, 15
_PANEL, _SHARED, _UNTIL, _DONE = 16, 17, 18, 19


def compute(
    job: Job,
    now: datetime,
    previous: cache.Payload | None = None,
    changed: frozenset[int] = frozenset(),
) -> tuple[cache.Payload, datetime | None]:
    """Every candidacy of the job with what every viewer sees alike, and until when that holds
    (the next start or end of one of its interviews: rounds done and missing assessments move
    with the clock). Two statements whatever the job's size: the plan, and the rows with their
    figures (:func:`_job_rows`); one more when the job alone says too little to calibrate (the
    organisation's sample).

    ``previous``: rows computed earlier that still hold for every candidacy but those
    ``changed`` since and those whose figures the clock has moved (see :mod:`cache`): only
    theirs are read again (one statement; none when there are none, as when only the
    organisation's leniencies moved), the others kept. Leniencies are job-wide, so every
    row's calibrated score is worked out again, in Python over the scores each row keeps.
    When ``changed`` holds :data:`cache.PLAN` the plan is read again (one statement) and each
    kept row's next round worked out again from the planned rounds it has done.
    """
    rows_before: list[list[Any]] = []
    if previous is not None:
        rows_before = previous["rows"]
        due = set(changed) - {cache.PLAN, cache.CALIBRATION}
        for data in rows_before:
            until = data[_UNTIL]
            if until is not None and datetime.fromisoformat(until) <= now:
                due.add(data[0])
        if 2 * len(due) > len(rows_before):
            previous = None  # most rows again: all of them in one pass is as quick
    if previous is None:
        plan, live, titles = _plan(job.id)
        found = db.session.execute(rows_statement(), {"job_id": job.id, "now": now})
    else:
        if cache.PLAN in changed:
            plan, live, titles = _plan(job.id)
            rows_before = [_replanned(data, plan) for data in rows_before]
        else:
            plan = [(planned_id, title) for planned_id, title in previous["plan"]]
            live, titles = previous["live"], {int(k): v for k, v in previous["titles"].items()}
        found = (
            db.session.execute(
                rows_statement(some=True),
                {"job_id": job.id, "now": now, "candidacy_ids": sorted(due)},
            )
            if due
            else ()  # only the organisation's leniencies moved
        )
    fresh = [_fresh_row(record, plan) for record in found]
    if previous is None:
        rows = fresh
    else:
        # A row read again takes the place of its old one; a row gone (deleted) leaves.
        rows = [data for data in rows_before if data[0] not in due] + fresh
    # In name order as the shortlist sorts names (sort_rows), whichever rows were read again.
    rows.sort(key=_name_order)

    scope, rows = _calibrate(rows)
    valid_until = min(
        (datetime.fromisoformat(data[_UNTIL]) for data in rows if data[_UNTIL] is not None),
        default=None,
    )
    # How often each criterion:score pair was given, per candidacy state (the chart): the
    # rows read again counted anew, the others' counts kept.
    counted: dict[str, Counter[str]] = defaultdict(Counter)
    if previous is None:
        recount = rows
    else:
        recount = fresh
        for state, counts in previous["by_state"].items():
            counted[state].update(counts)
        for data in rows_before:
            if data[0] in due:
                counted[data[_STATE]].subtract(data[_GIVEN].split())
    given_by_state: dict[str, list[str]] = defaultdict(list)
    for data in recount:
        given_by_state[data[_STATE]].append(data[_GIVEN])
    for state, given in given_by_state.items():
        counted[state].update(" ".join(given).split())
    payload = {
        "scope": scope,
        "plan": plan,
        "live": live,
        "titles": {str(k): v for k, v in titles.items()},
        "rows": rows,
        "by_state": {
            state: {pair: n for pair, n in counts.items() if n > 0}
            for state, counts in counted.items()
        },
    }
    if previous is not None:
        _carry_earlier(previous, payload, due)
    return payload, valid_until


def _carry_earlier(earlier: cache.Payload, payload: cache.Payload, due: set[int]) -> None:
    """Kept in this process only (see :func:`_prepared`): what the rows of ``earlier`` were
    turned into (or what it carried from rows before it, not prepared yet), for ``payload``'s
    rows that are the same lists; ``due``: candidacies whose rows are not."""
    if "_prepared" in earlier:
        payload["_earlier"] = (earlier["_prepared"], earlier.get("_sums", {}), due)
    elif "_earlier" in earlier:
        items, sums, earlier_due = earlier["_earlier"]
        payload["_earlier"] = (items, sums, earlier_due | due)


def _adopt(earlier: cache.Payload, payload: cache.Payload) -> None:
    """Rows another server or worker computed, decoded here where older rows of the job are
    remembered (see :func:`cache.load`): each row equal to an older one becomes that older
    list, so what this process turned it into (prepared, rendered: see :func:`_prepared` and
    the views' kept rows) is used again, as it is after a miss computed here. The older rows
    are shared and stay unchanged; the decoded payload is not shared yet."""
    older = {data[0]: data for data in earlier["rows"]}
    rows = payload["rows"]
    due: set[int] = set()
    for n, data in enumerate(rows):
        kept = older.get(data[0])
        if kept is not None and kept == data:
            rows[n] = kept
        else:
            due.add(data[0])
    _carry_earlier(earlier, payload, due)


def _replanned(data: list[Any], plan: list[tuple[int, str]]) -> list[Any]:
    """A kept row with its next round worked out again for ``plan`` (the same list when it
    stays: see _prepared)."""
    next_round = _next_round(plan, data[_DONE])
    if next_round == data[_NEXT]:
        return data
    return [*data[:_NEXT], next_round, *data[_NEXT + 1 :]]


def _next_round(plan: list[tuple[int, str]], done: list[int]) -> str | None:
    """The title of the first planned round not done (None: all done)."""
    return next((title for planned_id, title in plan if planned_id not in done), None)


def _name_order(data: list[Any]) -> tuple[str, int]:
    return data[_NAME].casefold(), data[0]


def _plan(job_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]], dict[int, str]]:
    """The job's planned rounds in order, its live criteria in order and every criterion's
    title, in one statement."""
    plan: list[tuple[int, str]] = []
    titles: dict[int, str] = {}
    live: list[tuple[int, str]] = []
    for planned_id, planned_title, criterion_id, title, is_retired in db.session.execute(
        sa.select(
            PlannedRound.id, PlannedRound.title, Criterion.id, Criterion.title, Criterion.is_retired
        )
        .outerjoin(Criterion, Criterion.planned_round_id == PlannedRound.id)
        .where(PlannedRound.job_id == job_id)
        .order_by(PlannedRound.position, PlannedRound.id, Criterion.position, Criterion.id)
    ):
        if not plan or plan[-1][0] != planned_id:
            plan.append((planned_id, planned_title))
        if criterion_id is not None:
            titles[criterion_id] = title
            if not is_retired:
                live.append((criterion_id, title))
    return plan, live, titles


def _fresh_row(record: Any, plan: list[tuple[int, str]]) -> list[Any]:
    """A cached row from a record of :func:`_job_rows` (calibrated score still to come): it
    starts with the record's candidacy (id, state) and candidate (id, name, email, zone)."""
    (
        decision_id,
        outcome,
        reason,
        actor_id,
        decision_missing,
        decided_at,
        planned,
        done_text,
        next_start,
        next_end,
        missing,
        strong_no,
        no,
        yes,
        strong_yes,
        given,
        scored,
    ) = record[6:]
    until: datetime | None = None
    for instant in (next_start, next_end):
        if instant is not None and (until is None or _aware(instant) < until):
            until = _aware(instant)
    done = sorted(map(int, done_text.split())) if done_text else []
    # Per interview, its assessments with ratings as (interviewer, overall score); per
    # interviewer, the sum and count of all their ratings of the candidacy (the spread).
    panels: dict[str, list[tuple[int, float]]] = {}
    people: dict[str, list[int]] = {}
    if scored:
        for item in scored.split():
            interview_id, interviewer_id, total_text, count_text = item.split(":")
            total, count = int(total_text), int(count_text)
            entry = (int(interviewer_id), total / count)
            same = panels.get(interview_id)
            if same is None:
                panels[interview_id] = [entry]
            else:
                same.append(entry)
            person = people.get(interviewer_id)
            if person is None:
                people[interviewer_id] = [total, count]
            else:
                person[0] += total
                person[1] += count
    panel: list[Any] = []
    overall_sum = 0.0
    shared = 0
    for items in panels.values():
        if len(items) >= 2:
            shared += 1
        for interviewer_id, overall, difference in calibration.differences(items):
            panel += (interviewer_id, overall, difference)
            overall_sum += overall
    count = len(panel) // 3
    return [
        *record[:6],
        list(map(int, planned.split())) if planned else [],
        len(done),
        _next_round(plan, done),
        missing or 0,
        [strong_no, no, yes, strong_yes] if strong_no or no or yes or strong_yes else None,
        _spread(people.values()),
        round(overall_sum / count, 2) if count else None,
        None,  # calibrated: see _calibrate
        None
        if decision_id is None
        else [decision_id, outcome, reason, actor_id, decision_missing, _iso(decided_at)],
        # Read per row only when needed (a page's rows, a sort): kept as text.
        given or "",
        panel,
        shared,
        None if until is None else until.isoformat(),
        done,
    ]


def _calibrate(rows: list[list[Any]]) -> tuple[str, list[list[Any]]]:
    """Every row with its calibrated score (a new list where it changed: cached rows are
    shared, never changed), and where the leniencies came from: the job's own interviews, or
    the organisation's latest assessments when the job shares too few (one statement), "none"
    when even those compare nobody."""
    if sum(data[_SHARED] for data in rows) >= calibration.MIN_JOB_COMPARISONS:
        scope = "job"
        lean = calibration.leniencies_from(
            (panel[k], panel[k + 2])
            for data in rows
            if (panel := data[_PANEL])
            for k in range(0, len(panel), 3)
            if panel[k + 2] is not None
        )
    else:
        lean = calibration.leniencies(_scored_sample(ORG_SAMPLE))
        scope = "organisation" if lean else "none"
    calibrated = calibration.calibrated_from
    out = []
    for data in rows:
        panel = data[_PANEL]
        score = calibrated(list(zip(panel[0::3], panel[1::3], strict=True)), lean)
        # A row whose score stays is the same list (see _prepared: what it was turned into
        # is used again).
        out.append(
            data
            if score == data[_CALIBRATED]
            else [*data[:_CALIBRATED], score, *data[_CALIBRATED + 1 :]]
        )
    return scope, out


def _memo_sums(
    memo: dict[int, dict[int, tuple[int, int]]], candidacy_id: int, given: str
) -> dict[int, tuple[int, int]]:
    """:func:`_sums` of a cached row, parsed once per payload (kept in ``memo``)."""
    sums = memo.get(candidacy_id)
    if sums is None:
        sums = memo[candidacy_id] = _sums(given)
    return sums


def _sums(given: str) -> dict[int, tuple[int, int]]:
    """``"12:3 12:4 13:2"`` → every criterion's (sum, count) of ratings."""
    totals: dict[str, list[int]] = {}
    for pair in given.split():
        criterion_id, _, score = pair.partition(":")
        found = totals.get(criterion_id)
        if found is None:
            totals[criterion_id] = [int(score), 1]
        else:
            found[0] += int(score)
            found[1] += 1
    return {int(criterion_id): (total, count) for criterion_id, (total, count) in totals.items()}


class _Prepared:
    """What a cached row turns into, worked out once per payload (when a request first needs
    it: a page makes the rows of its page only) and shared by every request that reads it
    (immutable views; the dicts are never changed in place)."""

    __slots__ = ("_fields", "data", "job_id", "sums")

    def __init__(
        self,
        job_id: int,
        data: list[Any],
        sums: dict[int, Any],
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.job_id, self.data, self.sums, self._fields = job_id, data, sums, fields

    @property
    def fields(self) -> dict[str, Any]:
        """The attributes of the row's :class:`ShortlistRow` as first read (before a viewer's
        withholding and means): each request's row starts as a copy of them. (Two threads
        may both work them out at first: the same values.)"""
        fields = self._fields
        if fields is None:
            row = _row(self.job_id, self.data)
            row.sums_memo = self.sums
            row.source = self.data
            if row.recommendations is None:
                row.recommendations = dict.fromkeys(_RECOMMENDATIONS, 0)
            fields = self._fields = dict(vars(row))
        return fields


def _prepared(job_id: int, payload: cache.Payload) -> list[_Prepared]:
    """The payload's rows prepared (kept in the payload: a payload the cache's process memo
    hands out again comes with them). Their rows share the criterion sums parsed so far, also
    kept in the payload; sums are parsed only for rows that show them, so a miss stays cheap."""
    sums: dict[int, Any] = payload.setdefault("_sums", {})
    prepared: list[_Prepared] | None = payload.get("_prepared")
    if prepared is None:
        # Rows computed from earlier ones (compute's "_earlier") use again what an unchanged
        # row (the same list) was turned into, and the criterion sums of unchanged candidacies.
        earlier = payload.pop("_earlier", None)
        before: dict[int, _Prepared] = {}
        if earlier is not None:
            items, earlier_sums, changed = earlier
            before = {id(item.data): item for item in items}
            sums.update((k, v) for k, v in earlier_sums.items() if k not in changed)
        prepared = []
        for data in payload["rows"]:
            item = before.get(id(data))
            fields = None
            if item is not None and item.data is data and item._fields is not None:
                fields = {**item._fields, "sums_memo": sums}
            prepared.append(_Prepared(job_id, data, sums, fields))
        payload["_prepared"] = prepared
    return prepared


def _from_prepared(item: _Prepared) -> ShortlistRow:
    """A fresh row of the request (its own criteria and criterion sums; the rest is shared and
    only ever replaced, never changed in place)."""
    row = object.__new__(ShortlistRow)
    row.__dict__.update(item.fields)
    row.criteria = []
    row.criterion_sums = {}
    return row


def _row(job_id: int, data: list[Any]) -> ShortlistRow:
    """A shortlist row from its cached list (see :func:`compute`)."""
    (
        candidacy_id,
        state,
        candidate_id,
        name,
        email,
        time_zone,
        _planned,
        rounds_done,
        next_round,
        missing,
        tally,
        spread_,
        raw,
        calibrated,
        decision,
        given,
        *_kept,  # the scores behind the calibration, and until when the figures hold
    ) = data
    row = ShortlistRow(
        candidacy=CandidacyView(
            candidacy_id,
            job_id,
            CandidacyState(state),
            CandidateView(candidate_id, name, email, time_zone),
        ),
        rounds_done=rounds_done,
        next_round=next_round,
        missing_assessments=missing,
        spread=spread_,
        raw_score=raw,
        calibrated_score=calibrated,
        last_decision=None
        if decision is None
        else DecisionView(
            decision[0],
            candidacy_id,
            Outcome(decision[1]),
            decision[2],
            decision[3],
            decision[4],
            datetime.fromisoformat(decision[5]),
        ),
        given=given,
    )
    if tally is not None:
        row.recommendations = dict(zip(_RECOMMENDATIONS, tally, strict=True))
    return row


def _per_criterion(pairs: Mapping[str, int]) -> dict[int, list[int]]:
    """``{"12:3": 2, …}`` (how often each criterion:score pair occurs) → ``{12: [0, 0, 2, 0]}``."""
    counts: dict[int, list[int]] = {}
    for pair, n in pairs.items():
        criterion_id, score = pair.split(":")
        per_score = counts.get(int(criterion_id))
        if per_score is None:
            per_score = counts[int(criterion_id)] = [0, 0, 0, 0]
        per_score[int(score) - 1] += n
    return counts


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
    only (its id: enough to sort by it), or none yet (``False``: fill them for the rows of one
    page with :func:`load_criterion_means`).

    ``viewer``: rows of candidacies the viewer still owes an assessment of are withheld (see
    :meth:`ShortlistRow.withhold`) and left out of the chart and the criterion means.

    Statements: the job's cached rows with what the viewer owes (one; :func:`compute`'s on a
    miss), whatever the job's size.
    """
    now = now or utcnow()
    if viewer is None:
        payload, _ = cache.load(job, now, functools.partial(compute, job, now), adopt=_adopt)
        owed_text = None
    else:
        payload, owed_text = _load_with_owed(job, now, viewer)
    wanted_states = {s.value for s in states}
    wanted_ids = None if candidacy_ids is None else set(candidacy_ids)
    prepared = _prepared(job.id, payload)
    shown = [
        item
        for item in prepared
        if (data := item.data)[1] in wanted_states
        and (planned_round_id is None or planned_round_id in data[_PLANNED])
        and (wanted_ids is None or data[0] in wanted_ids)
    ]
    owed: dict[int, int] = _owed_by(owed_text) if owed_text and shown else {}
    withheld = {
        item.data[0]: owed[item.data[0]] for item in shown if item.data[0] in owed
    }
    # The chart counts the shown rows the viewer may see: whole states from the cached totals
    # when no other filter applies, less the withheld rows.
    pair_counts: Counter[str] = Counter()
    by_totals = planned_round_id is None and candidacy_ids is None
    if by_totals:
        for state in wanted_states:
            pair_counts.update(payload["by_state"].get(state, {}))
        for item in shown:
            if item.data[0] in withheld:
                pair_counts.subtract(item.data[_GIVEN].split())
    else:
        for item in shown:
            if item.data[0] not in withheld:
                pair_counts.update(item.data[_GIVEN].split())
    score_counts = {
        cid: counts for cid, counts in _per_criterion(pair_counts).items() if any(counts)
    }

    titles = {int(k): v for k, v in payload["titles"].items()}
    live = [(cid, title) for cid, title in payload["live"]]
    live_ids = {cid for cid, _ in live}
    criteria = live + [
        (cid, titles.get(cid, f"Criterion {cid}"))
        for cid in sorted(set(score_counts) - live_ids, key=lambda cid: (titles.get(cid, ""), cid))
    ]

    def make_row(item: _Prepared) -> ShortlistRow:
        row = _from_prepared(item)
        row.criteria = criteria
        if row.candidacy.id in withheld:
            # Withheld rows count towards nothing the viewer sees: not the chart, not the
            # means.
            row.withhold(withheld[row.candidacy.id])
        elif criterion_means is True:
            row.criterion_sums = row.all_sums
        elif criterion_means is not False:
            sums = row.all_sums
            if criterion_means in sums:
                row.criterion_sums = {criterion_means: sums[criterion_means]}
        return row

    def make_rows() -> list[ShortlistRow]:
        return [make_row(item) for item in shown]

    derived = payload.setdefault("_derived", {})
    if len(derived) > DERIVED_LIMIT:
        derived.clear()  # a bound on what one payload keeps; what is dropped is derived again
    return Shortlist(
        job=job,
        criteria=criteria,
        make_rows=make_rows,
        calibration_scope=payload["scope"],
        total=len(shown),
        withheld=withheld,
        states=tuple(states),
        planned_round_id=planned_round_id,
        distribution=[
            Distribution(
                cid,
                title,
                dict(zip(SCALE, score_counts.get(cid, [0, 0, 0, 0]), strict=True)),
            )
            for cid, title in criteria
        ],
        plan=[(int(k), v) for k, v in payload["titles"].items()],
        derived=derived,
        shown=shown,
        make_row=make_row,
    )


def _owed_by(owed_text: str) -> dict[int, int]:
    """owing.withheld_from() over all the job's candidacies (build() keeps those it shows), as
    read with the cached rows (:func:`_read_with_owed`): the candidacies the viewer owes an
    assessment of, each with the interview they owe it for first."""
    found: dict[int, int] = {}
    for pair in owed_text.split():
        candidacy_id, interview_id = pair.split(":")
        found[int(candidacy_id)] = int(interview_id)
    return found


def _load_with_owed(job: Job, now: datetime, viewer: User) -> tuple[cache.Payload, str | None]:
    """The job's cached rows and what ``viewer`` owes of its candidacies (``candidacy:interview``
    pairs, see :func:`_owed_column`), in one statement. Who owes what is worked out only when
    this process has not remembered it at the job's current generation and rows (every change
    to it raises the generation; the rows' random head tells one database from another, e.g.
    a test's from the next one's)."""
    key = (job.id, viewer.id)
    known = cache.owed_memo.get(key)
    at, head = (-1, "") if known is None else known[0]
    params = {"viewer_id": viewer.id, "owed_at": at, "owed_head": head}
    payload, found = cache.load(
        job,
        now,
        functools.partial(compute, job, now),
        read=_read_with_owed(),
        params=params,
        adopt=_adopt,
    )
    if found is None:
        # The job has no cache row yet (nothing changed it since it was created).
        return payload, db.session.execute(
            sa.select(_owed_column()), {"job_id": job.id, **params}
        ).scalar()
    if known is not None and (found.generation, found.head) == known[0]:
        return payload, known[1]
    if found.head is not None and not cache.changed_here():
        cache.owed_memo.put(key, (found.generation, found.head), found.owed)
    return payload, found.owed


@functools.cache
def _owed_column() -> sa.ScalarSelect[Any]:
    """What the viewer ``:viewer_id`` owes of the job ``:job_id``'s candidacies
    (:func:`owing.owed_interviews`, interviews to come count): ``candidacy:interview`` pairs
    separated by spaces, the earliest interview owed of each candidacy; NULL when nothing.
    Built once per process."""
    seats = (
        owed_interviews(
            sa.bindparam("viewer_id", type_=sa.Integer()),
            sa.select(Candidacy.id).where(Candidacy.job_id == sa.bindparam("job_id")),
        )
        .add_columns(
            sa.func.row_number()
            .over(partition_by=Round.candidacy_id, order_by=(Interview.starts_at, Interview.id))
            .label("nth"),
        )
        .order_by(None)
        .subquery("viewer_owes")
    )
    return (
        sa.select(
            sa.func.aggregate_strings(
                sa.cast(seats.c.candidacy_id, sa.String)
                + ":"
                + sa.cast(seats.c.interview_id, sa.String),
                " ",
            )
        )
        .where(seats.c.nth == 1)
        .scalar_subquery()
    )


@functools.cache
def _read_with_owed() -> sa.Select[Any]:
    """The cache's read of the job ``:job_id`` (:func:`cache.read_statement`) with what the
    viewer ``:viewer_id`` owes (:func:`_owed_column`), worked out only when the job's
    generation and rows' head are not ``:owed_at`` and ``:owed_head`` (those this process
    remembers it at). Read with the rows rather than cached in them, so seating someone on an
    interview to come, or taking them off it, needs no new rows. Built once per process."""
    owed = sa.case(
        (
            sa.and_(
                ShortlistCache.generation == sa.bindparam("owed_at", type_=sa.Integer()),
                cache.head_column() == sa.bindparam("owed_head", type_=sa.String()),
            ),
            sa.null(),
        ),
        else_=_owed_column(),
    )
    return cache.read_statement(owed.label("owed"))


def load_criterion_means(rows: Sequence[ShortlistRow]) -> None:
    """Every criterion's sum and count of submitted ratings for these rows (one page), from
    the cached figures (no statement). Withheld rows stay without means."""
    for row in rows:
        if not row.withheld:
            row.criterion_sums = row.all_sums


def score_distribution(shortlist: Shortlist) -> list[Distribution]:
    """Submitted ratings per criterion and score over the shortlist's candidacies (all pages)."""
    return shortlist.distribution


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


def _spread(sums: Iterable[list[int]]) -> float | None:
    """Population standard deviation of the interviewers' overall means, each from the
    [sum, count] of all their ratings of the candidacy; None with fewer than two of them."""
    means = [total / count for total, count in sums]
    if len(means) < 2:
        return None
    average = sum(means) / len(means)
    return round(math.sqrt(sum((m - average) ** 2 for m in means) / len(means)), 3)


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
            tally = row.recommendations
            return None if tally is None else tally["yes"] + tally["strong_yes"]
        if key == "decided":
            return row.last_decision.created_at if row.last_decision else None
        if key.startswith("criterion:"):
            return row.mean(int(key.split(":", 1)[1]))
        raise ValueError(key)

    by_name = sorted(rows, key=lambda r: (r.candidate.name.casefold(), r.candidacy.id))
    return _by_value([(value(r), r) for r in by_name], descending)


_Item = TypeVar("_Item")


def _by_value(keyed: list[tuple[Any, _Item]], descending: bool) -> list[_Item]:
    """The items of ``keyed`` (value, item), given in name order (then id), in the order of
    their values: ties keep name order in both directions (a stable sort), and items without
    a value come last, in name order. The one ordering of :func:`sort_rows` and
    :func:`sorted_rows`."""
    present = [pair for pair in keyed if pair[0] is not None]
    present.sort(key=operator.itemgetter(0), reverse=descending)
    return [item for _, item in present] + [item for value, item in keyed if value is None]


#: Where a cached row keeps what a sort by these columns compares (see :func:`compute`).
_RAW_SORTS = {
    "rounds_done": _ROUNDS_DONE,
    "missing": _MISSING,
    "spread": _SPREAD,
    "raw": _RAW,
    "calibrated": _CALIBRATED,
}
#: Columns a viewer's withheld row shows blank (they sort with the empty values).
_WITHHELD_SORTS = frozenset({"spread", "raw", "calibrated", "yes"})
_PIPELINE_INDEX = {state.value: n for n, state in enumerate(PIPELINE)}


def _sort_value(key: str) -> Callable[[_Prepared], object]:
    """What :func:`sort_rows` compares for ``key``, read from a cached row (a criterion's
    mean from the row's ratings, parsed once per payload)."""
    if key in _RAW_SORTS:
        index = _RAW_SORTS[key]
        return lambda item: item.data[index]
    if key == "name":
        return lambda item: item.data[_NAME].casefold()
    if key == "state":
        return lambda item: _PIPELINE_INDEX[item.data[_STATE]]
    if key == "yes":
        # No tally cached: none given, which shows as zeros.
        def yes(item: _Prepared) -> int:
            tally = item.data[_TALLY]  # in Recommendation order
            return 0 if tally is None else tally[2] + tally[3]

        return yes
    if key == "decided":
        def decided(item: _Prepared) -> datetime | None:
            decision = item.data[_DECISION]  # [id, outcome, reason, actor, missing, at]
            return None if decision is None else datetime.fromisoformat(decision[5])

        return decided
    if key.startswith("criterion:"):
        criterion_id = int(key.split(":", 1)[1])

        def mean(item: _Prepared) -> float | None:
            found = _memo_sums(item.sums, item.data[0], item.data[_GIVEN]).get(criterion_id)
            return None if found is None else round(found[0] / found[1], 2)

        return mean
    raise ValueError(key)


class _SortedRows(Sequence[ShortlistRow]):
    """Cached rows in a sorted order, made into the viewer's rows only when asked for (a page
    makes its own rows, not every row shown)."""

    def __init__(self, items: list[_Prepared], make: Callable[[_Prepared], ShortlistRow]):
        self._items, self._make = items, make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> ShortlistRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ShortlistRow]: ...

    def __getitem__(self, index: int | slice) -> ShortlistRow | list[ShortlistRow]:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])


def sorted_rows(
    shortlist: Shortlist, key: str, descending: bool = False
) -> Sequence[ShortlistRow]:
    """:func:`sort_rows` of the shortlist's rows, sorted from the cached rows themselves
    (already in name order: a stable sort by the value keeps ties by name, then id) and made
    into rows only where asked for. A row withheld from the viewer sorts with the empty values
    where it shows a blank. A shortlist not read from cached rows sorts its rows."""
    if shortlist.shown is None or shortlist.make_row is None:
        return sort_rows(shortlist.rows, key, descending)
    value = _sort_value(key)
    blank = (
        shortlist.withheld
        if key in _WITHHELD_SORTS or key.startswith("criterion:")
        else {}
    )
    keyed = [
        (None if item.data[0] in blank else value(item), item) for item in shortlist.shown
    ]
    return _SortedRows(_by_value(keyed, descending), shortlist.make_row)


def parse_sort(text: str | None, criteria: Iterable[tuple[int, str]]) -> tuple[str, bool]:
    """``name``, ``-calibrated``, ``criterion:12`` → (key, descending); else RuleViolation."""
    text = (text or "name").strip()
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key in SORTS:
        return key, descending
    if key.startswith("criterion:"):
        wanted = key.split(":", 1)[1]
        # (A bounded length: int() refuses thousands of digits with an error of its own.)
        if wanted.isdigit() and len(wanted) <= 18 and int(wanted) in {cid for cid, _ in criteria}:
            return f"criterion:{int(wanted)}", descending
    raise RuleViolation(
        "sort",
        f"Sort by one of {', '.join(SORTS)} or criterion:<id> of this shortlist; "
        "a leading - sorts descending.",
    )


def asked_criterion(text: str | None) -> int | None:
    """The criterion a sort text asks for (``-criterion:12`` → 12) before it is checked
    against the plan with :func:`parse_sort`, else None."""
    key = (text or "").strip().removeprefix("-")
    wanted = key.removeprefix("criterion:")
    if key.startswith("criterion:") and wanted.isdigit() and len(wanted) <= 18:
        return int(wanted)
    return None
