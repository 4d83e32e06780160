"""Calibrated scores: correct for interviewers who rate consistently higher or lower.

Method (shown on the page in one sentence): an interviewer's *leniency* is the average amount by
which their overall score (mean of their ratings in one assessment) sits above the mean of the
other panel members' overall scores on the same interviews, shrunk toward zero when they share
few interviews (``n / (n + PRIOR)``). It is estimated from the job's interviews, or from the
whole organisation when the job has fewer than ``MIN_JOB_COMPARISONS`` shared interviews. A
candidacy's calibrated score is the mean of its assessments' overall scores minus their authors'
leniency; with fewer than ``MIN_ASSESSMENTS`` submitted assessments, or when none of its
interviewers has ``MIN_INTERVIEWER_COMPARISONS`` comparisons, there is too little data and the
score is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

PRIOR = 2.0
MIN_JOB_COMPARISONS = 10
MIN_INTERVIEWER_COMPARISONS = 2
MIN_ASSESSMENTS = 2

METHOD = (
    "Calibrated scores subtract each interviewer's typical lean — how much higher or lower they "
    "score than fellow panel members on the same interviews, shrunk toward zero for interviewers "
    "with few shared interviews."
)


@dataclass(frozen=True)
class Scored:
    """One submitted assessment's overall score."""

    interview_id: int
    interviewer_id: int
    candidacy_id: int
    overall: float


@dataclass(frozen=True)
class Leniency:
    offset: float
    comparisons: int


def leniencies(assessments: Iterable[Scored]) -> dict[int, Leniency]:
    """Each interviewer's leniency from interviews that two or more of them assessed."""
    by_interview: dict[int, list[Scored]] = defaultdict(list)
    for item in assessments:
        by_interview[item.interview_id].append(item)
    return leniencies_from(
        (interviewer_id, difference)
        for items in by_interview.values()
        for interviewer_id, _overall, difference in differences(
            [(i.interviewer_id, i.overall) for i in items]
        )
        if difference is not None
    )


def differences(panel: Sequence[tuple[int, float]]) -> list[tuple[int, float, float | None]]:
    """One interview's assessments as (interviewer, overall score): each with how far its score
    sits above the mean of the others' (None when nobody else assessed it)."""
    if len(panel) < 2:
        return [(interviewer_id, overall, None) for interviewer_id, overall in panel]
    total = sum(overall for _, overall in panel)
    others = len(panel) - 1
    return [
        (interviewer_id, overall, overall - (total - overall) / others)
        for interviewer_id, overall in panel
    ]


def leniencies_from(differences: Iterable[tuple[int, float]]) -> dict[int, Leniency]:
    """Each interviewer's leniency from their (interviewer, difference) pairs, summed in the
    order given."""
    sums: dict[int, list[Any]] = {}
    for interviewer_id, difference in differences:
        found = sums.get(interviewer_id)
        if found is None:
            sums[interviewer_id] = [0.0 + difference, 1]
        else:
            found[0] += difference
            found[1] += 1
    return {
        user_id: Leniency(total / (count + PRIOR), count)
        for user_id, (total, count) in sums.items()
    }


def shared_interviews(assessments: Iterable[Scored]) -> int:
    counts: dict[int, int] = defaultdict(int)
    for item in assessments:
        counts[item.interview_id] += 1
    return sum(1 for n in counts.values() if n >= 2)


def calibrated(items: list[Scored], lean: dict[int, Leniency]) -> float | None:
    return calibrated_from([(i.interviewer_id, i.overall) for i in items], lean)


def calibrated_from(
    scores: Sequence[tuple[int, float]], lean: dict[int, Leniency]
) -> float | None:
    """A candidacy's calibrated score from its assessments' (interviewer, overall score): the
    mean of the scores less their authors' leniency, summed in the order given."""
    if len(scores) < MIN_ASSESSMENTS:
        return None
    enough = False
    total = 0.0
    for interviewer_id, overall in scores:
        known = lean.get(interviewer_id)
        if known is None:
            total += overall
        else:
            total += overall - known.offset
            enough = enough or known.comparisons >= MIN_INTERVIEWER_COMPARISONS
    return round(total / len(scores), 2) if enough else None
