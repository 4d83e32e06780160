"""shortlist cache: the candidacies changed since the rows were computed

Revision ID: b8d4e2f6a913
Revises: f1a6c3e8b2d7
Create Date: 2026-12-06 10:20:00

A change that touches some candidacies of a job no longer drops the job's stored rows: it
notes those candidacies in ``changed`` and the next read computes only their rows again (and
the job-wide leniencies, in Python over the figures every row keeps). Rows stored by the
earlier code lack those figures, so both directions drop the stored rows (generation raised,
rows cleared) and the next read computes them in its own format.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8d4e2f6a913'
down_revision = 'f1a6c3e8b2d7'
branch_labels = None
depends_on = None

CLEAR = (
    "UPDATE shortlist_caches SET generation = generation + 1, payload = NULL, scope = NULL, "
    "computed_at = NULL, valid_until = NULL"
)


def upgrade():
    with op.batch_alter_table('shortlist_caches') as batch_op:
        batch_op.add_column(sa.Column('changed', sa.Text(), nullable=True))
    op.execute(CLEAR)


def downgrade():
    op.execute(CLEAR)
    with op.batch_alter_table('shortlist_caches') as batch_op:
        batch_op.drop_column('changed')
