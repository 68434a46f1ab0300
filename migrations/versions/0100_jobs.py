"""jobs: dispatch and reconciliation columns of post targets

Revision ID: 0100_jobs
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smmflow.db

revision = '0100_jobs'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('post_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatch_job', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', smmflow.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reconcile_first', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_post_targets_dispatch_job', ['dispatch_job'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('post_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_post_targets_dispatch_job')
        batch_op.drop_column('reconcile_first')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('dispatch_job')
