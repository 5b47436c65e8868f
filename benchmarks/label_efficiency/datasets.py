"""The benchmark's datasets: features and labels, each matrix cached on disk.

Every set is featurized the way a project of its modality is by default
(:func:`activelabel.loop.featurizers.make_featurizer`), except the
``*_embeddings`` rows, which use the ``embeddings`` featurizer. Data come
from ``../shared/datasets`` relative to the repository root (``--data``);
their READMEs give provenance and quirks. Featurized matrices are cached
under ``benchmarks/results/.cache/label_efficiency`` (derived data, ignored
by git), keyed by set name and featurizer id, so reruns skip the encoding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent.parent
DATA = HERE.parent.parent / "shared" / "datasets"
CACHE = HERE / "results" / ".cache" / "label_efficiency"


@dataclass
class Dataset:
    """Features, labels and the raw inputs a variant may featurize again."""

    name: str
    X: Any
    y: Any
    modality: str
    featurizer: str
    raw: list[Any] | None = None  # texts, image or audio paths (for variants)

    @property
    def imbalance(self) -> float:
        """Largest class count over smallest (1 = balanced)."""
        _, counts = np.unique(self.y, return_counts=True)
        return float(counts.max() / counts.min())


def cached_matrix(key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s matrix, saved under ``key`` the first time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    dense, sparse = CACHE / f"{key}.npy", CACHE / f"{key}.npz"
    if dense.exists():
        return np.load(dense)
    if sparse.exists():
        return sp.load_npz(sparse)
    X = build()
    # Written aside, then renamed: another run never reads half a matrix.
    target = sparse if sp.issparse(X) else dense
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as f:
        if sp.issparse(X):
            sp.save_npz(f, sp.csr_matrix(X))
        else:
            np.save(f, np.asarray(X))
    tmp.replace(target)
    return X


def featurize(modality: str, name: str, inputs: list[Any], tag: str) -> Any:
    """``inputs`` through activelabel's featurizer ``name``, cached by ``tag``
    (the set) and a hash of the inputs."""
    from activelabel.loop.featurizers import make_featurizer

    digest = hashlib.sha256(
        "\x00".join(str(v) for v in inputs).encode("utf-8")
    ).hexdigest()[:12]
    featurizer = make_featurizer(modality, name, pool_size=len(inputs))
    return cached_matrix(
        f"{tag}-{name}-{digest}", lambda: featurizer.fit_transform(inputs)
    )


def sms_texts(data: Path) -> tuple[list[str], Any]:
    """SMS spam: 5,171 distinct texts (the collection repeats some)."""
    from bench_weak import sms_data  # benchmarks/, the command's own folder

    return sms_data(data / "sms_spam_collection")


def ag_news_texts(data: Path) -> tuple[list[str], Any]:
    """AG News, the 7,600-article test split: title and description."""
    df = pd.read_csv(
        data / "ag_news" / "test.csv", header=None, names=["label", "title", "desc"]
    )
    text = (
        df["title"] + ". " + df["desc"].str.replace("\\", " ", regex=False)
    ).tolist()
    return text, df["label"].astype(str).to_numpy()


def madewithml_texts(data: Path) -> tuple[list[str], Any]:
    """Made With ML single-label (2023): both of its files, 955 posts, 4
    imbalanced tags (NLP 388, CV 356, other 132, MLOps 79)."""
    root = data / "madewithml_projects" / "single_label_2023"
    df = pd.concat(
        [pd.read_csv(root / "dataset.csv"), pd.read_csv(root / "holdout.csv")],
        ignore_index=True,
    )
    text = (df["title"].fillna("") + ". " + df["description"].fillna("")).tolist()
    return text, df["tag"].to_numpy()


def text_set(name: str, featurizer: str, texts: list[str], y: Any) -> Dataset:
    """A text set featurized by ``featurizer``, with its texts kept."""
    X = featurize("text", featurizer, texts, name.split("_embeddings")[0])
    return Dataset(name, X, y, "text", featurizer, raw=texts)


def load_digits_set(_: Path) -> Dataset:
    """scikit-learn's 8x8 digits (1,797 images), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return Dataset("digits", X / 16.0, y, "table", "pixels")


def load_wine(data: Path) -> Dataset:
    """Wine quality, red vs white (the Dataiku demo): 5,320 distinct rows."""
    frames = [
        pd.read_csv(data / "wine_quality" / f"winequality-{c}.csv", sep=";").assign(
            colour=c
        )
        for c in ("red", "white")
    ]
    df = pd.concat(frames, ignore_index=True).drop_duplicates()
    table = df.drop(columns=["colour"])
    from activelabel.loop.featurizers import make_featurizer

    X = make_featurizer("tabular").fit_transform(table)
    return Dataset("wine_colour", X, df["colour"].to_numpy(), "tabular", "tabular")


def load_cifar(data: Path) -> Dataset:
    """The 6,000-image CIFAR-10 subset, activelabel's image features."""
    root = data / "cifar10_subset"
    labels = pd.read_csv(root / "labels.csv")
    paths = [str(root / f) for f in labels["file"]]
    X = featurize("image", "image", paths, "cifar10")
    return Dataset("cifar10", X, labels["label"].to_numpy(), "image", "image", paths)


def load_spoken_digits(data: Path) -> Dataset:
    """Free Spoken Digit: 3,000 clips (6 speakers), activelabel's audio features.

    The test split is the benchmark's own stratified 25 %, so speakers are
    shared between pool and test (as in the dataset's official split).
    """
    root = data / "free_spoken_digit"
    meta = pd.read_csv(root / "metadata.csv")
    paths = [str(root / f) for f in meta["file"]]
    X = featurize("audio", "audio", paths, "spoken_digits")
    y = meta["digit"].astype(str).to_numpy()
    return Dataset("spoken_digits", X, y, "audio", "audio", paths)


def _texts(
    read: Callable[[Path], tuple[list[str], Any]], name: str, featurizer: str
) -> Callable[[Path], Dataset]:
    def load(data: Path) -> Dataset:
        texts, y = read(data)
        return text_set(name, featurizer, texts, y)

    return load


LOADERS: dict[str, Callable[[Path], Dataset]] = {
    "digits": load_digits_set,
    "sms_spam": _texts(sms_texts, "sms_spam", "tfidf"),
    "wine_colour": load_wine,
    "ag_news": _texts(ag_news_texts, "ag_news", "tfidf"),
    "ag_news_embeddings": _texts(ag_news_texts, "ag_news_embeddings", "embeddings"),
    "cifar10": load_cifar,
    "spoken_digits": load_spoken_digits,
    "madewithml": _texts(madewithml_texts, "madewithml", "tfidf"),
    "madewithml_embeddings": _texts(
        madewithml_texts, "madewithml_embeddings", "embeddings"
    ),
    "sms_spam_embeddings": _texts(sms_texts, "sms_spam_embeddings", "embeddings"),
}
#: The table's sets, in its order (run when --datasets is not given).
DEFAULT_DATASETS = [
    "digits",
    "sms_spam",
    "wine_colour",
    "ag_news",
    "ag_news_embeddings",
    "cifar10",
    "spoken_digits",
    "madewithml",
    "madewithml_embeddings",
]


def load(name: str, data: Path = DATA) -> Dataset:
    """The set called ``name`` (one of :data:`LOADERS`)."""
    if name not in LOADERS:
        raise SystemExit(
            f"Unknown dataset {name!r}; choose from: {', '.join(LOADERS)}."
        )
    return LOADERS[name](data)
