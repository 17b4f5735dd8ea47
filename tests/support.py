"""Helpers shared by the tests: tokens of the documented forms, and a served jobmock."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker

import jobmock
from jobmock import ApiModel, App, BackgroundServer, JobmockClient
from jobmock.sim.answer import Answer
from jobmock.sim.jobs import Job, NewJob
from jobmock.sim.mock import Mock
from jobmock.state import State


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


FAST_PATHS_OFF = os.environ.get("JOBMOCK_NO_FAST_PATHS", "").lower() in {"1", "true", "yes", "on"}


def create(**options: object) -> App:
    """`jobmock.create`, with the fast paths off when the suite runs with JOBMOCK_NO_FAST_PATHS=1
    (its second pass: every HTTP test, both ways)."""
    options.setdefault("no_fast_paths", FAST_PATHS_OFF)
    return jobmock.create(**options)  # type: ignore[arg-type]  # options of ServeOptions, as given


class Conformance:
    """Holds every answer of a vendor API to its spec, as a client reading the document
    would: the status is declared for the operation, and a JSON body fits its schema.
    An httpx response hook; it raises AssertionError with what is wrong."""

    def __init__(self, apis: Mapping[str, ApiModel]):
        self.apis = sorted(apis.values(), key=lambda a: len(a.base_path), reverse=True)

    def __call__(self, response: httpx.Response) -> None:
        path = response.request.url.path
        api = next((a for a in self.apis if a.base_path and path.startswith(a.base_path + "/")), None)
        if api is None or path.endswith("/openapi.json"):
            return
        found = _operation(api, response.request.method.lower(), path[len(api.base_path) :])
        if found is None:  # a path the document does not declare: its 404 or 405, in the envelope
            return
        responses = found.get("responses", {})
        code = str(response.status_code)
        declared = responses.get(code) or responses.get(f"{code[0]}XX") or responses.get("default")
        assert declared is not None, f"{response.request.method} {path}: {code} is not declared ({sorted(responses)})"
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None or response.headers.get("content-type", "").split(";")[0] != "application/json":
            return
        response.read()
        errors = list(OAS30Validator(schema, format_checker=oas30_format_checker).iter_errors(response.json()))
        assert not errors, f"{response.request.method} {path} {code}: the body breaks the spec: {errors[0].message}"


def _operation(api: ApiModel, method: str, path: str) -> Mapping[str, object] | None:
    for template, item in api.resolved.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method in item:
            return dict(item[method])
    return None


class Served:
    """A jobmock served in this process on a free port: its URL, an HTTP client (every
    vendor answer held to its spec), and its control API through `JobmockClient` (tests
    never change the state from their own thread)."""

    def __init__(self, app: App, server: BackgroundServer):
        self.app = app
        self.apis = app.state.mock.apis  # the models are frozen: safe to read from the test thread
        self.server = server
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=10, event_hooks={"response": [Conformance(self.apis)]})
        self.unchecked = httpx.Client(base_url=server.url, timeout=10)  # for answers meant to break the spec
        self._controls: dict[str, JobmockClient] = {}

    def auth(self, api: str, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or TOKENS[api]}"}

    def control(self, namespace: str = "") -> JobmockClient:
        """The control API, in one namespace."""
        if namespace not in self._controls:
            self._controls[namespace] = JobmockClient(self.url, namespace)
        return self._controls[namespace]

    def manual(self, namespace: str) -> dict[str, str]:
        """A namespace of its own, with a clock that moves only when the test says; its header."""
        self.control(namespace).clock("manual")
        return {"X-Jobmock-Namespace": namespace}

    def advance(self, seconds: float, namespace: str = "") -> None:
        self.control(namespace).advance(seconds)

    def close(self) -> None:
        self.http.close()
        self.unchecked.close()
        for client in self._controls.values():
            client.close()

    def create(self, api: str, headers: dict[str, str] | None = None, **fields: object) -> dict[str, object]:
        response = self.http.post("/_jobmock/jobs", json={"api": api, **fields}, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def poll(
        self,
        api: str,
        job: dict[str, object],
        token: str | None = None,
        headers: dict[str, str] | None = None,
        checked: bool = True,
    ) -> httpx.Response:
        """Poll the job; `checked=False` for an answer meant to break the spec (a recorded vendor bug)."""
        http = self.http if checked else self.unchecked
        return http.get(str(job["poll_url"]), headers={**self.auth(api, token), **(headers or {})})


def serve(**options: object) -> Iterator[Served]:
    app = create(**options)
    with BackgroundServer(app) as server:
        served = Served(app, server)
        yield served
        served.close()


class Memory:
    """A mock's state in memory, driven from a test as the server drives it: every poll and
    change goes through `State` (the one algorithm), each call run to its end at once."""

    def __init__(self, mock: Mock):
        self.mock = mock
        self.state = State(mock)

    def create(self, request: NewJob, namespace: str = "") -> Job:
        return asyncio.run(self.state.create(request, namespace))

    def poll(self, api: str, job_id: str, identity: str | None = None, namespace: str = "",
             scenario: str | None = None) -> Answer | None:  # fmt: skip
        return asyncio.run(self.state.poll(api, job_id, identity, namespace, scenario))

    def cancel(self, job: Job, namespace: str = "") -> None:
        asyncio.run(self.state.cancel(job, namespace))

    def decide(self, job: Job, approved: bool, namespace: str = "") -> None:
        asyncio.run(self.state.decide(job, approved, namespace))

    def delete(self, job_id: str, namespace: str = "") -> None:
        asyncio.run(self.state.delete(job_id, namespace))

    def use(self, namespace: str) -> None:
        """A control request in the namespace (it is made, and used now)."""
        asyncio.run(self.state.fresh(namespace))

    def advance(self, seconds: float, namespace: str = "") -> None:
        asyncio.run(self.state.move_clock("advance", seconds, namespace))

    def set_clock_mode(self, mode: str, namespace: str = "") -> None:
        asyncio.run(self.state.move_clock("mode", mode, namespace))

    def set_time(self, epoch: float, namespace: str = "") -> None:
        asyncio.run(self.state.move_clock("set", epoch, namespace))

    def __getattr__(self, name: str) -> object:  # reads (a body, a status, the apis) are the mock's
        return getattr(self.mock, name)


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

    def __init__(self, *args: str, log: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = self.command(args)
        environ = self.environ(env)
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=environ
            )
        try:
            wait_until(self._up, what=f"jobmock serve {' '.join(args)} answering (log: {log})")
        except BaseException:
            self._end()  # never left running when it does not come up
            raise
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def environ(self, env: dict[str, str] | None) -> dict[str, str]:
        return {**os.environ, **(env or {})}

    def command(self, args: tuple[str, ...]) -> list[str]:
        return [sys.executable, "-m", "jobmock", "serve", "--port", str(self.port), *args]

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
        try:
            if self.process.poll() is None:
                self.kill()  # a server that does not stop on SIGTERM fails the test (TimeoutExpired) ...
        finally:
            self._end()  # ... and is killed all the same, never left running

    def _end(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # workers left by a killed parent
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)


class UvicornProcess(ServeProcess):
    """`uvicorn --factory jobmock.asgi:app_from_env` on a free loopback port, as a user runs
    jobmock under a server of their own; `args` are uvicorn's (`--root-path /api`). The
    JOBMOCK_* variables are `env`'s (and the suite's JOBMOCK_NO_FAST_PATHS) only."""

    def environ(self, env: dict[str, str] | None) -> dict[str, str]:
        kept = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_") or k == "JOBMOCK_NO_FAST_PATHS"}
        return {**kept, **(env or {})}

    def command(self, args: tuple[str, ...]) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--factory", "jobmock.asgi:app_from_env", "--host", "127.0.0.1",
                "--port", str(self.port), "--log-level", "warning", *args]  # fmt: skip


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


# The corpus of vendors' documents (tests/corpus/README.md): not in git, so a test that reads one
# skips when it is absent; JOBMOCK_CORPUS_DIR may point to them elsewhere.
CORPUS = Path(os.environ.get("JOBMOCK_CORPUS_DIR") or Path(__file__).parent / "corpus" / "documents")
CORPUS_ABSENT = "no corpus document {file} in {folder} (see tests/corpus/README.md)"


def corpus_documents() -> list[Path]:
    """Every corpus document present (none when the folder is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def corpus_document(file: str) -> Path | None:
    """One corpus document by its file name, or None when it is not there."""
    path = CORPUS / file
    return path if path.is_file() else None


def need_corpus_document(file: str) -> Path:
    """One corpus document by its file name; the test skips when it is not there."""
    path = corpus_document(file)
    if path is None:
        pytest.skip(CORPUS_ABSENT.format(file=file, folder=CORPUS))
    return path


def need_redis() -> None:
    """Skip (outside CI) when Debian's redis-server is not installed; in CI it must be."""
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("CI"):
            raise AssertionError("redis-server is missing: .ci/run installs it with apt")
        pytest.skip("needs Debian's redis-server (apt install redis-server); CI installs it")


# --- Schemathesis over the control API (tests/server/test_control_contract.py, tests/proxy) ---------

CONTROL_CONFIG = """
seed = 7
request-timeout = 2
max-stream-events = 1
[generation]
max-examples = 12
[checks]
enabled = true
[[operations]]
include-operation-id = "createJob"
checks.positive_data_acceptance.enabled = false
[[operations]]
include-operation-id = "dropNamespace"
checks.positive_data_acceptance.enabled = false
"""


def run_schemathesis(
    url: str, headers: dict[str, str] | None = None, tag: str | None = None, skip: str | None = None
) -> tuple[dict[tuple[str, str, str], str], list[str], set[str]]:
    """Upstream Schemathesis over the control API's own document (`/_jobmock/openapi.json`)
    at `url` (its operations of one `tag`, or all): every failure (check, operation, title →
    how to repeat it), every error, and the checks that ran."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    config = SchemathesisConfig.from_str(CONTROL_CONFIG)
    schema = schemathesis.openapi.from_url(url + "/_jobmock/openapi.json", config=config, headers=headers or {})
    if tag is not None:
        schema = schema.include(tag=tag)
    if skip is not None:  # an operationId left out
        schema = schema.exclude(operation_id=skip)
    schema.config.update(base_url=url + "/_jobmock", headers=headers or {})
    found: dict[tuple[str, str, str], str] = {}
    errors: list[str] = []
    ran: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    ran.add(node.name)
                    if node.failure_info is not None:
                        failure = node.failure_info.failure
                        found[(node.name, event.recorder.label, failure.title)] = node.failure_info.code_sample
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(event))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                found[("after_run", failure.code, failure.title)] = failure.message
    return found, errors, ran
