"""Roles for users (admin, reviewer, annotator), revoked tokens, last use.

``is_admin`` is migrated into ``role`` and kept, written in step with the
role and read by nothing: dropping a column on SQLite means rebuilding the
table, and rebuilding ``users`` under ``foreign_keys=ON`` would set every
annotation's ``annotator_id`` to NULL (``ON DELETE SET NULL``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("role", "revoked_at", "last_used_at")


def upgrade() -> None:
    # Plain ADD COLUMNs (a constant default needs no table rebuild on SQLite).
    op.add_column(
        "users",
        sa.Column("role", sa.String(16), nullable=False, server_default="annotator"),
    )
    op.add_column(
        "users", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "users", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
    )
    users = sa.table("users", sa.column("role", sa.String), sa.column("is_admin"))
    op.execute(users.update().where(users.c.is_admin == sa.true()).values(role="admin"))


def downgrade() -> None:
    users = sa.table("users", sa.column("role", sa.String), sa.column("is_admin"))
    op.execute(users.update().values(is_admin=users.c.role == "admin"))
    # SQLite (3.35 and later) drops a plain column in place; a batch rebuild
    # would null every annotation's annotator (see the module's docstring).
    for column in _NEW_COLUMNS:
        op.execute(sa.text(f"ALTER TABLE users DROP COLUMN {column}"))
