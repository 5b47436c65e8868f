"""Run the app under uvicorn the way ``activelabel serve`` does."""

from __future__ import annotations

import errno
import gc
import socket
from collections.abc import Callable
from typing import Any

from activelabel.exceptions import ConfigError
from activelabel.loop.process_memory import limit_malloc_arenas

__all__ = ["listen_socket", "run_app"]


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port``, the way uvicorn would bind it.

    Bound here, before the server starts, so that a port in use (or an address
    this machine does not have) is one sentence naming it rather than uvicorn's
    logged ``[Errno 98]`` and exit code 3. Raises :class:`ConfigError`.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"Port {port} on {host} is in use; choose another with --port."
            ) from exc
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"Port {port} on {host} needs more privileges than this user has; "
                "choose another with --port."
            ) from exc
        raise ConfigError(
            f"Cannot listen on {host} port {port}: {exc.strerror or exc}; "
            "check --host and --port."
        ) from exc
    sock.set_inheritable(True)
    return sock


def run_app(
    application: Any,
    *,
    host: str,
    port: int,
    on_started: Callable[[int], None],
    sock: socket.socket | None = None,
) -> None:
    """Serve ``application`` until interrupted; ``on_started(port)`` once it listens.

    ``port`` 0 picks a free port, which ``on_started`` receives. ``sock``, from
    :func:`listen_socket`, is served instead of binding ``host:port`` anew. No access
    log (a line per label is CPU on the event loop), the objects that exist
    at startup are frozen out of the garbage collector, and malloc keeps two
    arenas (see :mod:`activelabel.loop.process_memory`).
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
    server.run(sockets=[sock] if sock is not None else None)
