"""Regex functions: one scan of a batch finds what re.search finds text by text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from activelabel.weak.regex_scanner import RegexScanner

FIXTURES = Path(__file__).parents[2] / "fixtures"

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
    "code 12345 and abc12345 and 123456",
    "FREE entry, freedom, WINNER at 7pm or 10:30 am",
    "x9 07700900123 y",
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
        # Rewritten into a form that starts with a character class:
        r"\b\d{5}\b",
        r"[A-Z]{4,}",
        r"\b[A-Z]{4,}\b",
        r"\b0\d{9,10}\b",
        r"\b\d{1,2}(:\d\d)?\s?(am|pm)\b",
        r"(?i)\bfree\b",
        r"\bwin",
        r"\b\w+ing\b",
        r"\d+?5",
    ],
)
def test_regex_scanner_finds_the_texts_re_search_finds(pattern: str) -> None:
    expected = [i for i, text in enumerate(TEXTS) if re.search(pattern, text)]
    assert _scan(pattern, TEXTS) == expected


def test_regex_scanner_agrees_with_re_search_on_sms_messages() -> None:
    lines = (FIXTURES / "sms_sample.tsv").read_text(encoding="utf-8").splitlines()
    texts = [line.split("\t", 1)[1] for line in lines]
    for pattern in [
        r"\b\d{5}\b",
        r"\b[A-Z]{3,}\b",
        r"\b0\d{9,10}\b",
        r"(?i)\b(free|win|prize)\w*",
        r"£\d+",
        r"\b\d{1,2}\s?(am|pm)\b",
        r"[^.]{150}",
    ]:
        expected = [i for i, text in enumerate(texts) if re.search(pattern, text)]
        assert _scan(pattern, texts) == expected, pattern
        assert expected, pattern


def test_regex_scanner_scans_with_a_faster_equivalent_where_it_has_one() -> None:
    for pattern in [r"\b\d{5}\b", r"[A-Z]{4,}", r"\bwin"]:
        scanner = RegexScanner(pattern)
        assert scanner.finder is not scanner.pattern, pattern
    for pattern in [r"£\d+", r"\b£", r"^win"]:
        scanner = RegexScanner(pattern)
        assert scanner.finder is scanner.pattern, pattern


def test_regex_scanner_runs_anchored_patterns_text_by_text() -> None:
    assert not RegexScanner(r"^win").joinable
    assert not RegexScanner(r"x(?=y)").joinable
    assert RegexScanner(r"\bwin\b|£\d+").joinable
