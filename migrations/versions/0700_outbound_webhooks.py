"""outbound webhooks: subscriptions and deliveries

Revision ID: 0700
Revises: 0600
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smmflow.db

revision = '0700'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbound_webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('events', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', smmflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_outbound_webhooks_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outbound_webhooks_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_webhooks'))
    )
    with op.batch_alter_table('outbound_webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_webhooks_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_webhooks_is_active'), ['is_active'], unique=False)

    op.create_table('outbound_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', smmflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', smmflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', smmflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['webhook_id'], ['outbound_webhooks.id'], name=op.f('fk_outbound_deliveries_webhook_id_outbound_webhooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_deliveries'))
    )
    with op.batch_alter_table('outbound_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbound_deliveries_webhook_id_id', ['webhook_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbound_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_deliveries_webhook_id_id')
        batch_op.drop_index('ix_outbound_deliveries_due')

    op.drop_table('outbound_deliveries')
    with op.batch_alter_table('outbound_webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_webhooks_is_active'))
        batch_op.drop_index(batch_op.f('ix_outbound_webhooks_client_id'))

    op.drop_table('outbound_webhooks')
