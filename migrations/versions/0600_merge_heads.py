"""Merge the branches of the jobs, workflow, notifications and inbox/metrics migrations.

Revision ID: 0600
Revises: 0100_jobs, 0200_workflow, 0400_notifications, 0500
Create Date: 2026-11-26
"""

from __future__ import annotations

revision = "0600"
down_revision = ("0100_jobs", "0200_workflow", "0400_notifications", "0500")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
