"""A cache miss computes a job's rows in a fixed, small number of statements."""

from __future__ import annotations

from coordinator.candidates.operations import update_candidate
from coordinator.db import db
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
    """The plan, then every row with its figures (leniencies worked out in Python from the
    scores the rows carry); who owes what is read per viewer, not at a miss."""
    payload, queries = _computed(varied.job, count_queries)
    assert payload["scope"] == "job"
    assert queries.count == 2, str(queries)


def test_a_miss_of_a_thin_job_adds_the_organisation_sample(
    varied,  # noqa: F811
    count_queries,
):
    """The job's own scores come with its rows; only the organisation's sample is read on."""
    payload, queries = _computed(varied.thin, count_queries)
    assert payload["scope"] == "organisation"
    assert queries.count == 3, str(queries)


def test_a_read_after_a_change_to_one_candidacy_reads_only_its_row_again(
    varied,  # noqa: F811
    recruiter,
    count_queries,
):
    """The stored rows stay; the read computes the changed candidacy's row in one statement
    (no plan, no other row) and stores the rows with every calibrated score worked out."""
    job, candidacy = varied.job, varied.made[4]
    aggregates.build(job)
    db.session.commit()
    update_candidate(candidacy.candidate, actor=recruiter, name="Renamed Once")
    db.session.commit()
    assert job.id and candidacy.id
    with count_queries() as queries:
        shown = {row.candidacy.id: row for row in aggregates.build(job).rows}
    assert shown[candidacy.id].candidate.name == "Renamed Once"
    # The cache's read, the candidacy's row, the store.
    assert queries.count == 3, str(queries)
    assert "candidacies.id IN (" in queries.statements[1], queries.statements[1]
    assert "planned_rounds" not in " ".join(queries.statements)


def test_a_read_after_a_change_to_one_candidacy_turns_only_its_row_again(
    varied,  # noqa: F811
    recruiter,
    monkeypatch,
):
    """The process turns the stored rows into shortlist rows once; after a change that moves
    no score, only the changed candidacy's row is turned again (the others are the same)."""
    job, candidacy = varied.job, varied.made[4]
    before = {row.candidacy.id: row for row in aggregates.build(job).rows}
    db.session.commit()
    update_candidate(candidacy.candidate, actor=recruiter, name="Renamed Twice")
    db.session.commit()
    turned = []
    real = aggregates._row
    monkeypatch.setattr(
        aggregates, "_row", lambda job_id, data: turned.append(data[0]) or real(job_id, data)
    )
    after = {row.candidacy.id: row for row in aggregates.build(job).rows}
    assert turned == [candidacy.id]
    assert after[candidacy.id].candidate.name == "Renamed Twice"
    assert {k: (r.raw_score, r.calibrated_score) for k, r in after.items()} == {
        k: (r.raw_score, r.calibrated_score) for k, r in before.items()
    }
