"""shortlist decisions

Revision ID: 3d37d8c5f78d
Revises: c3c9ceedf1c6
Create Date: 2026-11-28 19:08:26.518872

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d37d8c5f78d'
down_revision = 'c3c9ceedf1c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidacy_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('advance', 'hold', 'reject', 'offer', name='decision_outcome', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('reason', sa.String(length=4000), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('missing_assessments', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_decisions_reason_not_empty')),
    sa.CheckConstraint('missing_assessments >= 0', name=op.f('ck_decisions_missing_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_decisions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidacy_id'], ['candidacies.id'], name=op.f('fk_decisions_candidacy_id_candidacies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_candidacy', ['candidacy_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_candidacy')

    op.drop_table('decisions')
