"""``labels`` (add, rename, retire a label; its history) and ``guidelines``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, app, console, open_db
from activelabel.exceptions import ConfigError
from activelabel.keymap import assign_keys
from activelabel.store.guidelines import read_guidelines, set_guidelines
from activelabel.store.label_schema import (
    add_label,
    label_history,
    rename_label,
    retire_label,
    retired_labels,
)
from activelabel.store.models import LabelChange
from activelabel.store.projects import get_project

labels_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="Show a project's labels, or change them: activelabel labels NAME add "
    "LABEL | rename OLD NEW | retire LABEL | history.",
    no_args_is_help=True,
)


@labels_app.callback(invoke_without_command=True)
def labels_callback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Project name.")],
    db: DbOption = None,
) -> None:
    """Show the project's labels and keys, or change them with a command."""
    ctx.obj = {**(ctx.obj or {}), "project": name, "db": db}
    if ctx.invoked_subcommand is not None:
        return
    store = open_db(db)
    with store.session() as session:
        project = get_project(session, name)
        keys = assign_keys(project.labels, project.modality, project.settings.keys)
        labels, retired = list(project.labels), retired_labels(session, project.id)
    table = Table("label", "key", title=f"Labels of {escape(name)}")
    for label in labels:
        table.add_row(escape(label), escape(keys.get(label, "none")))
    console.print(table)
    if retired:
        console.print(f"Retired: {escape(', '.join(retired))}")


def _target(ctx: typer.Context, db: str | None) -> tuple[str, str | None]:
    """The project named before the command, and --db given after it or before."""
    return ctx.obj["project"], db or ctx.obj["db"]


def _say(change: LabelChange, name: str) -> None:
    if change.change == "added":
        console.print(f"Added {escape(change.label)} to {escape(name)}.")
    elif change.change == "renamed":
        console.print(
            f"Renamed {escape(change.label)} to {escape(change.new_label or '')} in "
            f"{escape(name)}: the values of {change.items_touched:,} items rewritten; "
            "the next round trains on the new name."
        )
    else:
        console.print(
            f"Retired {escape(change.label)} from {escape(name)}: nobody can give it "
            f"any more; {change.items_touched:,} items holding it wait in the review "
            "queue for a current label."
        )


@labels_app.command("add")
def add_command(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="The new label.")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="The key that gives it (else automatic)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a label at the end of the schema."""
    name, db = _target(ctx, db)
    with open_db(db).session(write=True) as session:
        project = get_project(session, name)
        change = add_label(session, project, label, key=key)
        _say(change, name)


@labels_app.command("rename")
def rename_command(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The label to rename.")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
    db: DbOption = None,
) -> None:
    """Rename a label: every stored value is rewritten in one transaction."""
    name, db = _target(ctx, db)
    with open_db(db).session(write=True) as session:
        project = get_project(session, name)
        change = rename_label(session, project, old, new)
        _say(change, name)


@labels_app.command("retire")
def retire_command(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="The label to retire.")],
    db: DbOption = None,
) -> None:
    """Retire a label: nobody can give it again; its items go to review."""
    name, db = _target(ctx, db)
    with open_db(db).session(write=True) as session:
        project = get_project(session, name)
        change = retire_label(session, project, label)
        _say(change, name)


@labels_app.command("history")
def history_command(ctx: typer.Context, db: DbOption = None) -> None:
    """Every change of the label schema, oldest first."""
    name, db = _target(ctx, db)
    with open_db(db).session() as session:
        project = get_project(session, name)
        history = label_history(session, project.id)
    if not history:
        console.print(f"The labels of {escape(name)} never changed.")
        return
    table = Table("when (UTC)", "change", "label", "new name", "items", "by")
    for row in history:
        table.add_row(
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            row.change,
            escape(row.label),
            escape(row.new_label or ""),
            f"{row.items_touched:,}",
            escape(row.changed_by or ""),
        )
    console.print(table)


@app.command("guidelines")
def guidelines_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A Markdown file to store as the guidelines; none: print them.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Print the project's labeling guidelines, or store them from a Markdown file
    (instructions, with a heading and examples per label). The page shows them
    on a key, rendered without raw HTML."""
    store = open_db(db)
    if source is None:
        with store.session() as session:
            found = read_guidelines(session, get_project(session, name))
        if not found.markdown:
            console.print(
                f"{escape(name)} has no guidelines yet: activelabel guidelines "
                f"{escape(name)} guide.md"
            )
            return
        typer.echo(found.markdown)
        return
    try:
        markdown = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"No file {str(source)!r}.") from None
    except UnicodeDecodeError as exc:
        line = source.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{source}, line {line}: not UTF-8 text ({exc.reason}); save the "
            "guidelines as UTF-8."
        ) from None
    with store.session(write=True) as session:
        project = get_project(session, name)
        stored = set_guidelines(session, project, markdown, where=str(source))
    console.print(
        f"Stored the guidelines of {escape(name)} ({len(markdown):,} characters)."
    )
    if stored.labels_without_section:
        console.print(
            "No heading names these labels (a section with examples helps): "
            f"{escape(', '.join(stored.labels_without_section))}"
        )
