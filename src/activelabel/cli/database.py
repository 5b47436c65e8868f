"""Commands about the database itself: db upgrade, db info."""

from __future__ import annotations

import typer

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, console
from activelabel.config import resolve_db_url
from activelabel.store.engine import (
    current_revision,
    head_revision,
    open_store,
)

db_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="Inspect and upgrade the database schema.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
def db_upgrade_command(db: DbOption = None) -> None:
    """Apply pending schema migrations (every command also does this on open)."""
    url = resolve_db_url(db)
    store = open_store(url)
    console.print(
        f"{store.url} is at schema revision {current_revision(store.engine)}."
    )


@db_app.command("info")
def db_info_command(db: DbOption = None) -> None:
    """Show the database URL, backend and schema revision, without changing anything."""
    url = resolve_db_url(db)
    store = open_store(url, migrate=False)
    revision = current_revision(store.engine)
    console.print(f"database: {store.url} ({store.dialect})")
    console.print(
        f"schema revision: {revision or 'empty'} (this version needs {head_revision()})"
    )
    store.close()
