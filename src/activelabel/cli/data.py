"""Commands that move data: import and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from activelabel.cli.app import DbOption, app, console, open_db
from activelabel.cli.progress import progress_bar
from activelabel.config import Settings
from activelabel.exceptions import ConfigError
from activelabel.io.export import export_annotations, export_labels
from activelabel.io.importer import import_path
from activelabel.io.media import image_pixel_limit
from activelabel.io.queries_file import import_queries_file
from activelabel.io.readers import READERS
from activelabel.io.writers import WRITERS
from activelabel.store.engine import Store


def _listed(names: list[str]) -> str:
    """``a, b or c``: the names of a registry, for the options' help."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]


#: The file suffixes an export is named with (a folder format has none).
_WRITTEN_SUFFIXES = [w.suffix for w in WRITERS.values() if w.suffix]


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@app.command("import")
def import_command(
    name: Annotated[str, typer.Argument(help="Project to import into.")],
    source: Annotated[
        Path,
        typer.Argument(
            help="A CSV, TSV, JSONL, JSON array or Parquet file; for a span project "
            "also a CoNLL or token<TAB>tag file, a Label Studio JSON export or plain "
            "text lines; for a detection project a YOLO or Pascal VOC folder, a COCO "
            "JSON or a Label Studio export of images; or a folder of images or sounds "
            "(searched recursively)."
        ),
    ],
    text_column: Annotated[
        str | None,
        typer.Option(help="Column holding the text to label (text projects)."),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            help="Column with a stable id; without it the content hash is the id."
        ),
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(
            help="Column with existing labels, imported as annotations (source=import). "
            "A span project takes a 'spans' column without being told."
        ),
    ] = None,
    feature_columns: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated feature columns (tabular projects; default: all)."
        ),
    ] = None,
    media_column: Annotated[
        str | None,
        typer.Option(
            help="Column with paths of media files, relative to the media root."
        ),
    ] = None,
    media_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder media paths are relative to and must stay inside (default: the "
            "folder imported, or the folder of the file). Each import records its own; "
            "earlier items keep theirs."
        ),
    ] = None,
    label_from_folder: Annotated[
        bool,
        typer.Option(
            help="For a media folder: use each file's parent folder name as its label."
        ),
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"{_listed(list(READERS))} (default: from the suffix; a span "
            "project tells CoNLL, Label Studio and plain lines apart by content, so "
            "eng.testa needs no --format; a detection project tells COCO from Label "
            "Studio, and a YOLO folder (classes.txt or labels/) from a VOC one).",
        ),
    ] = None,
    scheme: Annotated[
        str | None,
        typer.Option(
            help="Tag scheme of a CoNLL or token file: iob1 (CoNLL-2003's), iob2 or "
            "bioes (default: detected). An I- tag after O or another type starts an "
            "entity, as IOB1 reads it, also in an IOB2 file; the import says where.",
        ),
    ] = None,
    as_predictions: Annotated[
        bool,
        typer.Option(
            help="Import the file's labels as another model's predictions, shown as "
            "suggestions, instead of as annotations. A file without the items' "
            "text, features or media (or an export with --include-predictions) "
            "gives stored items a prediction each: an id, a label (or labels) "
            "and a score from 0 to 1. Importing the same model's predictions "
            "again replaces them.",
        ),
    ] = False,
    as_queries: Annotated[
        bool,
        typer.Option(
            "--as-queries",
            help="The file is a queries file (activelabel query's, or one scored "
            "elsewhere: an id column and a 'score'): its items are served next, "
            "highest score first, until each is labeled; rounds order the rest of "
            "the pool behind them. Another queries file replaces the order.",
        ),
    ] = False,
    gold: Annotated[
        bool,
        typer.Option(
            "--gold",
            help="The label column holds known answers: store the rows as gold items "
            "(honeypots) mixed into annotators' tasks at the project's gold rate "
            "(activelabel settings NAME --gold-rate 0.05) to score them "
            "(activelabel gold NAME). Rows matching stored items (by id or content) "
            "mark those items.",
        ),
    ] = False,
    model_name: Annotated[
        str | None,
        typer.Option(
            help="Name of the model whose predictions these are (default: the name "
            "the file gives, else the file's name).",
        ),
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated class names of a YOLO folder, in id order (default: "
            "its classes.txt)."
        ),
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file.")] = "utf-8",
    delimiter: Annotated[
        str | None,
        typer.Option(help="Field delimiter of a CSV (default: , or tab for TSV)."),
    ] = None,
    header: Annotated[
        bool,
        typer.Option(help="Whether the first line of a CSV/TSV names the columns."),
    ] = True,
    columns: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated names for the columns of a CSV/TSV without a header."
        ),
    ] = None,
    unknown_labels: Annotated[
        str,
        typer.Option(
            help="What a label the project lacks does: refuse (stop, naming it, its "
            "row and the closest labels), drop (leave it out of the row) or add "
            "(add it to the project's labels). Aliases of a loaded taxonomy fold into "
            "their label first, and parents are added to a child's row.",
            metavar="refuse|drop|add",
        ),
    ] = "refuse",
    max_image_pixels: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Largest image to accept, in pixels (default 178,956,970, Pillow's "
            "guard against decompression bombs).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import items (and optionally their labels) into a project, in one transaction."""
    if as_queries and (as_predictions or gold or label_column is not None):
        raise ConfigError(
            "--as-queries reads a queries file (ids and scores) to set the "
            "labeling order; import labels, gold answers or predictions with "
            "another import."
        )
    store = open_db(db)
    if as_queries:
        _import_queries(name, source, store, fmt, encoding, delimiter, id_column)
        return
    with (
        image_pixel_limit(max_image_pixels),
        progress_bar(f"Importing {source.name}") as update,
    ):
        report = import_path(
            store,
            name,
            source,
            fmt=fmt,
            encoding=encoding,
            delimiter=delimiter,
            header=header,
            columns=_split(columns),
            text_column=text_column,
            id_column=id_column,
            label_column=label_column,
            feature_columns=_split(feature_columns),
            media_column=media_column,
            media_root=media_root,
            label_from_folder=label_from_folder,
            settings=Settings(),
            progress=update,
            scheme=scheme,
            as_predictions=as_predictions,
            model_name=model_name,
            classes=_split(classes),
            gold=gold,
            unknown_labels=unknown_labels,
        )
    predictions = (
        f", {report.predictions_added:,} predictions added"
        if report.predictions_added
        else ""
    )
    if gold:
        predictions += f", {report.gold_added:,} gold answers stored"
    console.print(
        f"Imported {report.rows_read:,} rows from {source} into [bold]{name}[/] in "
        f"{report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s): "
        f"{report.items_added:,} new items, {report.items_existing:,} already stored, "
        f"{report.labels_added:,} labels added{predictions}."
    )
    for note in report.notes:
        # Notes quote the file (paths, tags such as [B-PER]): never markup.
        console.print(f"Note: {note}", markup=False, highlight=False)


def _import_queries(
    name: str,
    source: Path,
    store: Store,
    fmt: str | None,
    encoding: str,
    delimiter: str | None,
    id_column: str | None,
) -> None:
    """``import --as-queries``: a queries file sets the labeling order."""
    with progress_bar(f"Importing {source.name}") as update:
        read, order = import_queries_file(
            store,
            name,
            source,
            fmt=fmt,
            encoding=encoding,
            delimiter=delimiter,
            id_column=id_column,
            settings=Settings(),
            progress=update,
        )
    skipped = (
        f"; {order.skipped:,} already labeled (or gold) were left out"
        if order.skipped
        else ""
    )
    console.print(
        f"Read {read.rows_read:,} rows from {source}: the next {order.queued:,} "
        f"items of [bold]{name}[/] are served highest score first{skipped} "
        f"(query session {order.session_id})."
    )


@app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="Project to export.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help=f"File to write; {_listed(_WRITTEN_SUFFIXES)} (or use --format).",
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"{_listed(list(WRITERS))} (default: from the suffix); the "
            "project's task kind says which it writes.",
        ),
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(
            help="Also write the metadata dataset (one row per annotation: annotator, "
            "session, source, timestamps, seconds spent) to this file."
        ),
    ] = None,
    labeled_only: Annotated[
        bool, typer.Option(help="Leave out items that have no label yet.")
    ] = False,
    include_weak: Annotated[
        bool,
        typer.Option(
            "--include-weak",
            help="Label the items nobody labeled with the labeling functions' label "
            "model (label_source rule); a person's label always wins.",
        ),
    ] = False,
    include_predictions: Annotated[
        bool,
        typer.Option(
            "--include-predictions",
            help="Add each item's newest imported prediction in columns of its own "
            "(prediction, prediction_model, prediction_score, prediction_scores), "
            "never as its label; the file imports back with --as-predictions.",
        ),
    ] = False,
    escape_formulas: Annotated[
        bool,
        typer.Option(
            help="In CSV files, write text that starts with =, +, -, @, a tab or a "
            "carriage return (and is not a number) with a leading ' so spreadsheets "
            "show it instead of running it as a formula."
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Export the labels dataset (one row per item) and, optionally, the metadata dataset."""
    store = open_db(db)
    with progress_bar(f"Exporting {name}") as update:
        report = export_labels(
            store,
            name,
            output,
            fmt=fmt,
            include_unlabeled=not labeled_only,
            include_weak=include_weak,
            include_predictions=include_predictions,
            escape_formulas=escape_formulas,
            progress=update,
        )
    console.print(
        f"Wrote {report.rows:,} items to {report.path} in {report.seconds:.1f} s."
    )
    for note in report.notes:
        # Field names come from the data: printed as they are, never as markup.
        console.print(f"Note: {note}", markup=False, highlight=False)
    if metadata is not None:
        with progress_bar("Exporting annotations") as update:
            meta = export_annotations(
                store,
                name,
                metadata,
                escape_formulas=escape_formulas,
                progress=update,
            )
        console.print(
            f"Wrote {meta.rows:,} annotations to {meta.path} in {meta.seconds:.1f} s."
        )
