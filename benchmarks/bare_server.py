"""A bare FastAPI server with the labeling API's two routes: the latency floor.

``bench_server.py`` runs the same simulated annotators against this server
before the real one, in the same run: served by the same ``run_app`` as
``activelabel serve`` (same uvicorn settings, collector frozen after
startup), with thread-pool routes, JSON bodies of the same shape, but no database and no
work. Its p99 is what this machine's scheduling and the load generator alone
cost at that moment, so the real server's latency can be read against it.

    python benchmarks/bare_server.py        # prints http://127.0.0.1:PORT/ when ready
"""

from __future__ import annotations

import itertools

import orjson
from fastapi import FastAPI, Response
from pydantic import BaseModel

from activelabel.server.serving import run_app

PROJECT = "bench"
TEXT = "the match went to extra time and the home side won on penalties " * 3

app = FastAPI()
_ids = itertools.count(1)


class NextTasks(BaseModel):
    n: int = 1


class Label(BaseModel):
    item_id: int
    value: str
    session_id: int | None = None
    seconds_spent: float | None = None
    client_id: str | None = None


@app.post(f"/api/v1/projects/{PROJECT}/tasks/next")
def next_tasks(body: NextTasks) -> Response:
    """One made-up task shaped like the real route's reply."""
    item = next(_ids)
    task = {
        "item_id": item,
        "external_id": str(item),
        "text": TEXT,
        "data": {"text": TEXT},
        "source": {"session_id": 1, "strategy": "margin", "score": 0.5},
        "suggestion": None,
        "lease_expires_at": "2026-01-01T00:00:00Z",
    }
    return _json({"data": [task] * body.n, "queue": {"size": 1000}})


@app.post(f"/api/v1/projects/{PROJECT}/annotations", status_code=201)
def annotate(body: Label) -> Response:
    """Echo the label back as the real route does, with an id."""
    return _json({"id": next(_ids), **body.model_dump()}, status_code=201)


def _json(content: object, status_code: int = 200) -> Response:
    return Response(
        orjson.dumps(content), status_code=status_code, media_type="application/json"
    )


def main() -> None:
    run_app(
        app,
        host="127.0.0.1",
        port=0,
        on_started=lambda port: print(
            f"bare server at http://127.0.0.1:{port}/", flush=True
        ),
    )


if __name__ == "__main__":
    main()
