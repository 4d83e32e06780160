"""compensation decisions checked by the database

A decided proposal carries its reason, and only a decided proposal names who decided (the
approval itself lives on the proposal row it decides, so it always references that proposal;
``not_self_approved`` keeps refusing an approval by the proposer).

Revision ID: 8c41d2e7a9b3
Revises: 2f1e678bc715
Create Date: 2026-12-05 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8c41d2e7a9b3'
down_revision = '2f1e678bc715'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('compensation_proposals', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_compensation_proposals_decided_has_reason'),
            "approval NOT IN ('approved', 'refused') OR length(decision_reason) > 0",
        )
        batch_op.create_check_constraint(
            op.f('ck_compensation_proposals_decider_only_when_decided'),
            "decided_by_id IS NULL OR approval IN ('approved', 'refused')",
        )


def downgrade():
    with op.batch_alter_table('compensation_proposals', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_compensation_proposals_decider_only_when_decided'), type_='check'
        )
        batch_op.drop_constraint(op.f('ck_compensation_proposals_decided_has_reason'), type_='check')
