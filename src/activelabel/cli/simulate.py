"""``activelabel simulate``: replay a labeled dataset and compare strategies.

Loads one or more CSV/TSV/Parquet files, featurizes them the way a project
would (TF-IDF for a text column, scaled/one-hot table columns otherwise), runs
:func:`activelabel.al.simulate`, prints a summary table, and writes the curves
(CSV, JSON) and a plot (PNG) to ``--out``.

With ``--task ner`` the files are CoNLL (read by the importer's ``conll``
reader: any width, IOB1/IOB2/BIOES detected) and the replay is over sentences
with a CRF, measured by entity-level F1 (:func:`activelabel.al.simulate_spans.simulate_spans`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from activelabel.choices import MODEL_KINDS, STRATEGY_NAMES
from activelabel.cli.app import console
from activelabel.cli.progress import progress_bar
from activelabel.exceptions import ColumnNotFoundError, ConfigError, ImportFormatError

if TYPE_CHECKING:
    import pandas as pd

    from activelabel.al import SimulationResult

__all__ = ["load_table", "read_conll_sentences", "simulate_command"]

_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}


def load_table(path: Path, *, sep: str | None) -> pd.DataFrame:
    import pandas as pd

    """Read one CSV/TSV/Parquet file; errors name the file."""
    if not path.is_file():
        raise ConfigError(f"The dataset file {str(path)!r} does not exist.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if sep == "\\t":
            sep = "\t"
        return pd.read_csv(path, sep=sep or _SEPARATORS.get(suffix, ","))
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ImportFormatError(f"Cannot read {str(path)!r}: {exc}") from exc


def read_conll_sentences(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """The sentences of a CoNLL file as words and IOB2 tags; errors name the file
    and line."""
    from activelabel.io.readers.conll import read_conll
    from activelabel.io.readers.protocol import ReadOptions
    from activelabel.tasks.spans.tag_schemes import spans_to_tags
    from activelabel.tasks.spans.tokenization import item_tokens

    if not path.is_file():
        raise ConfigError(f"The dataset file {str(path)!r} does not exist.")
    options = ReadOptions(
        path=path,
        encoding="utf-8",
        delimiter=None,
        header=False,
        names=None,
        batch_size=5_000,
        max_field_bytes=1 << 20,
    )
    words: list[list[str]] = []
    tags: list[list[str]] = []
    for batch in read_conll(options):
        for row in batch.rows:
            tokens = item_tokens(row, row["text"])
            words.append(list(row["tokens"]))
            tags.append(spans_to_tags(tokens, row.get("spans", []), "iob2"))
    return words, tags


def _features(
    df: pd.DataFrame, *, text_column: str | None, feature_columns: list[str] | None
) -> Any:
    # The featurizer a project of this modality gets by default.
    from activelabel.loop.featurizers import make_featurizer

    if text_column is not None:
        texts = df[text_column].fillna("").astype(str).tolist()
        return make_featurizer("text").fit_transform(texts)
    return make_featurizer("tabular").fit_transform(df[feature_columns])


def _media_features(files: list[str], *, augment: bool) -> tuple[Any, Any]:
    """Image or audio features of ``files`` (the kind of the first decides) and,
    with ``augment``, the rows of their augmented copies and each copy's source."""
    import numpy as np

    from activelabel.io.media import media_kind
    from activelabel.loop.featurizers import make_featurizer
    from activelabel.ml.augmentation import AUGMENTED_COPIES, augmented_features

    modality = media_kind(Path(files[0])) if files else None
    if modality is None:
        raise ConfigError(
            "The --media-column must name image or audio files; "
            f"{files[0] if files else 'no file'!r} is neither."
        )
    featurizer = make_featurizer(modality)
    with progress_bar("Featurizing") as update:
        update(0, 2)
        X = featurizer.fit_transform(files)
        update(1, 2)
        copies = None
        if augment:
            X_copies = augmented_features(
                featurizer, modality, files, files, copies=AUGMENTED_COPIES
            )
            copies = (X_copies, np.repeat(np.arange(len(files)), AUGMENTED_COPIES))
        update(2, 2)
    return X, copies


def _check_columns(df: pd.DataFrame, columns: list[str], source: str) -> None:
    for col in columns:
        if col not in df.columns:
            raise ColumnNotFoundError(
                f"Column {col!r} is not in {source}; columns are: "
                f"{', '.join(map(str, df.columns))}."
            )


def _fmt(value: Any, pattern: str = "{:.3f}") -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return "—"
    return pattern.format(value)


def print_summary(result: SimulationResult) -> None:
    """Print the summary as a rich table."""
    metric = result.metric
    shown = "acc" if metric == "accuracy" else metric.replace("_", " ")
    table = Table(
        title="Simulated labeling (mean over seeds)",
        caption="labels to 95% / 99%: labels needed to reach that share of the "
        f"all-label {metric.replace('_', ' ')} (— not reached or not computed)",
    )
    for name in (
        "strategy",
        "AUC ± sd",
        f"final {shown}",
        "labels to 95%",
        "labels to 99%",
        "labels to random's final",
        "s/round",
    ):
        # Headers may wrap in an 80-column terminal; names and figures may not.
        table.add_column(
            name,
            justify="left" if name == "strategy" else "right",
            no_wrap=name in ("strategy", "AUC ± sd"),
        )
    for row in result.summary.to_dict(orient="records"):
        table.add_row(
            str(row["strategy"]),
            f"{row['auc']:.3f} ± {row['auc_std']:.3f}",
            f"{row[f'final_{metric}']:.3f}",
            _fmt(row["labels_to_95"], "{:.0f}"),
            _fmt(row["labels_to_99"], "{:.0f}"),
            _fmt(row["labels_to_random_final"], "{:.0f}"),
            f"{row['seconds_per_round']:.3f}",
        )
    console.print(table)
    accuracies = list(result.full_accuracy.values())
    if accuracies:
        full = sum(accuracies) / len(accuracies)
        console.print(
            f"{metric.replace('_', ' ').capitalize()} with all pool labels: {full:.3f}"
        )


def simulate_command(
    dataset: Annotated[
        list[Path],
        typer.Argument(
            help="CSV, TSV or Parquet file(s) with every row labeled (CoNLL files "
            "with --task ner). Several files are concatenated."
        ),
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--task",
            help="classification (rows with a label), or ner (CoNLL sentences, "
            "a CRF, entity-level F1).",
        ),
    ] = "classification",
    pool_size: Annotated[
        int | None,
        typer.Option(
            help="--task ner: sentences drawn into the pool per seed (each round "
            "scores the whole pool; default: every sentence not held out)."
        ),
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(help="Column holding the true label of each row."),
    ] = None,
    label_from_filename: Annotated[
        bool,
        typer.Option(
            help="Use each file's name (without extension) as the label of its rows, "
            "e.g. winequality-red.csv and winequality-white.csv for wine colour."
        ),
    ] = False,
    text_column: Annotated[
        str | None,
        typer.Option(help="Text column to featurize with TF-IDF."),
    ] = None,
    media_column: Annotated[
        str | None,
        typer.Option(
            help="Column holding each row's image or audio file (relative to the "
            "dataset file's folder), featurized as an image or audio project's."
        ),
    ] = None,
    augment: Annotated[
        bool,
        typer.Option(
            "--augment",
            help="With --media-column: also learn augmented copies of each "
            "labeled image or clip, as a project with augment on does.",
        ),
    ] = False,
    feature_columns: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated table columns to use as features (default: every "
            "column except the label)."
        ),
    ] = None,
    sep: Annotated[
        str | None,
        typer.Option(help="Field separator (default: from the extension, ',' or tab)."),
    ] = None,
    strategies: Annotated[
        str | None,
        typer.Option(
            help=f"Comma-separated strategies to compare: {', '.join(STRATEGY_NAMES)}; "
            "--task ner: default (total_token_entropy), least_confidence, mnlp, token_entropy, "
            "dictionary_disagreement, random. Default: default,random,"
            "least_confidence,margin,entropy (ner: default,token_entropy,random)."
        ),
    ] = None,
    initial_labels: Annotated[
        int, typer.Option(help="Labels drawn at random before the first round.")
    ] = 10,
    batch_size: Annotated[int, typer.Option(help="Items labeled per round.")] = 10,
    budget: Annotated[int, typer.Option(help="Stop at this many labels.")] = 300,
    seeds: Annotated[
        int, typer.Option(help="Repetitions with different splits and starts.")
    ] = 5,
    test_size: Annotated[
        float, typer.Option(help="Share of rows held out for testing, per seed.")
    ] = 0.25,
    model: Annotated[
        str, typer.Option(help=f"Classifier: {', '.join(MODEL_KINDS)}.")
    ] = "logistic",
    dedupe: Annotated[
        bool,
        typer.Option(
            help="Drop exact duplicate rows first, so no row is in both pool and test."
        ),
    ] = True,
    out: Annotated[
        Path,
        typer.Option(help="Directory for curves.csv, simulation.json and curves.png."),
    ] = Path("simulation"),
) -> None:
    """Replay a fully labeled dataset as if a person labeled it, and compare strategies."""
    from activelabel.al import simulate
    from activelabel.ml.training import make_estimator

    if not dataset:
        raise ConfigError("Give at least one dataset file.")
    if kind not in ("classification", "ner"):
        raise ConfigError(
            f"Unknown kind {kind!r} for simulate; choose classification or ner."
        )
    if kind == "ner":
        _simulate_sentences(
            dataset,
            strategies=strategies or "default,token_entropy,random",
            initial_labels=initial_labels,
            batch_size=batch_size,
            budget=budget,
            seeds=seeds,
            test_size=test_size,
            pool_size=pool_size,
            out=out,
        )
        return
    strategies = strategies or "default,random,least_confidence,margin,entropy"
    if (label_column is None) == (not label_from_filename):
        raise ConfigError(
            "Say where the labels are: give --label-column NAME or "
            "--label-from-filename (exactly one)."
        )
    frames = []
    for path in dataset:
        df = load_table(path, sep=sep)
        if label_from_filename:
            df = df.assign(__label__=path.stem)
        else:
            assert label_column is not None
            _check_columns(df, [label_column], repr(str(path)))
        if text_column is not None:
            _check_columns(df, [text_column], repr(str(path)))
        if media_column is not None:
            _check_columns(df, [media_column], repr(str(path)))
            # Each file's media paths are relative to that file's folder.
            df = df.assign(__media__=[str(path.parent / f) for f in df[media_column]])
        frames.append(df)
    import pandas as pd  # with the model stack: only this command needs it

    data = pd.concat(frames, ignore_index=True)
    label = "__label__" if label_from_filename else str(label_column)
    columns: list[str] | None = None
    if augment and media_column is None:
        raise ConfigError(
            "--augment needs --media-column: only image and audio items have "
            "augmentations."
        )
    if text_column is None and media_column is None:
        columns = (
            [c.strip() for c in feature_columns.split(",") if c.strip()]
            if feature_columns
            else [str(c) for c in data.columns if c != label]
        )
        _check_columns(data, columns, "the dataset")
    used = [text_column] if text_column is not None else list(columns or [])
    if media_column is not None:
        used = ["__media__"]
    data = data.dropna(subset=[label])
    if dedupe:
        data = data.drop_duplicates(subset=[*used, label]).reset_index(drop=True)
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    augmented = None
    if media_column is not None:
        X, augmented = _media_features(data["__media__"].tolist(), augment=augment)
    else:
        X = _features(data, text_column=text_column, feature_columns=columns)
    y = data[label].astype(str).to_numpy()
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar("Simulating") as update:
        result = simulate(
            X,
            y,
            strategies=names,
            estimator=make_estimator(model),
            initial_labels=initial_labels,
            batch_size=batch_size,
            budget=budget,
            seeds=seeds,
            test_size=test_size,
            augmented=augmented,
            progress=lambda done, total, _desc: update(done, total),
        )
    result.config.update(
        dataset=[p.name for p in dataset],
        n_rows=int(y.shape[0]),
        features=f"text:{text_column}"
        if text_column
        else f"media:{media_column}"
        if media_column
        else "tabular",
        model=model,
    )
    _write_result(result, out, f"Learning curves: {', '.join(p.stem for p in dataset)}")


def _write_result(result: SimulationResult, out: Path, title: str) -> None:
    """The curves (CSV), the record (JSON) and the plot, then the summary."""
    result.to_csv(out / "curves.csv")
    result.to_json(out / "simulation.json")
    result.plot(out / "curves.png", title=title)
    print_summary(result)
    console.print(
        f"Wrote {out / 'curves.csv'}, {out / 'simulation.json'}, {out / 'curves.png'}"
    )


def _simulate_sentences(
    dataset: list[Path],
    *,
    strategies: str,
    initial_labels: int,
    batch_size: int,
    budget: int,
    seeds: int,
    test_size: float,
    pool_size: int | None,
    out: Path,
) -> None:
    """``simulate --task ner``: CoNLL sentences, a CRF, entity-level F1."""
    from activelabel.al.simulate_spans import simulate_spans

    words: list[list[str]] = []
    tags: list[list[str]] = []
    for path in dataset:
        more_words, more_tags = read_conll_sentences(path)
        words += more_words
        tags += more_tags
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar("Simulating") as update:
        result = simulate_spans(
            words,
            tags,
            strategies=names,
            initial_labels=initial_labels,
            batch_size=batch_size,
            budget=budget,
            seeds=seeds,
            test_size=test_size,
            pool_size=pool_size,
            progress=lambda done, total, _desc: update(done, total),
        )
    result.config.update(
        dataset=[p.name for p in dataset], n_sentences=len(words), task="ner"
    )
    _write_result(
        result,
        out,
        f"Entity F1 learning curves: {', '.join(p.name for p in dataset)}",
    )
