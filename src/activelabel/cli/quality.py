"""Commands about label quality: agreement between annotators, gold scores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, JsonOption, app, console, open_db, print_json
from activelabel.store.gold import count_gold, gold_scores
from activelabel.store.projects import get_project

if TYPE_CHECKING:
    from activelabel.quality.project_agreement import ProjectAgreement


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command("agreement")
def agreement_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """How much the annotators agree: Cohen's κ per pair, Fleiss' κ and
    Krippendorff's α per project and label (span and box projects: F1 between
    annotators). Only items two or more annotators labeled count
    (`activelabel settings NAME --overlap 2`)."""
    # Imported here: numpy is for the commands that measure, not for `serve`.
    from activelabel.quality.project_agreement import measure_project_agreement

    measured = measure_project_agreement(open_db(db), name)
    if as_json:
        print_json(measured.as_dict())
        return
    _print_agreement(measured)


def _print_agreement(measured: ProjectAgreement) -> None:
    f = measured.figures
    if f.items == 0:
        console.print(
            f"No item of {escape(measured.project)} has labels from two annotators "
            f"yet ({measured.labels_given:,} labels by {measured.annotators} "
            "annotators); agreement needs overlap: activelabel settings "
            f"{escape(measured.project)} --overlap 2 --overlap-share 0.1"
        )
        return
    summary = Table(title=f"Agreement in {escape(measured.project)}", show_header=False)
    summary.add_row("items labeled by 2+ annotators", f"{f.items:,}")
    summary.add_row("their labels", f"{f.ratings:,}")
    if f.observed is None:  # objects (spans, boxes): F1 is their measure
        summary.add_row("F1 between annotators (pairs' mean)", _fmt(f.mean_pair_f1))
    else:
        summary.add_row("observed agreement", _fmt(f.observed))
        summary.add_row("Fleiss' κ", _fmt(f.fleiss_kappa))
        summary.add_row("Krippendorff's α (nominal)", _fmt(f.krippendorff_alpha))
        summary.add_row("Cohen's κ (pairs' mean)", _fmt(f.mean_pair_kappa))
    console.print(summary)
    data = measured.as_dict()
    labels = Table("label", "support", "Fleiss' κ", "α", "F1", title="Per label")
    for row in data["labels"]:
        labels.add_row(
            escape(row["label"]),
            f"{row['support']:,}",
            _fmt(row["fleiss_kappa"]),
            _fmt(row["krippendorff_alpha"]),
            _fmt(row["f1"]),
        )
    console.print(labels)
    pairs = Table("annotator", "annotator", "items", "agree", "Cohen's κ", "F1")
    for pair in data["pairs"]:
        pairs.add_row(
            escape(pair["a"]),
            escape(pair["b"]),
            f"{pair['items']:,}",
            _fmt(pair["observed"]),
            _fmt(pair["kappa"]),
            _fmt(pair["f1"]),
        )
    console.print(pairs)
    people = Table("annotator", "shared items", "κ vs others", "F1 vs others")
    for row in data["per_annotator"]:
        people.add_row(
            escape(row["annotator"]),
            f"{row['items']:,}",
            _fmt(row["kappa"]),
            _fmt(row["f1"]),
        )
    console.print(people)


@app.command("gold")
def gold_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Each annotator's accuracy on the gold items (known answers imported with
    `activelabel import NAME FILE --gold --label-column label`, mixed into their
    tasks at the project's gold rate)."""
    store = open_db(db)
    with store.session() as session:
        project = get_project(session, name)
        scores = gold_scores(session, project.id)
        items = count_gold(session, project.id)
        rate = project.settings.gold_rate
    if as_json:
        payload = {
            "project": name,
            "gold_items": items,
            "gold_rate": rate,
            "annotators": [
                {
                    "annotator": s.annotator,
                    "answered": s.answered,
                    "correct": s.correct,
                    "accuracy": s.accuracy,
                }
                for s in scores
            ],
        }
        print_json(payload)
        return
    console.print(
        f"{escape(name)}: {items:,} gold items, served at rate {rate:g}"
        + ("" if rate else " (none served: activelabel settings NAME --gold-rate 0.05)")
    )
    table = Table("annotator", "answered", "correct", "accuracy", title="Gold scores")
    for s in scores:
        table.add_row(
            escape(s.annotator), f"{s.answered:,}", f"{s.correct:,}", _fmt(s.accuracy)
        )
    console.print(table)
