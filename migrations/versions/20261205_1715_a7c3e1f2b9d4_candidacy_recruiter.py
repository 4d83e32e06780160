"""candidacy recruiter: the recruiter who owns a candidacy

Revision ID: a7c3e1f2b9d4
Revises: d99a69b0fa59
Create Date: 2026-12-05 17:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e1f2b9d4'
down_revision = 'd99a69b0fa59'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidacies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recruiter_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_candidacies_recruiter_id'), ['recruiter_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_candidacies_recruiter_id_users'), 'users',
                                    ['recruiter_id'], ['id'], ondelete='SET NULL')
    # Existing candidacies: whoever opened them (the audit trail knows), if they still exist.
    op.execute(
        "UPDATE candidacies SET recruiter_id = ("
        " SELECT audit_events.actor_id FROM audit_events"
        " WHERE audit_events.action = 'candidacy.opened'"
        " AND audit_events.candidacy_id = candidacies.id"
        " ORDER BY audit_events.id LIMIT 1)"
    )


def downgrade():
    with op.batch_alter_table('candidacies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_candidacies_recruiter_id_users'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_candidacies_recruiter_id'))
        batch_op.drop_column('recruiter_id')
