"""A project's labeling guidelines: Markdown instructions with examples per label.

Stored as written (one row per project, replaced on every change); the page
renders them as Markdown without raw HTML, so a guideline can never run a
script in an annotator's browser. Kept short enough to read:
:data:`MAX_GUIDELINES_CHARS`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError
from activelabel.store.models import Guidelines, Project, User, utcnow

__all__ = [
    "MAX_GUIDELINES_CHARS",
    "ProjectGuidelines",
    "labels_without_section",
    "read_guidelines",
    "set_guidelines",
]

#: Longest guidelines kept, in characters (about 30 printed pages).
MAX_GUIDELINES_CHARS = 100_000

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ProjectGuidelines:
    """The guidelines of a project, and who changed them last."""

    markdown: str
    updated_by: str | None = None
    updated_at: dt.datetime | None = None
    #: Labels of the schema no heading of the guidelines names.
    labels_without_section: list[str] = field(default_factory=list)


def labels_without_section(markdown: str, labels: Sequence[str]) -> list[str]:
    """The labels no Markdown heading names (``## spam`` or ``### Label: spam``),
    so the author sees which labels lack their examples."""
    headings = [h.casefold() for h in _HEADING.findall(markdown)]
    return [
        label
        for label in labels
        if not any(
            re.search(rf"(?<!\w){re.escape(label.casefold())}(?!\w)", h)
            for h in headings
        )
    ]


def _check(markdown: str, where: str) -> str:
    if len(markdown) > MAX_GUIDELINES_CHARS:
        raise ConfigError(
            f"{where} has {len(markdown):,} characters; guidelines keep at most "
            f"{MAX_GUIDELINES_CHARS:,} (about 30 pages): shorten them, or link "
            "long examples rather than pasting them."
        )
    if "\x00" in markdown:
        line = markdown[: markdown.index("\x00")].count("\n") + 1
        raise ConfigError(
            f"{where} holds a NUL character on line {line}; guidelines are text."
        )
    return markdown


def set_guidelines(
    session: Session,
    project: Project,
    markdown: str,
    *,
    user_id: int | None = None,
    where: str = "The guidelines",
) -> ProjectGuidelines:
    """Store ``markdown`` as the project's guidelines (replacing any).

    ``where`` names the source in a refusal (a file name). Raises
    :class:`ConfigError` for guidelines over :data:`MAX_GUIDELINES_CHARS` or
    holding a NUL; nothing is stored then.
    """
    _check(markdown, where)
    row = session.get(Guidelines, project.id)
    if row is None:
        row = Guidelines(project_id=project.id, markdown=markdown)
        session.add(row)
    row.markdown = markdown
    row.updated_by = user_id
    row.updated_at = utcnow()
    session.flush()
    return read_guidelines(session, project)


def read_guidelines(session: Session, project: Project) -> ProjectGuidelines:
    """The project's guidelines (empty Markdown when none were written)."""
    found = session.execute(
        select(Guidelines.markdown, User.name, Guidelines.updated_at)
        .outerjoin(User, User.id == Guidelines.updated_by)
        .where(Guidelines.project_id == project.id)
    ).one_or_none()
    if found is None:
        return ProjectGuidelines(
            markdown="", labels_without_section=list(project.labels)
        )
    markdown, name, updated_at = found
    return ProjectGuidelines(
        markdown=markdown,
        updated_by=name,
        updated_at=updated_at,
        labels_without_section=labels_without_section(markdown, project.labels),
    )
