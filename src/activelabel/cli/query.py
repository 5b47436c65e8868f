"""``activelabel query``: the queries dataset, the unlabeled items scored by the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from activelabel.choices import QUERY_STRATEGIES
from activelabel.cli.app import DbOption, app, console, open_db
from activelabel.cli.progress import progress_bar
from activelabel.store.imported_queries import clear_imported_order
from activelabel.store.projects import get_project


@app.command("query")
def query_command(
    name: Annotated[
        str, typer.Argument(help="Project whose unlabeled items to score.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="File to write: .csv, .jsonl or .parquet (or use --format).",
        ),
    ],
    strategy: Annotated[
        str,
        typer.Option(
            help=f"Comma-separated strategies, one score column each: "
            f"{', '.join(QUERY_STRATEGIES)}. The first orders the file (its score "
            "is also the 'score' column).",
        ),
    ] = "margin",
    top: Annotated[
        int | None,
        typer.Option(min=1, help="Keep only the best N items (default: all)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl or parquet (default: the suffix)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the queries dataset: every unlabeled item scored by the newest model
    under each strategy, best first, with the query session id and the model's
    suggestion and confidence. `activelabel import NAME FILE --as-queries`
    serves a queries file's items next, highest score first."""
    # Scoring loads scikit-learn: imported when the command runs, so
    # `activelabel serve` (the same CLI) keeps it out of the server.
    from activelabel.loop.query_scores import write_queries

    store = open_db(db)
    with progress_bar(f"Scoring {name}") as update:
        scored, written = write_queries(
            store,
            name,
            output,
            strategies=strategy.split(","),
            top=top,
            fmt=fmt,
            progress=update,
        )
    console.print(
        f"Wrote {len(scored.rows):,} of {scored.pool_size:,} unlabeled items to "
        f"{output} ({written}), scored by {', '.join(scored.strategies)} with model "
        f"{scored.model_version} (query session {scored.session_id})."
    )


@app.command("clear-queries")
def clear_queries_command(
    name: Annotated[
        str, typer.Argument(help="Project whose imported labeling order to end.")
    ],
    db: DbOption = None,
) -> None:
    """Stop serving the order a queries file set (`import NAME FILE
    --as-queries`): its items return to the pool, ordered by the next round
    like the rest; items someone is labeling stay with them."""
    store = open_db(db)
    with store.session(write=True) as session:
        project = get_project(session, name)
        cleared = clear_imported_order(session, project_id=project.id)
    held = (
        f"; {cleared.held:,} held by annotators stay with them" if cleared.held else ""
    )
    console.print(
        f"Cleared the imported order of [bold]{escape(name)}[/]: {cleared.removed:,} "
        f"items returned to the pool{held}."
    )
