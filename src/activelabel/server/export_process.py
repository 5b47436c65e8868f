"""Exports requested over the API are written by a child process.

Exporting a project reads every item, builds one row per item and writes a
file: about 16 s of CPU for 1,000,000 items. Inside the server that work holds
the GIL between the annotators' requests (their p95 latency rose four- to
sixfold during an export of 200,000 items), and it leaves ~10 MiB of Python's
memory arenas behind: the rows are freed, but the few objects that live on and
were allocated meanwhile keep the arenas they sit in. A child process,
``python -m activelabel.server.export_process``, reads what to export on its
stdin, writes the file and exits, taking its memory with it; the server only
waits for it on the request's thread.

The queries dataset (the unlabeled items scored by the newest model, as
``activelabel query`` writes it) is written the same way: scoring loads the
model stack, which the server keeps out of its process.

The child reports an error it raised on purpose as one JSON line on stdout
(the error's class name and sentence), which the server raises again, so the
API answers as it would have in process; on success its one JSON line lists the
data fields the export renamed. A database only this process can
see (SQLite in memory) is exported in process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from activelabel import exceptions
from activelabel.exceptions import ActiveLabelError, ExportError
from activelabel.loop.process_memory import release_free_memory
from activelabel.store.engine import Store, is_sqlite_file

__all__ = [
    "DATASETS",
    "error_from_child",
    "export_file",
    "export_in_child",
    "main",
    "visible_to_a_child",
]

#: What the exports write: the labels (one row per item), the metadata of
#: every annotation, or the queries (the unlabeled items scored by the model).
DATASETS = ("labels", "annotations", "queries")


def visible_to_a_child(url: str) -> bool:
    """Whether another process opening ``url`` sees this process's data."""
    parsed = make_url(url)
    return parsed.get_backend_name() != "sqlite" or is_sqlite_file(parsed)


def export_file(
    store: Store,
    url: str,
    project_name: str,
    target: Path,
    *,
    fmt: str,
    dataset: str,
    escape_formulas: bool = True,
    strategies: Sequence[str] = ("margin",),
    top: int | None = None,
) -> dict[str, str]:
    """Write ``dataset`` of the project to ``target``: in a child process when it
    can open the database, else in this one.

    Returns the data fields written under another name (see
    :func:`activelabel.io.export.label_columns`). A format the project's task
    does not write (``adapter_for(task).writes``) is refused here, before a
    child starts, with the sentence the export would raise. ``strategies``
    and ``top`` choose the queries dataset's scores and length, as
    ``activelabel query``'s options do."""
    from activelabel.io.export import check_format

    _check_dataset(dataset)
    check_format(store, project_name, target, fmt, labels=dataset == "labels")
    if visible_to_a_child(url):
        return export_in_child(
            url,
            project_name,
            target,
            fmt=fmt,
            dataset=dataset,
            escape_formulas=escape_formulas,
            strategies=strategies,
            top=top,
        )
    renamed = _export(
        store,
        project_name,
        target,
        fmt=fmt,
        dataset=dataset,
        escape_formulas=escape_formulas,
        strategies=strategies,
        top=top,
    )
    # The export allocated and freed as much as the project holds.
    release_free_memory()
    return renamed


def export_in_child(
    url: str,
    project_name: str,
    target: Path,
    *,
    fmt: str,
    dataset: str,
    escape_formulas: bool = True,
    strategies: Sequence[str] = ("margin",),
    top: int | None = None,
) -> dict[str, str]:
    """Write ``dataset`` of the project to ``target`` in a child process.

    Returns the data fields written under another name, as :func:`export_file`.

    Raises the :class:`ActiveLabelError` the export raised in the child (an
    unknown project, an unusable path, an unreachable database), or
    :class:`ExportError` when the child failed otherwise or was stopped. The
    file is written whole or not at all, as by the export functions.
    """
    _check_dataset(dataset)
    # The request goes on stdin, not the command line: the URL may hold a
    # password, and a process's arguments are visible to every user.
    request: dict[str, Any] = {
        "url": url,
        "project": project_name,
        "target": str(target),
        "format": fmt,
        "dataset": dataset,
        "escape_formulas": escape_formulas,
        "strategies": list(strategies),
        "top": top,
    }
    done = subprocess.run(
        [sys.executable, "-m", "activelabel.server.export_process"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise error_from_child(done.returncode, done.stdout, done.stderr)
    lines = done.stdout.strip().splitlines()
    reported = json.loads(lines[-1]) if lines else {}
    return {str(k): str(v) for k, v in reported.get("renamed_fields", {}).items()}


def error_from_child(returncode: int, stdout: str, stderr: str) -> ActiveLabelError:
    """The error to raise for a child that exited with ``returncode``."""
    lines = stdout.strip().splitlines()
    if lines:
        try:
            reported = json.loads(lines[-1])
        except ValueError:
            reported = None
        if isinstance(reported, dict):
            kind = getattr(exceptions, str(reported.get("error")), None)
            message = str(reported.get("message", ""))
            if isinstance(kind, type) and issubclass(kind, ActiveLabelError):
                return kind(message)
            return ExportError(f"The export failed: {message}")
    if returncode < 0:
        return ExportError(
            f"The export process was stopped by signal {-returncode} before it "
            "finished; nothing was written. Try again."
        )
    last = stderr.strip().splitlines()[-1:] or [f"exit code {returncode}"]
    return ExportError(f"The export failed: {last[0]}")


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise exceptions.ConfigError(
            f"Unknown dataset {dataset!r}; use {', '.join(DATASETS[:-1])} "
            f"or {DATASETS[-1]}."
        )


def _export(
    store: Store,
    project_name: str,
    target: Path,
    *,
    fmt: str,
    dataset: str,
    escape_formulas: bool = True,
    strategies: Sequence[str] = ("margin",),
    top: int | None = None,
) -> dict[str, str]:
    from activelabel.io.export import export_annotations, export_labels

    _check_dataset(dataset)
    if dataset == "queries":
        from activelabel.loop.query_scores import write_queries

        write_queries(
            store, project_name, target, strategies=strategies, top=top, fmt=fmt
        )
        return {}
    writer = export_labels if dataset == "labels" else export_annotations
    report = writer(
        store, project_name, target, fmt=fmt, escape_formulas=escape_formulas
    )
    return report.renamed_fields


def main(request: dict[str, Any] | None = None) -> int:
    """The child: export what ``request`` (else one JSON object on stdin) asks for.

    The request names ``url``, ``project``, ``target``, ``format``, ``dataset``
    and, optionally, ``escape_formulas``, ``strategies`` and ``top`` (queries). Once the file is written, writes
    ``{"renamed_fields": {...}}`` as one JSON line on stdout and returns 0; on
    an error, writes it as one JSON line on stdout and returns 1 (an error
    raised on purpose) or 2.
    """
    from activelabel.store.engine import open_store

    if request is None:
        request = json.loads(sys.stdin.read())
    url, project_name, target = request["url"], request["project"], request["target"]
    fmt, dataset = request["format"], request["dataset"]
    escape_formulas = bool(request.get("escape_formulas", True))
    strategies = [str(s) for s in request.get("strategies") or ["margin"]]
    top = request.get("top")
    try:
        store = open_store(url, migrate=False)
        try:
            renamed = _export(
                store,
                project_name,
                Path(target),
                fmt=fmt,
                dataset=dataset,
                escape_formulas=escape_formulas,
                strategies=strategies,
                top=None if top is None else int(top),
            )
        finally:
            store.close()
    except ActiveLabelError as exc:
        _report(type(exc).__name__, exc.message)
        return 1
    except Exception as exc:  # reported to the server as a sentence, not a traceback
        _report(type(exc).__name__, f"{type(exc).__name__}: {exc}")
        return 2
    sys.stdout.write(json.dumps({"renamed_fields": renamed}) + "\n")
    return 0


def _report(kind: str, message: str) -> None:
    sys.stdout.write(json.dumps({"error": kind, "message": message}) + "\n")


if __name__ == "__main__":
    sys.exit(main())
