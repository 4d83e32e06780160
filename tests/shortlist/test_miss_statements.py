"""A cache miss computes a job's rows in a fixed, small number of statements."""

from __future__ import annotations

from coordinator.shortlist import aggregates
from coordinator.timeutil import utcnow
from tests.shortlist.test_cache_equivalence import varied  # noqa: F401 (a fixture)


def _computed(job, count_queries):
    """The job's computed rows and the statements computing them took."""
    assert job.id  # loaded before counting
    with count_queries() as queries:
        payload, _ = aggregates.compute(job, utcnow())
    return payload, queries


def test_a_miss_computes_a_job_calibrated_on_its_own_in_two_statements(varied, count_queries):  # noqa: F811
    """The plan, then every row with its figures (leniencies estimated in SQL); who owes what
    is read per viewer, not at a miss."""
    payload, queries = _computed(varied.job, count_queries)
    assert payload["scope"] == "job"
    assert queries.count == 2, str(queries)


def test_a_miss_of_a_thin_job_adds_its_scores_and_the_organisation_sample(
    varied,  # noqa: F811
    count_queries,
):
    payload, queries = _computed(varied.thin, count_queries)
    assert payload["scope"] == "organisation"
    assert queries.count == 4, str(queries)
