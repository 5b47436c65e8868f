"""Text projects of two easy kinds, some of them labeled by a person.

Spam starts with "win", ham does not: a round learns the difference from a
handful of labels, so the tests of rounds, samples and auto-accept need no
real data. Items are ``"<kind's text> <index>"`` so that no two are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Project

SPAM = "win cash prize now claim free money"
HAM = "see you at lunch with the family"


def spam_ham_items(n: int, texts: Sequence[str] = (SPAM, HAM)) -> list[dict[str, Any]]:
    """``n`` items alternating between the two texts, each with its index."""
    return [{"text": f"{texts[i % 2]} {i}"} for i in range(n)]


def kind_of(text: str) -> str:
    """What a person labels the text: ``spam`` when it starts with "win"."""
    return "spam" if text.startswith("win") else "ham"


def label_first(store: Store, project_id: int, n: int) -> None:
    """Label the project's first ``n`` items (by id) as a person would."""
    with store.session(write=True) as session:
        row = session.get_one(Project, project_id)
        for item in sorted(row.items, key=lambda i: i.id)[:n]:
            add_annotation(
                session, project=row, item_id=item.id, value=kind_of(item.data["text"])
            )
