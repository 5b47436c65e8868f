"""Commands about annotators: user add, user list."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, console, open_db
from activelabel.store.users import add_user, list_users

user_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="Manage annotators and their tokens.",
    no_args_is_help=True,
)


@user_app.command("add")
def user_add_command(
    name: Annotated[
        str, typer.Argument(help="The annotator's name, shown on their labels.")
    ],
    admin: Annotated[
        bool, typer.Option(help="May retrain, export and manage projects.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add an annotator and print their token (shown only once)."""
    store = open_db(db)
    with store.session() as session:
        user, token = add_user(session, name=name, is_admin=admin)
    console.print(
        f"Added annotator [bold]{user.name}[/]. Token (keep it; it is not shown again):"
    )
    typer.echo(token)


@user_app.command("list")
def user_list_command(db: DbOption = None) -> None:
    """List annotators."""
    store = open_db(db)
    with store.session() as session:
        users = list_users(session)
    table = Table("name", "admin", "created")
    for user in users:
        table.add_row(
            user.name, "yes" if user.is_admin else "", f"{user.created_at:%Y-%m-%d}"
        )
    console.print(table)
