"""workflow: spec version platforms, overdue reminders, submission feedback

Revision ID: 0200_workflow
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smmflow.db

revision = '0200_workflow'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_reminded_at', smmflow.db.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', smmflow.db.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('tech_spec_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'platforms',
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False, server_default=sa.text("'[]'"),
        ))
    with op.batch_alter_table('tech_spec_versions', schema=None) as batch_op:
        batch_op.alter_column('platforms', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('tech_spec_versions', schema=None) as batch_op:
        batch_op.drop_column('platforms')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('feedback')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('overdue_reminded_at')
