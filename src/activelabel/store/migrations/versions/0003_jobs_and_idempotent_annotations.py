"""Jobs for the background trainer; idempotent annotations; queue scores.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.add_column(sa.Column("client_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column(
                "accepted_suggestion",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.create_unique_constraint("uq_annotations_client_id", ["client_id"])
    with op.batch_alter_table("queue") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_project_state", "jobs", ["project_id", "state"])


def downgrade() -> None:
    op.drop_table("jobs")
    with op.batch_alter_table("queue") as batch:
        batch.drop_column("score")
    with op.batch_alter_table("annotations") as batch:
        batch.drop_constraint("uq_annotations_client_id", type_="unique")
        batch.drop_column("accepted_suggestion")
        batch.drop_column("client_id")
