"""A heartbeat on running jobs, so a dead server's jobs are reclaimed.

The server running a job renews ``jobs.heartbeat_at`` every few seconds; a
running job whose heartbeat is older than a minute or so is put back in the
queue (or failed) by any server. Jobs running while the database is upgraded
have no heartbeat yet and are judged by ``started_at``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ADD COLUMN on both backends, no table rebuild.
    op.add_column(
        "jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # SQLite (3.35 and later) drops a plain column in place.
    op.execute(sa.text("ALTER TABLE jobs DROP COLUMN heartbeat_at"))
