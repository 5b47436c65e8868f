"""``activelabel lf stats`` and ``activelabel lf disagreements``.

Both read the label matrix as last applied (``lf apply`` or a round) and fit
the label model on it: a few seconds at most, nothing written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, JsonOption, console, open_db, print_json
from activelabel.cli.weak import lf_app
from activelabel.store.projects import get_project

if TYPE_CHECKING:
    from activelabel.loop.weak_stats import ModelAccuracy

__all__ = ["lf_disagreements_command", "lf_stats_command"]


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _measured(accuracy: float | None, n: int) -> str:
    return "-" if accuracy is None else f"{accuracy:.1%} (on {n:,})"


def _value(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


@lf_app.command("stats")
def lf_stats_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Each labeling function's coverage, overlap, conflict, labels and accuracy;
    the label model against majority vote on the people's labels."""
    store = open_db(db)
    with store.session() as session:
        # Imported here: the label model's numpy is not for `serve`.
        from activelabel.loop.weak_stats import weak_report

        report = weak_report(session, get_project(session, name))
    if as_json:
        print_json(report.as_dict())
        return
    if not report.functions:
        console.print(
            f"Project {escape(name)!r} has no labeling functions yet "
            "(activelabel lf add)."
        )
        return
    table = Table(
        title=f"Labeling functions of {report.project} ({report.pool_size:,} items)"
    )
    for column in ("function", "label", "coverage", "overlap", "conflict", "emits"):
        table.add_column(column)
    table.add_column("accuracy (items)")
    table.add_column("estimated")
    for function in report.functions:
        stats = function.stats
        name_cell = escape(function.name)
        if not function.enabled:
            name_cell += " [dim](disabled)[/]"
        table.add_row(
            name_cell,
            escape(function.label or function.kind),
            _share(stats.coverage if stats else None),
            _share(stats.overlap if stats else None),
            _share(stats.conflict if stats else None),
            escape(", ".join(f"{k}: {v:,}" for k, v in stats.emitted.items()))
            if stats
            else "-",
            _measured(stats.accuracy, stats.n_accuracy) if stats else "-",
            _share(function.estimated_accuracy),
        )
    console.print(table)
    models = [m for m in (report.label_model, report.majority_vote) if m is not None]
    if not models:
        console.print("No votes yet: run activelabel lf apply, or wait for a round.")
        return
    _print_models(models, report.n_human_labeled)


def _print_models(models: list[ModelAccuracy], n_human: int) -> None:
    table = Table(title="Label model against majority vote, on the people's labels")
    for column in ("model", "accuracy", "measured on", "coverage"):
        table.add_column(column)
    for model in models:
        table.add_row(
            model.name.replace("_", " "),
            _share(model.accuracy),
            f"{model.n:,} of {n_human:,} labeled items",
            _share(model.coverage),
        )
    console.print(table)


@lf_app.command("disagreements")
def lf_disagreements_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most this many items.")
    ] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the items as JSON.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Items where the label model and a person disagree, most confident first:
    possible mislabels, or functions that fire where they should not."""
    store = open_db(db)
    with store.session() as session:
        project = get_project(session, name)
        from activelabel.loop.weak_stats import weak_disagreements

        found = weak_disagreements(session, project, limit=limit)
    if as_json:
        print_json([d.as_dict() for d in found])
        return
    if not found:
        console.print("The label model agrees with every person's label it covers.")
        return
    table = Table(title=f"Label model against people in {name}, most confident first")
    for column in ("item", "person", "label model", "confidence", "votes"):
        table.add_column(column)
    for d in found:
        table.add_row(
            escape(d.external_id or str(d.item_id)),
            escape(_value(d.human)),
            escape(_value(d.weak)),
            f"{d.confidence:.2f}",
            escape("; ".join(f"{k}: {_value(v)}" for k, v in d.votes.items())),
        )
    console.print(table)
