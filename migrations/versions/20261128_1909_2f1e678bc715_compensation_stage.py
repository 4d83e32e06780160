"""compensation stage

Revision ID: 2f1e678bc715
Revises: 3d37d8c5f78d
Create Date: 2026-11-28 19:09:43.813528

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2f1e678bc715'
down_revision = '3d37d8c5f78d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('compensation_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidacy_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('open', 'agreed', 'declined', 'withdrawn', name='compensation_state', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('expected_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('expected_currency', sa.String(length=3), nullable=True),
    sa.Column('expected_period', sa.Enum('year', 'month', 'hour', name='expected_period', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.Column('bonus_notes', sa.String(length=2000), nullable=False),
    sa.Column('equity_notes', sa.String(length=2000), nullable=False),
    sa.Column('earliest_start', sa.Date(), nullable=True),
    sa.Column('notice_period', sa.String(length=200), nullable=False),
    sa.Column('expected_notes', sa.String(length=4000), nullable=False),
    sa.Column('conversion_note', sa.String(length=1000), nullable=False),
    sa.Column('outcome_reason', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'open') = (closed_at IS NULL)", name=op.f('ck_compensation_stages_closed_has_time')),
    sa.CheckConstraint('(expected_amount IS NULL) = (expected_currency IS NULL)', name=op.f('ck_compensation_stages_expected_has_currency')),
    sa.CheckConstraint('expected_amount IS NULL OR expected_amount >= 0', name=op.f('ck_compensation_stages_expected_not_negative')),
    sa.ForeignKeyConstraint(['candidacy_id'], ['candidacies.id'], name=op.f('fk_compensation_stages_candidacy_id_candidacies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compensation_stages')),
    sa.UniqueConstraint('candidacy_id', name=op.f('uq_compensation_stages_candidacy_id'))
    )
    op.create_table('compensation_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period', sa.Enum('year', 'month', 'hour', name='proposal_period', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.Column('notes', sa.String(length=4000), nullable=False),
    sa.Column('conversion_note', sa.String(length=1000), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approval', sa.Enum('not_needed', 'pending', 'approved', 'refused', name='proposal_approval', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=2000), nullable=False),
    sa.CheckConstraint("(approval IN ('approved', 'refused')) = (decided_at IS NOT NULL)", name=op.f('ck_compensation_proposals_decided_has_time')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_compensation_proposals_amount_not_negative')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id != proposed_by_id', name=op.f('ck_compensation_proposals_not_self_approved')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_compensation_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_compensation_proposals_proposed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['compensation_stages.id'], name=op.f('fk_compensation_proposals_stage_id_compensation_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compensation_proposals')),
    sa.UniqueConstraint('stage_id', 'position', name=op.f('uq_compensation_proposals_stage_id_position'))
    )
    with op.batch_alter_table('compensation_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compensation_proposals_stage_id'), ['stage_id'], unique=False)



def downgrade():
    with op.batch_alter_table('compensation_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compensation_proposals_stage_id'))

    op.drop_table('compensation_proposals')
    op.drop_table('compensation_stages')
