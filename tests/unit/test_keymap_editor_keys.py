"""A task editor's own keys in the keymap: they win over the page's actions."""

from __future__ import annotations

from activelabel.keymap import (
    DISPLACED_KEYS,
    ActionBinding,
    actions_for,
    assign_keys,
    reserved_keys,
)
from activelabel.tasks.adapter import EditorAction

SPAN_KEYS = (
    EditorAction("token_previous", ("ArrowLeft",), "Move the token cursor back"),
    EditorAction("token_next", ("ArrowRight",), "Move the token cursor on"),
    EditorAction("extend_previous", ("Shift+ArrowLeft",), "Extend back"),
    EditorAction("extend_next", ("Shift+ArrowRight",), "Extend on"),
    EditorAction("delete_span", ("Delete",), "Remove the span under the cursor"),
)


def keys_of(bindings: list[ActionBinding], action: str) -> tuple[str, ...]:
    return next(b.keys for b in bindings if b.action == action)


def test_the_editor_takes_its_keys_and_back_and_forward_move_aside() -> None:
    bindings = actions_for("text", SPAN_KEYS)
    assert keys_of(bindings, "token_previous") == ("ArrowLeft",)
    assert keys_of(bindings, "token_next") == ("ArrowRight",)
    assert keys_of(bindings, "back") == DISPLACED_KEYS["back"][:1] == ("ArrowUp",)
    assert (
        keys_of(bindings, "forward") == DISPLACED_KEYS["forward"][:1] == ("ArrowDown",)
    )
    # No key does two things.
    keys = [key for b in bindings for key in b.keys]
    assert len(keys) == len(set(keys))


def test_the_page_actions_come_first_and_keep_their_keys_where_nothing_clashes() -> (
    None
):
    bindings = actions_for("text", SPAN_KEYS)
    plain = actions_for("text")
    assert [b.action for b in bindings] == [b.action for b in plain] + [
        e.action for e in SPAN_KEYS
    ]
    for binding in plain:
        if binding.action not in DISPLACED_KEYS:
            assert keys_of(bindings, binding.action) == binding.keys


def test_without_editor_keys_nothing_moves() -> None:
    assert keys_of(actions_for("text"), "back") == ("ArrowLeft",)
    assert keys_of(actions_for("text"), "forward") == ("ArrowRight",)


def test_the_editor_keys_are_reserved_and_labels_still_get_their_keys() -> None:
    reserved = reserved_keys("text", SPAN_KEYS)
    assert {"Delete", "Shift+ArrowLeft", "ArrowUp", "ArrowLeft"} <= set(reserved)
    assert "Delete" not in reserved_keys("text")
    assert assign_keys(["PER", "LOC", "ORG", "MISC"], "text") == {
        "PER": "1",
        "LOC": "2",
        "ORG": "3",
        "MISC": "4",
    }


def test_the_span_adapter_declares_keys_the_keymap_can_place() -> None:
    from activelabel.tasks import adapter_for

    own = adapter_for("ner").editor_actions
    assert {a.action for a in own} >= {
        "token_previous",
        "token_next",
        "extend_previous",
        "extend_next",
        "delete_span",
    }
    bindings = actions_for("text", own)
    keys = [key for b in bindings for key in b.keys]
    assert len(keys) == len(set(keys))


def test_the_box_editor_takes_all_four_arrows_and_back_and_forward_go_to_page_keys() -> (
    None
):
    from activelabel.tasks import adapter_for

    own = adapter_for("detection").editor_actions
    bindings = actions_for("image", own)
    assert keys_of(bindings, "back") == ("PageUp",)
    assert keys_of(bindings, "forward") == ("PageDown",)
    assert keys_of(bindings, "nudge_up") == ("ArrowUp",)
    assert keys_of(bindings, "next_box") == ("Tab",)
    assert keys_of(bindings, "zoom_in") == ("+", "=")
    keys = [key for b in bindings for key in b.keys]
    assert len(keys) == len(set(keys))
    assert {"PageUp", "PageDown", "Delete", "Shift+Tab"} <= set(
        reserved_keys("image", own)
    )
