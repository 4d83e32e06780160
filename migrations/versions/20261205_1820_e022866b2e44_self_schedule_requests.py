"""self-scheduling requests: a round offered to the candidate, at most one open per round

Revision ID: e022866b2e44
Revises: c5a1e4d0b713
Create Date: 2026-12-05 16:40:51.164785

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e022866b2e44'
down_revision = 'c5a1e4d0b713'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('self_schedule_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('interviewer_ids', sa.JSON(), nullable=False),
    sa.Column('pool_ids', sa.JSON(), nullable=False),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('starts_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('open', 'booked', 'expired', 'withdrawn', name='self_schedule_state', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('duration_minutes >= 5 AND duration_minutes <= 480', name=op.f('ck_self_schedule_requests_duration_in_range')),
    sa.CheckConstraint('ends_before > starts_after', name=op.f('ck_self_schedule_requests_range_ordered')),
    sa.CheckConstraint('pool_size >= 0', name=op.f('ck_self_schedule_requests_pool_size_not_negative')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_self_schedule_requests_interview_id_interviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offered_by_id'], ['users.id'], name=op.f('fk_self_schedule_requests_offered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_self_schedule_requests_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_schedule_requests'))
    )
    with op.batch_alter_table('self_schedule_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_schedule_requests_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_self_schedule_requests_open_round', ['round_id'], unique=True, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))




def downgrade():

    with op.batch_alter_table('self_schedule_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_self_schedule_requests_open_round', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
        batch_op.drop_index(batch_op.f('ix_self_schedule_requests_round_id'))

    op.drop_table('self_schedule_requests')

