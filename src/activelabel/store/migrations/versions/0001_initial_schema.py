"""Initial schema: users, projects, items, annotations, model versions, sessions.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _created() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("modality", sa.String(32), nullable=False),
        sa.Column("labels", _json(), nullable=False),
        sa.Column("config", _json(), nullable=False),
        _created(),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        _created(),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("media_path", sa.Text(), nullable=True),
        _created(),
        sa.UniqueConstraint(
            "project_id", "external_id", name="uq_items_project_external"
        ),
    )
    op.create_index("ix_items_project_hash", "items", ["project_id", "content_hash"])
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("n_labels", sa.Integer(), nullable=False),
        sa.Column("featurizer", sa.String(200), nullable=False),
        sa.Column("cv_score", sa.Float(), nullable=True),
        sa.Column("metrics", _json(), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=True),
        _created(),
    )
    op.create_index("ix_model_versions_project_id", "model_versions", ["project_id"])
    op.create_table(
        "query_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "model_version_id",
            sa.Integer(),
            sa.ForeignKey("model_versions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("n_queued", sa.Integer(), nullable=False),
        _created(),
    )
    op.create_index("ix_query_sessions_project_id", "query_sessions", ["project_id"])
    op.create_table(
        "annotations",
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
        sa.Column(
            "annotator_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("value", _json(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("query_sessions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "model_version_id",
            sa.Integer(),
            sa.ForeignKey("model_versions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("seconds_spent", sa.Float(), nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_annotations_item", "annotations", ["item_id"])
    op.create_index(
        "ix_annotations_project_status", "annotations", ["project_id", "status"]
    )


def downgrade() -> None:
    for table in (
        "annotations",
        "query_sessions",
        "model_versions",
        "items",
        "users",
        "projects",
    ):
        op.drop_table(table)
