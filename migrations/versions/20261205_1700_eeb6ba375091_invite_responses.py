"""invite responses: each panel member's and the candidate's answer to their invite

Revision ID: eeb6ba375091
Revises: 5e55c0de1a11
Create Date: 2026-12-05 15:34:02.670491

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eeb6ba375091'
down_revision = '5e55c0de1a11'
branch_labels = None
depends_on = None

RESPONSES = ('needs_action', 'accepted', 'tentative', 'declined')


def _response(name):
    return sa.Enum(*RESPONSES, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidate_response', _response('candidate_response'),
                                      nullable=False, server_default='needs_action'))
        batch_op.add_column(sa.Column('candidate_responded_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('candidate_response_comment', sa.String(length=1000),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.alter_column('candidate_response', server_default=None)
        batch_op.alter_column('candidate_response_comment', server_default=None)
        batch_op.create_check_constraint(
            'candidate_response_has_time',
            "(candidate_response = 'needs_action') = (candidate_responded_at IS NULL)")

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index('ix_invites_uid', ['uid'], unique=False)

    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response', _response('panel_response'),
                                      nullable=False, server_default='needs_action'))
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('response_comment', sa.String(length=1000),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.alter_column('response', server_default=None)
        batch_op.alter_column('response_comment', server_default=None)
        batch_op.create_check_constraint(
            'response_has_time', "(response = 'needs_action') = (responded_at IS NULL)")


def downgrade():
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_panel_members_response_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_panel_members_panel_response'), type_='check')
        batch_op.drop_column('response_comment')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('response')

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index('ix_invites_uid')

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_interviews_candidate_response_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_interviews_candidate_response'), type_='check')
        batch_op.drop_column('candidate_response_comment')
        batch_op.drop_column('candidate_responded_at')
        batch_op.drop_column('candidate_response')
