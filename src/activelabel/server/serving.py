"""Run the app under uvicorn the way ``activelabel serve`` does."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from activelabel.server.process_memory import limit_malloc_arenas

__all__ = ["run_app"]


def run_app(
    application: Any, *, host: str, port: int, on_started: Callable[[int], None]
) -> None:
    """Serve ``application`` until interrupted; ``on_started(port)`` once it listens.

    ``port`` 0 picks a free port, which ``on_started`` receives. No access
    log (a line per label is CPU on the event loop), the objects that exist
    at startup are frozen out of the garbage collector, and malloc keeps two
    arenas (see :mod:`activelabel.server.process_memory`).
    """
    import uvicorn

    limit_malloc_arenas()

    config = uvicorn.Config(
        application, host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets: object = None) -> None:
        await original_startup(sockets)  # type: ignore[arg-type]
        # What exists now (modules, routes, schemas: ~130,000 objects) lives as
        # long as the server. Frozen, the collector stops walking it: a full
        # collection paused every request for 70-90 ms.
        gc.collect()
        gc.freeze()
        bound = port
        for srv in server.servers:
            for sock in srv.sockets:
                bound = sock.getsockname()[1]
        on_started(bound)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
