"""mail transport status: why delivery is paused

Revision ID: 5b7e2d9c4a11
Revises: eeb6ba375091
Create Date: 2026-12-05 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2d9c4a11'
down_revision = 'eeb6ba375091'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_transport_status',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('problem', sa.String(length=2000), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_mail_transport_status_single_row')),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_mail_transport_status_failures_not_negative')),
    sa.CheckConstraint('(problem IS NULL) = (failed_at IS NULL)', name=op.f('ck_mail_transport_status_problem_has_time')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_transport_status'))
    )


def downgrade():
    op.drop_table('mail_transport_status')
