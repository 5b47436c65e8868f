"""The span writers, each on hand-made items: CoNLL in three schemes, spaCy
JSON Lines and Label Studio JSON, and their places in the writers' registry."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError, ExportError
from activelabel.io.export import ExportReport
from activelabel.io.writers import WRITERS, ExportedItem, ItemFormat, format_for
from activelabel.store.models import Project

SENTENCE = "Tomas Ekwall scored in Paris."
PER_AND_LOC = [
    {"start": 0, "end": 12, "label": "PER"},
    {"start": 23, "end": 28, "label": "LOC"},
]


def project(**config: Any) -> Project:
    """A NER project as the writers see it (never stored)."""
    return Project(
        name="news",
        task="ner",
        modality="text",
        labels=["PER", "LOC", "ORG", "MISC"],
        config={"text_column": "text", **config},
    )


def item(
    external_id: str, data: Mapping[str, Any], spans: Sequence[Any] | None
) -> ExportedItem:
    """An exported item; ``spans=None`` is an item nobody has labeled."""
    labeled = spans is not None
    return ExportedItem(
        external_id,
        data,
        None,
        None if spans is None else list(spans),
        1 if labeled else 0,
        1.0 if labeled else None,
        "human" if labeled else None,
    )


def write(
    fmt: str, items: Sequence[ExportedItem], tmp_path: Path, **config: Any
) -> str:
    """Run the registered writer ``fmt`` and return what it wrote."""
    writer = WRITERS[fmt]
    assert isinstance(writer, ItemFormat)
    target = tmp_path / f"out-{fmt}"
    count = writer.write(project(**config), items, target)
    text = target.read_text(encoding="utf-8")
    assert count == len([i for i in items if i.data.get("text")])
    return text


def test_conll_writes_a_plain_item_as_token_tab_iob2_tag(tmp_path: Path) -> None:
    written = write("conll", [item("s1", {"text": SENTENCE}, PER_AND_LOC)], tmp_path)
    assert written == (
        "Tomas\tB-PER\nEkwall\tI-PER\nscored\tO\nin\tO\nParis\tB-LOC\n.\tO\n\n"
    )


def test_conll_bioes_marks_single_and_end_tokens(tmp_path: Path) -> None:
    written = write(
        "conll-bioes", [item("s1", {"text": SENTENCE}, PER_AND_LOC)], tmp_path
    )
    tags = [line.split("\t")[1] for line in written.splitlines() if line]
    assert tags == ["B-PER", "E-PER", "O", "O", "S-LOC", "O"]


def test_conll_iob1_uses_b_only_between_two_entities_of_one_type(
    tmp_path: Path,
) -> None:
    text = "Norwegian-born Swedish skier"
    spans = [
        {"start": 0, "end": 14, "label": "MISC"},
        {"start": 15, "end": 22, "label": "MISC"},
    ]
    iob1 = write("conll-iob1", [item("s1", {"text": text}, spans)], tmp_path)
    iob2 = write("conll", [item("s1", {"text": text}, spans)], tmp_path)
    assert iob1 == "Norwegian-born\tI-MISC\nSwedish\tB-MISC\nskier\tO\n\n"
    assert iob2 == "Norwegian-born\tB-MISC\nSwedish\tB-MISC\nskier\tO\n\n"


def test_conll_writes_kept_columns_docstart_and_blank_lines_as_they_came(
    tmp_path: Path,
) -> None:
    first = {
        "text": "HARBOUR CITY WIN",
        "tokens": ["HARBOUR", "CITY", "WIN"],
        "conll": {
            "columns": [["NNP", "I-NP"], ["NNP", "I-NP"], ["VBD", "I-VP"]],
            "docstart": "-DOCSTART- -X- O O",
        },
    }
    second = {
        "text": "BRAMLEY",
        "tokens": ["BRAMLEY"],
        "conll": {"columns": [["NNP", "I-NP"]], "blank_lines_after": 2},
    }
    tabbed = {
        "text": "Oslo",
        "tokens": ["Oslo"],
        "conll": {"columns": [[]], "separator": "\t"},
    }
    written = write(
        "conll-iob1",
        [
            item("s1", first, [{"start": 0, "end": 12, "label": "ORG"}]),
            item("s2", second, [{"start": 0, "end": 7, "label": "LOC"}]),
            item("s3", tabbed, [{"start": 0, "end": 4, "label": "LOC"}]),
        ],
        tmp_path,
    )
    assert written == (
        "-DOCSTART- -X- O O\n\n"
        "HARBOUR NNP I-NP I-ORG\nCITY NNP I-NP I-ORG\nWIN VBD I-VP O\n\n"
        "BRAMLEY NNP I-NP I-LOC\n\n\n"
        "Oslo\tI-LOC\n\n"
    )


def test_conll_writes_the_files_own_tags_back_while_they_still_say_the_spans(
    tmp_path: Path,
) -> None:
    # CoNLL-2003's eng.train has B- after O in IOB1: allowed, but not what
    # IOB1 writes for that entity; the reader keeps such tags.
    data = {
        "text": "a Swedish skier",
        "tokens": ["a", "Swedish", "skier"],
        "conll": {
            "columns": [[], [], []],
            "tags": ["O", "B-MISC", "O"],
            "scheme": "iob1",
        },
    }
    same = [{"start": 2, "end": 9, "label": "MISC"}]
    changed = [{"start": 2, "end": 15, "label": "MISC"}]

    def tags(fmt: str, spans: list[dict[str, Any]], **conll: Any) -> list[str]:
        kept = {**data, "conll": {**data["conll"], **conll}}  # type: ignore[dict-item]
        written = write(fmt, [item("s1", kept, spans)], tmp_path)
        return [line.split(" ")[-1] for line in written.splitlines() if line]

    assert tags("conll-iob1", same) == ["O", "B-MISC", "O"]
    assert tags("conll-iob1", changed) == ["O", "I-MISC", "I-MISC"]
    assert tags("conll", same) == ["O", "B-MISC", "O"]
    assert tags("conll-bioes", same) == ["O", "S-MISC", "O"]
    # Tags kept from an IOB2 file with a slip never come out of an IOB1 export.
    slip = {"tags": ["O", "I-MISC", "O"], "scheme": "iob2"}
    assert tags("conll-iob1", same, **slip) == ["O", "I-MISC", "O"]
    assert tags("conll", same, **slip) == ["O", "B-MISC", "O"]


def test_conll_writes_unlabeled_items_with_o_and_leaves_out_empty_ones(
    tmp_path: Path,
) -> None:
    items = [
        item("s1", {"text": "Paris"}, None),
        item("s2", {"text": ""}, None),
        item("s3", {"text": "Oslo"}, [{"start": 0, "end": 4, "label": "LOC"}]),
    ]
    assert write("conll", items, tmp_path) == "Paris\tO\n\nOslo\tB-LOC\n\n"


def test_conll_tokenizes_as_the_project_language_says(tmp_path: Path) -> None:
    spans = [{"start": 0, "end": 2, "label": "LOC"}]
    written = write(
        "conll", [item("s1", {"text": "北京很大"}, spans)], tmp_path, language="zh"
    )
    assert written == "北\tB-LOC\n京\tI-LOC\n很\tO\n大\tO\n\n"


def test_conll_refuses_a_token_holding_white_space_naming_the_item(
    tmp_path: Path,
) -> None:
    data = {"text": "New York is big", "tokens": ["New York", "is", "big"]}
    with pytest.raises(ExportError, match=r"item 'ny': token 1 \('New York'\)"):
        write("conll", [item("ny", data, [])], tmp_path)


def test_spacy_writes_text_spans_id_and_answer(tmp_path: Path) -> None:
    written = write(
        "spacy",
        [
            item("s1", {"text": SENTENCE}, PER_AND_LOC),
            item("s2", {"text": "Rien à signaler"}, []),
            item("s3", {"text": "Not yet"}, None),
        ],
        tmp_path,
    )
    lines = [json.loads(line) for line in written.splitlines()]
    assert lines[0] == {
        "text": SENTENCE,
        "spans": [
            {"start": 0, "end": 12, "label": "PER", "text": "Tomas Ekwall"},
            {"start": 23, "end": 28, "label": "LOC", "text": "Paris"},
        ],
        "meta": {"id": "s1"},
        "answer": "accept",
    }
    assert lines[1] == {
        "text": "Rien à signaler",
        "spans": [],
        "meta": {"id": "s2"},
        "answer": "accept",
    }
    assert lines[2] == {"text": "Not yet", "meta": {"id": "s3"}}
    assert "Rien à signaler" in written  # UTF-8, not \u escapes


def test_spacy_writes_kept_tokens_as_prodigy_does(tmp_path: Path) -> None:
    data = {
        "text": "EU rejects German call",
        "tokens": ["EU", "rejects", "German", "call"],
    }
    spans = [
        {"start": 0, "end": 2, "label": "ORG"},
        {"start": 11, "end": 17, "label": "MISC"},
    ]
    (line,) = write("spacy", [item("s1", data, spans)], tmp_path).splitlines()
    record = json.loads(line)
    assert record["tokens"] == [
        {"text": "EU", "start": 0, "end": 2, "id": 0, "ws": True},
        {"text": "rejects", "start": 3, "end": 10, "id": 1, "ws": True},
        {"text": "German", "start": 11, "end": 17, "id": 2, "ws": True},
        {"text": "call", "start": 18, "end": 22, "id": 3, "ws": False},
    ]
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [
        (0, 0),
        (2, 2),
    ]


def test_labelstudio_writes_tasks_its_importer_takes(tmp_path: Path) -> None:
    written = write(
        "labelstudio",
        [
            item("s1", {"text": SENTENCE}, PER_AND_LOC),
            item("s2", {"text": "Nothing here"}, []),
            item("s3", {"text": "Not yet"}, None),
        ],
        tmp_path,
    )
    tasks = json.loads(written)
    assert tasks[0] == {
        "data": {"text": SENTENCE},
        "annotations": [
            {
                "result": [
                    {
                        "id": "s0",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {
                            "start": 0,
                            "end": 12,
                            "text": "Tomas Ekwall",
                            "labels": ["PER"],
                        },
                    },
                    {
                        "id": "s1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {
                            "start": 23,
                            "end": 28,
                            "text": "Paris",
                            "labels": ["LOC"],
                        },
                    },
                ],
                "was_cancelled": False,
                "ground_truth": False,
            }
        ],
        "meta": {"external_id": "s1"},
    }
    assert tasks[1]["annotations"] == [
        {"result": [], "was_cancelled": False, "ground_truth": False}
    ]
    assert tasks[2]["annotations"] == []
    assert [t["meta"]["external_id"] for t in tasks] == ["s1", "s2", "s3"]


def test_labelstudio_writes_an_empty_list_for_no_items(tmp_path: Path) -> None:
    assert json.loads(write("labelstudio", [], tmp_path)) == []


def test_span_formats_are_registered_and_found_by_suffix_or_name() -> None:
    assert format_for(Path("news.conll"), None) == "conll"
    assert format_for(Path("news.iob"), None) == "conll-iob1"
    assert format_for(Path("news.bioes"), None) == "conll-bioes"
    assert format_for(Path("news.jsonl"), None) == "jsonl"
    assert format_for(Path("news.jsonl"), "spacy") == "spacy"
    assert format_for(Path("news.json"), "labelstudio") == "labelstudio"
    with pytest.raises(ConfigError, match=r"spacy \(named with --format\)"):
        format_for(Path("news.txt"), None)


def test_the_report_notes_unlabeled_items_only_a_format_cannot_mark() -> None:
    conll = WRITERS["conll"]
    assert isinstance(conll, ItemFormat)
    report = ExportReport(
        Path("n.conll"), "conll", 3, 0.1, unlabeled=2, unlabeled_as=conll.unlabeled_as
    )
    assert report.notes == [
        "2 items have no label yet and are written in conll with every tag O, as "
        "if labeled; leave unlabeled items out with --labeled-only "
        "(include_unlabeled=False)."
    ]
    for fmt in ("spacy", "labelstudio"):
        marked = WRITERS[fmt]
        assert isinstance(marked, ItemFormat) and marked.unlabeled_as is None
    assert ExportReport(Path("n.jsonl"), "spacy", 3, 0.1, unlabeled=2).notes == []


def test_spacy_and_labelstudio_write_the_items_language_field_beside_the_text(
    tmp_path: Path,
) -> None:
    data = {"text": "北京很大", "lang": "zh", "source": "wire"}
    spans = [{"start": 0, "end": 2, "label": "LOC"}]
    spacy = json.loads(
        write("spacy", [item("s1", data, spans)], tmp_path, language_column="lang")
    )
    assert (spacy["text"], spacy["lang"], "source" in spacy) == (
        "北京很大",
        "zh",
        False,
    )
    (task,) = json.loads(
        write(
            "labelstudio", [item("s1", data, spans)], tmp_path, language_column="lang"
        )
    )
    assert task["data"] == {"text": "北京很大", "lang": "zh"}
    # Without a language column, only the text goes.
    (plain,) = json.loads(write("labelstudio", [item("s1", data, spans)], tmp_path))
    assert plain["data"] == {"text": "北京很大"}
