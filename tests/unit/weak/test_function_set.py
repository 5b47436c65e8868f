"""Applying a set of labeling functions to a batch: votes, and failures that
disable one function while the others finish."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import InvalidLabelError
from activelabel.weak.apply import LabelingFunctionSet
from activelabel.weak.functions import KeywordFunction, PythonFunction, RegexFunction
from activelabel.weak.time_limit import CallTimer, FunctionTimedOut

FIXTURES = Path(__file__).parents[2] / "fixtures"
LABELS = ("ham", "spam", "promo")
ITEMS = [
    {"text": "You won a PRIZE, call 0800 now"},
    {"text": "hi mum, see you at 5"},
    {"text": "Get £100 off today"},
    {"text": None},
]
IDS = ["sms-1", "sms-2", "sms-3", "sms-4"]


def _votes(function_set: LabelingFunctionSet, items: Any = ITEMS) -> set[tuple]:
    votes = function_set.apply(items, item_ids=IDS[: len(items)])
    names = [f.name for f in function_set.functions]
    return {
        (int(r), names[int(c)], LABELS[int(v)])
        for r, c, v in zip(votes.rows, votes.columns, votes.values, strict=True)
    }


def test_function_set_gives_each_kind_of_function_its_votes() -> None:
    function_set = LabelingFunctionSet(
        [
            KeywordFunction("prize", "spam", ("prize", "won")),
            RegexFunction("money", "promo", r"£\d+"),
            PythonFunction(
                "greeting", lambda item: "ham" if "hi" in str(item["text"]) else None
            ),
        ],
        labels=LABELS,
        text_field="text",
    )
    assert _votes(function_set) == {
        (0, "prize", "spam"),
        (2, "money", "promo"),
        (1, "greeting", "ham"),
    }


def test_function_set_takes_a_list_of_labels_from_a_python_function() -> None:
    function_set = LabelingFunctionSet(
        [
            PythonFunction(
                "both", lambda item: ["spam", "promo"] if item["text"] else []
            )
        ],
        labels=LABELS,
    )
    assert _votes(function_set, ITEMS[:1]) == {
        (0, "both", "spam"),
        (0, "both", "promo"),
    }


def _raise_on_money(item: Mapping[str, Any]) -> str | None:
    if "£" in str(item["text"]):
        raise KeyError("amount")
    return "spam"


def test_a_function_that_raises_is_disabled_naming_the_item_while_others_finish() -> (
    None
):
    function_set = LabelingFunctionSet(
        [
            PythonFunction("fragile", _raise_on_money),
            PythonFunction("steady", lambda item: "ham"),
        ],
        labels=LABELS,
    )
    votes = function_set.apply(ITEMS, item_ids=IDS)
    assert votes.failures == {
        0: "The labeling function 'fragile' on item 'sms-3' raised KeyError: 'amount'."
    }
    # The failed function gives no votes at all, the other one every vote.
    assert set(votes.columns.tolist()) == {1} and len(votes.rows) == 4
    assert function_set.disabled == {0}
    assert function_set.apply(ITEMS[2:3]).failures == {}


def _slow_on_money(item: Mapping[str, Any]) -> str:
    if "£" in str(item["text"]):
        while True:  # a loop that never ends by itself
            pass
    return "spam"


def test_a_function_past_its_time_limit_is_stopped_and_disabled() -> None:
    function_set = LabelingFunctionSet(
        [
            PythonFunction("slow", _slow_on_money),
            PythonFunction("quick", lambda i: "ham"),
        ],
        labels=LABELS,
        time_limit=0.05,
    )
    started = time.monotonic()
    votes = function_set.apply(ITEMS, item_ids=IDS)
    assert time.monotonic() - started < 5
    assert votes.failures == {
        0: "The labeling function 'slow' on item 'sms-3' ran past its time limit "
        "of 0.05 s."
    }
    assert set(votes.columns.tolist()) == {1}


def test_a_function_that_swallows_the_timeout_is_still_refused_on_its_way_out() -> None:
    def stubborn(item: Mapping[str, Any]) -> str:
        try:
            time.sleep(0.2)
        except BaseException:  # what a careless function does
            time.sleep(0.1)
        return "spam"

    with CallTimer(0.05) as timer, pytest.raises(FunctionTimedOut):
        timer.call(stubborn, {})
    # Nothing is left pending for the code after the call.
    time.sleep(0.1)


def test_the_call_timer_lets_quick_calls_through() -> None:
    with CallTimer(0.5) as timer:
        assert [timer.call(lambda x: x * 2, n) for n in range(1000)][-1] == 1998


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        ("maybe", "returned 'maybe', which is not a label of this project"),
        (3, "returned 3, which is not a label, a list of labels or None"),
    ],
)
def test_a_function_returning_something_else_than_labels_is_disabled(
    result: Any, sentence: str
) -> None:
    function_set = LabelingFunctionSet(
        [PythonFunction("odd", lambda item: result)], labels=LABELS
    )
    failure = function_set.apply(ITEMS, item_ids=IDS).failures[0]
    assert failure.startswith("The labeling function 'odd' on item 'sms-1' ")
    assert sentence in failure


def test_the_task_kinds_check_decides_whether_a_list_is_a_vote() -> None:
    def single_label(value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise InvalidLabelError(f"{where}: {value!r} is not a label.")
        return value

    function_set = LabelingFunctionSet(
        [PythonFunction("listy", lambda item: ["spam"])],
        labels=LABELS,
        validate=single_label,
    )
    assert function_set.apply(ITEMS, item_ids=IDS).failures == {
        0: "The labeling function 'listy' on item 'sms-1': ['spam'] is not a label."
    }


def test_regex_and_keyword_functions_vote_for_exactly_the_texts_they_match() -> None:
    lines = (FIXTURES / "sms_sample.tsv").read_text(encoding="utf-8").splitlines()
    texts = [line.split("\t", 1)[1] for line in lines]
    patterns = [
        r"(?i)www\.|http",  # needs one of two strings: only those texts are scanned
        r"(?i)\bfree\b",
        r"prize|winner",
        r"\b\d{5}\b",
        r"^(Ok|Hi)\b",
    ]
    keywords = ("call", "txt", "u")
    function_set = LabelingFunctionSet(
        [RegexFunction(f"r{i}", "spam", p) for i, p in enumerate(patterns)]
        + [KeywordFunction("words", "ham", keywords)],
        labels=LABELS,
        text_field="text",
    )
    votes = function_set.apply([{"text": t} for t in texts], item_ids=None)
    got = {(int(r), int(c)) for r, c in zip(votes.rows, votes.columns, strict=True)}
    words = re.compile(r"(?i)\b(call|txt|u)\b")
    expected = {
        (i, c)
        for c, p in enumerate(patterns)
        for i, t in enumerate(texts)
        if re.search(p, t)
    } | {(i, len(patterns)) for i, t in enumerate(texts) if words.search(t)}
    assert got == expected
    assert all(any(c == k for _, c in got) for k in range(len(patterns) + 1))
