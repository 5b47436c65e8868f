"""Reading a taxonomy: Made With ML's tags.json and child,parent CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activelabel.exceptions import ImportFormatError
from activelabel.weak.taxonomy import (
    find_cycle,
    read_parent_csv,
    read_tags_json,
    read_taxonomy,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "madewithml" / "tags.json"


def _tags(*entries: dict[str, object]) -> str:
    return json.dumps(list(entries))


def test_made_with_ml_tags_read_with_aliases_parents_and_missing_parents() -> None:
    taxonomy = read_taxonomy(FIXTURE)
    assert len(taxonomy.tags) == 400
    assert len(taxonomy.aliases) == 82
    assert taxonomy.aliases["three-dimensional"] == "3d"
    assert taxonomy.parents["3d"] == ["computer-vision"]
    assert taxonomy.parent_links == 215
    # Four parents are named only as parents, never as a tag of their own.
    assert taxonomy.missing_from(taxonomy.tags) == [
        "testing",
        "health",
        "audio",
        "decision-tree",
    ]


def test_a_parent_named_by_an_alias_is_read_as_its_tag() -> None:
    taxonomy = read_taxonomy(FIXTURE)
    # knowledge-base-question-answering's parent "qa" is question-answering's alias.
    assert taxonomy.parents["knowledge-base-question-answering"] == [
        "question-answering",
        "natural-language-processing",
    ]


def test_ancestors_are_the_transitive_closure_nearest_first() -> None:
    taxonomy = read_tags_json(
        _tags(
            {"tag": "a", "parents": ["b"]},
            {"tag": "b", "parents": ["c", "d"]},
            {"tag": "c", "parents": ["d"]},
        )
    )
    assert taxonomy.ancestors("a") == ["b", "c", "d"]
    assert taxonomy.ancestors("d") == []
    assert taxonomy.labels() == ["a", "b", "c", "d"]


def test_aliases_by_tag_group_each_tags_aliases_in_file_order() -> None:
    taxonomy = read_tags_json(
        _tags(
            {"tag": "nlp", "aliases": ["natural language", "nlproc"]},
            {"tag": "cv", "aliases": ["vision"]},
        )
    )
    assert taxonomy.aliases_by_tag() == {
        "nlp": ["natural language", "nlproc"],
        "cv": ["vision"],
    }


def test_a_file_that_is_not_json_is_refused_naming_line_and_column() -> None:
    with pytest.raises(ImportFormatError, match=r"tags.json is not JSON: line 2"):
        read_tags_json('[\n{"tag": }]', source="tags.json")


def test_a_json_object_instead_of_a_list_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="expected a JSON list of tags"):
        read_tags_json('{"tag": "a"}', source="tags.json")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("a", r"entry 1: expected an object with tag, aliases and parents"),
        ({"aliases": []}, r"entry 1: the tag must be a non-empty text, got None"),
        ({"tag": " "}, r"entry 1: the tag must be a non-empty text"),
        ({"tag": "b", "aliases": "x"}, r"entry 1: aliases of 'b' must be a list"),
        ({"tag": "b", "parents": [3]}, r"entry 1: parents of 'b' must be a non-empty"),
        ({"tag": "b", "children": []}, r"entry 1: unknown key 'children'"),
    ],
)
def test_an_entry_not_of_the_expected_shape_is_refused_naming_its_index(
    entry: object, message: str
) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_tags_json(json.dumps([{"tag": "a"}, entry]), source="tags.json")


def test_a_tag_given_twice_is_refused_naming_both_entries() -> None:
    with pytest.raises(
        ImportFormatError,
        match=r"entry 2: the tag 'a' is given twice \(first at entry 0\)",
    ):
        read_tags_json(_tags({"tag": "a"}, {"tag": "b"}, {"tag": "a"}), source="t.json")


def test_an_alias_that_is_also_a_tag_is_refused() -> None:
    with pytest.raises(
        ImportFormatError,
        match=r"entry 0: the alias 'b' of 'a' is also a tag \(entry 1\)",
    ):
        read_tags_json(_tags({"tag": "a", "aliases": ["b"]}, {"tag": "b"}))


def test_an_alias_of_two_tags_is_refused_naming_both() -> None:
    with pytest.raises(
        ImportFormatError,
        match=r"entry 1: the alias 'x' belongs to 'a' \(entry 0\) and to 'b'",
    ):
        read_tags_json(
            _tags({"tag": "a", "aliases": ["x"]}, {"tag": "b", "aliases": ["x"]})
        )


def test_a_cycle_is_refused_naming_it() -> None:
    with pytest.raises(
        ImportFormatError, match=r"entry 0: the parents form a cycle: a → b → c → a"
    ):
        read_tags_json(
            _tags(
                {"tag": "a", "parents": ["b"]},
                {"tag": "b", "parents": ["c"]},
                {"tag": "c", "parents": ["a"]},
            )
        )


def test_a_tag_that_is_its_own_parent_is_refused() -> None:
    with pytest.raises(
        ImportFormatError, match=r"entry 0: the tag 'a' is its own parent"
    ):
        read_tags_json(_tags({"tag": "a", "parents": ["a"]}))


def test_find_cycle_finds_a_cycle_below_an_acyclic_start_and_none_in_a_dag() -> None:
    assert find_cycle({"x": ["a"], "a": ["b"], "b": ["a"]}) == ["a", "b", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None
    # A deep chain does not overflow the stack.
    chain = {str(i): [str(i + 1)] for i in range(5_000)}
    assert find_cycle(chain) is None


def test_a_parent_csv_reads_links_with_a_header_and_a_child_of_two_parents() -> None:
    taxonomy = read_parent_csv(
        "child,parent\nbert,transformers\nbert,nlp\n\ntransformers,nlp\n"
    )
    assert taxonomy.tags == ("bert", "transformers")
    assert taxonomy.parents == {
        "bert": ["transformers", "nlp"],
        "transformers": ["nlp"],
    }
    assert taxonomy.aliases == {}


def test_a_csv_line_that_is_not_child_parent_is_refused_naming_the_line() -> None:
    with pytest.raises(
        ImportFormatError,
        match=r"links.csv, line 3: expected two cells, child,parent; got 3",
    ):
        read_parent_csv("a,b\nc,d\ne,f,g\n", source="links.csv")
    with pytest.raises(ImportFormatError, match=r"line 2: expected two cells"):
        read_parent_csv("a,b\nc,\n", source="links.csv")


def test_a_cycle_in_a_csv_is_refused_naming_it_and_its_line() -> None:
    with pytest.raises(
        ImportFormatError, match=r"line 1: the parents form a cycle: a → b → a"
    ):
        read_parent_csv("a,b\nb,a\n", source="links.csv")


def test_a_file_of_another_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text("- tag: a\n")
    with pytest.raises(ImportFormatError, match=r"a .json file of tags .* not .yaml"):
        read_taxonomy(path)
