"""assessments and ratings

Revision ID: c3c9ceedf1c6
Revises: 9f911ab875f7
Create Date: 2026-11-28 19:06:29.375196

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c9ceedf1c6'
down_revision = '9f911ab875f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('interviewer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', name='assessment_state', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('recommendation', sa.Enum('strong_no', 'no', 'yes', 'strong_yes', name='recommendation', native_enum=False, create_constraint=True, length=18), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('notes_for_later', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'submitted') = (submitted_at IS NOT NULL)", name=op.f('ck_assessments_submitted_has_time')),
    sa.CheckConstraint("state != 'submitted' OR recommendation IS NOT NULL", name=op.f('ck_assessments_submitted_has_recommendation')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_assessments_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'], name=op.f('fk_assessments_interviewer_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('interview_id', 'interviewer_id', name=op.f('uq_assessments_interview_id_interviewer_id'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_assessments_interviewer_state', ['interviewer_id', 'state'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('criterion_title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.CheckConstraint('score >= 1 AND score <= 4', name=op.f('ck_ratings_score_on_scale')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_ratings_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_ratings_criterion_id_criteria'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('assessment_id', 'criterion_id', name=op.f('uq_ratings_assessment_id_criterion_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_criterion', ['criterion_id'], unique=False)

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_interviews_scheduled_by_id_users'), 'users', ['scheduled_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_interviews_scheduled_by_id_users'), type_='foreignkey')
        batch_op.drop_column('scheduled_by_id')

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_criterion')

    op.drop_table('ratings')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_interviewer_state')
        batch_op.drop_index(batch_op.f('ix_assessments_interview_id'))

    op.drop_table('assessments')
