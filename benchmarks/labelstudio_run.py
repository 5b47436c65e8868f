"""Label Studio as ``bench_vs_labelstudio.py`` drives it, through its own API.

``label-studio start`` on a data directory of its own (SQLite), from the
virtualenv ``setup_labelstudio.sh`` makes; the project-create and import API;
one Label Studio user per simulated annotator (made by Label Studio's own
Python, as its ``start`` command makes the first user), so its next-task
logic assigns per user; ``GET /api/projects/{id}/next`` and ``POST
/api/tasks/{id}/annotations/`` with the ``Token`` header (httpx: 2-4 ms of
client CPU a request, small beside Label Studio's latencies); the CSV export
of every task.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from load_tally import LEVELS, LevelTally, run_levels, tree_rss_mib
from news_and_sms import LABELS

VENV = Path(__file__).parent / ".venv-labelstudio"
PROJECT = "bench"

LABEL_CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="label" toName="text">'
    + "".join(f'<Choice value="{label}"/>' for label in LABELS)
    + "</Choices></View>"
)

#: Run by Label Studio's own Python: N annotators in its organization, their tokens.
MAKE_USERS = """
import json, sys
from label_studio.server import _setup_env
_setup_env()
from organizations.models import Organization
from users.models import User
org = Organization.objects.first()
tokens = []
for i in range(int(sys.argv[1])):
    user = User.objects.create_user(email=f"annotator{i:02d}@bench.local", password=sys.argv[2])
    org.add_user(user)
    user.active_organization = org
    user.save(update_fields=["active_organization"])
    tokens.append(user.auth_token.key)
print(json.dumps(tokens))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LabelStudio:
    """``label-studio start`` on a data directory of its own, in its own process group."""

    def __init__(self, work: Path) -> None:
        binary = VENV / "bin" / "label-studio"
        if not binary.is_file():
            raise SystemExit(
                f"Label Studio is not installed at {VENV}: run "
                "bash benchmarks/setup_labelstudio.sh first."
            )
        self.data = work / "label-studio"
        self.token = secrets.token_hex(20)
        self.password = secrets.token_hex(8)
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.env = {
            **os.environ,
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data),
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        }
        self.log = (work / "label-studio.log").open("w", encoding="utf-8")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                *(str(binary), "start", "--no-browser", "--data-dir", str(self.data)),
                *("--port", self.url.rsplit(":", 1)[1], "--host", "127.0.0.1"),
                *("--username", "admin@bench.local", "--password", self.password),
                *("--user-token", self.token, "--enable-legacy-api-token"),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=work,
            start_new_session=True,
        )
        deadline = started + 600
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"Label Studio exited at start; see {self.log.name}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    break
            time.sleep(1.0)
        else:
            self.stop()
            raise SystemExit(
                f"Label Studio did not answer in 10 minutes; see {self.log.name}"
            )
        self.start_seconds = time.perf_counter() - started

    def annotator_tokens(self, n: int) -> list[str]:
        """Create ``n`` annotators in Label Studio's organization; their tokens."""
        done = subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-c",
                MAKE_USERS,
                str(n),
                self.password,
            ],
            capture_output=True,
            text=True,
            env=self.env,
        )
        if done.returncode:
            raise SystemExit(
                f"could not create Label Studio users:\n{done.stderr[-2000:]}"
            )
        tokens: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
        return tokens

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()


def label_studio_version() -> str:
    done = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('label-studio'))",
        ],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


def venv_mib() -> int:
    """Label Studio's virtualenv on disk, in MiB (what installing it costs)."""
    done = subprocess.run(["du", "-sm", str(VENV)], capture_output=True, text=True)
    return int(done.stdout.split()[0]) if done.stdout else 0


def run_labelstudio(
    args: argparse.Namespace, texts: list[str], truth: dict[str, str], work: Path
) -> dict[str, Any]:
    """Import, levels, export and memory of Label Studio; ``truth`` maps each
    text to the label its annotators give."""
    result: dict[str, Any] = {"tool": "labelstudio", "backend": "sqlite"}
    studio = LabelStudio(work)
    try:
        result["serve_up_s"] = round(studio.start_seconds, 1)
        print(f"[labelstudio] up in {studio.start_seconds:.1f} s", flush=True)
        auth = {"Authorization": f"Token {studio.token}"}
        with httpx.Client(base_url=studio.url, headers=auth, timeout=3600) as client:
            started = time.perf_counter()
            response = client.post(
                "/api/projects", json={"title": PROJECT, "label_config": LABEL_CONFIG}
            )
            response.raise_for_status()
            project = response.json()["id"]
            response = client.post(
                f"/api/projects/{project}/import", json=[{"text": t} for t in texts]
            )
            response.raise_for_status()
            while client.get(f"/api/projects/{project}").json()["task_number"] < len(
                texts
            ):
                time.sleep(1.0)
            seconds = time.perf_counter() - started
            result["import"] = {
                "seconds": round(seconds, 1),
                "items_per_s": round(len(texts) / seconds),
            }
            print(f"[labelstudio] project + import: {result['import']}", flush=True)
            time.sleep(5.0)
            result["rss_after_import_mib"] = tree_rss_mib([studio.process.pid])
            print(f"[labelstudio] memory {result['rss_after_import_mib']}", flush=True)
            tokens = studio.annotator_tokens(max(LEVELS))

            def level(n: int, seconds: float) -> dict[str, Any]:
                return _level(studio.url, project, tokens[:n], seconds, truth)

            result["levels"] = run_levels(level, args.seconds, "labelstudio")
            result["rss_after_labeling_mib"] = tree_rss_mib([studio.process.pid])
            started = time.perf_counter()
            size = 0
            with client.stream(
                "GET",
                f"/api/projects/{project}/export",
                params={"exportType": "CSV", "download_all_tasks": "true"},
            ) as stream:
                stream.raise_for_status()
                for chunk in stream.iter_bytes():
                    size += len(chunk)
            result["export_csv"] = {
                "seconds": round(time.perf_counter() - started, 1),
                "mib": round(size / 2**20, 1),
            }
            print(f"[labelstudio] export CSV: {result['export_csv']}", flush=True)
            info = client.get(f"/api/projects/{project}").json()
            result["labeled_items"] = info.get("num_tasks_with_annotations")
            result["annotations"] = info.get("total_annotations_number")
    finally:
        studio.stop()
    result["first_model_s"] = None
    result["venv_mib"] = venv_mib()
    result["first_model"] = (
        "none: Label Studio has no model by default (an ML backend is a server of its own)"
    )
    return result


def _level(
    url: str, project: int, tokens: list[str], seconds: float, truth: dict[str, str]
) -> dict[str, Any]:
    tally = LevelTally()

    async def annotator(token: str, deadline: float) -> None:
        headers = {"Authorization": f"Token {token}"}
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=600
        ) as client:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await client.get(f"/api/projects/{project}/next")
                tally.next_ms.append((time.perf_counter() - t0) * 1000)
                if response.status_code == 404:
                    tally.empty[0] += 1
                    await asyncio.sleep(0.05)
                    continue
                if response.status_code != 200:
                    tally.error("next", response.status_code, response.text)
                    await asyncio.sleep(0.05)
                    continue
                task = response.json()
                text = task["data"]["text"]
                body = {
                    "result": [
                        {
                            "from_name": "label",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [truth[text]]},
                        }
                    ],
                    "lead_time": 1.0,
                }
                t0 = time.perf_counter()
                response = await client.post(
                    f"/api/tasks/{task['id']}/annotations/",
                    params={"project": project},
                    json=body,
                )
                if response.status_code >= 300:
                    tally.error("submit", response.status_code, response.text)
                    continue
                tally.submit_ms.append((time.perf_counter() - t0) * 1000)
                tally.labeled[task["id"]] += 1

    async def main() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(annotator(t, deadline) for t in tokens))
        return time.perf_counter() - started

    return tally.result(len(tokens), asyncio.run(main()))
