"""shortlist cache: drop stored rows across the change of format (they no longer carry who owes what)

Revision ID: f1a6c3e8b2d7
Revises: d5f2a8c4e961
Create Date: 2026-12-06 04:00:00

Who owes which assessment is now read per viewer with the cached rows instead of being stored
in them. The earlier code cannot read rows stored without it (it would fail on them), so both
directions drop the stored rows as an invalidation does (generation raised, rows cleared) and
the next read computes them in its own format. No schema change.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1a6c3e8b2d7'
down_revision = 'd5f2a8c4e961'
branch_labels = None
depends_on = None

CLEAR = (
    "UPDATE shortlist_caches SET generation = generation + 1, payload = NULL, scope = NULL, "
    "computed_at = NULL, valid_until = NULL"
)


def upgrade():
    op.execute(CLEAR)


def downgrade():
    op.execute(CLEAR)
