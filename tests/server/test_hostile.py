"""Hostile input, through HTTP, against a running `jobmock serve`: no 5xx, no traceback,
the event loop never held, and a legitimate user's jobs and clock untouched.

Each case is sent while a poll runs beside it; the poll must be answered long before the
slowest of these used to finish (seconds, before the caps), so a case that holds the
loop shows. Bounded: every case is one request, all to loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from jobmock import BackgroundServer
from support import REDIS_SERVER, TOKENS, ServeProcess, free_port, need_redis, wait_until

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


# --- #19 secrets and logs ---
# A vendor that echoes what it is sent (the key in a body, the key in a 401), query
# parameters and cookies named as secrets, a Redis password in the URL, and requests that
# try to write control characters, forged lines or many lines into the log.

ECHOED = ["ndsk_live_Echoed7Q2wX9", "plain+Echoed/5Rt"]  # a key-shaped token, and one only its value gives away
LEAKS = ["SIGa1b2c3", "TOKd4e5f6", "ATg7h8i9", "CREDj1k2", "PKm3n4"]  # what the vendor's body carries


def _echoing_vendor() -> Any:
    """An ASGI vendor: `/ok/v1/jobs/{id}` answers a completed job that carries every secret of
    item 13 and the caller's key; `/deny/v1/jobs/{id}` answers 401 naming the key it refused."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        key = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Bearer ")
        if scope["path"].startswith("/deny/"):
            status, body = 401, {"error": {"code": "invalid_api_key", "message": f"Invalid API key: {key}"}}
        else:
            status, body = (
                200,
                {
                    "id": scope["path"].rsplit("/", 1)[-1],
                    "status": "completed",
                    "owner_key": key,
                    "note": f"created with {key}",
                    "result": {
                        "download_url": "https://b.s3.amazonaws.com/o.md?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        "&X-Amz-Signature=SIGa1b2c3&width=10",
                        "text": "or fetch it from https://files.example/o?token=TOKd4e5f6 before noon",
                        "callback": "https://app.example/done#access_token=ATg7h8i9&state=keepme",
                        "credentials": {"username": "svc", "value": "CREDj1k2"},
                        "private_key": "-----BEGIN PRIVATE KEY-----\nPKm3n4\n-----END PRIVATE KEY-----",
                    },
                },
            )
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    return app


@pytest.fixture(scope="module")
def vendor() -> Iterator[str]:
    with BackgroundServer(_echoing_vendor()) as server:
        yield server.url


def _jobmock(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jobmock", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("token", ECHOED)
def test_record_writes_no_secret_the_vendor_echoes(tmp_path: Path, vendor: str, token: str) -> None:
    out = tmp_path / "f.yaml"
    done = _jobmock("record", "neuraldraft", "--url", f"{vendor}/ok/v1", "--job", "job_x", "--token", token,
                    "--interval", "0.1", "--timeout", "10", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = out.read_text()
    for secret in [token, quote(token, safe=""), *LEAKS]:
        assert secret not in written + done.stdout + done.stderr
    assert "width=10" in written and "state=keepme" in written and "before noon" in written  # the rest is kept


@pytest.mark.parametrize("token", ECHOED)
def test_record_prints_no_token_a_401_echoes(tmp_path: Path, vendor: str, token: str) -> None:
    done = _jobmock("record", "neuraldraft", "--url", f"{vendor}/deny/v1", "--job", "job_x", "--token", token,
                    "--interval", "0.1", "--timeout", "2", "--out", str(tmp_path / "f.yaml"))  # fmt: skip
    assert done.returncode == 2 and "HTTP 401" in done.stderr and "Invalid API key: REDACTED" in done.stderr
    assert token not in done.stderr + done.stdout


@pytest.mark.parametrize("token", ECHOED)
def test_check_reports_no_token_a_401_echoes_in_text_or_junit(tmp_path: Path, vendor: str, token: str) -> None:
    junit = tmp_path / "report.xml"
    done = _jobmock("check", "neuraldraft", "--url", f"{vendor}/deny/v1", "--token", token, "--job", "job_x",
                    "--checks", "poll_succeeds", "--lifecycle-timeout", "1", "--poll-interval", "0.2",
                    "--report", str(junit))  # fmt: skip
    assert done.returncode == 1 and "HTTP 401" in done.stdout and "Invalid API key: REDACTED" in done.stdout
    assert "Invalid API key: REDACTED" in junit.read_text()
    for text in (done.stdout, done.stderr, junit.read_text()):
        assert token not in text and quote(token, safe="") not in text


def test_check_says_no_credential_of_its_url_on_stderr() -> None:
    done = _jobmock("check", "neuraldraft", "--url", "ftp://bob:Hunter2x@staging.example/v1", "--token", "t0ken-Value")
    assert done.returncode == 2 and "Hunter2x" not in done.stderr and "bob" not in done.stderr


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A server of its own, so that its log holds only what these tests make it write."""
    log = tmp_path_factory.mktemp("logged") / "serve.log"
    with ServeProcess(log=log) as served:
        yield served


SECRET_PARAMETERS = {
    "session": "qs1", "sid": "qs2", "jwt": "qs3", "pwd": "qs4", "pass": "qs5", "bearer": "qs6", "code": "qs7",
    "client_assertion": "qs8", "X-Amz-Signature": "qs9", "access_token": "qs10", "%74oken": "qs11",
}  # fmt: skip


def test_the_journal_keeps_no_secret_parameter_header_or_cookie(logged: ServeProcess) -> None:
    space = {"X-Jobmock-Namespace": "journal-secrets"}
    query = "&".join(f"{name}={value}" for name, value in SECRET_PARAMETERS.items()) + "&page=2"
    headers = {**ND, **space, "Cookie": "session=ck1; jsessionid=ck2", "X-Api-Key": "hk1"}
    assert logged.http.get(f"{EXAMPLE}?{query}", headers=headers).status_code == 200
    logged.http.get("/neuraldraft/v1/jobs/job_x;jsessionid=ps1", headers={**ND, **space})
    journal = logged.http.get("/_jobmock/journal", headers=space)
    assert journal.status_code == 200
    text = journal.text
    for secret in [*SECRET_PARAMETERS.values(), "ck1", "ck2", "hk1", "ps1", TOKENS["neuraldraft"]]:
        assert secret not in text, secret
    assert "page=2" in text and "X-Amz-Signature=REDACTED" in text


def _log_lines(served: ServeProcess) -> list[str]:
    return served.log.read_text(errors="replace").splitlines()


def test_a_query_writes_no_escape_sequence_nor_a_forged_line_into_the_log(logged: ServeProcess) -> None:
    forged = "%1b%5b2J%1b%5b31m%0ajobmock:%20serving%20on%20http://evil.example:80%0d%0a=1"
    assert logged.http.get(f"{EXAMPLE}?{forged}", headers=ND).status_code == 200
    wait_until(lambda: "evil.example" in logged.log.read_text(errors="replace"), seconds=20, what="the logged line")
    raw = logged.log.read_bytes()
    assert b"\x1b" not in raw and b"\r" not in raw
    assert [line for line in _log_lines(logged) if line.startswith("jobmock: serving")] == [
        f"jobmock: serving on {logged.url} (seed 0, speed x1, clock real)"
    ]  # the banner's, only
    assert "\\x1b[2J" in raw.decode()  # escaped, so the reader sees what was sent


@pytest.mark.parametrize(
    ("path", "headers"),
    [(EXAMPLE, ND), ("/_jobmock/jobs", {}), ("/longform/getJobStatus?jobId=job_x", LF)],
    ids=["vendor poll", "control list", "longform poll"],
)
def test_one_request_with_63_unknown_parameters_writes_at_most_one_log_line(
    logged: ServeProcess, path: str, headers: dict[str, str]
) -> None:
    before = len(_log_lines(logged))
    unknown = "&".join(f"unknown_{n}=1" for n in range(63))
    answer = logged.http.get(f"{path}{'&' if '?' in path else '?'}{unknown}", headers=headers)
    assert answer.status_code < 500
    marker = (
        f"marker_{path.strip('/').replace('/', '_').split('?')[0]}"  # a second request, to know the first is logged
    )
    logged.http.get(f"{EXAMPLE}?{marker}=1", headers=ND)
    wait_until(lambda: marker in logged.log.read_text(errors="replace"), seconds=20, what="the marker's line")
    after = _log_lines(logged)[before:]
    assert len(after) <= 2, after  # at most one for the 63, and the marker's
    assert sum("unknown_" in line for line in after) <= 1


@pytest.mark.parametrize("form", ["query", "userinfo"])
def test_a_redis_password_is_in_neither_the_banner_nor_status(tmp_path: Path, form: str) -> None:
    need_redis()
    password = "Redis-pw-5u8k"
    port = free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--requirepass", password]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _redis_up(port), seconds=20, what="redis-server answering")
        url = (f"redis://127.0.0.1:{port}/0?password={password}" if form == "query"
               else f"redis://:{password}@127.0.0.1:{port}/0")  # fmt: skip
        with ServeProcess("neuraldraft", "--state", url, log=tmp_path / "serve.log") as served:
            status = served.http.get("/_jobmock/status")
            assert status.status_code == 200 and status.json()["state"]["store"].startswith("redis://")
            shown = status.text + served.log.read_text()
            assert "shared in redis://" in shown and password not in shown
            served.kill(signal.SIGKILL)  # what is tested is shown by now: no graceful stop to wait for
    finally:
        redis.kill()
        redis.wait(timeout=20)


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def test_a_state_url_of_another_kind_is_named_without_its_password() -> None:
    done = _jobmock("serve", "neuraldraft", "--state", "http://bob:Hunter2x@store.example/?token=Tk9", "--port", "0")
    assert done.returncode == 2 and "--state" in done.stderr
    assert "Hunter2x" not in done.stderr and "Tk9" not in done.stderr
