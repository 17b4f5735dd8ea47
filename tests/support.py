"""Helpers shared by the tests: tokens of the documented forms, and a served jobmock."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from jobmock import BackgroundServer, create
from jobmock.sim.mock import Mock


def jwt(sub: str) -> str:
    def part(obj: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': sub})}.c2lnbmF0dXJl"


# A well-formed token per API, as its document says tokens look.
TOKENS = {
    "neuraldraft": "ndsk_test_4f9a8b7c6d",
    "longform": jwt("user-1"),
    "nextdocs": "nxd_live123",
    "stories": "any-token",
    "superdocs": "sd-token",
}


class Served:
    def __init__(self, mock: Mock, server: BackgroundServer):
        self.mock = mock
        self.server = server
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def auth(self, api: str, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or TOKENS[api]}"}

    def manual(self, namespace: str) -> dict[str, str]:
        """A namespace of its own, with a clock that moves only when the test says; its header."""
        self.mock.set_clock_mode("manual", namespace)
        return {"X-Jobmock-Namespace": namespace}

    def create(self, api: str, headers: dict[str, str] | None = None, **fields: object) -> dict[str, object]:
        response = self.http.post("/_jobmock/jobs", json={"api": api, **fields}, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def poll(
        self, api: str, job: dict[str, object], token: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.get(str(job["poll_url"]), headers={**self.auth(api, token), **(headers or {})})


def serve(**options: object) -> Iterator[Served]:
    mock, app = create(**options)  # type: ignore[arg-type]
    with BackgroundServer(app) as server:
        served = Served(mock, server)
        yield served
        served.http.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float = 90.0, what: str = "condition") -> None:
    """Wait for something another process does (start-up, a change reaching it): bounded."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.02)


class ServeProcess:
    """`jobmock serve` in a process of its own on a free loopback port (killed if left running)."""

    def __init__(self, *args: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "jobmock", "serve", "--port", str(self.port), *args]
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._up, what=f"jobmock serve {' '.join(args)} answering (log: {log})")
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def _up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"jobmock serve exited {self.process.returncode}:\n{self.log.read_text()}")
        try:
            httpx.get(self.url + "/_jobmock/status", timeout=2)  # any answer (401 with a control token)
        except httpx.HTTPError:
            return False
        return True

    def kill(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server (SIGKILL: the main process only, as a crash would) and wait for it."""
        self.http.close()
        self.process.send_signal(sig)
        return self.process.wait(timeout=20)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.kill()
        with contextlib.suppress(ProcessLookupError):  # workers left by a killed parent
            os.killpg(self.process.pid, signal.SIGKILL)


class RedisServer:
    """Debian's redis-server on a free loopback port, persisting to an append-only file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._up, what="redis-server answering")
        return self

    def _up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def need_chromium() -> str:
    """Debian's chromium for Playwright (its own download cannot be reached): skip outside
    CI when missing; in CI it must be there."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise AssertionError("chromium is missing: .ci/run installs it with apt")
        pytest.skip("needs Debian's chromium (apt install chromium); CI installs it")
    return CHROMIUM


def need_redis() -> None:
    """Skip (outside CI) when Debian's redis-server is not installed; in CI it must be."""
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("CI"):
            raise AssertionError("redis-server is missing: .ci/run installs it with apt")
        pytest.skip("needs Debian's redis-server (apt install redis-server); CI installs it")
