"""Commands about a project's taxonomy: taxonomy load, taxonomy show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, console, open_db
from activelabel.store.projects import get_project
from activelabel.store.taxonomy import store_taxonomy
from activelabel.weak.taxonomy import read_taxonomy

taxonomy_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="A project's label taxonomy: aliases folded into their label on import, "
    "parents added when a child label is given, alias keyword functions.",
    no_args_is_help=True,
)


@taxonomy_app.command("load")
def taxonomy_load_command(
    name: Annotated[str, typer.Argument(help="Project to give the taxonomy.")],
    source: Annotated[
        Path,
        typer.Argument(
            help="Made With ML's tags.json (a JSON list of {tag, aliases, parents}) "
            "or a CSV of child,parent rows."
        ),
    ],
    add_missing: Annotated[
        bool,
        typer.Option(
            help="Add the taxonomy's labels (tags and parents) the project lacks to "
            "its labels; without it they are reported and their parents are never "
            "added."
        ),
    ] = False,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file.")] = "utf-8",
    db: DbOption = None,
) -> None:
    """Store a taxonomy's aliases and parents and make one keyword labeling
    function per label with aliases, replacing what an earlier load stored
    (one transaction: a refused file changes nothing)."""
    taxonomy = read_taxonomy(source, encoding=encoding)
    store = open_db(db)
    with store.session(write=True) as session:
        project = get_project(session, name)
        stored = store_taxonomy(
            session,
            project,
            tags=taxonomy.tags,
            aliases=taxonomy.aliases,
            parents=taxonomy.parents,
            missing=taxonomy.missing_from(project.labels),
            add_missing=add_missing,
        )
    console.print(
        f"Loaded {source} into [bold]{name}[/]: {stored.tags:,} tags, "
        f"{stored.aliases:,} aliases, {stored.parent_links:,} parent links, "
        f"{stored.alias_functions:,} alias functions, "
        f"{len(stored.missing):,} labels missing from the project"
        + (f" ({len(stored.added):,} added)." if add_missing else "."),
        highlight=False,
    )
    if stored.missing and not add_missing:
        shown = ", ".join(stored.missing[:20])
        more = (
            f" and {len(stored.missing) - 20:,} more"
            if len(stored.missing) > 20
            else ""
        )
        console.print(
            f"Note: labels the taxonomy names that the project lacks: {shown}{more}. "
            "Load again with --add-missing to add them; until then a parent among "
            "them is never added.",
            markup=False,
            highlight=False,
        )
    if stored.functions_note:
        console.print(f"Note: {stored.functions_note}", markup=False, highlight=False)


@taxonomy_app.command("show")
def taxonomy_show_command(
    name: Annotated[str, typer.Argument(help="Project whose taxonomy to show.")],
    db: DbOption = None,
) -> None:
    """Show each label with its parents and aliases (labels with neither left out)."""
    store = open_db(db)
    with store.session() as session:
        project = get_project(session, name)
        settings = project.settings
        labels = list(project.labels)
    aliases: dict[str, list[str]] = {}
    for alias, tag in settings.aliases.items():
        aliases.setdefault(tag, []).append(alias)
    named = [
        label
        for label in dict.fromkeys([*labels, *settings.parents, *aliases])
        if label in settings.parents or label in aliases
    ]
    if not named:
        console.print(
            f"Project {name!r} has no taxonomy yet. Load one with: activelabel "
            f"taxonomy load {name} tags.json",
            markup=False,
            highlight=False,
        )
        return
    table = Table("label", "parents", "aliases", title=f"Taxonomy of {name}")
    for label in named:
        shown = label if label in labels else f"{label} (not a label)"
        table.add_row(
            shown,
            ", ".join(settings.parents.get(label, [])),
            ", ".join(aliases.get(label, [])),
        )
    console.print(table)
    links = sum(len(p) for p in settings.parents.values())
    console.print(
        f"{len(settings.aliases):,} aliases, {links:,} parent links.", highlight=False
    )
