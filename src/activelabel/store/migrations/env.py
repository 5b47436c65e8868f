"""Alembic environment: runs migrations on the connection activelabel hands over."""

from __future__ import annotations

from alembic import context

from activelabel.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via the alembic CLI
    raise RuntimeError("Run migrations through activelabel.store.open_store().")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
