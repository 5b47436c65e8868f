"""The ``auto-accept`` command: the model's own labels, their audit, and the undo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.markup import escape

from activelabel.cli.app import DbOption, JsonOption, app, console, open_db, print_json
from activelabel.store.auto_labels import auto_label_figures, undo_auto_labels
from activelabel.store.projects import get_project

__all__ = ["auto_accept_command", "figures_line"]


def figures_line(figures: Mapping[str, Any]) -> str:
    """``412 · audited 40 · 97.5 % correct (3 waiting for review)``: what the
    model labeled itself and what its audit found so far (``figures`` as
    :meth:`~activelabel.store.auto_labels.AutoLabelFigures.as_dict` gives them)."""
    line = f"{figures['auto_labeled']:,} · audited {figures['audited']:,}"
    accuracy = figures["audited_accuracy"]
    if accuracy is not None:
        line += f" · {accuracy * 100:.1f} % correct"
    if figures["audit_waiting"]:
        line += f" ({figures['audit_waiting']:,} waiting for review)"
    return line


@app.command("auto-accept")
def auto_accept_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    undo: Annotated[
        bool,
        typer.Option(
            "--undo",
            help="Withdraw every label the model gave itself that no reviewer has "
            "decided on, and switch auto-labeling off; the items return to the "
            "pool. Labels a reviewer accepted or corrected stay.",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show what the model labeled itself (--auto-accept of `activelabel
    settings`) and its audited accuracy, or take those labels back with --undo."""
    store = open_db(db)
    undone = None
    with store.session(write=undo) as session:
        project = get_project(session, name)
        if undo:
            undone = undo_auto_labels(session, project)
        settings = project.settings
        figures = auto_label_figures(session, project)
    if as_json:
        print_json(
            {
                **figures.as_dict(),
                "auto_accept": settings.auto_accept,
                "auto_accept_max": settings.auto_accept_max,
                "auto_accept_audit": settings.auto_accept_audit,
                "undone": undone,
            }
        )
        return
    if undone is not None:
        kept = figures.auto_labeled
        console.print(
            f"Withdrew {undone:,} of the model's labels in {escape(name)}; their "
            "items are back in the pool. Auto-labeling is off."
            + (f" {kept:,} reviewed by a person stay." if kept else "")
        )
        return
    state = (
        "off"
        if settings.auto_accept is None
        else f"on at {settings.auto_accept:g}, at most "
        f"{settings.auto_accept_max:,} a round, {settings.auto_accept_audit:.0%} "
        "audited"
    )
    console.print(f"Auto-labeling of {escape(name)}: {state}.")
    console.print(f"auto-labeled {figures_line(figures.as_dict())}")
