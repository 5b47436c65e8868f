"""The Typer application, its error boundary, and options shared by commands.

Library errors become one sentence on stderr and exit code 1; ``--debug`` shows
the traceback instead. Nothing below ``cli`` prints or exits.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from activelabel.__about__ import __version__
from activelabel.config import resolve_db_url
from activelabel.exceptions import ActiveLabelError
from activelabel.store.engine import Store, open_store

__all__ = [
    "DbOption",
    "JsonOption",
    "app",
    "console",
    "err_console",
    "fail",
    "open_db",
    "print_json",
]

console = Console()
err_console = Console(stderr=True)


class ErrorBoundaryGroup(TyperGroup):
    """A command group that turns library errors into one clean sentence on stderr."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ActiveLabelError as exc:
            if _debug(ctx):
                raise
            fail(exc.message)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _debug(ctx) or _is_click_control(exc):
                raise
            fail(
                f"Unexpected error: {type(exc).__name__}: {exc}. Run again with --debug "
                "to see where it happened, and please report it."
            )


def _is_click_control(exc: Exception) -> bool:
    # Usage errors and --help exits belong to the option parser, not to us.
    return any(
        cls.__name__ in ("ClickException", "Exit", "Abort") for cls in type(exc).__mro__
    )


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print ``Error: message`` to stderr and exit with ``code``."""
    err_console.print(
        f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


def _debug(ctx: Any) -> bool:
    root = ctx.find_root()
    return (
        bool((root.obj or {}).get("debug"))
        or os.environ.get("ACTIVELABEL_DEBUG") == "1"
    )


app = typer.Typer(
    name="activelabel",
    cls=ErrorBoundaryGroup,
    help="ML-assisted data labeling: import data, label it in a keyboard-first page "
    "while a model learns, export the labels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"activelabel {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """ML-assisted data labeling with active learning."""
    ctx.obj = {"debug": debug}


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ACTIVELABEL_DB",
        help="Database URL: sqlite:///file.db (default: ./activelabel.db) or "
        "postgresql+psycopg://user@host:5432/dbname. Env: ACTIVELABEL_DB.",
        show_default=False,
    ),
]


#: ``--json`` of the commands that print figures.
JsonOption = Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON for ``--json`` (dates and the like as text)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def open_db(db: str | None) -> Store:
    """Open (and migrate) the database the user named, or the default SQLite file."""
    return open_store(resolve_db_url(db))
