"""Schemathesis over the OpenAPI of a real server: no 5xx, answers as documented.

A uvicorn server on 127.0.0.1 (a free port, in a thread) over a seeded project,
once per backend. Schemathesis generates requests for every operation, valid
and invalid, sends them over HTTP with an admin token and the CSRF header, and
fails on any server error or on a response that does not match its schema.
Bounded: a few examples per operation, so the whole run stays around a minute.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

import uvicorn  # noqa: E402
from api_support import ProjectFactory  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from activelabel.server.app import create_app  # noqa: E402
from activelabel.server.deps import ServerSettings  # noqa: E402
from activelabel.server.request_guard import page_headers  # noqa: E402
from activelabel.store.annotations import add_annotation  # noqa: E402
from activelabel.store.engine import Store  # noqa: E402
from activelabel.store.random_fill import random_fill  # noqa: E402
from activelabel.store.users import add_user  # noqa: E402

#: Examples per operation and generation mode, on each backend (more for a
#: deeper run: ACTIVELABEL_FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("ACTIVELABEL_FUZZ_EXAMPLES", "10"))
pytestmark = pytest.mark.slow
PROJECT = "sms"
#: Each export is written by a child process: seconds, not milliseconds.
EXPORT = "GET /api/v1/projects/{name}/export"


class LiveServer:
    """``app`` served by uvicorn on 127.0.0.1 in a thread, until :meth:`stop`."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def seeded(store: Store, project_factory: ProjectFactory) -> str:
    """A project with items, a queue and a label; the admin's token."""
    project = project_factory(
        PROJECT, items=[{"text": f"message {i}"} for i in range(30)]
    )
    with store.session() as session:
        random_fill(session, project_id=project.id, size=30)
        _, token = add_user(session, name="admin", role="admin")
    with store.session() as session:
        add_annotation(session, project=project, item_id=1, value="ham", source="human")
    return token


@pytest.fixture
def api_schema(store: Store, seeded: str) -> Iterator[Any]:
    """The schema of a live server over the seeded store, with the admin's headers."""
    app = create_app(store, ServerSettings(open_access=False, background_trainer=False))
    live = LiveServer(app)
    try:
        schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
        schema.config.update(
            headers={"Authorization": f"Bearer {seeded}", **page_headers(app)},
            # A busy machine makes a slow answer, not a wrong one.
            request_timeout=120,
        )
        yield schema
    finally:
        live.stop()


def modes_for(operation: Any) -> list[GenerationMode]:
    """Valid requests always; invalid ones where there is more than the name to break."""
    negatable = (
        bool(operation.body)
        or bool(operation.query)
        or len(operation.path_parameters) > 1
    )
    return [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negatable else [])


def failure_of(operation: Any, mode: GenerationMode) -> str | None:
    """The first failing request of ``operation`` in ``mode``, described; else None.

    The project's name is fixed to the seeded project's, so the requests get
    past "no such project" to the items, labels and settings behind it.
    """
    fixed = {"name": PROJECT} if "name" in operation.path_parameters else None

    @settings(
        max_examples=min(EXAMPLES, 3) if operation.label == EXPORT else EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def run(case: Any) -> None:
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    try:
        run()
    except Unsatisfiable:
        return None  # nothing in this operation can be made invalid
    except Exception as exc:  # every check failure, whatever its type
        return f"{operation.label} ({mode.value}): {exc}"
    return None


def test_no_request_makes_the_server_fail_or_break_its_schema(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    failures = [
        failure
        for operation in operations
        for mode in modes_for(operation)
        if (failure := failure_of(operation, mode)) is not None
    ]
    assert not failures, "\n\n".join(failures)
