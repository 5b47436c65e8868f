"""A large pool of real texts: AG News articles and SMS messages, six labels.

The scale benchmarks (``bench_vs_labelstudio.py``, ``bench_first_model.py``)
need 100,000 or more texts that read like what people label, not synthetic
words: :func:`news_and_sms` gives them from the two text sets under
``../shared/datasets``.

* First, every real text once: the 7,600 AG News test articles (title and
  description; labels ``world``, ``sports``, ``business``, ``sci_tech``) and the
  5,171 distinct SMS messages (``ham``, ``spam``), shuffled together.
* Beyond those 12,771, each further text joins two real texts of the same
  label, drawn at random (seeded): two articles on one topic, or two messages
  of one kind. Every text is then distinct, its n-grams are real ones, and its
  label still says what it is about, so a model can learn the pool and a
  vocabulary grows with it as it would on real data.

Provenance and licences: ``../shared/datasets/ag_news/README.md`` (research,
non-commercial) and ``../shared/datasets/sms_spam_collection/README.md``.
Benchmarks may read ``../shared``; tests never do.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd

__all__ = ["DATA", "LABELS", "news_and_sms", "write_texts_csv"]

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"

#: The pool's labels: AG News's four topics, then SMS spam's two kinds.
LABELS = ("world", "sports", "business", "sci_tech", "ham", "spam")

_AG_TOPICS = {1: "world", 2: "sports", 3: "business", 4: "sci_tech"}


def _real_texts(data: Path) -> tuple[list[str], list[str]]:
    news = pd.read_csv(
        data / "ag_news" / "test.csv", header=None, names=["label", "title", "desc"]
    )
    news_texts = (
        news["title"] + ". " + news["desc"].str.replace("\\", " ", regex=False)
    ).tolist()
    news_labels = [_AG_TOPICS[int(v)] for v in news["label"]]
    sms = pd.read_csv(
        data / "sms_spam_collection" / "SMSSpamCollection",
        sep="\t",
        header=None,
        names=["label", "text"],
        quoting=3,
    ).drop_duplicates("text")
    return news_texts + sms["text"].tolist(), news_labels + sms["label"].tolist()


def news_and_sms(
    n: int, *, data: Path = DATA, seed: int = 0
) -> tuple[list[str], list[str]]:
    """``n`` distinct real texts and their labels (see the module docstring)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}.")
    texts, labels = _real_texts(data)
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    out_texts = [texts[i] for i in order[:n]]
    out_labels = [labels[i] for i in order[:n]]
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    seen = set(out_texts)
    while len(out_texts) < n:
        first = rng.randrange(len(texts))
        label = labels[first]
        second = rng.choice(by_label[label])
        joined = f"{texts[first]} {texts[second]}"
        if second == first or joined in seen:
            continue
        seen.add(joined)
        out_texts.append(joined)
        out_labels.append(label)
    return out_texts, out_labels


def write_texts_csv(path: Path, texts: list[str]) -> Path:
    """Write ``texts`` as a one-column CSV (``text``): an unlabeled pool to import."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    return path
