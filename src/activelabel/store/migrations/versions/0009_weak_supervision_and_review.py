"""Weak supervision and quality assurance: what labeling functions, reviewers,
gold items, guidelines and label schema changes store.

* ``labeling_functions``: keyword, regex, Python and alias functions of a
  project, with what was applied (``applied_version``, ``applied_max_item_id``,
  ``applied_items``) so applying is incremental; a function that raised or ran
  past its limit is disabled with ``disabled_reason``.
* ``lf_outputs``: the label matrix, one row per item, function and emitted
  label (an abstain is no row), so a million items with a few per cent
  coverage stay a few rows per function.
* ``weak_labels``: the label model's label of an item with its confidence,
  one per item (the latest fit replaces it).
* ``queue.suggestion_source``: who suggested the queued label (NULL: the
  round's model; ``rules``: the label model).
* ``reviews``: a reviewer's decision on an item (accepted, corrected,
  rejected, with a note); the newest is the item's review state.
* ``gold_answers``: items with a known answer (honeypots).
* ``guidelines``: a project's instructions, in Markdown.
* ``label_changes``: labels added, renamed and retired, kept as history.
* ``label_issues``: items the mislabel finder ranks as likely mislabeled.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _project() -> sa.Column[int]:
    return sa.Column(
        "project_id",
        sa.Integer(),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    )


def _item(nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        "item_id",
        sa.Integer(),
        sa.ForeignKey("items.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def _user(name: str) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
    )


def _created() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "labeling_functions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.Column("applied_max_item_id", sa.Integer(), nullable=True),
        sa.Column("applied_items", sa.Integer(), nullable=False, server_default="0"),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("project_id", "name", name="uq_lfs_project_name"),
    )
    op.create_table(
        "lf_outputs",
        _project(),
        sa.Column(
            "lf_id",
            sa.Integer(),
            sa.ForeignKey("labeling_functions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _item(),
        sa.Column("label", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("lf_id", "item_id", "label", name="pk_lf_outputs"),
    )
    op.create_index(
        "ix_lf_outputs_project_item", "lf_outputs", ["project_id", "item_id"]
    )
    op.create_table(
        "weak_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project(),
        _item(),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("label_model", sa.String(64), nullable=False),
        _created(),
        sa.UniqueConstraint("item_id", name="uq_weak_labels_item"),
    )
    op.create_index("ix_weak_labels_project", "weak_labels", ["project_id"])
    op.add_column("queue", sa.Column("suggestion_source", sa.String(32), nullable=True))
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project(),
        _item(),
        sa.Column(
            "annotation_id",
            sa.Integer(),
            sa.ForeignKey("annotations.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _user("reviewer_id"),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("value", _JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _created(),
    )
    op.create_index("ix_reviews_project_item", "reviews", ["project_id", "item_id"])
    op.create_table(
        "gold_answers",
        _project(),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("value", _JSON, nullable=False),
        _created(),
    )
    op.create_index("ix_gold_answers_project", "gold_answers", ["project_id"])
    op.create_table(
        "guidelines",
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("markdown", sa.Text(), nullable=False),
        _user("updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "label_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project(),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("new_label", sa.String(200), nullable=True),
        sa.Column("items_touched", sa.Integer(), nullable=False, server_default="0"),
        _user("changed_by"),
        _created(),
    )
    op.create_index("ix_label_changes_project", "label_changes", ["project_id"])
    op.create_table(
        "label_issues",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project(),
        _item(),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("given", _JSON, nullable=True),
        sa.Column("suggested", _JSON, nullable=True),
        sa.Column(
            "model_version_id",
            sa.Integer(),
            sa.ForeignKey("model_versions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _created(),
        sa.UniqueConstraint("project_id", "item_id", name="uq_label_issues_item"),
    )


def downgrade() -> None:
    op.drop_table("label_issues")
    op.drop_index("ix_label_changes_project", table_name="label_changes")
    op.drop_table("label_changes")
    op.drop_table("guidelines")
    op.drop_index("ix_gold_answers_project", table_name="gold_answers")
    op.drop_table("gold_answers")
    op.drop_index("ix_reviews_project_item", table_name="reviews")
    op.drop_table("reviews")
    with op.batch_alter_table("queue") as batch:
        batch.drop_column("suggestion_source")
    op.drop_index("ix_weak_labels_project", table_name="weak_labels")
    op.drop_table("weak_labels")
    op.drop_index("ix_lf_outputs_project_item", table_name="lf_outputs")
    op.drop_table("lf_outputs")
    op.drop_table("labeling_functions")
