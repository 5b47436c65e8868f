"""A label taxonomy: aliases that fold into their tag, and parents of a tag.

Two formats are read:

* Made With ML's ``tags.json``: a JSON list of ``{"tag": ..., "aliases":
  [...], "parents": [...]}`` entries (``aliases`` and ``parents`` may be left
  out);
* a CSV of ``child,parent`` rows, one link a line (a first line
  ``child,parent`` is a header); it names no aliases.

A taxonomy is refused, with a sentence naming the entry or line, when it is
not that shape, names a tag twice, gives an alias that is also a tag or an
alias of two tags, or holds a cycle of parents (named:
``a → b → a``). A parent named by an alias is read as the alias's tag.
Parents missing from a project's labels are found by
:meth:`Taxonomy.missing_from`; the caller reports them or adds them.

Pure: no store import. :func:`activelabel.tasks.adapter.ancestors` walks the
parents (the transitive closure) when labels are given.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.tasks.adapter import ancestors

__all__ = [
    "Taxonomy",
    "build_taxonomy",
    "find_cycle",
    "read_parent_csv",
    "read_tags_json",
    "read_taxonomy",
]

#: Longest tag, alias or label (the width of a labeling function's label).
_NAME_LIMIT = 200


@dataclass(frozen=True)
class Taxonomy:
    """Tags in the order the file gives them, each alias's tag, each tag's parents."""

    #: Every tag the file names as an entry (or as a child, in a CSV), in order.
    tags: tuple[str, ...]
    #: alias -> tag.
    aliases: dict[str, str]
    #: tag -> its direct parents, in the file's order (tags without parents left out).
    parents: dict[str, list[str]]

    @property
    def parent_links(self) -> int:
        """How many child → parent links the file gives."""
        return sum(len(p) for p in self.parents.values())

    def labels(self) -> list[str]:
        """Every label the taxonomy names: its tags, then parents that are no tag."""
        named = dict.fromkeys(self.tags)
        for found in self.parents.values():
            named.update(dict.fromkeys(found))
        return list(named)

    def missing_from(self, labels: Sequence[str]) -> list[str]:
        """The taxonomy's labels (tags and parents) that ``labels`` lacks, in order."""
        known = set(labels)
        return [label for label in self.labels() if label not in known]

    def ancestors(self, label: str) -> list[str]:
        """Every ancestor of ``label``, nearest first (the transitive closure)."""
        return ancestors(self.parents, [label])

    def aliases_by_tag(self) -> dict[str, list[str]]:
        """tag -> its aliases, tags in file order."""
        grouped: dict[str, list[str]] = {}
        for alias, tag in self.aliases.items():
            grouped.setdefault(tag, []).append(alias)
        order = {tag: i for i, tag in enumerate(self.tags)}
        return dict(
            sorted(grouped.items(), key=lambda kv: order.get(kv[0], len(order)))
        )


def read_taxonomy(path: str | Path, *, encoding: str = "utf-8") -> Taxonomy:
    """Read ``path``: ``.json`` as Made With ML's tags, ``.csv`` as child,parent rows."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ImportFormatError(f"{path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ImportFormatError(
            f"{path}: a taxonomy is a .json file of tags (tag, aliases, parents) or "
            f"a .csv file of child,parent rows, not {suffix or 'a file without a suffix'}."
        )
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{path} is not {encoding} text (byte {exc.start}); give its encoding."
        ) from None
    if suffix == ".json":
        return read_tags_json(text, source=str(path))
    return read_parent_csv(text, source=str(path))


def read_tags_json(text: str, *, source: str = "tags.json") -> Taxonomy:
    """Made With ML's tag list; each entry is checked and named by its index."""
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"{source} is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    if not isinstance(entries, list):
        raise ImportFormatError(
            f"{source}: expected a JSON list of tags "
            '({"tag": ..., "aliases": [...], "parents": [...]}), '
            f"got a JSON {_json_kind(entries)}."
        )
    rows: list[tuple[str, str, list[str], list[str]]] = []
    for index, entry in enumerate(entries):
        where = f"{source}, entry {index}"
        if not isinstance(entry, dict):
            raise ImportFormatError(
                f"{where}: expected an object with tag, aliases and parents, "
                f"got a JSON {_json_kind(entry)}."
            )
        unknown = sorted(set(entry) - {"tag", "aliases", "parents"})
        if unknown:
            raise ImportFormatError(
                f"{where}: unknown key {unknown[0]!r}; an entry has tag, aliases "
                "and parents."
            )
        tag = _name(entry.get("tag"), f"{where}: the tag")
        aliases = _names(entry.get("aliases", []), f"{where}: aliases of {tag!r}")
        parents = _names(entry.get("parents", []), f"{where}: parents of {tag!r}")
        rows.append((where, tag, aliases, parents))
    return build_taxonomy(rows)


def read_parent_csv(text: str, *, source: str = "taxonomy.csv") -> Taxonomy:
    """``child,parent`` rows (a header line ``child,parent`` is skipped)."""
    rows: list[tuple[str, str, list[str], list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    for cells in reader:
        line = reader.line_num
        where = f"{source}, line {line}"
        if not cells or all(not c.strip() for c in cells):
            continue
        stripped = [c.strip() for c in cells]
        if line == 1 and [c.lower() for c in stripped] == ["child", "parent"]:
            continue
        if len(stripped) != 2 or not all(stripped):
            raise ImportFormatError(
                f"{where}: expected two cells, child,parent; got "
                f"{len(stripped)} ({','.join(cells)[:80]!r})."
            )
        child = _name(stripped[0], f"{where}: the child")
        parent = _name(stripped[1], f"{where}: the parent")
        rows.append((where, child, [], [parent]))
    if not rows:
        raise ImportFormatError(f"{source} holds no child,parent rows.")
    return build_taxonomy(rows, merge_repeats=True)


def build_taxonomy(
    rows: Iterable[tuple[str, str, list[str], list[str]]],
    *,
    merge_repeats: bool = False,
) -> Taxonomy:
    """A taxonomy from (where, tag, aliases, parents) rows, checked.

    A tag given twice is refused unless ``merge_repeats`` (a CSV gives one
    link a line, so a child with two parents comes twice); ``where`` names
    the entry or line in every sentence.
    """
    tags: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    alias_rows: list[tuple[str, str, str]] = []
    for where, tag, aliases, tag_parents in rows:
        if tag in tags and not merge_repeats:
            raise ImportFormatError(
                f"{where}: the tag {tag!r} is given twice (first at "
                f"{_entry(tags[tag])}); merge its aliases and parents into one entry."
            )
        tags.setdefault(tag, where)
        for parent in tag_parents:
            if parent == tag:
                raise ImportFormatError(
                    f"{where}: the tag {tag!r} is its own parent ({tag} → {tag})."
                )
            listed = parents.setdefault(tag, [])
            if parent not in listed:
                listed.append(parent)
        alias_rows.extend((where, alias, tag) for alias in aliases)
    folded: dict[str, str] = {}
    first_at: dict[str, str] = {}
    for where, alias, tag in alias_rows:
        if alias in tags:
            raise ImportFormatError(
                f"{where}: the alias {alias!r} of {tag!r} is also a tag "
                f"({_entry(tags[alias])}); an alias folds into one tag, so it "
                "cannot be one."
            )
        if alias in folded and folded[alias] != tag:
            raise ImportFormatError(
                f"{where}: the alias {alias!r} belongs to {folded[alias]!r} "
                f"({_entry(first_at[alias])}) and to {tag!r}; an alias folds into "
                "one tag."
            )
        folded[alias] = tag
        first_at.setdefault(alias, where)
    # A parent named by an alias is that alias's tag (Made With ML's
    # knowledge-base-question-answering has the parent qa, an alias of
    # question-answering).
    for tag, found in parents.items():
        resolved = list(dict.fromkeys(folded.get(p, p) for p in found))
        if tag in resolved:
            raise ImportFormatError(
                f"{tags[tag]}: the tag {tag!r} is its own parent through an "
                f"alias ({tag} → {tag})."
            )
        parents[tag] = resolved
    cycle = find_cycle(parents)
    if cycle:
        where = tags.get(cycle[0], "")
        raise ImportFormatError(
            f"{where or 'The taxonomy'}: the parents form a "
            f"cycle: {' → '.join(cycle)}; a tag cannot be its own ancestor."
        )
    return Taxonomy(tags=tuple(tags), aliases=folded, parents=parents)


def find_cycle(parents: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle of parents as ``[a, b, a]`` (the first found, in the mapping's
    order), or ``None``. Iterative, so a deep chain cannot overflow the stack."""
    done: set[str] = set()
    for start in parents:
        if start in done:
            continue
        path: list[str] = [start]
        on_path: dict[str, int] = {start: 0}
        stack: list[Iterator[str]] = [iter(parents.get(start, ()))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                left = path.pop()
                del on_path[left]
                done.add(left)
                continue
            if following in on_path:
                return [*path[on_path[following] :], following]
            if following in done:
                continue
            on_path[following] = len(path)
            path.append(following)
            stack.append(iter(parents.get(following, ())))
    return None


def _entry(where: str) -> str:
    """``entry 3`` from ``tags.json, entry 3`` (the file is named once)."""
    return where.rsplit(", ", 1)[-1]


def _json_kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ImportFormatError(f"{what} must be a non-empty text, got {value!r}.")
    name = value.strip()
    if len(name) > _NAME_LIMIT:
        raise ImportFormatError(
            f"{what} is {len(name)} characters long; the limit is {_NAME_LIMIT}."
        )
    return name


def _names(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFormatError(
            f"{what} must be a list of texts, got a JSON {_json_kind(value)}."
        )
    return list(dict.fromkeys(_name(v, what) for v in value))
