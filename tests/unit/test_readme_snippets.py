"""The README's Python snippets run exactly as written (docs checked against code).

Every ```python block of README.md is run, in order, in a temporary folder that
holds a copy of ``examples/`` (the snippets are written to run from the
repository's folder). Blocks under one heading share a namespace, so a snippet
may use what an earlier one under the same heading defined; each heading starts
from an empty one. Each heading's snippets run twice in the same folder: a
notebook cell runs again, and the README must not show code that fails then.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
README = ROOT / "README.md"


@dataclass
class Section:
    """The Python snippets under one heading: (first line number, code) each."""

    heading: str
    snippets: list[tuple[int, str]] = field(default_factory=list)


def readme_sections(text: str) -> list[Section]:
    """The headings of ``text`` that have Python snippets, in order."""
    sections: list[Section] = []
    heading = "(top)"
    fence: str | None = None
    start = 0
    code: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith("```"):
                fence = stripped[3:].strip()
                start, code = number + 1, []
            elif line.startswith("#"):
                heading = line.lstrip("#").strip()
            continue
        if stripped != "```":
            code.append(line)
            continue
        if fence == "python":
            if not sections or sections[-1].heading != heading:
                sections.append(Section(heading))
            sections[-1].snippets.append((start, "\n".join(code) + "\n"))
        fence = None
    assert fence is None, "README.md ends inside a code block"
    return sections


SECTIONS = readme_sections(README.read_text(encoding="utf-8"))


def test_readme_snippets_are_found() -> None:
    headings = [section.heading for section in SECTIONS]
    assert "A project from a notebook" in headings
    assert sum(len(section.snippets) for section in SECTIONS) >= 4


def test_readme_snippets_parser_groups_by_heading() -> None:
    text = (
        "# A\n```python\nx = 1\n```\n```bash\nls\n```\n```python\ny = x\n```\n"
        "## B\nprose\n```\nnot python\n```\n## C\n```python\nz = 3\n```\n"
    )
    sections = readme_sections(text)
    assert [(s.heading, [line for line, _ in s.snippets]) for s in sections] == [
        ("A", [3, 9]),
        ("C", [18]),
    ]
    assert sections[0].snippets[1][1] == "y = x\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "section", SECTIONS, ids=[section.heading for section in SECTIONS]
)
def test_readme_snippets_run_twice_as_written(
    section: Section, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    # The snippets name their database; none may depend on the environment's.
    monkeypatch.delenv("ACTIVELABEL_DB", raising=False)
    for run in (1, 2):
        namespace: dict[str, object] = {"__name__": "__readme__"}
        for line, code in section.snippets:
            compiled = compile(code, f"README.md, line {line}", "exec")
            try:
                exec(compiled, namespace)
            except Exception as error:
                raise AssertionError(
                    f"The README's snippet at line {line} ({section.heading!r}) "
                    f"fails on run {run}: {type(error).__name__}: {error}"
                ) from error
