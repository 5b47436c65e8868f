"""How a language is written: its text direction and how its text splits into tokens.

A NER project names a language (``--language``, ISO 639-1) or a column holding
each item's language (``--language-column``); the language gives the page its
reading direction and the project its tokenization, and ``--direction`` /
``--tokenization`` override both. An item's own language wins over the
project's.

==========================  =========  ============
language                    direction  tokenization
==========================  =========  ============
ar, he, fa, ur, syr,        rtl        whitespace
ps, sd, ug, yi, dv, ckb
zh, ja, th, lo, km, my, bo  ltr        char
any other (en, de, ...)     ltr        whitespace
==========================  =========  ============

Thai, Lao, Khmer, Burmese and Tibetan write no spaces between words; without a
dictionary-based segmenter, one character per token is the honest default (a
span can still cover any run of characters).
"""

from __future__ import annotations

from typing import Literal, cast, get_args

from activelabel.exceptions import ConfigError

__all__ = [
    "DIRECTIONS",
    "RIGHT_TO_LEFT",
    "TOKENIZATIONS",
    "UNSPACED",
    "Direction",
    "Tokenization",
    "check_language",
    "resolve_layout",
]

Direction = Literal["ltr", "rtl"]
Tokenization = Literal["whitespace", "char"]

DIRECTIONS: tuple[str, ...] = get_args(Direction)
TOKENIZATIONS: tuple[str, ...] = get_args(Tokenization)

#: Languages written right to left (ISO 639-1, or 639-3 where there is no
#: two-letter code: ``syr`` Syriac, ``ckb`` Central Kurdish).
RIGHT_TO_LEFT = frozenset(
    {"ar", "he", "fa", "ur", "syr", "ps", "sd", "ug", "yi", "dv", "ckb"}
)

#: Languages written without spaces between words: one character per token.
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})


def check_language(code: str, *, where: str = "--language") -> str:
    """A language code in lower case (``"en"``, ``"zh-Hant"`` → ``"zh-hant"``).

    ISO 639-1 codes, 639-3 codes and BCP 47 tags (``pt-BR``) are accepted; the
    part before the first ``-`` or ``_`` decides the layout.
    """
    cleaned = code.strip().lower().replace("_", "-")
    base = cleaned.split("-", 1)[0]
    if not (2 <= len(base) <= 3 and base.isascii() and base.isalpha()):
        raise ConfigError(
            f"{where}: {code!r} is not a language code; give an ISO 639-1 code "
            "such as en, ar or zh."
        )
    return cleaned


def resolve_layout(
    language: str | None,
    direction: str | None = None,
    tokenization: str | None = None,
) -> tuple[Direction, Tokenization]:
    """The direction and tokenization of a text in ``language``; the flags override."""
    base = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    if direction is None:
        direction = "rtl" if base in RIGHT_TO_LEFT else "ltr"
    if tokenization is None:
        tokenization = "char" if base in UNSPACED else "whitespace"
    if direction not in DIRECTIONS:
        raise ConfigError(f"Unknown text direction {direction!r}; choose ltr or rtl.")
    if tokenization not in TOKENIZATIONS:
        raise ConfigError(
            f"Unknown tokenization {tokenization!r}; choose whitespace or char."
        )
    return cast(Direction, direction), cast(Tokenization, tokenization)
