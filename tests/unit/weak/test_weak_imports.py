"""weak/ is pure: it computes over items and arrays, and the loop stores what it gives."""

from __future__ import annotations

import re
from pathlib import Path

WEAK = Path(__file__).parents[3] / "src" / "activelabel" / "weak"


def test_weak_modules_import_nothing_from_the_store_or_the_loop() -> None:
    pattern = re.compile(
        r"^\s*(from|import) activelabel\.(store|loop|server|cli)\b", re.M
    )
    offenders = [
        path.name for path in WEAK.glob("*.py") if pattern.search(path.read_text())
    ]
    assert len(list(WEAK.glob("*.py"))) >= 8
    assert offenders == []
