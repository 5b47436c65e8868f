"""The labeling page's keys: the action keys, and which key labels each label.

This module is the one source of keys. The server sends its result with every
project (``keys``, ``actions``, ``reserved_keys``) and the page builds its
keyboard handling from that payload, so the two can never disagree about which
key does what.

Keys are written as the page's ``KeyboardEvent.key`` values: letters in lower
case, the space bar as ``"Space"``.

How a label gets its key (:func:`assign_keys`):

1. a key chosen for it (``activelabel keys``, the page's Keys dialog);
2. its own name, when the label is one character that can be a key, so wine
   grades ``3``–``8`` are on keys 3–8 and spoken digits on 0–9;
3. the first free key of 1–9, then a–z.

A key is never given twice and never to a key an action of the project's
modality uses; labels left over when keys run out get none (they stay
clickable).

A task kind's editor can have keys of its own (``TaskAdapter.editor_actions``:
the span editor's token cursor on ←/→, Delete for the span under it). **A task's
own keys win**: :func:`actions_for` takes them away from the page's action that
had them, and that action moves to its fallback key (:data:`DISPLACED_KEYS`:
going back and forward through labeled items moves from ←/→ to ↑/↓ on a span
project, and to Page Up / Page Down on a box project, whose arrows nudge). The editor's actions follow the page's in the list the server sends;
the page runs the ones it knows by name and hands the others to the editor.

The review page has its own actions (:data:`REVIEW_ACTIONS`: accept, reject
with a note, back and forward through the list), sent as ``review_actions``;
there a label key gives the corrected label, so their keys are reserved too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from activelabel.exceptions import ConfigError
from activelabel.tasks.adapter import label_choices

if TYPE_CHECKING:
    from activelabel.tasks.adapter import EditorAction

__all__ = [
    "ACTIONS",
    "DISPLACED_KEYS",
    "FIXED_KEYS",
    "REVIEW_ACTIONS",
    "ActionBinding",
    "actions_for",
    "assign_keys",
    "choose_keys",
    "normalize_key",
    "reserved_keys",
]


@dataclass(frozen=True)
class ActionBinding:
    """One thing the page does on a key press, and the keys that do it."""

    action: str
    keys: tuple[str, ...]
    description: str
    #: Only bound on this modality (audio keys on audio, zoom keys on images).
    modality: str | None = None


#: Every action of the labeling page. ``action`` names what the page runs.
ACTIONS: tuple[ActionBinding, ...] = (
    ActionBinding("accept", ("Enter",), "Accept the suggestion (multi-label: submit)"),
    ActionBinding("skip", ("Space", "s"), "Skip this item"),
    ActionBinding("undo", ("Backspace", "z"), "Undo the last label"),
    ActionBinding("back", ("ArrowLeft",), "Back through labeled items"),
    ActionBinding("forward", ("ArrowRight",), "Forward through labeled items"),
    ActionBinding("help", ("?",), "Show or hide this list of keys"),
    ActionBinding("search_labels", ("/",), "Search the labels (Enter gives the first)"),
    ActionBinding("guidelines", ("#",), "Open or close the project's guidelines"),
    ActionBinding("play", ("p",), "Play or pause", "audio"),
    ActionBinding("seek_back", ("[",), "Seek back 5 s", "audio"),
    ActionBinding("seek_forward", ("]",), "Seek forward 5 s", "audio"),
    ActionBinding("zoom_in", ("+", "="), "Zoom in", "image"),
    ActionBinding("zoom_out", ("-",), "Zoom out", "image"),
    ActionBinding("zoom_reset", ("0",), "Fit the image to the view", "image"),
)

#: Every action of the review page, where a label key gives the corrected
#: label; the modality's own keys (audio, zoom) work there as on the labeling
#: page. A reviewer corrects in the task's editor, so its keys win here too.
REVIEW_ACTIONS: tuple[ActionBinding, ...] = (
    ActionBinding(
        "accept",
        ("Enter",),
        "Accept the label shown (after a change in the editor: save the correction)",
    ),
    ActionBinding(
        "reject", ("Backspace",), "Reject: type a note for the annotator, Enter sends"
    ),
    ActionBinding("back", ("ArrowLeft",), "Back to the previous item of the list"),
    ActionBinding("forward", ("ArrowRight",), "Next item, leaving this one as it is"),
    ActionBinding("help", ("?",), "Show or hide this list of keys"),
    ActionBinding("guidelines", ("#",), "Open or close the project's guidelines"),
    *(action for action in ACTIONS if action.modality is not None),
)

#: Keys the page keeps for itself on every modality, bound to an action or not
#: (Escape closes dialogs, Tab moves the focus).
FIXED_KEYS: frozenset[str] = frozenset(
    {
        "Enter",
        "Space",
        "Backspace",
        "ArrowLeft",
        "ArrowRight",
        "ArrowUp",
        "ArrowDown",
        "Escape",
        "Tab",
        "?",
    }
)

#: Where a page action's key goes when a task's editor takes it, the first of
#: these keys the editor leaves free: the span editor moves its token cursor
#: with ←/→, so back and forward move to ↑/↓; the box editor nudges boxes with
#: all four arrows, so they move to Page Up / Page Down.
DISPLACED_KEYS: Mapping[str, tuple[str, ...]] = {
    "back": ("ArrowUp", "PageUp"),
    "forward": ("ArrowDown", "PageDown"),
}

#: Keys handed out in order to labels that cannot have their own name as key.
_KEY_ORDER = tuple("123456789abcdefghijklmnopqrstuvwxyz")


def normalize_key(key: str) -> str:
    """The key as keymaps write it: ``" "`` is ``"Space"``, letters lower case."""
    if key == " ":
        return "Space"
    return key.lower() if len(key) == 1 else key


def actions_for(
    modality: str,
    editor_actions: Sequence[EditorAction] = (),
    table: Sequence[ActionBinding] = ACTIONS,
) -> list[ActionBinding]:
    """The actions live on a project of ``modality`` whose task's editor has
    ``editor_actions``: the page's (of ``table``: :data:`ACTIONS` for the
    labeling page, :data:`REVIEW_ACTIONS` for the review page), then the
    editor's.

    The editor's keys win: a page action loses the keys the editor uses and, if
    it lost any, takes the first fallback key of :data:`DISPLACED_KEYS` that
    the editor leaves free.
    """
    taken = {key for e in editor_actions for key in e.keys}
    page: list[ActionBinding] = []
    for action in table:
        if action.modality is not None and action.modality != modality:
            continue
        keys = tuple(key for key in action.keys if key not in taken)
        if keys != action.keys:
            fallback = DISPLACED_KEYS.get(action.action, ())
            keys += tuple(key for key in fallback if key not in taken)[:1]
        page.append(replace(action, keys=keys))
    own = [
        ActionBinding(e.action, tuple(e.keys), e.description) for e in editor_actions
    ]
    return page + own


def reserved_keys(
    modality: str, editor_actions: Sequence[EditorAction] = ()
) -> list[str]:
    """Keys no label of a ``modality`` project can take, sorted (the keys of
    its task's ``editor_actions`` included)."""
    used = {
        key
        for table in (ACTIONS, REVIEW_ACTIONS)
        for a in actions_for(modality, editor_actions, table)
        for key in a.keys
    }
    return sorted(FIXED_KEYS | used)


def _own_key(label: str) -> str | None:
    """The label itself as a key, when it is one letter or digit."""
    if len(label) == 1 and label.isascii() and label.isalnum():
        return label.lower()
    return None


def assign_keys(
    labels: Sequence[str],
    modality: str,
    chosen: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The key of every label that gets one, in schema order (rules: module doc).

    A chosen key that is not (or no longer) allowed, or that an earlier label
    already holds, is ignored and the label is assigned as if none was chosen.
    """
    blocked = set(reserved_keys(modality))
    taken: set[str] = set()
    keys: dict[str, str] = {}

    def take(label: str, key: str | None) -> None:
        if key is not None and key not in blocked and key not in taken:
            keys[label] = key
            taken.add(key)

    for label in labels:
        choice = (chosen or {}).get(label)
        take(label, None if choice is None else normalize_key(choice))
    for label in labels:
        if label not in keys:
            take(label, _own_key(label))
    free = (k for k in _KEY_ORDER if k not in blocked)
    for label in labels:
        if label in keys:
            continue
        for key in free:
            if key not in taken:
                take(label, key)
                break
    return {label: keys[label] for label in labels if label in keys}


def _checked_key(label: str, key: str, modality: str) -> str:
    """``key`` normalized, or a ConfigError saying why ``label`` cannot have it."""
    wanted = normalize_key(key.strip() or key)
    if wanted in reserved_keys(modality):
        users = [a.action for a in actions_for(modality) if wanted in a.keys]
        why = (
            f"the {users[0].replace('_', ' ')} action uses it"
            if users
            else ("the page keeps it for itself")
        )
        raise ConfigError(
            f"The key {wanted!r} cannot label {label!r}: {why}. "
            f"Keys a label cannot take: {' '.join(reserved_keys(modality))}."
        )
    if len(wanted) != 1 or not wanted.isprintable():
        raise ConfigError(
            f"The key for {label!r} must be one character (a letter, digit or "
            f"symbol), got {key!r}."
        )
    return wanted


def choose_keys(
    labels: Sequence[str],
    modality: str,
    stored: Mapping[str, str],
    new: Mapping[str, str],
) -> dict[str, str]:
    """The project's chosen keys after choosing ``new`` (label → key).

    ``stored`` are the keys chosen before; a label in ``new`` replaces its
    stored choice, labels without a choice keep their automatic key (which
    moves aside when a chosen key takes it). Raises :class:`ConfigError`
    naming the label and key when a label is unknown, a key is not one
    character, is an action's key, or is chosen for two labels.
    """
    unknown = [label for label in new if label not in labels]
    if unknown:
        raise ConfigError(
            f"Keys given for labels not in the project: {', '.join(unknown)}; "
            f"{label_choices(unknown[0], labels)}"
        )
    checked = {label: _checked_key(label, key, modality) for label, key in new.items()}
    _refuse_shared(checked.items(), "")
    kept = {
        label: normalize_key(key)
        for label, key in stored.items()
        if label in labels and label not in checked
    }
    merged = {**kept, **checked}
    _refuse_shared(
        merged.items(),
        " Choose a new key for both in the same change.",
    )
    return {label: merged[label] for label in labels if label in merged}


def _refuse_shared(pairs: Iterable[tuple[str, str]], advice: str) -> None:
    owner: dict[str, str] = {}
    for label, key in pairs:
        if key in owner:
            raise ConfigError(
                f"The key {key!r} was chosen for both {owner[key]!r} and {label!r}; "
                f"two labels cannot share one key.{advice}"
            )
        owner[key] = label
