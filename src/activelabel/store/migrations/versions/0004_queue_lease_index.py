"""Index the queue by lease holder, so leasing never scans the whole queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_queue_leased_by", "queue", ["leased_by"])


def downgrade() -> None:
    op.drop_index("ix_queue_leased_by", table_name="queue")
