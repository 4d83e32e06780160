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
from collections.abc import Iterable
from dataclasses import dataclass

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
    diffs: dict[int, list[float]] = defaultdict(list)
    for items in by_interview.values():
        if len(items) < 2:
            continue
        total = sum(i.overall for i in items)
        for item in items:
            others = (total - item.overall) / (len(items) - 1)
            diffs[item.interviewer_id].append(item.overall - others)
    return {
        user_id: Leniency(sum(values) / (len(values) + PRIOR), len(values))
        for user_id, values in diffs.items()
    }


def shared_interviews(assessments: Iterable[Scored]) -> int:
    counts: dict[int, int] = defaultdict(int)
    for item in assessments:
        counts[item.interview_id] += 1
    return sum(1 for n in counts.values() if n >= 2)


def calibrated(items: list[Scored], lean: dict[int, Leniency]) -> float | None:
    if len(items) < MIN_ASSESSMENTS:
        return None
    known = [lean.get(i.interviewer_id) for i in items]
    if not any(k is not None and k.comparisons >= MIN_INTERVIEWER_COMPARISONS for k in known):
        return None
    adjusted = [
        i.overall - (k.offset if k is not None else 0.0) for i, k in zip(items, known, strict=True)
    ]
    return round(sum(adjusted) / len(adjusted), 2)
