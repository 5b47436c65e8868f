"""Commands about users: user add, user list, user revoke."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, console, open_db
from activelabel.exceptions import ConfigError
from activelabel.store.users import ROLES, add_user, list_users, revoke_user

user_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="Manage users, their roles and their tokens.",
    no_args_is_help=True,
)

#: What the server checks for each role, said where a role is chosen.
ROLE_HELP = (
    "What the server lets the token do, checked on every request: "
    "annotator: lease next tasks, label, skip, undo and edit their own labels, "
    "and read the project, its progress and their own labels; "
    "reviewer: also read every annotator's labels; "
    "admin: also export, retrain, change project settings and keys, and "
    "change others' labels. A token works only on the projects its server serves."
)


@user_app.command("add")
def user_add_command(
    name: Annotated[
        str, typer.Argument(help="The user's name, shown on their labels.")
    ],
    role: Annotated[
        str,
        typer.Option(
            help=f"{'|'.join(ROLES)}. {ROLE_HELP}",
            metavar="|".join(ROLES),
        ),
    ] = "annotator",
    admin: Annotated[
        bool,
        typer.Option("--admin", help="The same as --role admin."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user and print their token (shown only once).

    The role is checked by the server on every request (see --role). On a
    server open on 127.0.0.1 (no --require-token), a request without a token is
    the admin "local".
    """
    if admin:
        if role not in ("annotator", "admin"):
            raise ConfigError(f"--admin and --role {role} disagree; give one of them.")
        role = "admin"
    store = open_db(db)
    with store.session() as session:
        user, token = add_user(session, name=name, role=role)
    console.print(
        f"Added {user.role} [bold]{user.name}[/]. "
        "Token (keep it; it is not shown again):"
    )
    typer.echo(token)


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


@user_app.command("list")
def user_list_command(db: DbOption = None) -> None:
    """List users: role, when added, last use (to the minute), revoked."""
    store = open_db(db)
    with store.session() as session:
        users = list_users(session)
    table = Table("name", "role", "created", "last use", "revoked")
    for user in users:
        table.add_row(
            user.name,
            user.role,
            _when(user.created_at),
            _when(user.last_used_at),
            _when(user.revoked_at),
        )
    console.print(table)


@user_app.command("revoke")
def user_revoke_command(
    name: Annotated[str, typer.Argument(help="The user whose token stops working.")],
    db: DbOption = None,
) -> None:
    """Revoke a user's token: every request with it is refused (401).

    A running server notices within 10 seconds (it remembers each token that
    long); their labels stay. Give them a new token with `user add` under
    another name.
    """
    store = open_db(db)
    with store.session() as session:
        user = revoke_user(session, name)
        when = _when(user.revoked_at)
    console.print(f"Revoked the token of [bold]{name}[/] ({when} UTC).")
