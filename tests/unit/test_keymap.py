"""Which key labels each label, and which keys a label cannot take."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from activelabel.exceptions import ConfigError
from activelabel.keymap import (
    ACTIONS,
    actions_for,
    assign_keys,
    choose_keys,
    reserved_keys,
)


def test_wine_grades_are_on_their_own_keys() -> None:
    grades = ["3", "4", "5", "6", "7", "8"]
    assert assign_keys(grades, "tabular") == {g: g for g in grades}


def test_spoken_digits_are_on_their_own_keys_zero_included() -> None:
    digits = [str(d) for d in range(10)]
    assert assign_keys(digits, "audio") == {d: d for d in digits}


def test_letter_labels_are_on_their_own_keys_in_lower_case() -> None:
    assert assign_keys(["a", "b", "C"], "text") == {"a": "a", "b": "b", "C": "c"}


def test_word_labels_get_one_to_nine_then_letters() -> None:
    assert assign_keys(["ham", "spam"], "text") == {"ham": "1", "spam": "2"}
    many = [f"label{i}" for i in range(12)]
    assert list(assign_keys(many, "text").values())[8:] == ["9", "a", "b", "c"]


def test_word_labels_skip_keys_that_single_character_labels_hold() -> None:
    assert assign_keys(["other", "1", "2"], "text") == {
        "other": "3",
        "1": "1",
        "2": "2",
    }


def test_a_label_on_an_action_key_gets_a_free_key_instead() -> None:
    # s skips and z undoes everywhere; 0 fits the image to the view on images.
    assert assign_keys(["r", "s", "z"], "text") == {"r": "r", "s": "1", "z": "2"}
    image = assign_keys([str(d) for d in range(10)], "image")
    assert image["0"] not in {str(d) for d in range(10)}
    assert image["0"] not in reserved_keys("image")
    assert assign_keys(["p", "q"], "audio") == {"p": "1", "q": "q"}
    assert assign_keys(["p", "q"], "text") == {"p": "p", "q": "q"}


def test_no_label_ever_gets_a_reserved_key_or_a_key_twice() -> None:
    for modality in ("text", "tabular", "image", "audio"):
        labels = [*"0123456789", *"abcdefghijklmnopqrstuvwxyz", "+", "=", "?", " x"]
        keys = assign_keys(labels, modality)
        assert len(set(keys.values())) == len(keys)
        assert not set(keys.values()) & set(reserved_keys(modality))


def test_labels_beyond_the_free_keys_get_none() -> None:
    labels = [f"class {i}" for i in range(50)]
    keys = assign_keys(labels, "audio")
    # 9 digits + 26 letters, less s, z and p (audio actions).
    assert len(keys) == 32
    assert list(keys) == labels[:32]


def test_every_action_key_is_reserved_on_its_modality_only() -> None:
    for action in ACTIONS:
        for key in action.keys:
            modalities = [action.modality] if action.modality else ["text", "image"]
            for modality in modalities:
                assert key in reserved_keys(modality)
    assert "0" in reserved_keys("image")
    assert "0" not in reserved_keys("text")
    assert {"=", "+", "-"} <= set(reserved_keys("image"))
    assert [a.action for a in actions_for("text")] == [
        "accept",
        "skip",
        "undo",
        "back",
        "forward",
        "help",
        "search_labels",
        "guidelines",
    ]


def test_a_chosen_key_wins_and_the_automatic_label_moves_aside() -> None:
    assert assign_keys(["ham", "spam"], "text", {"spam": "1"}) == {
        "ham": "2",
        "spam": "1",
    }
    grades = ["3", "4", "5"]
    assert assign_keys(grades, "tabular", {"3": "5"}) == {
        "3": "5",
        "4": "4",
        "5": "1",
    }


def test_a_chosen_key_that_became_reserved_is_ignored() -> None:
    assert assign_keys(["ham", "spam"], "image", {"spam": "0"}) == {
        "ham": "1",
        "spam": "2",
    }


def test_choose_keys_keeps_earlier_choices_and_normalizes() -> None:
    chosen = choose_keys(["ham", "spam", "eggs"], "text", {"ham": "h"}, {"spam": "X"})
    assert chosen == {"ham": "h", "spam": "x"}


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"spam": "z"}, "The key 'z' cannot label 'spam': the undo action uses it"),
        ({"spam": "s"}, "the skip action uses it"),
        ({"spam": " "}, "'Space' cannot label 'spam': the skip action uses it"),
        ({"spam": "?"}, "the help action uses it"),
        ({"spam": "Enter"}, "the accept action uses it"),
        ({"spam": "xy"}, "must be one character"),
        ({"spam": ""}, "must be one character"),
        ({"beans": "b"}, "labels not in the project: beans; the labels are: ham, spam"),
        ({"ham": "x", "spam": "x"}, "'x' was chosen for both 'ham' and 'spam'"),
    ],
)
def test_choose_keys_refuses_with_a_sentence(new: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        choose_keys(["ham", "spam"], "text", {}, new)


def test_choose_keys_refuses_a_key_chosen_before_for_another_label() -> None:
    with pytest.raises(ConfigError, match=r"for both 'ham' and 'spam'.*same change"):
        choose_keys(["ham", "spam"], "text", {"ham": "x"}, {"spam": "x"})


def test_image_zoom_keys_cannot_label_an_image_project() -> None:
    for key in ("=", "+", "-", "0"):
        with pytest.raises(ConfigError, match="zoom"):
            choose_keys(["cat"], "image", {}, {"cat": key})
    assert choose_keys(["cat"], "text", {}, {"cat": "0"}) == {"cat": "0"}


def test_the_page_can_run_every_action_the_server_sends() -> None:
    # The keys come from the server; the page only needs a handler per action
    # name. An action added here without one in the page would do nothing.
    page = (
        Path(__file__).parent.parent.parent / "web" / "src" / "lib" / "keymap.ts"
    ).read_text(encoding="utf-8")
    table = page[page.index("const ACTION_NAMES") :]
    table = table[: table.index("};")]
    names = set(re.findall(r"^\s+(\w+):", table, flags=re.MULTILINE))
    assert names == {a.action for a in ACTIONS}
