"""Helpers for the browser tests: a real ``activelabel serve`` and the CLI that feeds it.

Each test module prepares a SQLite database with the command line (``init``,
``import``, ``user add``, run in-process through Typer's runner), then starts
``activelabel serve --port 0`` as a subprocess on it and reads the address it
prints. The server runs its real background trainer (a worker process).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from activelabel.cli import app

ROOT = Path(__file__).parent.parent.parent
EXAMPLE_SMS = ROOT / "examples" / "sms_spam.csv"
FIXTURES = ROOT / "tests" / "fixtures"
CHROMIUM = os.environ.get("ACTIVELABEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Seconds a server may take to print its address (imports are slow on a busy box).
START_TIMEOUT = 120.0


def cli(*args: str, db: str) -> str:
    """Run an ``activelabel`` command in-process; fail the test if it fails."""
    result = CliRunner().invoke(app, [*args, "--db", db])
    if result.exit_code != 0:
        raise AssertionError(
            f"activelabel {' '.join(args)} exited {result.exit_code}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def add_user(name: str, *, db: str, role: str = "annotator") -> str:
    """``activelabel user add NAME --role ROLE``; returns the token it prints last."""
    out = cli("user", "add", name, "--role", role, db=db)
    lines = [line.strip() for line in out.splitlines()]
    return [line for line in lines if line][-1]


class Server:
    """An ``activelabel serve`` subprocess and the address it printed."""

    def __init__(
        self, db: str, project: str | tuple[str, ...], *options: str, log: Path
    ) -> None:
        projects = (project,) if isinstance(project, str) else project
        self.log_path = log
        self._log = log.open("w", encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "activelabel",
                "serve",
                *projects,
                "--port",
                "0",
                "--db",
                db,
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.url = self._wait_for_address()

    def _wait_for_address(self) -> str:
        found: list[str] = []
        seen: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                seen.append(line)
                match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if match and not found:
                    found.append(f"http://127.0.0.1:{match.group(1)}")
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(START_TIMEOUT)
        if not found:
            self.stop()
            raise AssertionError(
                "activelabel serve did not print its address:\n"
                + "".join(seen)
                + self.log_path.read_text(encoding="utf-8")
            )
        return found[0]

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def stop(self) -> None:
        """Stop the server and its trainer worker (the whole process group)."""
        stop_process_group(self.process, grace=5)
        self._log.close()


def stop_process_group(process: subprocess.Popen[Any], *, grace: float) -> None:
    """Interrupt a process started in its own group, give it ``grace`` seconds
    to shut down cleanly, then kill the whole group (its workers too)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)


def label_keys(server: Server, project: str) -> dict[str, str]:
    """The project's label → key map, as the page reads it."""
    response = httpx.get(f"{server.api}/projects/{project}", timeout=30)
    response.raise_for_status()
    found: dict[str, str] = response.json()["keys"]
    return found


def wait_for(
    check: Any, *, timeout: float, interval: float = 0.25, what: str = "condition"
) -> Any:
    """Call ``check`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


def wait_for_first_model(
    server: Server, project: str, *, timeout: float = 300
) -> dict[str, Any]:
    """The project's first model as ``stats`` shows it, once the trainer made it."""
    found: dict[str, Any] = wait_for(
        lambda: httpx.get(f"{server.api}/projects/{project}/stats", timeout=30).json()[
            "model"
        ],
        timeout=timeout,
        what="the first model",
    )
    return found


def annotations(
    server: Server, project: str, *, token: str | None = None, status: str = "active"
) -> list[dict[str, Any]]:
    """Every annotation of a project (all annotators), newest first, from the API."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    rows: list[dict[str, Any]] = []
    before: int | None = None
    for _ in range(100):
        params: dict[str, Any] = {"mine": "false", "limit": 500, "status": status}
        if before is not None:
            params["before_id"] = before
        response = httpx.get(
            f"{server.api}/projects/{project}/annotations",
            params=params,
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        page = response.json()["data"]
        rows.extend(page)
        if len(page) < 500:
            break
        before = page[-1]["id"]
    return rows
