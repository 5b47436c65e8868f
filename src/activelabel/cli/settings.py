"""The ``settings`` command: show or change how a project is labeled."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, app, console, open_db
from activelabel.project_config import ProjectConfig
from activelabel.store.project_settings import change_settings
from activelabel.store.projects import get_project

#: The settings this command shows, with what each means.
SHOWN = {
    "overlap": "annotators who label each item (of the share below)",
    "overlap_share": "share of items, chosen at random, that get `overlap` labels",
    "gold_rate": "share of each annotator's tasks that are gold items",
    "retrain_every": "new labels between two training rounds",
    "train_on_weak": "the model also learns the label model's labels",
    "augment": "learn augmented copies of labeled images and clips "
    "(None: the modality's default, on for images)",
    "featurizer": "how items become features (None: the modality's default); "
    "text: tfidf, hashing, embeddings, both, or auto (chosen by cross-validation)",
    "model": "the classifier: logistic (None), gradient_boosting, or auto (AutoML)",
    "automl_budget": "seconds an AutoML search may take (model auto)",
    "auto_accept": "confidence at which the model labels an item itself (None: off)",
    "auto_accept_max": "items the model may label itself in one round",
    "auto_accept_audit": "share of the model's own labels sent to review",
}


@app.command("settings")
def settings_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    overlap: Annotated[
        int | None,
        typer.Option(
            min=1, help="Annotators who label each item (agreement needs 2+)."
        ),
    ] = None,
    overlap_share: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of items (chosen at random, the same ones every time) "
            "labeled by --overlap annotators; the rest by one. 1: every item.",
        ),
    ] = None,
    gold_rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=0.5,
            help="Share of each annotator's tasks that are gold items (import them "
            "with `activelabel import NAME FILE --gold`); 0: none.",
        ),
    ] = None,
    retrain_every: Annotated[
        int | None, typer.Option(min=1, help="New labels between two training rounds.")
    ] = None,
    train_on_weak: Annotated[
        bool | None,
        typer.Option(
            "--train-on-weak/--no-train-on-weak",
            help="Whether the model also learns the label model's labels.",
            show_default=False,
        ),
    ] = None,
    auto_accept: Annotated[
        float | None,
        typer.Option(
            help="Let the model label an unlabeled item itself (source model) when "
            "its calibrated confidence is at least this (above 0.5, at most 1; "
            "e.g. 0.98); off by default. Undo: activelabel auto-accept NAME --undo.",
        ),
    ] = None,
    no_auto_accept: Annotated[
        bool,
        typer.Option(
            "--no-auto-accept",
            help="Stop the model labeling items itself (its labels stay).",
        ),
    ] = False,
    auto_accept_max: Annotated[
        int | None,
        typer.Option(min=1, help="Items the model may label itself in one round."),
    ] = None,
    auto_accept_audit: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of the model's own labels (chosen at random, stably) sent "
            "to review to audit their accuracy.",
        ),
    ] = None,
    augment: Annotated[
        bool | None,
        typer.Option(
            "--augment/--no-augment",
            help="Whether the model also learns altered copies of each labeled "
            "image (brightness, contrast, flip, crop) or clip (gain, noise, "
            "shift); unset: on for image projects, off for audio.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="The classifier: logistic, gradient_boosting, or auto (an AutoML "
            "search from 30 labels and each time they double, its winner refit "
            "between searches).",
            show_default=False,
        ),
    ] = None,
    automl_budget: Annotated[
        float | None,
        typer.Option(
            help="Seconds an AutoML search may take (model auto).", show_default=False
        ),
    ] = None,
    featurizer: Annotated[
        str | None,
        typer.Option(
            help="How items become features; text: tfidf, hashing, embeddings, "
            "both (TF-IDF and embeddings side by side), or auto, the default "
            "(compares tfidf, embeddings and both by cross-validation from 30 "
            "labels). embeddings and both need the embeddings extra.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Show a project's labeling settings, or change them:
    activelabel settings sms --overlap 2 --overlap-share 0.1 --gold-rate 0.05.

    Running servers see a change within two seconds.
    """
    if auto_accept is not None and no_auto_accept:
        raise typer.BadParameter(
            "--auto-accept and --no-auto-accept contradict each other; give one."
        )
    to_default = ("auto_accept",) if no_auto_accept else ()
    given: list[object] = [overlap, overlap_share, gold_rate, retrain_every]
    given += [train_on_weak, auto_accept, auto_accept_max, auto_accept_audit]
    given += [augment, model, automl_budget, featurizer]
    changing = any(v is not None for v in given) or bool(to_default)
    store = open_db(db)
    with store.session(write=changing) as session:
        project = get_project(session, name)
        if changing:
            # The page's PATCH applies the same checks, in the same place.
            settings = change_settings(
                session,
                project,
                overlap=overlap,
                overlap_share=overlap_share,
                gold_rate=gold_rate,
                retrain_every=retrain_every,
                train_on_weak=train_on_weak,
                auto_accept=auto_accept,
                auto_accept_max=auto_accept_max,
                auto_accept_audit=auto_accept_audit,
                augment=augment,
                model=model,
                automl_budget=automl_budget,
                featurizer=featurizer,
                to_default=to_default,
            )
        else:
            settings = project.settings
    _show(name, settings, changed=changing)


def _show(name: str, settings: ProjectConfig, *, changed: bool) -> None:
    title = f"Settings of {escape(name)}" + (" (changed)" if changed else "")
    table = Table("setting", "value", "what", title=title)
    for field, meaning in SHOWN.items():
        table.add_row(field, str(getattr(settings, field)), meaning)
    console.print(table)
