"""``activelabel serve`` before it serves: the address it is asked to listen on."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from activelabel.exceptions import ConfigError
from activelabel.server.serving import listen_socket


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_port_in_use_is_one_sentence_and_exit_code_1(
    busy_port: int, tmp_path: object
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "activelabel",
            "serve",
            "sms",
            "--port",
            str(busy_port),
            "--db",
            f"sqlite:///{tmp_path}/al.db",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert " ".join(result.stderr.split()) == (
        f"Error: Port {busy_port} on 127.0.0.1 is in use; choose another with --port."
    )
    assert "Errno" not in result.stderr + result.stdout


def test_listen_socket_refuses_a_port_in_use(busy_port: int) -> None:
    with pytest.raises(
        ConfigError, match=rf"^Port {busy_port} on 127\.0\.0\.1 is in use"
    ):
        listen_socket("127.0.0.1", busy_port)


def test_listen_socket_binds_a_free_port() -> None:
    with listen_socket("127.0.0.1", 0) as sock:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
