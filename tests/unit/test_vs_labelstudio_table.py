"""The side-by-side benchmark's results: runs made one at a time merge into one
document, and its table has a column per run (benchmarks/vs_labelstudio_table.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

MODULE = Path(__file__).parents[2] / "benchmarks" / "vs_labelstudio_table.py"


@pytest.fixture(scope="module")
def table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vs_labelstudio_table", MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _level(annotators: int, labels_per_s: float, double: int = 0) -> dict[str, Any]:
    latency = {"n": 10, "p50_ms": 4.6, "p95_ms": 9.0, "p99_ms": 312.4, "max_ms": 400}
    return {
        "annotators": annotators,
        "labels_per_s": labels_per_s,
        "next_task": latency,
        "submit_label": latency,
        "next_task_empty_share": 0.0,
        "double_assignments": double,
        "errors": {"next 500": 3} if double else {},
    }


def _run(tool: str, backend: str = "sqlite", **extra: Any) -> dict[str, Any]:
    return {
        "tool": tool,
        "backend": backend,
        "items": 100_000,
        "version": "1.0",
        "date": "2026-12-03 18:00",
        "machine": {"load_average_1m_at_end": 2.5},
        "import": {"seconds": 4.8, "items_per_s": 20_833},
        "first_model_s": None,
        "levels": [_level(1, 64.7), _level(8, 48.6, double=2)],
        "export_csv": {"seconds": 4.8},
        "rss_after_import_mib": {
            "server:1": 89.0,
            "round worker:2": 755.0,
            "total": 844.0,
        },
        **extra,
    }


def test_a_run_replaces_the_earlier_run_of_its_tool_backend_and_size(
    table: ModuleType,
) -> None:
    document = table.merge_run({}, _run("labelstudio"))
    document = table.merge_run(document, _run("activelabel", first_model_s=196.0))
    document = table.merge_run(document, _run("activelabel", first_model_s=20.0))

    assert sorted(document["runs"]) == [
        "activelabel/sqlite/100000/1",
        "labelstudio/sqlite/100000/1",
    ]
    assert document["runs"]["activelabel/sqlite/100000/1"]["first_model_s"] == 20.0


def test_the_table_has_label_studio_first_and_every_figure_per_run(
    table: ModuleType,
) -> None:
    document = table.merge_run({}, _run("activelabel", "postgresql", serve_processes=2))
    document = table.merge_run(document, _run("labelstudio"))

    lines = table.side_by_side(document["runs"]).splitlines()

    assert lines[0] == (
        "| | Label Studio 1.0, SQLite, 100,000 items "
        "| activelabel 1.0, PostgreSQL, 100,000 items, 2 serve processes |"
    )
    rows = {line.split(" | ")[0]: line for line in lines[2:]}
    assert rows["| first model after `serve` (s)"].endswith(
        "| none by default | not in |"
    )
    assert "| 4.6 / 312 |" in rows["| 1: next p50 / p99 (ms)"]
    assert rows["| 8: empty next answers; double assignments; errors"].endswith(
        "| 0.0%; 2; 3 | 0.0%; 2; 3 |"
    )
    assert "844 (server 89 + round worker 755)" in rows["| memory after import (MiB)"]
    assert rows["| memory after labeling (MiB)"].endswith("| — | — |")


def test_activelabel_memory_after_labeling_says_whether_a_round_ran_and_at_rest(
    table: ModuleType,
) -> None:
    rest = {"server:1": 110.0, "round worker:2": 300.0, "total": 410.0}
    document = table.merge_run({}, _run("labelstudio"))
    document = table.merge_run(
        document,
        _run(
            "activelabel",
            trainer_after_labeling="training",
            rss_at_rest_after_labeling_mib=rest,
            rss_peak_mib={"server:1": 120.0, "round worker:2": 2000.0, "total": 2120.0},
        ),
    )

    lines = table.side_by_side(document["runs"]).splitlines()
    rows = {line.split(" | ")[0]: line for line in lines[2:]}

    assert rows["| trainer then"].endswith("| none | training |")
    assert rows["| memory after labeling, trainer at rest (MiB)"].endswith(
        "| — | 410 (server 110 + round worker 300) |"
    )
    assert (
        "2,120 (server 120 + round worker 2000)"
        in rows["| peak resident, each process's (MiB)"]
    )
