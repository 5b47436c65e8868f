"""Labeling functions in the store: adding, refusing, replacing, removing; the matrix."""

from __future__ import annotations

import pytest
from api_support import ProjectFactory
from sqlalchemy import func, select

from activelabel.exceptions import ConfigError, InvalidLabelError, NotFoundError
from activelabel.loop.label_matrix import read_label_matrix
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import (
    add_alias_function,
    add_keyword_function,
    add_regex_function,
    get_labeling_function,
    list_labeling_functions,
    remove_labeling_function,
)
from activelabel.store.lf_outputs import count_items_by_function, write_lf_outputs
from activelabel.store.models import Item, LfOutput
from activelabel.store.projects import get_project

TEXT = {"text_column": "text"}


def _item_ids(store: Store, project_id: int) -> list[int]:
    with store.session() as session:
        return list(
            session.scalars(
                select(Item.id).where(Item.project_id == project_id).order_by(Item.id)
            )
        )


def test_keyword_regex_and_alias_functions_are_stored_in_order(
    store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory("sms", config=TEXT)
    with store.session(write=True) as session:
        sms = get_project(session, "sms")
        add_keyword_function(
            session, sms, name="prize", label="spam", keywords=[" prize", "winner", ""]
        )
        add_regex_function(session, sms, name="money", label="spam", pattern=r"£\d+")
        add_alias_function(
            session, sms, name="hello", label="ham", aliases=["hi", "hello"]
        )
    with store.session() as session:
        stored = list_labeling_functions(session, project.id)
    assert [(f.name, f.kind, f.label) for f in stored] == [
        ("prize", "keywords", "spam"),
        ("money", "regex", "spam"),
        ("hello", "alias", "ham"),
    ]
    assert stored[0].spec == {"keywords": ["prize", "winner"], "case_sensitive": False}
    assert stored[1].spec == {"pattern": r"£\d+"}


@pytest.mark.parametrize(
    ("add", "error", "sentence"),
    [
        (
            lambda s, p: add_regex_function(
                s, p, name="money", label="spam", pattern=r"£(\d+"
            ),
            ConfigError,
            "The regex of labeling function 'money' does not compile: missing ), "
            "unterminated subpattern at position 1",
        ),
        (
            lambda s, p: add_regex_function(
                s, p, name="any", label="spam", pattern=r"\d*"
            ),
            ConfigError,
            "matches an empty text",
        ),
        (
            lambda s, p: add_keyword_function(
                s, p, name="prize", label="spma", keywords=["prize"]
            ),
            InvalidLabelError,
            "The labeling function 'prize': 'spma' is not a label of this project; "
            "the labels are: ham, spam.",
        ),
        (
            lambda s, p: add_keyword_function(
                s, p, name="prize", label="spam", keywords=[" ", ""]
            ),
            ConfigError,
            "The labeling function 'prize' has no keywords",
        ),
    ],
)
def test_a_bad_function_is_refused_with_a_sentence_and_nothing_stored(
    store: Store,
    project_factory: ProjectFactory,
    add: object,
    error: type,
    sentence: str,
) -> None:
    project = project_factory("sms", config=TEXT)
    with pytest.raises(error) as raised, store.session(write=True) as session:
        add(session, get_project(session, "sms"))  # type: ignore[operator]
    assert sentence in str(raised.value)
    with store.session() as session:
        assert list_labeling_functions(session, project.id) == []


def test_a_name_clash_is_refused_unless_replaced_and_replacing_forgets_votes(
    store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory("sms", config=TEXT, items=[{"text": "a"}])
    (item_id,) = _item_ids(store, project.id)
    with store.session(write=True) as session:
        sms = get_project(session, "sms")
        first = add_keyword_function(
            session, sms, name="prize", label="spam", keywords=["prize"]
        )
        write_lf_outputs(session, project.id, [(first.id, item_id, "spam")])
    with pytest.raises(ConfigError, match="has a labeling function named 'prize'"):
        with store.session(write=True) as session:
            add_regex_function(
                session,
                get_project(session, "sms"),
                name="prize",
                label="spam",
                pattern="x",
            )
    with store.session(write=True) as session:
        changed = add_regex_function(
            session,
            get_project(session, "sms"),
            name="prize",
            label="ham",
            pattern="x",
            replace=True,
        )
        assert (changed.id, changed.kind, changed.version) == (first.id, "regex", 2)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(LfOutput)) == 0


def test_removing_a_function_deletes_its_votes_and_unknown_names_are_suggested(
    store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory("sms", config=TEXT, items=[{"text": "a"}, {"text": "b"}])
    first, second = _item_ids(store, project.id)
    with store.session(write=True) as session:
        sms = get_project(session, "sms")
        prize = add_keyword_function(
            session, sms, name="prize", label="spam", keywords=["prize"]
        )
        hello = add_keyword_function(
            session, sms, name="hello", label="ham", keywords=["hello"]
        )
        write_lf_outputs(
            session,
            project.id,
            [
                (prize.id, first, "spam"),
                (prize.id, second, "spam"),
                (hello.id, first, "ham"),
            ],
        )
    with store.session() as session:
        assert count_items_by_function(session, project.id) == {
            prize.id: 2,
            hello.id: 1,
        }
    with store.session(write=True) as session:
        remove_labeling_function(session, get_project(session, "sms"), "prize")
    with store.session() as session:
        assert count_items_by_function(session, project.id) == {hello.id: 1}
        with pytest.raises(NotFoundError, match="Did you mean 'hello'"):
            get_labeling_function(session, get_project(session, "sms"), "helo")


def test_read_label_matrix_gives_enabled_functions_votes_over_voted_items(
    store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory("sms", config=TEXT, items=[{"text": t} for t in "abcd"])
    _, b, c, d = _item_ids(store, project.id)
    with store.session(write=True) as session:
        sms = get_project(session, "sms")
        prize = add_keyword_function(
            session, sms, name="prize", label="spam", keywords=["prize"]
        )
        hello = add_keyword_function(
            session, sms, name="hello", label="ham", keywords=["hello"]
        )
        off = add_keyword_function(
            session, sms, name="off", label="ham", keywords=["x"]
        )
        off.enabled = False
        write_lf_outputs(
            session,
            project.id,
            [
                (prize.id, d, "spam"),
                (hello.id, b, "ham"),
                (prize.id, b, "spam"),
                (off.id, c, "ham"),
            ],
        )
    with store.session() as session:
        matrix = read_label_matrix(session, project.id)
    assert matrix.functions == ("prize", "hello")
    assert matrix.labels == ("ham", "spam")
    assert matrix.item_ids.tolist() == [b, d]
    assert matrix.dense().tolist() == [[1, 0], [1, -1]]


def test_keyword_functions_need_a_text_column(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_factory("table", modality="tabular")
    with pytest.raises(ConfigError, match="has no text column yet"):
        with store.session(write=True) as session:
            add_keyword_function(
                session,
                get_project(session, "table"),
                name="k",
                label="spam",
                keywords=["x"],
            )
