"""Values as the writers write them: typed columns, the missing marker, timestamps.

Each column has a :class:`Kind` that says how its values are written in the
formats that need one type per column. The :data:`MISSING` marker stands for
"this item has no such field": an empty CSV cell, a Parquet null, and no key at
all in JSON Lines (so a re-import gets the item's fields back exactly).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "FORMULA_STARTS",
    "MISSING",
    "Column",
    "Kind",
    "json_text",
    "neutralise_formula",
    "to_iso",
    "to_utc",
]


class _Missing:
    """Type of :data:`MISSING`; falsy and printed as ``MISSING``."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


#: The item has no value for this column (distinct from an explicit JSON null).
MISSING: Final = _Missing()


class Kind(enum.Enum):
    """The type a column is written with where a format needs one."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"


@dataclass(frozen=True)
class Column:
    """One output column: its name and how its values are typed."""

    name: str
    kind: Kind = Kind.STRING


def to_iso(value: dt.datetime) -> str:
    """A timestamp as ISO 8601 in UTC with a ``Z``; naive values are taken as UTC.

    SQLite hands back naive datetimes for the UTC times activelabel stores.
    """
    return to_utc(value).isoformat().replace("+00:00", "Z")


def to_utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive value is taken as UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def json_text(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: First characters that make a spreadsheet read a cell as a formula (OWASP's
#: list for CSV injection).
FORMULA_STARTS: Final = frozenset("=+-@\t\r")

#: A number as a spreadsheet reads one: ``-3`` and ``+1.5e3`` stay numbers.
_NUMBER: Final = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)


def neutralise_formula(text: str) -> str:
    """``text``, made inert for spreadsheets if one would run it as a formula.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'`` (OWASP's rule against CSV injection: Excel, LibreOffice
    and Google Sheets then show the text instead of evaluating it); strings that
    are plain numbers (``-3``, ``+0.5``) are left alone, as is everything else.
    """
    if text[:1] in FORMULA_STARTS and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text
