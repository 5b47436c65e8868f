"""The side-by-side table of ``bench_vs_labelstudio.py``, from its JSON.

Each run (a tool on a backend, at a number of items and serve processes) is
kept under its own key, so runs made one at a time merge into one document,
and the table shows one column per run.
"""

from __future__ import annotations

from typing import Any

#: Columns of the table, in order: (tool, backend, serve processes).
COLUMN_ORDER = (
    ("labelstudio", "sqlite", 1),
    ("activelabel", "sqlite", 1),
    ("activelabel", "postgresql", 1),
    ("activelabel", "postgresql", 2),
)


def run_key(result: dict[str, Any]) -> str:
    """Where a run is kept in the JSON: tool, backend, items, serve processes."""
    return (
        f"{result['tool']}/{result['backend']}/{result['items']}"
        f"/{result.get('serve_processes', 1)}"
    )


def merge_run(document: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``result`` in it, replacing the earlier run of its key."""
    runs = dict(document.get("runs", {}))
    runs[run_key(result)] = result
    return {**document, "benchmark": "vs_labelstudio", "runs": runs}


def _ordered_runs(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    def place(run: dict[str, Any]) -> tuple[int, int]:
        column = (run["tool"], run["backend"], run.get("serve_processes", 1))
        rank = (
            COLUMN_ORDER.index(column) if column in COLUMN_ORDER else len(COLUMN_ORDER)
        )
        return rank, run["items"]

    return sorted(runs.values(), key=place)


def _title(run: dict[str, Any]) -> str:
    name = {"labelstudio": "Label Studio", "activelabel": "activelabel"}[run["tool"]]
    version = run.get("version", "")
    backend = "SQLite" if run["backend"] == "sqlite" else "PostgreSQL"
    processes = run.get("serve_processes", 1)
    serve = f", {processes} serve processes" if processes > 1 else ""
    return f"{name} {version}, {backend}, {run['items']:,} items{serve}".replace(
        "  ", " "
    )


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _mib(rss: dict[str, float] | None) -> str:
    if not rss:
        return "—"
    # One figure per kind of process ("server:123" and "server:456" add up).
    parts: dict[str, float] = {}
    for key, value in rss.items():
        if key != "total":
            name = key.split(":")[0]
            parts[name] = parts.get(name, 0.0) + value
    detail = " + ".join(f"{name} {value:.0f}" for name, value in parts.items())
    return (
        f"{rss['total']:,.0f} ({detail})" if len(parts) > 1 else f"{rss['total']:,.0f}"
    )


def _figures(run: dict[str, Any]) -> list[tuple[str, str]]:
    """One run's column of the table: (row name, value) pairs."""
    if run.get("first_model_s") is not None:
        first_model = str(run["first_model_s"])
    else:
        first_model = "none by default" if run["tool"] == "labelstudio" else "not in"
    out = [
        (
            "import (s; items/s)",
            f"{run['import']['seconds']} ({run['import']['items_per_s']:,}/s)",
        ),
        ("first model after `serve` (s)", first_model),
    ]
    for level in run.get("levels", []):
        n, nxt, sub = level["annotators"], level["next_task"], level["submit_label"]
        errors = sum(level.get("errors", {}).values())
        out += [
            (
                f"{n} annotator{'s' if n > 1 else ''}: labels/s",
                str(level["labels_per_s"]),
            ),
            (
                f"{n}: next p50 / p99 (ms)",
                f"{_ms(nxt['p50_ms'])} / {_ms(nxt['p99_ms'])}",
            ),
            (
                f"{n}: submit p50 / p99 (ms)",
                f"{_ms(sub['p50_ms'])} / {_ms(sub['p99_ms'])}",
            ),
            (
                f"{n}: empty next answers; double assignments; errors",
                f"{level['next_task_empty_share'] or 0:.1%}; "
                f"{level['double_assignments']}; {errors}",
            ),
        ]
    return [
        *out,
        ("export every item, CSV (s)", str(run["export_csv"]["seconds"])),
        ("memory after import (MiB)", _mib(run.get("rss_after_import_mib"))),
        ("memory after labeling (MiB)", _mib(run.get("rss_after_labeling_mib"))),
        (
            "trainer then",
            "none"
            if run["tool"] == "labelstudio"
            else run.get("trainer_after_labeling", "—"),
        ),
        (
            "memory after labeling, trainer at rest (MiB)",
            _mib(run.get("rss_at_rest_after_labeling_mib")),
        ),
        ("peak resident, each process's (MiB)", _mib(run.get("rss_peak_mib"))),
        (
            "load average, 1 min, at the end",
            str(run["machine"]["load_average_1m_at_end"]),
        ),
        ("run at (UTC)", run["date"]),
    ]


def side_by_side(runs: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one column per run, one row per figure."""
    ordered = _ordered_runs(runs)
    columns = [dict(_figures(run)) for run in ordered]
    names: list[str] = []
    for run in ordered:
        names += [name for name, _ in _figures(run) if name not in names]
    lines = [
        "| | " + " | ".join(_title(run) for run in ordered) + " |",
        "|---" * (len(ordered) + 1) + "|",
    ]
    for name in names:
        cells = [column.get(name, "—") for column in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
