"""Regex functions: one scan of a batch finds what re.search finds text by text."""

from __future__ import annotations

import re

import pytest

from activelabel.weak.regex_scanner import RegexScanner

TEXTS = [
    "Win £100 now",
    "call 0800 123",
    "",
    "nothing here",
    "URGENT! reply",
    "ends with £",
    "£5",
    "a.b",
    "reply STOP",
]


def _scan(pattern: str, texts: list[str]) -> list[int]:
    joined = "\x00".join(texts)
    ends, offset = [], -1
    for text in texts:
        offset += len(text) + 1
        ends.append(offset)
    return RegexScanner(pattern).matching(texts, joined, ends)


@pytest.mark.parametrize(
    "pattern",
    [
        r"£\d+",
        r"\d{4}",
        r"^URGENT",
        r"here$",
        r"(?i)stop\b",
        r"£$",
        r"\bnow\b",
        r"[^!]+!",  # a match can run on into the next text when joined
        r"\S+\s\S+\s\S+",
        r"(?<=£)\d",
        r"\.",
        r"(a|b)\.(a|b)",
        r"(?m)^reply",
    ],
)
def test_regex_scanner_finds_the_texts_re_search_finds(pattern: str) -> None:
    expected = [i for i, text in enumerate(TEXTS) if re.search(pattern, text)]
    assert _scan(pattern, TEXTS) == expected


def test_regex_scanner_runs_anchored_patterns_text_by_text() -> None:
    assert not RegexScanner(r"^win").joinable
    assert not RegexScanner(r"x(?=y)").joinable
    assert RegexScanner(r"\bwin\b|£\d+").joinable
