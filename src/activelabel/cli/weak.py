"""Commands about labeling functions: lf add, lf list, lf remove, lf apply.

``lf_app`` is the ``activelabel lf`` group; other modules add their own
``lf`` commands to it (statistics, disagreements).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, ErrorBoundaryGroup, console, open_db
from activelabel.cli.progress import progress_bar
from activelabel.exceptions import ConfigError
from activelabel.store.labeling_functions import (
    add_keyword_function,
    add_regex_function,
    list_labeling_functions,
    remove_labeling_function,
)
from activelabel.store.lf_outputs import count_items_by_function
from activelabel.store.models import LabelingFunction
from activelabel.store.projects import get_project

__all__ = ["lf_app"]

lf_app = typer.Typer(
    cls=ErrorBoundaryGroup,
    help="Labeling functions: keyword lists, regular expressions and Python "
    "functions that vote labels, and the label matrix they give.",
    no_args_is_help=True,
)


@lf_app.command("add")
def lf_add_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    function: Annotated[
        str | None,
        typer.Argument(
            help="The function's name (not with --file: each Python function is "
            "named after itself).",
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", help="The label a keyword or regex function votes."),
    ] = None,
    keywords: Annotated[
        str | None,
        typer.Option(
            "--keywords",
            help='Comma-separated words or phrases, matched as whole words: "prize,'
            'winner,claim now".',
        ),
    ] = None,
    case_sensitive: Annotated[
        bool,
        typer.Option(
            "--case-sensitive", help="Match keywords with their case (default: any)."
        ),
    ] = False,
    regex: Annotated[
        str | None,
        typer.Option(
            "--regex",
            help="A Python regular expression searched in the text, e.g. '£\\d+'; "
            "(?i) at its start ignores case.",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="A Python file of functions decorated with "
            "@activelabel.labeling_function(); each becomes a function.",
            dir_okay=False,
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Change a function of the same name (its votes are computed again).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a labeling function: --keywords or --regex with --label, or --file.

    Examples: activelabel lf add sms prize-words --label spam --keywords
    "prize,winner,claim"; activelabel lf add sms money --label spam --regex
    "£\\d+"; activelabel lf add sms --file lfs.py. A Python file's functions
    run on the project's first items before they are stored; the trainer's
    next round applies every new or changed function.
    """
    given = [
        o
        for o, v in (("--keywords", keywords), ("--regex", regex), ("--file", file))
        if v is not None
    ]
    if len(given) != 1:
        raise ConfigError(
            "Give one of --keywords, --regex or --file"
            + (f" (got {' and '.join(given)})." if given else ".")
        )
    store = open_db(db)
    if file is not None:
        if function is not None or label is not None:
            raise ConfigError(
                "With --file, each Python function is named after itself and "
                "returns its own labels; leave out the function name and --label."
            )
        # Imported here: the matchers and numpy are for the commands that
        # run functions, not for `serve`.
        from activelabel.loop.function_sets import add_function_file

        names = add_function_file(store, name, file, replace=replace)
        console.print(
            f"Added {len(names)} Python function{'s' if len(names) != 1 else ''} "
            f"to {escape(name)}: {escape(', '.join(names))}."
        )
        return
    if function is None or label is None:
        raise ConfigError(
            "A keyword or regex function needs a name and --label, e.g. "
            'activelabel lf add sms prize-words --label spam --keywords "prize".'
        )
    with store.session(write=True) as session:
        project = get_project(session, name)
        if keywords is not None:
            add_keyword_function(
                session,
                project,
                name=function,
                label=label,
                keywords=keywords.split(","),
                case_sensitive=case_sensitive,
                replace=replace,
            )
        else:
            add_regex_function(
                session,
                project,
                name=function,
                label=label,
                pattern=str(regex),
                replace=replace,
            )
    verb = "Changed" if replace else "Added"
    console.print(
        f"{verb} {escape(function)} (votes {escape(label)}) in {escape(name)}."
    )


def _matches(function: LabelingFunction) -> str:
    """What the function looks for, in a line."""
    spec = function.spec
    if function.kind == "regex":
        return f"/{spec.get('pattern', '')}/"
    if function.kind == "python":
        return str(spec.get("file", "?"))
    words = ", ".join(str(k) for k in spec.get("keywords", []))
    return words + (" (case-sensitive)" if spec.get("case_sensitive") else "")


@lf_app.command("list")
def lf_list_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    db: DbOption = None,
) -> None:
    """List the project's labeling functions, what each matches, and its coverage."""
    store = open_db(db)
    with store.session() as session:
        project = get_project(session, name)
        functions = list_labeling_functions(session, project.id)
        covered = count_items_by_function(session, project.id)
    if not functions:
        console.print(
            f"{escape(name)} has no labeling functions yet; add one with "
            "activelabel lf add."
        )
        return
    table = Table(title=f"Labeling functions of {escape(name)}")
    table.add_column("name", no_wrap=True)
    for column in ("kind", "label", "matches", "state", "coverage"):
        table.add_column(column)
    for function in functions:
        if not function.enabled:
            state = f"disabled: {function.disabled_reason or 'no reason kept'}"
        elif function.applied_version != function.version:
            state = "not applied yet"
        else:
            state = "enabled"
        applied = function.applied_items
        coverage = (
            f"{covered.get(function.id, 0):,} of {applied:,} "
            f"({covered.get(function.id, 0) / applied:.1%})"
            if applied and function.applied_version == function.version
            else "-"
        )
        table.add_row(
            escape(function.name),
            function.kind,
            escape(function.label or "(its own)"),
            escape(_matches(function)),
            escape(state),
            coverage,
        )
    console.print(table)


@lf_app.command("remove")
def lf_remove_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    function: Annotated[str, typer.Argument(help="The labeling function's name.")],
    db: DbOption = None,
) -> None:
    """Remove a labeling function and its votes."""
    store = open_db(db)
    with store.session(write=True) as session:
        remove_labeling_function(session, get_project(session, name), function)
    console.print(f"Removed {escape(function)} and its votes from {escape(name)}.")


@lf_app.command("apply")
def lf_apply_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    db: DbOption = None,
) -> None:
    """Apply the labeling functions to the pool (new items and changed functions).

    The trainer's rounds do this too; run it to see the matrix at once.
    Python functions run here, each with the project's lf_time_limit per item.
    """
    store = open_db(db)
    with progress_bar("Applying labeling functions", unit="items") as update:
        from activelabel.loop.apply_functions import apply_labeling_functions

        report = apply_labeling_functions(store, name, progress=update)
    parts = []
    if report.recomputed:
        parts.append(f"applied from the start: {', '.join(report.recomputed)}")
    if report.extended:
        parts.append(f"applied to new items: {', '.join(report.extended)}")
    done = "; ".join(parts) if parts else "no enabled labeling functions"
    console.print(
        f"Read {report.items:,} items and wrote {report.votes:,} votes ({escape(done)})."
    )
    for function, reason in report.disabled.items():
        console.print(f"[bold yellow]Disabled[/] {escape(function)}: {escape(reason)}")
