"""calendar sources: a user's synced calendar, and busy blocks marked uploaded or synced

Revision ID: c5a1e4d0b713
Revises: a7c3e1f2b9d4
Create Date: 2026-12-05 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a1e4d0b713'
down_revision = 'a7c3e1f2b9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ics_url', 'caldav', name='calendar_source_kind', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=True),
    sa.Column('etag', sa.String(length=500), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=2000), nullable=True),
    sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'caldav' OR password_encrypted IS NULL", name=op.f('ck_calendar_sources_password_only_for_caldav')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_sources_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sources')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_sources_user_id'))
    )
    with op.batch_alter_table('calendar_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_sources_next_sync_at'), ['next_sync_at'], unique=False)

    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('uploaded', 'synced', name='busy_source', native_enum=False, create_constraint=True, length=16), server_default='uploaded', nullable=False))



def downgrade():
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_busy_blocks_busy_source'), type_='check')
        batch_op.drop_column('source')

    with op.batch_alter_table('calendar_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_sources_next_sync_at'))

    op.drop_table('calendar_sources')
