"""What an export reports: where it wrote, how much, and the notes for its reader.

The notes are sentences for the person who asked for the export: an original
field written under another name, and items nobody has labeled that a format
wrote like labeled ones (CoNLL, which has no way to mark them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ExportReport", "renamed_field_note", "unlabeled_note"]


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: where, in which format, how many rows, how long it took.

    ``renamed_fields`` maps each original field written under another name
    (because one of activelabel's columns has its name) to that name.
    ``unlabeled`` counts the items nobody has labeled that a format which
    cannot mark them (CoNLL) wrote as ``unlabeled_as`` says.
    """

    path: Path
    fmt: str
    rows: int
    seconds: float
    renamed_fields: dict[str, str] = field(default_factory=dict)
    unlabeled: int = 0
    unlabeled_as: str | None = None

    @property
    def notes(self) -> list[str]:
        """One sentence per renamed field, and one for unlabeled items a format
        wrote like labeled ones, for the person who asked for the export."""
        notes = [
            renamed_field_note(old, new) for old, new in self.renamed_fields.items()
        ]
        if self.unlabeled and self.unlabeled_as is not None:
            notes.append(unlabeled_note(self.unlabeled, self.fmt, self.unlabeled_as))
        return notes


def renamed_field_note(original: str, written: str) -> str:
    """The sentence that says a data field was written under another name."""
    return (
        f"The data field {original!r} is written as column {written!r}; "
        f"{original!r} is activelabel's own column."
    )


def unlabeled_note(count: int, fmt: str, written_as: str) -> str:
    """The sentence that says unlabeled items were written like labeled ones."""
    items = "1 item has" if count == 1 else f"{count:,} items have"
    return (
        f"{items} no label yet and {'is' if count == 1 else 'are'} written in "
        f"{fmt} {written_as}, as if labeled; leave unlabeled items out with "
        "--labeled-only (include_unlabeled=False)."
    )
