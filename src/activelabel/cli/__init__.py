"""The ``activelabel`` command line: one module per group of commands."""

from __future__ import annotations

from activelabel.cli import (  # noqa: F401  (registers commands)
    auto_accept,
    data,
    keys,
    label_issues,
    label_schema,
    projects,
    quality,
    query,
    serve,
    settings,
    weak_stats,
)
from activelabel.cli.app import app
from activelabel.cli.database import db_app
from activelabel.cli.simulate import simulate_command
from activelabel.cli.taxonomy import taxonomy_app
from activelabel.cli.users import user_app
from activelabel.cli.weak import lf_app

app.command("simulate")(simulate_command)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")
app.add_typer(label_schema.labels_app, name="labels")
app.add_typer(lf_app, name="lf")
app.add_typer(taxonomy_app, name="taxonomy")

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``activelabel`` script."""
    app()
