"""invite event identity: UID and ORGANIZER stored per event, backfilled

Revision ID: d99a69b0fa59
Revises: 5b7e2d9c4a11
Create Date: 2026-12-05 15:33:59.849222

Events that already had a message keep the identity their recipients' calendars hold: the UID
the invites were sent with (the earliest invite row of the interview and audience, which is what
today's formula gave) and the ORGANIZER today's configuration gives (``MAIL_FROM`` with
``MAIL_FROM_NAME``, as every earlier message was sent with them).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd99a69b0fa59'
down_revision = '5b7e2d9c4a11'
branch_labels = None
depends_on = None


def _organizer():
    """Today's formula: the configured sender (defaults when run without the app)."""
    try:
        from flask import current_app

        config = current_app.config
        return config.get("MAIL_FROM", "recruiting@coordinator.example"), config.get(
            "MAIL_FROM_NAME", "Recruiting"
        )
    except RuntimeError:
        return "recruiting@coordinator.example", "Interview Coordinator"


def upgrade():
    events = op.create_table('invite_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('candidate', 'panel', name='invite_event_audience', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('organizer_email', sa.String(length=254), nullable=False),
    sa.Column('organizer_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_invite_events_interview_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite_events')),
    sa.UniqueConstraint('interview_id', 'audience', name=op.f('uq_invite_events_interview_id_audience')),
    sa.UniqueConstraint('uid', name=op.f('uq_invite_events_uid'))
    )
    invites = sa.table(
        'invites',
        sa.column('id', sa.Integer()),
        sa.column('interview_id', sa.Integer()),
        sa.column('audience', sa.String()),
        sa.column('uid', sa.String()),
    )
    first = sa.select(sa.func.min(invites.c.id)).group_by(
        invites.c.interview_id, invites.c.audience
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(invites.c.interview_id, invites.c.audience, invites.c.uid)
        .where(invites.c.id.in_(first))
        .order_by(invites.c.id)
    ).all()
    email, name = _organizer()
    now = datetime.now(timezone.utc)
    seen = set()
    backfill = []
    for interview_id, audience, uid in rows:
        if uid in seen:
            continue
        seen.add(uid)
        backfill.append({
            'interview_id': interview_id, 'audience': audience, 'uid': uid,
            'organizer_email': email[:254], 'organizer_name': name[:200], 'created_at': now,
        })
    if backfill:
        op.bulk_insert(events, backfill)


def downgrade():
    op.drop_table('invite_events')
