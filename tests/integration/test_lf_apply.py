"""Applying labeling functions to a stored pool: the matrix, incrementally."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from api_support import ProjectFactory
from sqlalchemy import insert, select, update

from activelabel.exceptions import ConfigError
from activelabel.loop.apply_functions import apply_labeling_functions
from activelabel.loop.function_sets import add_function_file
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import (
    add_keyword_function,
    add_regex_function,
    list_labeling_functions,
    remove_labeling_function,
)
from activelabel.store.models import Item, LabelingFunction, LfOutput
from activelabel.store.projects import get_project

FIXTURES = Path(__file__).parents[1] / "fixtures" / "weak"
TEXT = {"text_column": "text"}
TEXTS = [
    "You won a PRIZE! Call 0800 now",
    "hi mum, home at 5",
    "Claim £100 today",
    "see you tomorrow",
    "Winner! your prize awaits",
]


def _add_items(store: Store, project_id: int, texts: list[str], *, first: int) -> None:
    with store.session(write=True) as session:
        session.execute(
            insert(Item),
            [
                {
                    "project_id": project_id,
                    "external_id": f"sms-{first + i}",
                    "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                    "data": {"text": text},
                }
                for i, text in enumerate(texts)
            ],
        )


def _matrix(store: Store) -> set[tuple[str, str, str]]:
    """(function, item external id, label) of every stored vote."""
    with store.session() as session:
        rows = session.execute(
            select(LabelingFunction.name, Item.external_id, LfOutput.label)
            .join(LabelingFunction, LabelingFunction.id == LfOutput.lf_id)
            .join(Item, Item.id == LfOutput.item_id)
        )
        return {(name, ext, label) for name, ext, label in rows}


def _sms(store: Store, project_factory: ProjectFactory) -> int:
    project = project_factory("sms", config=TEXT)
    _add_items(store, project.id, TEXTS, first=0)
    with store.session(write=True) as session:
        sms = get_project(session, "sms")
        add_keyword_function(
            session, sms, name="prize", label="spam", keywords=["prize", "winner"]
        )
        add_regex_function(session, sms, name="money", label="spam", pattern=r"£\d+")
    return project.id


def test_apply_writes_each_functions_votes_with_progress(
    store: Store, project_factory: ProjectFactory
) -> None:
    _sms(store, project_factory)
    seen: list[tuple[int, int]] = []
    report = apply_labeling_functions(
        store,
        "sms",
        batch_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert _matrix(store) == {
        ("prize", "sms-0", "spam"),
        ("prize", "sms-4", "spam"),
        ("money", "sms-2", "spam"),
    }
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert report.recomputed == ["prize", "money"] and report.votes == 3


def test_apply_again_reads_only_new_items_and_recomputes_a_changed_function(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_id = _sms(store, project_factory)
    apply_labeling_functions(store, "sms")
    assert apply_labeling_functions(store, "sms").items == 0
    _add_items(store, project_id, ["£5 prize inside", "nothing"], first=5)
    report = apply_labeling_functions(store, "sms")
    assert (report.items, report.extended, report.votes) == (2, ["prize", "money"], 2)
    with store.session(write=True) as session:
        add_keyword_function(
            session,
            get_project(session, "sms"),
            name="prize",
            label="ham",
            keywords=["mum"],
            replace=True,
        )
    report = apply_labeling_functions(store, "sms")
    assert report.recomputed == ["prize"] and report.items == 7
    assert _matrix(store) == {
        ("prize", "sms-1", "ham"),
        ("money", "sms-2", "spam"),
        ("money", "sms-5", "spam"),
    }


def test_an_item_committed_below_the_applied_mark_makes_the_function_start_again(
    store: Store, project_factory: ProjectFactory
) -> None:
    other = project_factory("other", config=TEXT)
    _add_items(store, other.id, ["a prize for the other project"], first=100)
    project_id = _sms(store, project_factory)
    _add_items(store, project_id, ["one more prize"], first=5)
    apply_labeling_functions(store, "sms")
    # As PostgreSQL may: an item whose id was handed out before the last
    # apply, committed after it (here: moved in from the other project).
    with store.session(write=True) as session:
        session.execute(
            update(Item)
            .where(Item.project_id == other.id)
            .values(project_id=project_id, external_id="late")
        )
    report = apply_labeling_functions(store, "sms")
    assert report.recomputed == ["prize", "money"] and report.items == 7
    assert ("prize", "late", "spam") in _matrix(store)


def test_removing_a_function_removes_its_votes(
    store: Store, project_factory: ProjectFactory
) -> None:
    _sms(store, project_factory)
    apply_labeling_functions(store, "sms")
    with store.session(write=True) as session:
        remove_labeling_function(session, get_project(session, "sms"), "prize")
    assert _matrix(store) == {("money", "sms-2", "spam")}


def test_python_functions_from_a_file_are_applied_and_stored_with_their_source(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_id = _sms(store, project_factory)
    names = add_function_file(store, "sms", FIXTURES / "sms_functions.py")
    assert names == ["mentions_prize", "short_greeting", "money_and_call"]
    apply_labeling_functions(store, "sms")
    assert {v for v in _matrix(store) if v[0] == "mentions_prize"} == {
        ("mentions_prize", "sms-0", "spam"),
        ("mentions_prize", "sms-4", "spam"),
    }
    with store.session() as session:
        stored = list_labeling_functions(session, project_id)[2]
        assert stored.kind == "python" and "def mentions_prize" in str(stored.code)
        assert stored.spec == {"function": "mentions_prize", "file": "sms_functions.py"}


def test_a_function_failing_on_a_new_item_is_disabled_and_the_others_finish(
    store: Store, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project_id = _sms(store, project_factory)
    lfs = tmp_path / "lfs.py"
    lfs.write_text(
        "import activelabel\n\n"
        "@activelabel.labeling_function()\n"
        "def strict(item):\n"
        "    if item['text'].startswith('BOOM'):\n"
        "        raise ValueError('cannot read this one')\n"
        "    return None\n"
    )
    add_function_file(store, "sms", lfs)
    _add_items(store, project_id, ["BOOM goes the prize"], first=5)
    report = apply_labeling_functions(store, "sms")
    reason = (
        "The labeling function 'strict' on item 'sms-5' raised ValueError: "
        "cannot read this one."
    )
    assert report.disabled == {"strict": reason}
    with store.session() as session:
        strict = list_labeling_functions(session, project_id)[2]
        assert (strict.enabled, strict.disabled_reason) == (False, reason)
    assert ("prize", "sms-5", "spam") in _matrix(store)


def test_a_bad_function_file_stores_nothing(
    store: Store, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project_id = _sms(store, project_factory)
    lfs = tmp_path / "lfs.py"
    lfs.write_text(
        "import activelabel\n\n"
        "@activelabel.labeling_function()\ndef fine(item):\n    return None\n\n"
        "@activelabel.labeling_function()\ndef unsure(item):\n    return 'maybe'\n"
    )
    with pytest.raises(ConfigError) as raised:
        add_function_file(store, "sms", lfs)
    assert str(raised.value) == (
        "The labeling function 'unsure' on item 'sms-0': 'maybe' is not a label of "
        "this project; the labels are: ham, spam (tried on the project's first 5 "
        "items); nothing was stored from lfs.py."
    )
    with store.session() as session:
        assert [f.name for f in list_labeling_functions(session, project_id)] == [
            "prize",
            "money",
        ]
