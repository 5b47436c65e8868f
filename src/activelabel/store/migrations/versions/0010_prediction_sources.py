"""Imported predictions as suggestions of classification and label-set projects.

* ``queue.suggestion_source`` grows from 32 to 240 characters: a queued
  suggestion taken from an imported prediction says whose it is,
  ``prediction:<model name>``, and a model's name may be 200 characters.
* ``predictions.label_scores``: a label-set prediction's score per label
  (``{"spam": 0.9, "promo": 0.2}``), when the file gave them; NULL otherwise.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Batch mode: SQLite alters a column's type only by rebuilding the table
    # (the queue holds the top of the pool, not the pool: a small copy).
    with op.batch_alter_table("queue") as batch:
        batch.alter_column(
            "suggestion_source",
            existing_type=sa.String(32),
            type_=sa.String(240),
            existing_nullable=True,
        )
    op.add_column("predictions", sa.Column("label_scores", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("label_scores")
    with op.batch_alter_table("queue") as batch:
        batch.alter_column(
            "suggestion_source",
            existing_type=sa.String(240),
            type_=sa.String(32),
            existing_nullable=True,
        )
