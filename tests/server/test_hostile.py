"""Hostile input, through HTTP, against a running `jobmock serve`: no 5xx, no traceback,
the event loop never held, and a legitimate user's jobs and clock untouched.

Each case is sent while a poll runs beside it; the poll must be answered long before the
slowest of these used to finish (seconds, before the caps), so a case that holds the
loop shows. Bounded: every case is one request, all to loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import TOKENS, ServeProcess

ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
LF = {"Authorization": f"Bearer {TOKENS['longform']}"}
JSON = {"Content-Type": "application/json"}
EXAMPLE = "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW"
LEGIT = {"X-Jobmock-Namespace": "legit"}
HELD_LOOP = 2.0  # seconds: a poll beside a hostile request waiting this long means the loop was held


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# (name, method, path, headers, body)
CASES: list[tuple[str, str, str, dict[str, str], bytes | None]] = [
    *[
        (f"advance {value}", "POST", "/_jobmock/clock/advance", JSON, b'{"seconds": %s}' % value.encode())
        for value in ("NaN", "Infinity", "-Infinity", "1e308", "3e11", "-1", '"x"', "null", "1e400")
    ],
    *[
        (f"set {value}", "POST", "/_jobmock/clock/set", JSON, b'{"time": %s}' % value.encode())
        for value in ('"0001-01-01T00:00:00Z"', '"9999-12-31T23:59:59Z"', '"+10000-01-01"', '"soon"', "123", "NaN")
    ],
    ("clock mode NaN", "PUT", "/_jobmock/clock", JSON, b'{"mode": NaN}'),
    ("clock mode unknown", "PUT", "/_jobmock/clock", JSON, b'{"mode": "sundial"}'),
    ("create without content type", "POST", "/_jobmock/jobs", {}, b'{"api": "neuraldraft"}'),
    ("create as text", "POST", "/_jobmock/jobs", {"Content-Type": "text/plain"}, b'{"api": "neuraldraft"}'),
    ("create as a form", "POST", "/_jobmock/jobs", {"Content-Type": "application/x-www-form-urlencoded"}, b"api=x"),
    ("create nested 10000", "POST", "/_jobmock/jobs", JSON, nested(10_000).encode()),
    ("fields nested 600", "POST", "/_jobmock/jobs", JSON,
     b'{"api": "neuraldraft", "fields": {"a": %s}}' % nested(600).encode()),
    ("fields nested 40", "POST", "/_jobmock/jobs", JSON,
     b'{"api": "neuraldraft", "fields": {"a": %s}}' % nested(40).encode()),
    ("duration NaN", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": NaN}'),
    ("duration 1e308", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": 1e308}'),
    ("duration negative", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "duration": -5}'),
    ("id of 10000 characters", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "id": "%s"}' % (b"a" * 10_000)),
    ("id with NUL", "POST", "/_jobmock/jobs", JSON, b'{"api": "neuraldraft", "id": "job_\\u0000abc"}'),
    ("api not a string", "POST", "/_jobmock/jobs", JSON, b'{"api": ["neuraldraft"]}'),
    ("body of 2 MB", "POST", "/_jobmock/jobs", JSON, b"[%s]" % (b"1," * 1_000_000) + b"1"),
    ("invalid UTF-8", "POST", "/_jobmock/jobs", JSON, b'{"api": "\xff\xfe"}'),
    ("truncated JSON", "POST", "/_jobmock/jobs", JSON, b'{"api": "neur'),
    ("empty JSON body", "POST", "/_jobmock/jobs", JSON, b""),
    ("JSON null", "POST", "/_jobmock/jobs", JSON, b"null"),
    *[
        (f"list {query}", "GET", f"/_jobmock/jobs?{query}", {}, None)
        for query in ("limit=NaN", "limit=-1", "limit=1000000000", "cursor=abc", "cursor=-1", "cursor=1e400",
                      "status=%00", "api=%FF")
    ],
    ("8000 query parameters", "GET", "/_jobmock/jobs?" + "&".join(f"p{n}=1" for n in range(8000)), {}, None),
    ("job id of 10000 characters", "GET", "/_jobmock/jobs/" + "a" * 10_000, {}, None),
    ("job id NUL", "GET", "/_jobmock/jobs/%00", {}, None),
    ("path climbing", "GET", "/_jobmock/../../etc/passwd", {}, None),
    ("encoded path climbing", "GET", "/_jobmock/jobs/..%2F..%2Fetc%2Fpasswd", {}, None),
    ("cancel unknown", "POST", "/_jobmock/jobs/job_nope/cancel", {}, None),
    ("delete unknown", "DELETE", "/_jobmock/jobs/job_nope", {}, None),
    ("journal filters", "GET", "/_jobmock/journal?job=%FF&client=" + "c" * 5000, {}, None),
    ("polling report NaN", "GET", "/_jobmock/journal/report?min_interval=NaN", {}, None),
    ("polling report huge", "GET", "/_jobmock/journal/report?min_interval=1e400", {}, None),
    ("150 headers", "GET", EXAMPLE, {**ND, **{f"x-h{n}": "v" for n in range(150)}}, None),
    ("a 100 KB header", "GET", EXAMPLE, {**ND, "x-big": "z" * 100_000}, None),
    ("a 100 KB token", "GET", EXAMPLE, {"Authorization": "Bearer " + "t" * 100_000}, None),
    ("basic auth", "GET", EXAMPLE, {"Authorization": "Basic dXNlcjpwYXNz"}, None),
    ("vendor id of 10000 characters", "GET", "/neuraldraft/v1/jobs/" + "a" * 10_000, ND, None),
    ("vendor id NUL", "GET", "/neuraldraft/v1/jobs/job_%00", ND, None),
    ("vendor id invalid UTF-8", "GET", "/neuraldraft/v1/jobs/job_%FF%FE", ND, None),
    ("vendor id non-ASCII", "GET", "/neuraldraft/v1/jobs/job_\u00e9\u4e2d", ND, None),
    ("vendor path climbing", "GET", "/neuraldraft/v1/jobs/../../../_jobmock/journal", ND, None),
    ("vendor 8000 query parameters", "GET", EXAMPLE + "?" + "&".join(f"q{n}=1" for n in range(8000)), ND, None),
    ("vendor scenario of 10000 characters", "GET", EXAMPLE + "?__scenario=" + "s" * 5000, ND, None),
    ("vendor Prefer flood", "GET", EXAMPLE, {**ND, "Prefer": "scenario=" + "p" * 20_000}, None),
    ("vendor cookie flood", "GET", EXAMPLE, {**ND, "Cookie": "; ".join(f"c{n}=v" for n in range(2000))}, None),
    ("vendor PATCH", "PATCH", EXAMPLE, ND, b"{}"),
    ("vendor TRACE", "TRACE", EXAMPLE, ND, None),
    ("vendor PROPFIND", "PROPFIND", EXAMPLE, ND, None),
    ("longform cancel nested", "POST", "/longform/cancelJob", {**LF, **JSON}, nested(10_000).encode()),
    ("longform cancel NaN", "POST", "/longform/cancelJob", {**LF, **JSON}, b'{"jobId": NaN}'),
    ("longform cancel as text", "POST", "/longform/cancelJob", {**LF, "Content-Type": "text/plain"}, b"x"),
    ("longform cancel without body", "POST", "/longform/cancelJob", LF, None),
    ("longform two job ids", "GET", "/longform/getJobStatus?jobId=a&jobId=b", LF, None),
    ("longform no job id", "GET", "/longform/getJobStatus", LF, None),
    ("favicon", "GET", "/favicon.ico", {}, None),
    ("root with 10000 slashes", "GET", "/" * 10_000, {}, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    with ServeProcess(log=log) as served:
        yield served


@pytest.fixture(scope="module")
def legitimate(server: ServeProcess) -> dict[str, Any]:
    """A user's own job and clock, before the attack."""
    server.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=LEGIT)
    job = server.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 100}, headers={**LEGIT, **ND})
    return {
        "job": job.json(),
        "clock": server.http.get("/_jobmock/clock", headers=LEGIT).json(),
        "default clock": server.http.get("/_jobmock/clock").json()["mode"],
    }


def poll_beside(server: ServeProcess, seconds: list[float]) -> None:
    started = time.monotonic()
    answer = httpx.get(server.url + EXAMPLE, headers=ND, timeout=30)
    seconds.append(time.monotonic() - started)
    assert answer.status_code == 200


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_hostile_request_is_refused_cleanly(
    server: ServeProcess, legitimate: dict[str, Any], case: tuple[str, str, str, dict[str, str], bytes | None]
) -> None:
    name, method, path, headers, body = case
    beside: list[float] = []
    poller = threading.Thread(target=poll_beside, args=(server, beside))
    poller.start()
    try:
        answer = httpx.request(method, server.url + path, headers=headers, content=body, timeout=30)
    except httpx.RemoteProtocolError:
        answer = None  # the HTTP parser closed the connection on a request it cannot read: no 5xx
    poller.join(timeout=60)
    if answer is not None:
        assert answer.status_code < 500, answer.text
        assert "Traceback" not in answer.text
        if answer.status_code >= 400 and method != "HEAD":
            assert answer.headers["content-type"].endswith("json"), answer.text  # an envelope, not a page
    assert beside and beside[0] < HELD_LOOP, f"a poll beside {name!r} waited {beside}"


def test_the_server_stayed_whole(server: ServeProcess, legitimate: dict[str, Any]) -> None:
    """Runs after the cases (same module): the legitimate user's job and clock are as they were."""
    job = legitimate["job"]
    again = server.http.get(f"/_jobmock/jobs/{job['id']}", headers=LEGIT).json()
    assert {k: again[k] for k in ("id", "created_at", "owner", "status", "body")} == {
        k: job[k] for k in ("id", "created_at", "owner", "status", "body")
    }
    assert server.http.get("/_jobmock/clock", headers=LEGIT).json() == legitimate["clock"]
    assert server.http.get(EXAMPLE, headers=ND).status_code == 200
    assert "Traceback" not in Path(server.log).read_text()


# --- #19 start-up files ---
# Specs, their $refs and the files read at start-up, through the CLI as a user (or a file
# someone handed them) meets them: every run has a timeout, so a hang fails instead of waiting.

STARTUP_TIMEOUT = 120  # seconds: a run that hangs (or expands without end) fails here
NEXTDOCS = Path(__file__).resolve().parents[2] / "src/jobmock/bundled/specs/nextdocs.yaml"
FAULT_SCHEMA = '            $ref: "#/components/schemas/Error"\n  schemas:'  # in components/responses/Fault
ERROR_SCHEMA = "    Error:\n      type: object\n      required: [error]\n      properties:\n"
JOB_END = "        updated_at:\n          type: string\n    Error:"
MARKER = "h19c-outside-marker"


def jobmock_run(*args: str, env: dict[str, str] | None = None) -> Any:
    """`python -m jobmock ARGS`, its output captured, killed past STARTUP_TIMEOUT."""
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "jobmock", *args],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        env={**os.environ, **(env or {})},
    )


def serve_run(*args: str, env: dict[str, str] | None = None) -> Any:
    """A `jobmock serve` that must refuse to start (a serve that starts runs into the timeout)."""
    from support import free_port

    return jobmock_run("serve", *args, "--port", str(free_port()), env=env)


def nextdocs_with(folder: Path, *changes: tuple[str, str], name: str = "spec.yaml") -> Path:
    text = NEXTDOCS.read_text()
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def fault_ref(ref: str) -> tuple[str, str]:
    return FAULT_SCHEMA, FAULT_SCHEMA.replace("#/components/schemas/Error", ref)


RECURSIVE = (  # two $refs to itself in each of Error and Job: expanded, 2^32 copies and more
    (
        ERROR_SCHEMA,
        ERROR_SCHEMA + '        cause: {$ref: "#/components/schemas/Error"}\n'
        '        details: {type: array, items: {$ref: "#/components/schemas/Error"}}\n',
    ),
    (
        JOB_END,
        JOB_END.replace(
            "    Error:",
            '        parent: {$ref: "#/components/schemas/Job"}\n'
            '        children: {type: array, items: {$ref: "#/components/schemas/Job"}}\n    Error:',
        ),
    ),
)


def schemas_before_error(text: str) -> tuple[str, str]:
    return ERROR_SCHEMA, text + ERROR_SCHEMA


CLIQUE = "".join(  # nine schemas, each referring to all nine
    f"    C{i}:\n      type: object\n      properties:\n"
    + "".join(f'        p{j}: {{$ref: "#/components/schemas/C{j}"}}\n' for j in range(9))
    for i in range(9)
)
DOUBLING = (
    "".join(  # no cycle, but each level refers twice to the next: 2^40 values written out
        f"    D{i}:\n      type: object\n      properties:\n"
        f'        a: {{$ref: "#/components/schemas/D{i + 1}"}}\n        b: {{$ref: "#/components/schemas/D{i + 1}"}}\n'
        for i in range(40)
    )
    + "    D40: {type: string}\n"
)


def job_field(ref: str) -> tuple[str, str]:
    return JOB_END, JOB_END.replace("    Error:", f'        linked: {{$ref: "{ref}"}}\n    Error:')


def test_recursive_schemas_validate_and_are_served(tmp_path: Path) -> None:
    spec = nextdocs_with(tmp_path, *RECURSIVE)
    done = jobmock_run("validate", str(spec))
    assert done.returncode == 0, done.stderr
    with ServeProcess(str(spec), "--validate-responses", log=tmp_path / "serve.log") as served:
        auth = {"Authorization": "Bearer nxd_key"}
        created = served.http.post("/_jobmock/jobs", json={"api": "spec"}, headers=auth)
        assert created.status_code == 201, created.text
        polled = served.http.get(f"/v1/jobs/{created.json()['id']}", headers=auth)
        assert polled.status_code == 200, polled.text  # held to the recursive schema
        assert served.http.get("/v1/jobs/job_nothere0000", headers=auth).status_code == 404
        document = served.http.get("/v1/openapi.json")
        assert document.status_code == 200 and "#/components/schemas/Error" in document.text
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_schemas_that_all_refer_to_each_other_load_in_bounded_time(tmp_path: Path) -> None:
    spec = nextdocs_with(tmp_path, job_field("#/components/schemas/C0"), schemas_before_error(CLIQUE))
    done = jobmock_run("validate", str(spec))
    assert done.returncode == 0, done.stderr


def test_a_poll_schema_that_doubles_at_every_level_is_refused_with_its_place(tmp_path: Path) -> None:
    spec = nextdocs_with(tmp_path, job_field("#/components/schemas/D0"), schemas_before_error(DOUBLING))
    done = jobmock_run("validate", str(spec))
    assert done.returncode == 1
    assert f"{spec}:" in done.stderr and "x-jobmock/poll: the poll response schema expands to more than" in done.stderr


class CountingServer:
    """A loopback HTTP server that counts the requests it gets (a $ref must never reach it)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        counter = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                counter.hits += 1
                body = b"type: object\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


@pytest.mark.parametrize("form", ["{url}/ext.yaml", "{url}/ext.yaml#/x", "//{host}/ext.yaml"])
def test_refs_to_the_network_are_never_fetched(tmp_path: Path, counting: CountingServer, form: str) -> None:
    ref = form.format(url=counting.url, host=counting.url.removeprefix("http://"))
    spec = nextdocs_with(tmp_path, fault_ref(ref))
    validated = jobmock_run("validate", str(spec))
    assert validated.returncode == 1
    assert f"{spec}:" in validated.stderr and "components/responses/Fault/content" in validated.stderr
    assert "points to the network" in validated.stderr
    served = serve_run(str(spec))
    assert served.returncode == 2 and "points to the network" in served.stderr
    checked = jobmock_run("check", str(spec), "--url", counting.url)
    assert checked.returncode == 2 and "points to the network" in checked.stderr
    assert counting.hits == 0


def outside_refs(tmp_path: Path) -> dict[str, str]:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "ext.yaml").write_text(f"type: object\ndescription: {MARKER}\n")
    return {
        "file URL to /etc/passwd": "file:///etc/passwd",
        "absolute path": "/etc/passwd",
        "file URL outside": (outside / "ext.yaml").as_uri(),
        "climbing out": "../elsewhere/ext.yaml",
        "symlink out": "link.yaml",
    }


@pytest.mark.parametrize(
    "case", ["file URL to /etc/passwd", "absolute path", "file URL outside", "climbing out", "symlink out"]
)
def test_refs_to_files_outside_the_spec_folder_are_never_read(tmp_path: Path, case: str) -> None:
    ref = outside_refs(tmp_path)[case]
    folder = tmp_path / "api"
    spec = nextdocs_with(folder, fault_ref(ref))
    (folder / "link.yaml").symlink_to(tmp_path / "elsewhere" / "ext.yaml")
    validated = jobmock_run("validate", str(spec))
    served = serve_run(str(spec))
    assert validated.returncode == 1 and served.returncode == 2
    for output in (validated.stdout + validated.stderr, served.stdout + served.stderr):
        assert f"{spec}:" in output and "$ref" in output and "components/responses/Fault" in output
        assert "root:" not in output and MARKER not in output  # never read, never printed


def test_a_ref_to_a_file_under_the_spec_folder_is_followed(tmp_path: Path) -> None:
    spec = nextdocs_with(tmp_path, fault_ref("schemas/error.yaml#/Error"))
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas/error.yaml").write_text(
        "Error:\n  type: object\n  required: [error]\n  properties:\n"
        "    error: {$ref: '#/Message'}\n    details: {type: array, items: {$ref: '#/Error'}}\n"
        "Message:\n  type: object\n  properties: {code: {type: string}, message: {type: string}}\n"
    )
    assert jobmock_run("validate", str(spec)).returncode == 0
    with ServeProcess(str(spec), "--validate-responses", log=tmp_path / "serve.log") as served:
        document = served.http.get("/v1/openapi.json").json()
        assert set(document["x-jobmock-included"]) == {"schemas:error.yaml"}
        assert served.http.get("/_jobmock/status").json()["startup_files"]["count"] >= 2
    (tmp_path / "schemas/error.yaml").write_text("Error: {$ref: '#/Error'}\n")  # a loop of $refs only
    looped = jobmock_run("validate", str(spec))
    assert looped.returncode == 1 and "leads only to $refs" in looped.stderr


def not_regular(tmp_path: Path) -> dict[str, list[str]]:
    import os

    folder = tmp_path / "fixtures"
    folder.mkdir()
    (folder / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.yaml")
    return {
        "config /dev/zero": ["--config", "/dev/zero"],
        "fixtures folder with a link to /dev/zero": ["--fixtures", str(folder)],
        "fixtures /dev/urandom": ["--fixtures", "/dev/urandom"],
        "config on a FIFO": ["--config", str(tmp_path / "pipe.yaml")],
        "spec /dev/zero": ["/dev/zero"],
        "config a folder": ["--config", str(tmp_path)],
    }


@pytest.mark.parametrize(
    "case",
    [
        "config /dev/zero",
        "fixtures folder with a link to /dev/zero",
        "fixtures /dev/urandom",
        "config on a FIFO",
        "spec /dev/zero",
        "config a folder",
    ],
)
def test_start_up_files_are_read_from_regular_files_only(tmp_path: Path, case: str) -> None:
    args = not_regular(tmp_path)[case]
    done = serve_run(*(["neuraldraft", *args] if args[0].startswith("--") else args))
    assert done.returncode == 2, done.stderr
    assert (args[-1] if "folder with a link" not in case else f"{args[-1]}/zero.yaml") + ": (document): " in done.stderr
    assert "not a regular file: start-up files are read from regular files only" in done.stderr
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr


def test_the_file_cap_counts_the_bytes_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("api: neuraldraft\n# " + "x" * 70_000 + "\n")  # the bundled files are under 64 KB
    done = serve_run("neuraldraft", "--fixtures", str(big), "--max-file-bytes", "65536")
    assert done.returncode == 2
    assert f"{big}: (document): the file has more than 65536 bytes; at most that many are read" in done.stderr
    refused = serve_run("neuraldraft", env={"JOBMOCK_MAX_FILE_BYTES": "10"})
    assert refused.returncode == 2 and "jobmock: JOBMOCK_MAX_FILE_BYTES: '10': must be 1024 or more" in refused.stderr


def test_status_counts_the_files_read_at_start_up(tmp_path: Path) -> None:
    with ServeProcess("neuraldraft", log=tmp_path / "serve.log") as served:
        files = served.http.get("/_jobmock/status").json()["startup_files"]
    assert files["count"] >= 2 and files["bytes"] > 10_000 and files["max_bytes"] == 16 * 1024 * 1024
