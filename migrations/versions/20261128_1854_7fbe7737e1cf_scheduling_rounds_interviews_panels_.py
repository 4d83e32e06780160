"""scheduling: rounds, interviews, panels, availability, limits

Revision ID: 7fbe7737e1cf
Revises: 62c398e040a7
Create Date: 2026-11-28 18:54:53.521667

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7fbe7737e1cf'
down_revision = '62c398e040a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('busy_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_busy_blocks_ends_after_start')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_busy_blocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_blocks'))
    )
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.create_index('ix_busy_blocks_user_starts', ['user_id', 'starts_at'], unique=False)

    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute', name=op.f('ck_working_hours_minutes_in_range')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_hours_weekday_in_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_working_hours_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours')),
    sa.UniqueConstraint('user_id', 'weekday', 'start_minute', name=op.f('uq_working_hours_user_id_weekday_start_minute'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_hours_user_id'), ['user_id'], unique=False)

    op.create_table('candidate_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidacy_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Enum('recruiter', 'candidate', name='availability_source', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_candidate_availability_ends_after_start')),
    sa.ForeignKeyConstraint(['candidacy_id'], ['candidacies.id'], name=op.f('fk_candidate_availability_candidacy_id_candidacies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_availability'))
    )
    with op.batch_alter_table('candidate_availability', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_availability_candidacy_starts', ['candidacy_id', 'starts_at'], unique=False)

    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidacy_id', sa.Integer(), nullable=False),
    sa.Column('planned_round_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('open', 'done', 'cancelled', name='round_state', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidacy_id'], ['candidacies.id'], name=op.f('fk_rounds_candidacy_id_candidacies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['planned_round_id'], ['planned_rounds.id'], name=op.f('fk_rounds_planned_round_id_planned_rounds'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('candidacy_id', 'planned_round_id', name=op.f('uq_rounds_candidacy_id_planned_round_id'))
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rounds_candidacy_id'), ['candidacy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rounds_planned_round_id'), ['planned_round_id'], unique=False)

    op.create_table('interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'cancelled', name='interview_state', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('is_recorded_past', sa.Boolean(), nullable=False),
    sa.Column('relationships_override_reason', sa.String(length=1000), nullable=True),
    sa.Column('cancel_reason', sa.String(length=1000), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'cancelled') = (cancelled_at IS NOT NULL)", name=op.f('ck_interviews_cancelled_has_time')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_interviews_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_interviews_sequence_not_negative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_interviews_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_interviews_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interviews'))
    )
    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.create_index('ix_interviews_candidate_starts', ['candidate_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_interviews_round_id'), ['round_id'], unique=False)

    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sa.Enum('colleague', 'peer', 'supervisor', 'hiring_manager', name='panel_relationship', native_enum=False, create_constraint=True, length=22), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_panel_members_ends_after_start')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_panel_members_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_members_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    sa.UniqueConstraint('interview_id', 'user_id', name=op.f('uq_panel_members_interview_id_user_id'))
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_members_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_panel_members_user_starts', ['user_id', 'starts_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_interviews_per_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_interviews_per_week', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_users_day_limit_valid'),
            'max_interviews_per_day IS NULL OR max_interviews_per_day >= 0')
        batch_op.create_check_constraint(
            op.f('ck_users_week_limit_valid'),
            'max_interviews_per_week IS NULL OR max_interviews_per_week >= 0')



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_week_limit_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_day_limit_valid'), type_='check')
        batch_op.drop_column('max_interviews_per_week')
        batch_op.drop_column('max_interviews_per_day')

    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_index('ix_panel_members_user_starts')
        batch_op.drop_index(batch_op.f('ix_panel_members_interview_id'))

    op.drop_table('panel_members')
    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interviews_round_id'))
        batch_op.drop_index('ix_interviews_candidate_starts')

    op.drop_table('interviews')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rounds_planned_round_id'))
        batch_op.drop_index(batch_op.f('ix_rounds_candidacy_id'))

    op.drop_table('rounds')
    with op.batch_alter_table('candidate_availability', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_availability_candidacy_starts')

    op.drop_table('candidate_availability')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_hours_user_id'))

    op.drop_table('working_hours')
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_blocks_user_starts')

    op.drop_table('busy_blocks')
