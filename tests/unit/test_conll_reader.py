"""The CoNLL reader: sentences, tags as character spans, and what a writer needs back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError, ImportFormatError, InvalidLabelError
from activelabel.io.readers import Batch, detect_format, read_batches
from activelabel.tasks.spans import item_tokens, spans_to_tags

NER = Path(__file__).parent.parent / "fixtures" / "ner"
LABELS = ("PER", "LOC", "ORG", "MISC")


def read(path: Path, **options: Any) -> tuple[list[Batch], list[str]]:
    notes: list[str] = []
    batches = list(read_batches(path, fmt="conll", notes=notes, **options))
    return batches, notes


def sentences(path: Path, **options: Any) -> list[dict[str, Any]]:
    batches, _ = read(path, **options)
    return [row for batch in batches for row in batch.rows]


def covered(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [(row["text"][s["start"] : s["end"]], s["label"]) for s in row["spans"]]


def write_back(rows: list[dict[str, Any]], scheme: str) -> str:
    """The file as an export writes it from the rows (the agreed data shape)."""
    out: list[str] = []
    for row in rows:
        conll = row["conll"]
        separator = conll.get("separator", " ")
        if "docstart" in conll:
            out.append(conll["docstart"] + "\n\n")
        tokens = item_tokens(row, row["text"])
        tags = conll.get("tags") or spans_to_tags(tokens, row["spans"], scheme)
        for word, middle, tag in zip(
            row["tokens"], conll["columns"], tags, strict=True
        ):
            out.append(separator.join([word, *middle, tag]) + "\n")
        out.append("\n" * conll.get("blank_lines_after", 1))
    return "".join(out)


def test_the_conll_2003_fixture_reads_as_39_sentences_in_3_documents() -> None:
    rows = sentences(NER / "news.conll", labels=LABELS)
    assert len(rows) == 39
    assert sum("docstart" in r["conll"] for r in rows) == 3
    assert rows[0]["conll"]["docstart"] == "-DOCSTART- -X- O O"
    assert rows[0]["id"] == "news.conll:1" and rows[-1]["id"] == "news.conll:39"
    assert sum(len(r["spans"]) for r in rows) == 70
    assert rows[2]["text"].startswith("Harbour City reached the semi-finals")
    assert covered(rows[2]) == [
        ("Harbour City", "ORG"),
        ("Wessex Cup", "MISC"),
        ("Northfield", "ORG"),
    ]
    assert rows[2]["conll"]["columns"][0] == ["NNP", "I-NP"]


def test_iob1s_b_tag_starts_a_second_entity_of_the_same_type_right_after_the_first() -> (
    None
):
    rows = sentences(NER / "news.conll")
    swedish = next(r for r in rows if r["text"].startswith("Norwegian-born"))
    assert covered(swedish) == [
        ("Norwegian-born", "MISC"),
        ("Swedish", "MISC"),
        ("Lars Fenn", "PER"),
    ]


@pytest.mark.parametrize("name", ["news_iob2.tsv", "news_bioes.tsv"])
def test_token_tab_tag_files_in_iob2_and_bioes_give_the_same_spans_as_iob1(
    name: str,
) -> None:
    expected = [r["spans"] for r in sentences(NER / "news.conll")]
    rows = sentences(NER / name, labels=LABELS)
    assert [r["spans"] for r in rows] == expected
    assert rows[0]["conll"]["separator"] == "\t"
    assert rows[0]["conll"]["columns"][0] == []


@pytest.mark.parametrize(
    ("name", "scheme"),
    [("news.conll", "iob1"), ("news_iob2.tsv", "iob2"), ("news_bioes.tsv", "bioes")],
)
def test_every_fixture_is_written_back_byte_for_byte_from_its_rows(
    name: str, scheme: str
) -> None:
    path = NER / name
    assert write_back(sentences(path), scheme) == path.read_text()


def test_a_given_scheme_refuses_a_tag_of_another_scheme_naming_the_line() -> None:
    with pytest.raises(
        InvalidLabelError,
        match=r"news_bioes.tsv, line 4: 'E-ORG' is not an IOB2 tag; a tag is O or "
        r"a label after one of B-, I-",
    ):
        sentences(NER / "news_bioes.tsv", scheme="iob2")


def test_a_file_whose_columns_change_width_names_the_line_and_the_width_expected(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP\n")
    with pytest.raises(
        ImportFormatError,
        match=r"bad.conll, line 4: 3 columns where the file's first token line "
        r"\(line 3\) has 4",
    ):
        sentences(path)


def test_a_tag_outside_the_labels_names_the_line_and_the_closest_label(
    tmp_path: Path,
) -> None:
    path = tmp_path / "typo.iob"
    path.write_text("Ada\tB-PER\nLovelace\tI-PER\n\nin\tO\nLondom\tB-LCO\n")
    with pytest.raises(
        InvalidLabelError,
        match=r"typo.iob, line 5: the tag 'B-LCO' names 'LCO', which is not a label "
        r"of this project; the labels are: PER, LOC, ORG, MISC\. Did you mean B-LOC\?",
    ):
        sentences(path, labels=LABELS)


def test_an_i_tag_after_o_in_iob2_starts_an_entity_and_the_note_names_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "slips.bio"
    path.write_text(
        "Ada\tB-PER\nLovelace\tI-PER\nvisited\tO\nLondon\tI-LOC\n\n"
        "Paris\tB-LOC\nagain\tO\n"
    )
    (batch,), notes = read(path)
    assert covered(batch.rows[0]) == [("Ada Lovelace", "PER"), ("London", "LOC")]
    assert batch.rows[0]["conll"]["tags"] == ["B-PER", "I-PER", "O", "I-LOC"]
    assert batch.rows[0]["conll"]["scheme"] == "iob2"
    assert notes == [
        f"{path}, line 4: an I- tag follows O or another type; read as the start of "
        "an entity, as IOB1 reads it (the first such line; IOB2 starts an entity "
        "with B-)."
    ]


def test_a_stray_b_tag_in_an_iob1_file_is_kept_so_the_sentence_writes_back_as_it_was(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stray.conll"
    text = (
        "-DOCSTART- -X- O O\n\n"
        "Hendrik NNP I-NP I-PER\nwon VBD I-VP O\nat IN I-PP O\n"
        "the DT I-NP O\nAtlanta NNP I-NP B-MISC\nGames NNPS I-NP I-MISC\n\n"
        "Toronto NNP I-NP I-LOC\n1996-08-30 CD I-NP O\n\n\n"
    )
    path.write_text(text)
    rows = sentences(path)
    assert covered(rows[0]) == [("Hendrik", "PER"), ("Atlanta Games", "MISC")]
    assert rows[0]["conll"]["tags"][4] == "B-MISC"
    assert rows[0]["conll"]["scheme"] == "iob1"
    assert "tags" not in rows[1]["conll"]
    assert rows[1]["conll"]["blank_lines_after"] == 2
    assert write_back(rows, "iob1") == text


def test_blank_lines_between_sentences_are_separators_not_empty_sentences(
    tmp_path: Path,
) -> None:
    path = tmp_path / "airy.conll"
    path.write_text("\n\nAda B-PER\n\n\n\nParis B-LOC\n")
    rows = sentences(path)
    assert [r["text"] for r in rows] == ["Ada", "Paris"]
    assert rows[0]["conll"]["blank_lines_after"] == 3
    assert rows[1]["conll"]["blank_lines_after"] == 0


def test_a_file_of_only_a_docstart_and_blank_lines_holds_no_sentence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "empty.conll"
    path.write_text("-DOCSTART- -X- O O\n\n\n")
    with pytest.raises(ImportFormatError, match=r"empty.conll holds no sentence"):
        sentences(path)


def test_a_one_column_file_gives_tokens_without_spans(tmp_path: Path) -> None:
    path = tmp_path / "tokens.conll"
    path.write_text("Ada\nLovelace\n\nParis\n")
    rows = sentences(path)
    assert [(r["text"], "spans" in r) for r in rows] == [
        ("Ada Lovelace", False),
        ("Paris", False),
    ]


def test_sentences_are_placed_at_their_first_line(tmp_path: Path) -> None:
    (batch,), _ = read(NER / "news.conll")
    assert batch.places is not None
    assert batch.places[:3] == ["line 3", "line 14", "line 17"]
    assert batch.place(0) == "line 3"


def test_a_span_project_finds_conll_by_content_whatever_the_suffix(
    tmp_path: Path,
) -> None:
    testa = tmp_path / "eng.testa"
    testa.write_text((NER / "news.conll").read_text())
    assert detect_format(testa, task="ner") == "conll"
    assert detect_format(NER / "news_iob2.tsv", task="ner") == "conll"
    assert detect_format(NER / "news_lines.txt", task="ner") == "lines"
    assert detect_format(NER / "news_labelstudio.json", task="ner") == "labelstudio"
    # Row projects keep reading .tsv as rows.
    assert detect_format(NER / "news_iob2.tsv", task="classification") == "tsv"
    with pytest.raises(ImportFormatError, match=r"ends in '\.testa'"):
        detect_format(testa, task="classification")


def test_a_scheme_is_refused_for_a_format_without_tags() -> None:
    with pytest.raises(ConfigError, match=r"--scheme names the tags of a CoNLL"):
        next(read_batches(NER / "news_spans.jsonl", fmt="jsonl", scheme="iob2"))
    with pytest.raises(InvalidLabelError, match=r"Unknown tag scheme 'bio'"):
        sentences(NER / "news.conll", scheme="bio")
