"""The review page's keys: from the same one source as the labeling page's."""

from __future__ import annotations

import re
from pathlib import Path

from activelabel.keymap import (
    ACTIONS,
    REVIEW_ACTIONS,
    actions_for,
    assign_keys,
    reserved_keys,
)
from activelabel.tasks.detection import BOX_KEYS
from activelabel.tasks.ner import SPAN_KEYS

WEB = Path(__file__).parent.parent.parent / "web" / "src"


def _names_in_table(path: Path, table: str) -> set[str]:
    source = path.read_text(encoding="utf-8")
    body = source[source.index(f"const {table}") :]
    body = body[: body.index("};")]
    return set(re.findall(r"^\s+(\w+):", body, flags=re.MULTILINE))


def test_the_review_page_can_run_every_review_action_the_server_sends() -> None:
    names = _names_in_table(WEB / "lib" / "reviewKeys.ts", "REVIEW_ACTION_NAMES")
    assert names == {a.action for a in REVIEW_ACTIONS}


def test_the_guidelines_open_with_a_symbol_so_automatic_label_keys_stay_put() -> None:
    guidelines = [a for a in ACTIONS if a.action == "guidelines"]
    assert [len(k) for a in guidelines for k in a.keys] == [1]
    assert not guidelines[0].keys[0].isalnum()
    many = [f"label{i}" for i in range(40)]
    assert list(assign_keys(many, "text").values())[8:12] == ["9", "a", "b", "c"]


def test_no_label_key_is_a_review_action_key() -> None:
    for modality in ("text", "tabular", "image", "audio"):
        review_keys = {
            key for a in actions_for(modality, (), REVIEW_ACTIONS) for key in a.keys
        }
        assert review_keys <= set(reserved_keys(modality))
        labels = [*"0123456789", *"abcdefghijklmnopqrstuvwxyz", "#", "?"]
        assert not set(assign_keys(labels, modality).values()) & review_keys


def test_review_actions_are_accept_reject_and_moving_through_the_list() -> None:
    assert [a.action for a in actions_for("text", (), REVIEW_ACTIONS)] == [
        "accept",
        "reject",
        "back",
        "forward",
        "help",
        "guidelines",
    ]
    keys = {a.action: a.keys for a in actions_for("text", (), REVIEW_ACTIONS)}
    assert keys["accept"] == ("Enter",)
    assert keys["reject"] == ("Backspace",)
    image = [a.action for a in actions_for("image", (), REVIEW_ACTIONS)]
    assert {"zoom_in", "zoom_out", "zoom_reset"} <= set(image)


def test_a_span_or_box_editor_keeps_its_keys_on_the_review_page_too() -> None:
    span = {a.action: a.keys for a in actions_for("text", SPAN_KEYS, REVIEW_ACTIONS)}
    assert span["token_next"] == ("ArrowRight",)
    assert span["forward"] == ("ArrowDown",)
    assert span["reject"] == ("Backspace",)
    box = {a.action: a.keys for a in actions_for("image", BOX_KEYS, REVIEW_ACTIONS)}
    assert box["back"] == ("PageUp",)
    assert box["delete_box"] == ("Delete",)
