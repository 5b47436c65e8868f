"""Media roots per import, so several folders live in one project.

Before, a project kept one folder in ``config["media_root"]`` and every media
path was relative to it. Now each import records its folder as a row of
``media_roots`` and each item points at the root its ``media_path`` is relative
to. A project's old ``media_root`` becomes its first root row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt
import posixpath
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_projects = sa.table(
    "projects", sa.column("id", sa.Integer()), sa.column("config", _JSON)
)
_roots = sa.table(
    "media_roots",
    sa.column("id", sa.Integer()),
    sa.column("project_id", sa.Integer()),
    sa.column("path", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_items = sa.table(
    "items",
    sa.column("id", sa.Integer()),
    sa.column("project_id", sa.Integer()),
    sa.column("media_root_id", sa.Integer()),
    sa.column("media_path", sa.Text()),
)


def _configs(connection: sa.Connection) -> list[tuple[int, dict[str, Any]]]:
    rows = connection.execute(sa.select(_projects.c.id, _projects.c.config)).all()
    return [(pid, dict(config or {})) for pid, config in rows]


def upgrade() -> None:
    op.create_table(
        "media_roots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "path", name="uq_media_roots_project_path"),
    )
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("media_root_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_items_media_root_id_media_roots",
            "media_roots",
            ["media_root_id"],
            ["id"],
            ondelete="CASCADE",
        )
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    for project_id, config in _configs(connection):
        root = config.pop("media_root", None)
        if root:
            root_id = connection.execute(
                sa.insert(_roots)
                .values(project_id=project_id, path=str(root), created_at=now)
                .returning(_roots.c.id)
            ).scalar_one()
            connection.execute(
                sa.update(_items)
                .where(
                    _items.c.project_id == project_id,
                    _items.c.media_path.is_not(None),
                )
                .values(media_root_id=root_id)
            )
        connection.execute(
            sa.update(_projects)
            .where(_projects.c.id == project_id)
            .values(config=config)
        )


def downgrade() -> None:
    # The old schema has one root per project: the first one. Items of later
    # roots keep their file by an absolute path, which the old version serves
    # only when it lies inside that first root.
    connection = op.get_bind()
    roots = connection.execute(
        sa.select(_roots.c.id, _roots.c.project_id, _roots.c.path).order_by(_roots.c.id)
    ).all()
    first: dict[int, str] = {}
    for root_id, project_id, path in roots:
        if project_id not in first:
            first[project_id] = path
            continue
        for item_id, media_path in connection.execute(
            sa.select(_items.c.id, _items.c.media_path).where(
                _items.c.media_root_id == root_id
            )
        ).all():
            connection.execute(
                sa.update(_items)
                .where(_items.c.id == item_id)
                .values(media_path=posixpath.join(path, media_path))
            )
    for project_id, config in _configs(connection):
        if project_id in first:
            config["media_root"] = first[project_id]
            connection.execute(
                sa.update(_projects)
                .where(_projects.c.id == project_id)
                .values(config=config)
            )
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("fk_items_media_root_id_media_roots", type_="foreignkey")
        batch.drop_column("media_root_id")
    op.drop_table("media_roots")
