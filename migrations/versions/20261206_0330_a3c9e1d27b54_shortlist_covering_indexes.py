"""shortlist: covering indexes on PostgreSQL for the chain a shortlist reads

Revision ID: a3c9e1d27b54
Revises: c7d1f08e5a32
Create Date: 2026-12-06 03:30:00

A shortlist's rows come from one statement that walks a job's candidacies, their rounds, the
rounds' interviews and the interviews' assessments. On PostgreSQL the indexes it walks by now
also carry the columns it reads (INCLUDE), so each step is an index-only scan instead of a
visit to a heap page per row (the rows of one job lie scattered over the tables). Same names,
same key columns: SQLite's indexes stay as they were (its indexes hold the row id already).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c9e1d27b54'
down_revision = 'c7d1f08e5a32'
branch_labels = None
depends_on = None

#: (index, table, key columns, included columns)
COVERING = (
    ("ix_candidacies_job_state", "candidacies", ["job_id", "state"], ["id", "candidate_id"]),
    ("ix_rounds_candidacy_id", "rounds", ["candidacy_id"], ["id", "planned_round_id"]),
    ("ix_interviews_round_id", "interviews", ["round_id"], ["id", "state", "starts_at", "ends_at"]),
    (
        "ix_assessments_interview_id",
        "assessments",
        ["interview_id"],
        ["state", "interviewer_id", "recommendation", "rating_sum", "rating_count", "rating_scores"],
    ),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, included in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_include=included)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, _ in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
