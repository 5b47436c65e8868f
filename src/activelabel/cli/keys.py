"""The ``keys`` command: show or change which key labels each label."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, app, console, open_db
from activelabel.exceptions import ConfigError
from activelabel.keymap import assign_keys, reserved_keys
from activelabel.store.label_keys import set_label_keys
from activelabel.store.projects import get_project


def _parse_choices(pairs: list[str]) -> dict[str, str]:
    """``["3=3", "spam=x"]`` → ``{"3": "3", "spam": "x"}``; the key may be ``=``."""
    chosen: dict[str, str] = {}
    for pair in pairs:
        label, sep, key = pair.partition("=")
        if not sep or not label:
            raise ConfigError(
                f"{pair!r} is not LABEL=KEY; write for example spam=x or 3=3."
            )
        if label in chosen:
            raise ConfigError(f"The label {label!r} is given twice.")
        chosen[label] = key
    return chosen


@app.command("keys")
def keys_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    choices: Annotated[
        list[str] | None,
        typer.Argument(
            help="LABEL=KEY pairs, e.g. 3=3 5=5 or spam=x; none: show the keys.",
            show_default=False,
        ),
    ] = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="Forget the keys chosen before: back to automatic keys."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Show the project's label keys, or choose keys: activelabel keys wine 3=3 5=5.

    A label that is one letter or digit is on that key unless an action uses
    it; other labels get 1-9, then a-z. The page reads the keys when it opens.
    """
    chosen = _parse_choices(choices or [])
    store = open_db(db)
    with store.session(write=bool(chosen) or reset) as session:
        project = get_project(session, name)
        if chosen or reset:
            keys = set_label_keys(session, project, chosen, reset=reset)
        else:
            keys = assign_keys(project.labels, project.modality, project.settings.keys)
        picked = set(project.settings.keys)
        labels, modality = list(project.labels), project.modality
    table = Table("label", "key", "how", title=f"Keys of {name}")
    for label in labels:
        key = keys.get(label)
        table.add_row(
            escape(label),
            "none" if key is None else escape(key),
            "chosen" if label in picked else "automatic",
        )
    console.print(table)
    kept = escape(" ".join(reserved_keys(modality)))
    console.print(f"Keys the page keeps for its actions: {kept}")
