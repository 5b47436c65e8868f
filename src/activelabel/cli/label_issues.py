"""The ``label-issues`` command: likely mislabeled items, and annotators' quality."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from activelabel.cli.app import DbOption, app, console, open_db
from activelabel.cli.progress import progress_bar
from activelabel.exceptions import ConfigError

if TYPE_CHECKING:
    # The finder loads scikit-learn and cleanlab: imported when the command runs,
    # so `activelabel serve` (the same CLI) keeps them out of the server.
    from activelabel.loop.label_issues import LabelIssuesReport

#: Issues the table shows unless --limit says otherwise (the file gets all).
SHOWN = 20


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@app.command("label-issues")
def label_issues_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the list as JSON.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the whole list to FILE (.json or .csv).",
            show_default=False,
        ),
    ] = None,
    annotators: Annotated[
        bool,
        typer.Option(
            "--annotators",
            help="Show each annotator's quality (CROWDLAB; needs overlap).",
        ),
    ] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute", help="Cross-validate now rather than read the last round's."
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", help="Rows the table shows.", min=1)
    ] = SHOWN,
    db: DbOption = None,
) -> None:
    """Items whose label is likely wrong, most likely first (cleanlab's finder on
    out-of-fold probabilities). The last round's list, or computed now when no
    round has made one. Classification and multilabel projects."""
    if output is not None and output.suffix.lower() not in (".json", ".csv"):
        raise ConfigError(f"The output file {str(output)!r} must end in .json or .csv.")
    from activelabel.loop.label_issues import project_label_issues

    with progress_bar("Finding likely mislabeled items") as update:
        report = project_label_issues(
            open_db(db), name, recompute=recompute, progress=update
        )
    if output is not None:
        _write(report, output)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    _print(report, limit, annotators)
    if output is not None:
        console.print(f"Wrote {len(report.issues):,} issues to {escape(str(output))}.")


def _write(report: LabelIssuesReport, output: Path) -> None:
    data = report.as_dict()
    if output.suffix.lower() == ".json":
        output.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    columns = [
        "rank",
        "item_id",
        "external_id",
        "given",
        "suggested",
        "quality",
        "text",
    ]
    with output.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for issue in data["issues"]:
            writer.writerow(
                [
                    ""
                    if issue[c] is None
                    else _cell(issue[c])
                    if c in ("given", "suggested", "text", "external_id")
                    else issue[c]
                    for c in columns
                ]
            )


def _print(report: LabelIssuesReport, limit: int, annotators: bool) -> None:
    how = "computed now" if report.computed else "from the last round"
    if report.issues:
        table = Table(
            "rank",
            "item",
            "given",
            "suggested",
            "quality",
            "text",
            title=f"Likely mislabeled in {escape(report.project)} ({how}): "
            f"{len(report.issues):,}",
        )
        for issue in report.issues[:limit]:
            text = issue.text or ""
            table.add_row(
                str(issue.rank),
                escape(issue.external_id),
                escape(_cell(issue.given)),
                escape(_cell(issue.suggested)),
                f"{issue.quality:.3f}",
                escape(text[:60] + ("…" if len(text) > 60 else "")),
            )
        console.print(table)
    if report.note:
        console.print(escape(report.note))
    if not annotators:
        return
    if not report.annotators:
        console.print(
            "No annotator figures: they need items two or more annotators labeled "
            f"(activelabel settings {escape(report.project)} --overlap 2)."
        )
        return
    table = Table(
        "annotator", "labels", "agreement with consensus", "quality (CROWDLAB)"
    )
    ranked = sorted(report.annotators.items(), key=lambda kv: kv[1]["quality"])
    for annotator, figures in ranked:
        table.add_row(
            escape(annotator),
            f"{int(figures['labels']):,}",
            f"{figures['agreement']:.3f}",
            f"{figures['quality']:.3f}",
        )
    console.print(table)
