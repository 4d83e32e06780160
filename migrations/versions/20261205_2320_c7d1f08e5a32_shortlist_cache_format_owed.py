"""shortlist cache: drop the stored rows of the earlier format (they now carry who owes what)

Revision ID: c7d1f08e5a32
Revises: 5e1f5c7a9d21
Create Date: 2026-12-05 23:20:00

The cached rows' JSON changed shape (one statement computes them now, and they carry every
interviewer's owed assessments, read by the independence rule on a hit). Rows stored by the
earlier code are dropped here, as an invalidation does (generation raised, rows cleared), so
the next read computes them anew. No schema change.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c7d1f08e5a32'
down_revision = '5e1f5c7a9d21'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE shortlist_caches SET generation = generation + 1, payload = NULL, scope = NULL, "
        "computed_at = NULL, valid_until = NULL"
    )


def downgrade():
    # The earlier code cannot read rows of this format either.
    upgrade()
