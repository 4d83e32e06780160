"""webhook signing secrets encrypted at rest (Fernet, the calendar-password key configuration)

Existing secrets are encrypted in place; the plain column goes. The key is derived the way
coordinator.crypto derives it (kept here so that this migration does not change with the code):
SHA-256 of the purpose label and ``CALENDAR_KEY`` (or ``SECRET_KEY`` when that is empty).
Downgrade decrypts them back; a token the configured key cannot open stops the downgrade.

Revision ID: 5b1e0c9a7d23
Revises: a7c3e91f2b40
Create Date: 2026-12-05 19:00:00.000000

"""
import base64
import hashlib

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet
from flask import current_app

# revision identifiers, used by Alembic.
revision = '5b1e0c9a7d23'
down_revision = 'a7c3e91f2b40'
branch_labels = None
depends_on = None

_endpoints = sa.table(
    'webhook_endpoints',
    sa.column('id', sa.Integer),
    sa.column('secret', sa.String),
    sa.column('secret_encrypted', sa.String),
)


def _fernet():
    config = current_app.config
    configured = str(config.get('CALENDAR_KEY') or config['SECRET_KEY'])
    digest = hashlib.sha256(b'coordinator webhook secret\0' + configured.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_encrypted', sa.String(length=2000), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_endpoints.c.id, _endpoints.c.secret)).all()
    if rows:
        fernet = _fernet()
        for endpoint_id, secret in rows:
            bind.execute(_endpoints.update().where(_endpoints.c.id == endpoint_id).values(
                secret_encrypted=fernet.encrypt(secret.encode()).decode()))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('secret_encrypted', existing_type=sa.String(length=2000),
                              nullable=False)
        batch_op.drop_column('secret')


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_endpoints.c.id, _endpoints.c.secret_encrypted)).all()
    if rows:
        fernet = _fernet()
        for endpoint_id, token in rows:
            bind.execute(_endpoints.update().where(_endpoints.c.id == endpoint_id).values(
                secret=fernet.decrypt(token.encode()).decode()))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('secret_encrypted')
