"""The server under stress: killed mid-burst it loses no acknowledged label, and two
servers on one PostgreSQL database share the queue and the trainer safely.

Every test runs ``activelabel serve`` as a real subprocess (with its background
trainer) and talks to it over HTTP, then opens the database itself to check.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.loop.trainer import MIN_CHECK_SECONDS
from activelabel.store.engine import open_store
from activelabel.store.models import Annotation, Item, Job, ModelVersion, QuerySession

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"
PROJECT = "sms"
LABELS = ("ham", "spam")


def cli(*args: str, db: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, f"{args}: {result.stdout}{result.stderr}"
    return result.stdout


def prepare(db: str) -> None:
    """An SMS project of 600 texts, made with the command line."""
    cli("init", PROJECT, "--labels", "ham,spam", db=db)
    cli(
        "import",
        PROJECT,
        str(EXAMPLE),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )


def add_user(name: str, db: str, *options: str) -> str:
    lines = [
        line.strip() for line in cli("user", "add", name, *options, db=db).splitlines()
    ]
    return [line for line in lines if line][-1]


class ServeProcess:
    """``activelabel serve --port 0`` in its own process group."""

    def __init__(self, db: str, log: Path, *options: str) -> None:
        self._log = log.open("w", encoding="utf-8")
        self.log_path = log
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "activelabel", "serve", PROJECT),
                *("--port", "0", "--db", db, "--queue-size", "100", *options),
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
            start_new_session=True,
        )
        self._address: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if match and not self._address:
                self._address.append(f"http://127.0.0.1:{match.group(1)}/api/v1")
                self._ready.set()
        self._ready.set()

    @property
    def api(self) -> str:
        """The API root, once the server printed its address (waits up to 2 minutes)."""
        self._ready.wait(120)
        if not self._address:
            self.kill()
            raise AssertionError(
                "activelabel serve did not start:\n"
                + self.log_path.read_text(encoding="utf-8")
            )
        return self._address[0]

    def kill(self) -> None:
        """SIGKILL the server, then its trainer worker (the rest of its group)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._log.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[ServeProcess]]:
    """Servers a test starts; every one is killed at the end."""
    started: list[ServeProcess] = []
    try:
        yield started
    finally:
        for server in started:
            server.kill()


def wait_for(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.2)


def item_ids(db: str) -> list[int]:
    store = open_store(db)
    try:
        with store.session() as session:
            return list(session.scalars(select(Item.id).order_by(Item.id)))
    finally:
        store.close()


def test_every_label_acknowledged_before_a_kill_9_is_stored(
    db_url: str, tmp_path: Path, servers: list[ServeProcess]
) -> None:
    prepare(db_url)
    ids = item_ids(db_url)
    server = ServeProcess(db_url, tmp_path / "serve.log")
    servers.append(server)
    api = server.api

    acknowledged: dict[str, tuple[int, str]] = {}
    attempted: list[str] = []
    failures: list[str] = []

    def burst() -> None:
        with httpx.Client(timeout=10) as client:
            # A token-less write proves it comes from the page with the CSRF token.
            csrf = client.get(f"{api}/csrf").json()
            client.headers[csrf["header"]] = csrf["token"]
            for n, item_id in enumerate(ids):
                client_id = str(uuid.uuid4())
                value = "spam" if n % 3 == 0 else "ham"
                attempted.append(client_id)
                try:
                    response = client.post(
                        f"{api}/projects/{PROJECT}/annotations",
                        json={
                            "item_id": item_id,
                            "value": value,
                            "client_id": client_id,
                        },
                    )
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    return
                if response.status_code == 201:
                    acknowledged[client_id] = (item_id, value)

    sender = threading.Thread(target=burst)
    sender.start()
    wait_for(lambda: len(acknowledged) >= 60, timeout=60, what="60 acknowledged labels")
    server.kill()
    sender.join(30)
    assert not sender.is_alive()

    # The kill cut the burst short: the client saw the connection go.
    assert failures, "the burst finished before the server was killed"
    assert len(acknowledged) < len(ids)

    store = open_store(db_url)
    try:
        with store.session() as session:
            stored = {
                row.client_id: (row.item_id, row.value)
                for row in session.scalars(
                    select(Annotation).where(
                        Annotation.client_id.in_(list(acknowledged))
                    )
                )
            }
            total = len(session.scalars(select(Annotation.id)).all())
    finally:
        store.close()
    missing = sorted(set(acknowledged) - set(stored))
    assert not missing, f"{len(missing)} acknowledged labels were lost"
    assert stored == acknowledged
    # Nothing beyond the attempted labels was invented (at most the one in flight).
    assert len(acknowledged) <= total <= len(attempted)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_servers_on_one_postgresql_database_never_lease_one_item_twice_and_train_once(
    db_url: str, tmp_path: Path, servers: list[ServeProcess]
) -> None:
    db = db_url
    prepare(db)
    # alice is an admin: she asks for the retrain below.
    tokens = {
        "alice": add_user("alice", db, "--role", "admin"),
        "bob": add_user("bob", db),
    }
    # Both start at once, as a team's servers would.
    servers.extend(
        ServeProcess(db, tmp_path / f"serve-{n}.log", "--require-token") for n in (1, 2)
    )
    apis = [server.api for server in servers]

    def headers(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[name]}"}

    def training_state(api: str) -> str:
        response = httpx.get(
            f"{api}/projects/{PROJECT}/stats", headers=headers("alice"), timeout=30
        )
        response.raise_for_status()
        state: str = response.json()["training"]["state"]
        return state

    wait_for(
        lambda: all(training_state(api) == "idle" for api in apis),
        timeout=180,
        what="the first round to finish",
    )

    served: dict[str, list[int]] = {"alice": [], "bob": []}
    labeled: dict[str, list[int]] = {"alice": [], "bob": []}
    errors: list[str] = []

    def annotate(name: str, first: int) -> None:
        with httpx.Client(timeout=30, headers=headers(name)) as client:
            for turn in range(30):
                api = apis[(first + turn) % 2]  # alternate between the two servers
                response = client.post(
                    f"{api}/projects/{PROJECT}/tasks/next", json={"n": 3}
                )
                if response.status_code != 200:
                    errors.append(f"{name}: tasks/next {response.status_code}")
                    return
                tasks = response.json()["data"]
                served[name].extend(task["item_id"] for task in tasks)
                if tasks and turn % 2 == 0:  # label one of them, keep the rest
                    item_id = tasks[0]["item_id"]
                    labeled_response = client.post(
                        f"{api}/projects/{PROJECT}/annotations",
                        json={"item_id": item_id, "value": LABELS[item_id % 2]},
                    )
                    if labeled_response.status_code != 201:
                        errors.append(f"{name}: label {labeled_response.status_code}")
                        return
                    labeled[name].append(item_id)

    threads = [
        threading.Thread(target=annotate, args=("alice", 0)),
        threading.Thread(target=annotate, args=("bob", 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert served["alice"] and served["bob"]
    assert not set(served["alice"]) & set(served["bob"])

    # A "retrain now" asked of one server is one job, run once by one of the two
    # trainers: one new scoring run (query session), one new model version.
    # First let the trainers notice the last labels (they look at most once per
    # MIN_CHECK_SECONDS) and finish any round those labels made due.
    for _ in range(2):
        time.sleep(2 * MIN_CHECK_SECONDS + 1)
        wait_for(
            lambda: all(training_state(api) == "idle" for api in apis),
            timeout=180,
            what="the rounds due to the new labels to finish",
        )
    before = rounds_so_far(db)
    response = httpx.post(
        f"{apis[1]}/projects/{PROJECT}/train", headers=headers("alice"), timeout=30
    )
    assert response.status_code == 202
    wait_for(
        lambda: (
            rounds_so_far(db)[0] > before[0]
            and all(training_state(api) == "idle" for api in apis)
        ),
        timeout=180,
        what="the requested round to finish",
    )
    time.sleep(3)  # both trainers poll every second: a second run would start by now
    after = rounds_so_far(db)
    assert after[0] == before[0] + 1
    assert after[1] == before[1] + 1
    assert after[2] == before[2] + 1
    assert after[3] == []


def rounds_so_far(db: str) -> tuple[int, int, int, list[tuple[int, int]]]:
    """Jobs done, query sessions, model versions, and pairs of jobs that overlapped."""
    store = open_store(db)
    try:
        with store.session() as session:
            jobs = session.execute(
                select(Job.id, Job.state, Job.started_at, Job.finished_at).order_by(
                    Job.started_at
                )
            ).all()
            sessions = session.scalar(select(func.count(QuerySession.id))) or 0
            models = session.scalar(select(func.count(ModelVersion.id))) or 0
    finally:
        store.close()
    done = sum(1 for job in jobs if job.state == "done")
    ran = [job for job in jobs if job.started_at is not None]
    overlapping = [
        (a.id, b.id)
        for a, b in itertools.pairwise(ran)
        if a.finished_at is None or a.finished_at > b.started_at
    ]
    return done, sessions, models, overlapping
