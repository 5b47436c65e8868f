"""Commands about projects: init, projects, stats."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from activelabel.cli.app import DbOption, JsonOption, app, console, open_db, print_json
from activelabel.cli.auto_accept import figures_line
from activelabel.project_config import FEATURIZERS, ProjectConfig
from activelabel.store.projects import create_project, get_project, list_projects
from activelabel.store.stats import project_stats
from activelabel.tasks import DEFAULT_TASK, Modality, TaskKind

#: How ``stats`` names a model's held-out figure.
SCORE_NAMES = {
    "accuracy": "accuracy",
    "subset_accuracy": "subset accuracy",
    "entity_f1": "entity F1",
    "map50": "mAP@0.5",
}


@app.command("init")
def init_command(
    name: Annotated[str, typer.Argument(help="Name of the new project, e.g. sms.")],
    labels: Annotated[
        str,
        typer.Option(
            "--labels", "-l", help="Comma-separated labels, in key order: ham,spam."
        ),
    ],
    task: Annotated[
        str,
        typer.Option(
            "--task",
            "-t",
            help=f"What is labeled: {', '.join(k.value for k in TaskKind)}.",
        ),
    ] = DEFAULT_TASK.value,
    modality: Annotated[
        str,
        typer.Option(
            "--modality",
            "-m",
            help=f"What an item is: {', '.join(m.value for m in Modality)}.",
        ),
    ] = Modality.TEXT.value,
    retrain_every: Annotated[
        int,
        typer.Option(min=1, help="Retrain the model after this many new labels."),
    ] = ProjectConfig().retrain_every,
    featurizer: Annotated[
        str | None,
        typer.Option(
            help="How items become features: "
            + "; ".join(f"{m}: {', '.join(names)}" for m, names in FEATURIZERS.items())
            + " (default: the first of its modality). both puts TF-IDF and "
            "sentence embeddings side by side; auto compares tfidf, embeddings "
            "and both by cross-validation from 30 labels. embeddings and both "
            "need the embeddings extra.",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            help="The items' language, ISO 639-1 (en, ar, zh): sets the text "
            "direction and tokenization of a span project (docs/ner.md)."
        ),
    ] = None,
    language_column: Annotated[
        str | None,
        typer.Option(help="Field holding each item's language; wins over --language."),
    ] = None,
    direction: Annotated[
        str | None,
        typer.Option(help="Text direction, ltr or rtl, over what the language says."),
    ] = None,
    tokenization: Annotated[
        str | None,
        typer.Option(
            help="How span boundaries fall: whitespace (words and marks) or char "
            "(every character), over what the language says."
        ),
    ] = None,
    prelabel: Annotated[
        bool,
        typer.Option(
            help="Show spans already labeled elsewhere and the model's spans as "
            "prelabels (span projects)."
        ),
    ] = True,
    detector: Annotated[
        str | None,
        typer.Option(
            help="The detector plug-in a box project trains in the loop (an "
            "activelabel.detectors entry point, e.g. yolo from the detector extra)."
        ),
    ] = None,
    detector_weights: Annotated[
        str | None,
        typer.Option(help="Weights file the detector fine-tunes from."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a labeling project with its task and label schema."""
    store = open_db(db)
    with store.session() as session:
        project = create_project(
            session,
            name=name,
            task=task,
            labels=labels,
            modality=modality,
            settings={
                "retrain_every": retrain_every,
                "featurizer": featurizer,
                "language": language,
                "language_column": language_column,
                "direction": direction,
                "tokenization": tokenization,
                "prelabel": prelabel,
                "detector": detector,
                "detector_weights": detector_weights,
            },
        )
        shown = ", ".join(project.labels[:12])
        if len(project.labels) > 12:
            shown += f" and {len(project.labels) - 12:,} more"
        console.print(
            f"Created {project.task} project [bold]{project.name}[/] "
            f"({project.modality}; labels: {shown}) in {store.url}."
        )
        console.print(f"Next: activelabel import {project.name} <file or folder>")


@app.command("projects")
def projects_command(db: DbOption = None) -> None:
    """List the projects in the database."""
    store = open_db(db)
    with store.session() as session:
        projects = list_projects(session)
        if not projects:
            console.print(
                "No projects yet. Create one with: activelabel init NAME --labels a,b"
            )
            return
        table = Table("name", "task", "modality", "labels", "items", "labeled")
        for project in projects:
            stats = project_stats(session, project)
            table.add_row(
                project.name,
                project.task,
                project.modality,
                ", ".join(project.labels),
                f"{stats.items:,}",
                f"{stats.labeled_items:,}",
            )
        console.print(table)


@app.command("stats")
def stats_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a project's figures: items, labels per class and annotator, models, queue."""
    store = open_db(db)
    with store.session() as session:
        stats = project_stats(session, get_project(session, name))
    if as_json:
        print_json(stats.as_dict())
        return
    done = stats.labeled_items / stats.items if stats.items else 0.0
    summary = Table(title=f"Project {stats.name}", show_header=False)
    summary.add_row("task / modality", f"{stats.task} / {stats.modality}")
    summary.add_row("items", f"{stats.items:,}")
    summary.add_row("labeled items", f"{stats.labeled_items:,} ({done:.1%})")
    summary.add_row("active annotations", f"{stats.annotations:,}")
    summary.add_row(
        "by source",
        ", ".join(f"{k}: {v:,}" for k, v in sorted(stats.by_source.items())) or "-",
    )
    summary.add_row(
        "by annotator",
        ", ".join(f"{k}: {v:,}" for k, v in sorted(stats.by_annotator.items())) or "-",
    )
    model = stats.latest_model or "none yet"
    if stats.latest_cv_score is not None:
        measure = SCORE_NAMES.get(stats.latest_score_metric, stats.latest_score_metric)
        model += f" (CV {measure} {stats.latest_cv_score:.3f}"
        if stats.latest_macro_f1 is not None:
            model += f", macro-F1 {stats.latest_macro_f1:.3f}"
        model += ")"
    summary.add_row("model versions", f"{stats.model_versions} — latest: {model}")
    if stats.latest_unlearned:
        summary.add_row("not learned yet", ", ".join(stats.latest_unlearned))
    summary.add_row("queue", f"{stats.queue_size:,}")
    review = stats.review
    if review:
        summary.add_row(
            "review",
            f"{review['to_review']:,} to review ({review['conflicts']:,} conflicts), "
            f"{review['accepted']:,} accepted, {review['corrected']:,} corrected, "
            f"{review['rejected']:,} rejected",
        )
    if stats.auto_labels.get("auto_labeled") or stats.auto_labels.get("audited"):
        summary.add_row(
            "auto-labeled",
            figures_line(stats.auto_labels),
        )
    console.print(summary)
    labels = Table("label", "annotations", title="Labels")
    for label, count in stats.label_counts.items():
        labels.add_row(label, f"{count:,}")
    console.print(labels)
