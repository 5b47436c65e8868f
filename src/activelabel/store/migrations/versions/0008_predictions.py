"""Predictions imported with an item: another model's labels, kept as suggestions.

``activelabel import --as-predictions`` stores a file's labels here instead of
as annotations: one row per item and model name (a re-import of the same
model's file replaces its rows), shown to the annotator as the task's
suggestion when the model loop has none, and never counted as a label.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("item_id", "model_name", name="uq_predictions_item_model"),
    )
    # The loop and the page read a project's predictions for a list of items:
    # the unique constraint (item first) serves that; this one serves counts
    # and deletes per project.
    op.create_index("ix_predictions_project", "predictions", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_predictions_project", table_name="predictions")
    op.drop_table("predictions")
