"""Bad named-entity files: a sentence naming the file and the line, nothing stored.

Each refusal leaves the database as it was (an import is one transaction),
checked against a project that already holds a labeled sentence and a
prediction, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from activelabel.exceptions import ConfigError, ImportFormatError, InvalidLabelError
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, Prediction, Project

NER = Path(__file__).parent.parent / "fixtures" / "ner"
LABELS = ("PER", "LOC", "ORG", "MISC")


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a span import may touch."""
    with store.session() as session:

        def rows(model: type[Any]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "items": rows(Item),
            "annotations": rows(Annotation),
            "predictions": rows(Prediction),
            "configs": [p.config for p in session.scalars(select(Project))],
        }


@pytest.fixture
def stocked(
    store: Store, project_factory: Any, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """A span project that already holds a labeled sentence and a prediction."""
    project_factory("news", task="ner", labels=LABELS)
    folder = tmp_path_factory.mktemp("seed")
    labels = folder / "one.jsonl"
    labels.write_text((NER / "news_spans.jsonl").read_text().splitlines()[0] + "\n")
    import_path(store, "news", labels)
    guess = folder / "guess.iob"
    guess.write_text("Ada\tB-PER\n")
    import_path(store, "news", guess, as_predictions=True)
    before = snapshot(store)
    assert (before["items"], before["annotations"], before["predictions"]) == (2, 1, 1)
    return store


def refused(
    store: Store, error: type[Exception], match: str, path: Path, **kw: Any
) -> None:
    """Importing ``path`` raises ``error`` matching ``match``; nothing changed."""
    before = snapshot(store)
    with pytest.raises(error, match=match):
        import_path(store, "news", path, **kw)
    assert snapshot(store) == before


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def test_a_conll_line_with_the_wrong_number_of_columns_says_how_many_were_expected(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "eng.testa"
    lines = (NER / "news.conll").read_text().splitlines(keepends=True)
    lines[20] = "semi-finals NNS O\n"  # line 21: one column short
    path.write_text("".join(lines))
    refused(
        stocked,
        ImportFormatError,
        r"eng.testa, line 21: 3 columns where the file's first token line \(line 3\) "
        r"has 4; every token line needs the same columns, the tag last\.",
        path,
    )


def test_a_tag_outside_the_projects_labels_names_the_line_and_the_closest_label(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "typo.conll"
    text = (NER / "news.conll").read_text()
    path.write_text(text.replace("Tomas NNP I-NP I-PER", "Tomas NNP I-NP I-PERS"))
    refused(
        stocked,
        InvalidLabelError,
        r"typo.conll, line 37: the tag 'I-PERS' names 'PERS', which is not a label of "
        r"this project; the labels are: PER, LOC, ORG, MISC\. Did you mean I-PER\?",
        path,
    )


def test_a_span_label_outside_the_projects_labels_names_the_row_and_the_closest(
    stocked: Store, tmp_path: Path
) -> None:
    path = jsonl(
        tmp_path / "spans.jsonl",
        [
            {"text": "Ada sings", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
            {"text": "Bo in Oslo", "spans": [{"start": 6, "end": 10, "label": "LCO"}]},
        ],
    )
    refused(
        stocked,
        InvalidLabelError,
        r"spans.jsonl, line 2, span 1 \(6–10\): 'LCO' is not a label of this project; "
        r"the labels are: PER, LOC, ORG, MISC\. Did you mean 'LOC'\?",
        path,
    )


def test_an_i_tag_after_o_in_iob2_is_read_as_iob1_reads_it_and_the_import_says_where(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "slips.bio"
    path.write_text(
        "Ada\tB-PER\nLovelace\tI-PER\n\nShe\tO\nvisited\tO\nLondon\tI-LOC\n"
    )
    report = import_path(stocked, "news", path, scheme="iob2")
    assert report.notes == [
        f"{path}, line 6: an I- tag follows O or another type; read as the start of "
        "an entity, as IOB1 reads it (the first such line; IOB2 starts an entity "
        "with B-)."
    ]
    with stocked.session() as session:
        value = session.scalar(
            select(Annotation.value)
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.external_id == "slips.bio:2")
        )
    assert value == [{"start": 12, "end": 18, "label": "LOC"}]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (
            {"start": 6, "end": 40, "label": "LOC"},
            r"span 6–40 \(LOC\) lies outside the text, which has 10 characters\.",
        ),
        (
            {"start": 7, "end": 10, "label": "LOC"},
            r"span 7–10 \(LOC\) starts or ends inside a token \('slo'\); a span covers "
            r"whole tokens\.",
        ),
    ],
)
def test_span_offsets_outside_the_text_or_inside_a_token_name_the_line(
    stocked: Store, tmp_path: Path, span: dict[str, Any], message: str
) -> None:
    path = jsonl(
        tmp_path / "spans.jsonl",
        [
            {"text": "Ada sings", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
            {"text": "Bo in Oslo", "spans": [span]},
        ],
    )
    refused(stocked, InvalidLabelError, r"spans.jsonl, line 2: " + message, path)


def test_overlapping_spans_name_the_line_and_both_spans(
    stocked: Store, tmp_path: Path
) -> None:
    path = jsonl(
        tmp_path / "spans.jsonl",
        [
            {
                "text": "Ada Lovelace sings",
                "spans": [
                    {"start": 0, "end": 12, "label": "PER"},
                    {"start": 4, "end": 12, "label": "ORG"},
                ],
            }
        ],
    )
    refused(
        stocked,
        InvalidLabelError,
        r"spans.jsonl, line 1: span 4–12 \(ORG\) overlaps span 0–12 \(PER\); spans "
        r"may not overlap\.",
        path,
    )


def test_a_jsonl_row_with_empty_text_is_refused_though_blank_lines_are_not_rows(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_text(
        json.dumps({"text": "Ada sings", "spans": []})
        + "\n\n"
        + json.dumps({"text": "  ", "spans": []})
        + "\n"
    )
    refused(
        stocked,
        ImportFormatError,
        r"spans.jsonl, line 3: the row has the empty text '  ' in its column 'text'; "
        r"a span project labels text, so every row needs some\.",
        path,
    )


def test_blank_lines_between_conll_sentences_are_separators_not_empty_sentences(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "airy.conll"
    path.write_text("Ada B-PER\n\n\n\nParis B-LOC\n\n")
    report = import_path(stocked, "news", path)
    assert (report.items_added, report.labels_added) == (2, 2)


def test_a_label_studio_span_whose_text_does_not_match_names_the_task(
    stocked: Store, tmp_path: Path
) -> None:
    tasks = json.loads((NER / "news_labelstudio.json").read_text())
    tasks[3]["annotations"][0]["result"][0]["value"]["start"] += 1
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    refused(
        stocked,
        InvalidLabelError,
        r"export.json, task 4 \(id 104\), result 1: the span 9–20 says it covers "
        r"'Tomas Ekwall', but the task's text there is 'omas Ekwall'; the offsets "
        r"do not match the text\.",
        path,
    )


def test_predictions_need_labels_in_the_file(stocked: Store) -> None:
    refused(
        stocked,
        ConfigError,
        r"--as-predictions imports a file's labels as predictions, but .*news_lines.txt "
        r"has no labels to import",
        NER / "news_lines.txt",
        as_predictions=True,
    )


def test_a_tag_scheme_is_refused_for_a_file_without_tags(stocked: Store) -> None:
    refused(
        stocked,
        ConfigError,
        r"--scheme names the tags of a CoNLL or token file; .*news_spans.jsonl is read "
        r"as jsonl\.",
        NER / "news_spans.jsonl",
        scheme="iob2",
    )


def test_a_bioes_tag_in_a_file_said_to_be_iob2_names_its_line(stocked: Store) -> None:
    refused(
        stocked,
        InvalidLabelError,
        r"news_bioes.tsv, line 4: 'E-ORG' is not an IOB2 tag",
        NER / "news_bioes.tsv",
        scheme="iob2",
    )
