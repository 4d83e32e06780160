"""self-scheduling reschedule cutoff, interview (session) titles, covering busy-time index

Revision ID: 5e1f5c7a9d21
Revises: 5b8e2d4c9a17
Create Date: 2026-12-05 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f5c7a9d21'
down_revision = '5b8e2d4c9a17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('self_schedule_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reschedule_cutoff_hours', sa.Integer(), server_default='24', nullable=False))
        batch_op.create_check_constraint(
            'reschedule_cutoff_in_range',
            'reschedule_cutoff_hours >= 0 AND reschedule_cutoff_hours <= 336',
        )

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_blocks_user_starts')
        batch_op.create_index('ix_busy_blocks_user_starts_ends', ['user_id', 'starts_at', 'ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_blocks_user_starts_ends')
        batch_op.create_index('ix_busy_blocks_user_starts', ['user_id', 'starts_at'], unique=False)

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.drop_column('title')

    with op.batch_alter_table('self_schedule_requests', schema=None) as batch_op:
        batch_op.drop_constraint('reschedule_cutoff_in_range', type_='check')
        batch_op.drop_column('reschedule_cutoff_hours')
