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
from jobmock.server.middleware.events import MESSAGE_BYTES
from jobmock.sim.limits import ConnectionLimits
from support import REDIS_SERVER, TOKENS, ServeProcess, UvicornProcess, create, free_port, need_redis, wait_until

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


# --- #19 streams, job payloads and request bodies ---
# Each server here runs in this process with small bounds (a body timeout, a stream stall
# of half a second), so that the bound is met quickly; time is only ever waited for with
# wait_until, never asserted.

BOUNDED = ConnectionLimits(keep_alive=5, header_timeout=5, max_connections=8)


@pytest.fixture(scope="module")
def bounded() -> Iterator[BackgroundServer]:
    app = create(specs=["neuraldraft", "longform"], body_timeout=0.5, stream_stall=0.5, max_job_bytes=16 * 1024)
    with BackgroundServer(app, limits=BOUNDED) as served:
        yield served


def status_of(served: BackgroundServer) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(served.url + "/_jobmock/status").json()
    return answer


def test_a_job_cannot_carry_more_fields_than_the_bound(bounded: BackgroundServer) -> None:
    """Item 5: 250 KB of `fields` once made a job (600 creates held 290 MB)."""
    space = {"X-Jobmock-Namespace": "payloads"}
    before = status_of(bounded)
    huge = httpx.post(
        bounded.url + "/_jobmock/jobs", json={"api": "neuraldraft", "fields": {"note": "x" * 250_000}}, headers=space
    )
    assert huge.status_code == 413, huge.text
    assert huge.headers["content-type"] == "application/problem+json"
    assert "--max-job-bytes" in huge.json()["detail"]
    listed = httpx.get(bounded.url + "/_jobmock/jobs", headers=space).json()["jobs"]
    assert all("note" not in job["body"] for job in listed)
    assert status_of(bounded)["payloads"]["bytes"] == before["payloads"]["bytes"]  # nothing was made
    small = httpx.post(
        bounded.url + "/_jobmock/jobs", json={"api": "neuraldraft", "fields": {"note": "x" * 1000}}, headers=space
    )
    assert small.status_code == 201, small.text
    payloads = status_of(bounded)["payloads"]
    assert payloads["max_bytes_per_job"] == 16 * 1024
    assert payloads["bytes"] >= before["payloads"]["bytes"] + 1000
    httpx.delete(bounded.url + f"/_jobmock/jobs/{small.json()['id']}", headers=space)
    assert status_of(bounded)["payloads"]["bytes"] == before["payloads"]["bytes"]


def chunks_of(sock: socket.socket, wanted: int) -> list[bytes]:
    """The first `wanted` chunks of a chunked HTTP answer (after its head), as sent."""
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, data = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower(), head
    found: list[bytes] = []
    while len(found) < wanted:
        while b"\r\n" not in data:
            data += sock.recv(65536)
        size_line, data = data.split(b"\r\n", 1)
        size = int(size_line, 16)
        while len(data) < size + 2:
            data += sock.recv(65536)
        found.append(data[:size])
        data = data[size + 2 :]
    return found


def test_a_namespace_stream_sends_its_first_burst_in_bounded_messages(bounded: BackgroundServer) -> None:
    """Item 6: the whole first burst went as one message (4 unread streams held 575 MB)."""
    space = {"X-Jobmock-Namespace": "burst"}
    for _ in range(30):  # 30 jobs of ~10 KB: a burst of ~330 KB
        made = httpx.post(
            bounded.url + "/_jobmock/jobs", json={"api": "neuraldraft", "fields": {"note": "x" * 10_000}}, headers=space
        )
        assert made.status_code == 201, made.text
    with socket.create_connection((bounded.host, bounded.port)) as sock:
        sock.sendall(
            b"GET /_jobmock/events?limit=1000 HTTP/1.1\r\nHost: localhost\r\nX-Jobmock-Namespace: burst\r\n\r\n"
        )
        messages = chunks_of(sock, 4)
    assert all(len(message) <= MESSAGE_BYTES for message in messages), [len(m) for m in messages]
    assert sum(message.count(b"event: job\n") for message in messages) >= 4 * (MESSAGE_BYTES // 11_000) - 4


def test_an_unread_stream_is_dropped_and_counted(bounded: BackgroundServer) -> None:
    """Item 6: a stream whose client never reads holds no more than a message, and goes
    after --stream-stall seconds (its connection reset)."""
    space = {"X-Jobmock-Namespace": "unread"}
    for _ in range(500):  # ~5 MB of first burst: more than the sockets' buffers take
        httpx.post(
            bounded.url + "/_jobmock/jobs", json={"api": "neuraldraft", "fields": {"note": "x" * 10_000}}, headers=space
        ).raise_for_status()
    dropped = status_of(bounded)["streams"]["dropped"]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((bounded.host, bounded.port))
    try:
        sock.sendall(
            b"GET /_jobmock/events?limit=1000 HTTP/1.1\r\nHost: localhost\r\nX-Jobmock-Namespace: unread\r\n\r\n"
        )
        wait_until(lambda: status_of(bounded)["streams"]["dropped"] == dropped + 1, what="the unread stream dropped")
        wait_until(lambda: status_of(bounded)["streams"]["open"] == 0, what="the stream closed")
        assert httpx.get(bounded.url + EXAMPLE, headers=ND).status_code == 200
    finally:
        sock.close()


def trickle(served: BackgroundServer, head: bytes) -> socket.socket:
    """A request whose head says a 200,000-byte body, of which one byte is sent."""
    sock = socket.create_connection((served.host, served.port))
    sock.sendall(head + b"Host: localhost\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{")
    return sock


def answer_then_close(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (bounded by a timeout)."""
    sock.settimeout(30)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_trickled_body_times_out_with_408_in_the_vendors_envelope(bounded: BackgroundServer) -> None:
    """Item 8: a body sent a byte a second was waited for forever."""
    before = status_of(bounded)["request_bodies"]["timed_out"]
    with trickle(
        bounded, b"POST /longform/cancelJob HTTP/1.1\r\nAuthorization: " + LF["Authorization"].encode() + b"\r\n"
    ) as sock:
        answer = answer_then_close(sock)  # the connection is closed after the answer
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert b"connection: close" in head.lower()
    assert b"content-type: application/json" in head.lower(), head  # longform's envelope, not problem JSON
    assert "did not arrive" in body.decode()
    with trickle(bounded, b"POST /_jobmock/jobs HTTP/1.1\r\n") as sock:
        answer = answer_then_close(sock)
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 408") and b"application/problem+json" in head, answer
    assert json.loads(body)["status"] == 408
    counted = status_of(bounded)["request_bodies"]
    assert counted == {"timed_out": before + 2, "timeout_seconds": 0.5}


def test_trickled_bodies_on_every_connection_do_not_starve_the_polls(bounded: BackgroundServer) -> None:
    """Item 8: --max-connections + 5 trickled POSTs made every poll answer 503."""
    head = b"POST /longform/cancelJob HTTP/1.1\r\nAuthorization: " + LF["Authorization"].encode() + b"\r\n"
    socks = [trickle(bounded, head) for _ in range(BOUNDED.max_connections + 5)]
    try:
        wait_until(
            lambda: (
                httpx.get(bounded.url + EXAMPLE, headers=ND).status_code == 200
                and status_of(bounded)["connections"]["open"] <= 2
            ),
            what="the trickling connections closed",
        )
    finally:
        for sock in socks:
            sock.close()


def test_a_trickled_body_of_a_get_does_not_hold_its_connection(bounded: BackgroundServer) -> None:
    """A GET's body is waited for no longer than a POST's (Connexion reads it; kept alive,
    each byte would have put off the idle timeout for ever): 408, and the connection closed."""
    head = b"GET " + EXAMPLE.encode() + b" HTTP/1.1\r\nAuthorization: " + ND["Authorization"].encode() + b"\r\n"
    with trickle(bounded, head) as sock:
        answer = answer_then_close(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer


# --- #19 approval ---


def test_deciding_a_job_not_awaiting_approval_is_409_and_changes_nothing(server: ServeProcess) -> None:
    ns = {"X-Jobmock-Namespace": "approval-hostile"}
    server.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=ns)
    waiting = server.http.post(
        "/_jobmock/jobs", json={"api": "superdocs", "outcome": "awaiting_approval", "duration": 10}, headers=ns
    ).json()
    plain = server.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 100}, headers=ns).json()
    done = server.http.post("/_jobmock/jobs", json={"api": "superdocs", "duration": 1}, headers=ns).json()

    def held() -> list[dict[str, Any]]:
        return [server.http.get(f"/_jobmock/jobs/{job['id']}", headers=ns).json() for job in (waiting, plain, done)]

    before = held()  # superdocs still pending, neuraldraft without an approval state
    for job in (waiting, plain):
        for verb in ("approve", "reject"):
            answer = server.http.post(f"/_jobmock/jobs/{job['id']}/{verb}", headers=ns)
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == 409 and answer.json()["detail"]
    assert held() == before
    server.http.post("/_jobmock/clock/advance", json={"seconds": 60}, headers=ns)
    after = held()
    for verb in ("approve", "reject"):  # finished
        answer = server.http.post(f"/_jobmock/jobs/{done['id']}/{verb}", headers=ns)
        assert answer.status_code == 409 and "not awaiting_approval" in answer.json()["detail"], answer.text
    assert server.http.post(f"/_jobmock/jobs/{waiting['id']}/reject", headers=ns).status_code == 200
    for verb in ("approve", "reject"):  # decided already
        assert server.http.post(f"/_jobmock/jobs/{waiting['id']}/{verb}", headers=ns).status_code == 409
    now = held()
    assert now[0]["status"] == "cancelled" and now[1:] == after[1:]
    # unknown ids, other namespaces, other methods, odd bodies: no job is touched
    for path, method in [
        ("/_jobmock/jobs/nope/approve", "POST"),
        (f"/_jobmock/jobs/{waiting['id']}/approve", "GET"),
        (f"/_jobmock/jobs/{waiting['id']}/reject", "DELETE"),
        (f"/_jobmock/jobs/{'a' * 5000}/approve", "POST"),
    ]:
        answer = server.http.request(method, path, headers=ns)
        assert answer.status_code in (404, 405), (path, method, answer.text)
    other = server.http.post(f"/_jobmock/jobs/{waiting['id']}/approve", headers={"X-Jobmock-Namespace": "x-other"})
    assert other.status_code == 404
    odd = server.http.post(f"/_jobmock/jobs/{waiting['id']}/approve", headers={**ns, **JSON}, content=b"{NaN")
    assert odd.status_code in (400, 409) and "Traceback" not in odd.text
    assert held() == now


# --- #19 control plane: every way of starting, any root path ---
# The control plane is judged on the path the router routes (`jobmock.server.paths`): under
# uvicorn --root-path, scope["path"] carries the prefix, and a check on it as it came let a
# foreign page move the clock and delete jobs with no token.

TOKEN = "s3cret-19"
EVIL = {"Host": "evil.example", "Origin": "https://evil.example"}
GOOD = {"X-Jobmock-Token": TOKEN}


def started(way: str, log: Path) -> ServeProcess:
    """jobmock serving neuraldraft with a control token (from the environment), started `way`."""
    env = {"JOBMOCK_CONTROL_TOKEN": TOKEN}
    if way == "serve":
        return ServeProcess("neuraldraft", log=log, env=env)
    if way == "serve --workers 2":
        return ServeProcess("neuraldraft", "--workers", "2", log=log, env=env)
    env["JOBMOCK_SPECS"] = "neuraldraft"
    return UvicornProcess(*way.split()[1:], log=log, env=env)


WAYS = ["serve", "serve --workers 2", "uvicorn", "uvicorn --root-path /api"]


@pytest.mark.parametrize("way", WAYS)
def test_the_control_plane_is_guarded_however_jobmock_is_started(way: str, tmp_path: Path) -> None:
    root = "/api" if "--root-path" in way else ""
    with started(way, tmp_path / "server.log") as server:
        url = server.url
        job = httpx.post(url + "/_jobmock/jobs", json={"api": "neuraldraft"}, headers=GOOD)
        assert job.status_code == 201, job.text
        job_id, poll_url = job.json()["id"], job.json()["poll_url"]
        assert poll_url.startswith(f"{url}{root}/") and "/v1/jobs/" in poll_url  # as reached through the proxy
        for method, path, body in [
            ("POST", "/_jobmock/clock/advance", {"seconds": 7200}),
            ("PUT", "/_jobmock/clock", {"mode": "manual"}),
            ("DELETE", f"/_jobmock/jobs/{job_id}", None),
            ("POST", f"/_jobmock/jobs/{job_id}/cancel", None),
            ("DELETE", "/_jobmock/journal", None),
            ("GET", "/_jobmock/journal", None),
            ("GET", "/_jobmock/events", None),
            ("GET", f"/_jobmock/jobs/{job_id}/events", None),
            ("GET", "/_jobmock/status", None),
        ]:
            where = f"{way}: {method} {path}"
            foreign = httpx.request(method, url + path, json=body, headers=EVIL, timeout=10)
            assert foreign.status_code == 403, f"{where} from a foreign page: {foreign.status_code} {foreign.text}"
            assert "access-control-allow-origin" not in foreign.headers, where
            with_token = httpx.request(method, url + path, json=body, headers={**EVIL, **GOOD}, timeout=10)
            assert with_token.status_code == 403, f"{where}: a foreign Host, even with the token"
            tokenless = httpx.request(method, url + path, json=body, timeout=10)
            assert tokenless.status_code == 401, f"{where} without the token: {tokenless.status_code}"
            assert tokenless.headers["content-type"] == "application/problem+json", where
        preflight = httpx.options(
            url + "/_jobmock/clock/advance",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
        # nothing changed: the job is there, running, and the clock was not moved
        kept = httpx.get(f"{url}/_jobmock/jobs/{job_id}", headers=GOOD)
        assert kept.status_code == 200 and kept.json()["status"] != "cancelled"
        clock = httpx.get(url + "/_jobmock/clock", headers=GOOD).json()
        assert clock["mode"] == "real" and clock["now"] < _iso(time.time() + 3600)
        # the owner's requests are answered: polls, the event stream, the journal, the dashboard
        poll = httpx.get(url + poll_url[len(url + root) :], headers=ND)
        assert poll.status_code == 200 and poll.json()["id"] == job_id
        with httpx.stream("GET", url + "/_jobmock/events", headers=GOOD, timeout=10) as events:
            assert events.status_code == 200 and events.headers["content-type"].startswith("text/event-stream")
        journal = httpx.get(url + "/_jobmock/journal", headers=GOOD).json()["entries"]
        assert any(e["api"] == "neuraldraft" and e["job"] == job_id for e in journal), journal
        page = httpx.get(url + "/")
        assert page.status_code == 307 and page.headers["location"] == f"{root}/_jobmock/ui/"
        assert httpx.get(url + "/_jobmock/ui/", headers=EVIL).status_code == 403
        status = httpx.get(url + "/_jobmock/status", headers=GOOD).json()["connections"]
        if way.startswith("uvicorn"):  # the server holds the connections: not a false 0
            assert status["counted"] is False and "open" not in status
        else:
            assert status["counted"] is True and status["open"] >= 1
        if root:  # the prefix sent again (a proxy that does not strip it): no route, nothing done
            again = httpx.post(url + root + "/_jobmock/clock/advance", json={"seconds": 7200}, headers=EVIL)
            assert again.status_code in (403, 404), again.text
            assert httpx.get(url + root, headers=EVIL).status_code < 500


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/_jobmock/clock", ""), ("/api/_jobmock/clock", "/api"), ("/_jobmock/clock", "/api"),
        ("/api", "/api"), ("/apix/_jobmock", "/api"), ("/api//_jobmock/x", "/api/"), ("/api/api/_jobmock", "/api"),
        ("/", "/"), ("/a/b/_jobmock/ui/", "/a/b"), ("/_jobmock", "/_jobmock"),
    ],
)  # fmt: skip
def test_every_layer_sees_the_path_starlette_routes(path: str, root: str) -> None:
    """`routed_path` is Starlette's own rule, so a layer and the router never disagree."""
    from starlette._utils import get_route_path

    from jobmock.server.paths import routed_path

    scope = {"type": "http", "path": path, "root_path": root}
    assert routed_path(scope) == get_route_path(scope)


def test_under_a_root_path_each_answer_keeps_its_envelope_and_the_journal_its_apis(tmp_path: Path) -> None:
    """Refusals found by path (405's Allow, 413, 404, 401) in the right envelope, and control
    requests kept out of the journal, under uvicorn --root-path as without."""
    env = {"JOBMOCK_CONTROL_TOKEN": TOKEN, "JOBMOCK_SPECS": "neuraldraft"}
    with UvicornProcess("--root-path", "/api", log=tmp_path / "uvicorn.log", env=env) as server:
        url = server.url
        wrong = httpx.request("PATCH", url + "/_jobmock/clock", headers=GOOD)
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, PUT, HEAD"
        assert wrong.headers["content-type"] == "application/problem+json"
        big = b'"' + b"a" * 300_000 + b'"'
        too_big = httpx.post(url + "/_jobmock/jobs", content=big, headers={**GOOD, **JSON})
        assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
        vendor_big = httpx.post(url + "/v1/jobs/job_x/cancel", content=big, headers={**ND, **JSON})
        assert vendor_big.status_code == 413 and "error" in vendor_big.json()  # the vendor's envelope
        assert httpx.get(url + "/_jobmock/nope", headers=GOOD).headers["content-type"] == "application/problem+json"
        unauthorized = httpx.get(url + "/v1/jobs/job_x")
        assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "unauthorized"
        journal = httpx.get(url + "/_jobmock/journal", headers=GOOD).json()["entries"]
        assert journal and all(entry["api"] == "neuraldraft" for entry in journal), journal
        assert not any("_jobmock" in entry["path"] or entry["path"].startswith("/api") for entry in journal)


def test_origin_null_is_never_trusted(tmp_path: Path) -> None:
    """Sandboxed iframes of any site send `Origin: null`: refused on the control plane even with
    an allowed origin configured, never reflected with credentials; refused as an option, in
    Python as on the command line."""
    from jobmock import create
    from jobmock.exceptions import SpecError

    with pytest.raises(SpecError, match="'null' is the origin of sandboxed pages"):
        create(cors_origins=("null",))
    with ServeProcess("neuraldraft", "--cors-origin", "https://app.example", log=tmp_path / "serve.log") as server:
        null = {"Origin": "null"}
        moved = httpx.post(server.url + "/_jobmock/clock/advance", json={"seconds": 60}, headers=null)
        assert moved.status_code == 403 and "access-control-allow-origin" not in moved.headers
        preflight = {**null, "Access-Control-Request-Method": "POST"}
        assert httpx.options(server.url + "/_jobmock/clock/advance", headers=preflight).status_code == 403
        poll = httpx.get(server.url + "/v1/jobs/job_2Ngd9KqLmRpW", headers={**ND, **null})
        assert poll.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in poll.headers
        allowed = httpx.get(server.url + "/_jobmock/clock", headers={"Origin": "https://app.example"})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://app.example"


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
    # every request refused 401: the check could not be made (exit 2), and says so without the token
    assert done.returncode == 2 and "HTTP 401" in done.stdout and "Invalid API key: REDACTED" in done.stdout
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
    quieted = logged.http.get("/_jobmock/status").json()["log"]["quieted_warnings"]
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
    written = sum("unknown_" in line for line in after)
    assert written <= 1
    if written:  # the others were warned about too: counted, not written
        assert logged.http.get("/_jobmock/status").json()["log"]["quieted_warnings"] - quieted == 62


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


# --- #19 drops, the control contract, the checker's truth ---------------------------------


@pytest.mark.parametrize("field", ["token", "scenario", "outcome", "type"])
def test_an_empty_field_of_a_new_job_is_refused_with_a_problem_and_makes_no_job(
    server: ServeProcess, field: str
) -> None:
    """#19 item 21: `{"token": ""}` used to make a job owned by "one key" that no key could
    reach; an empty scenario was refused while an empty outcome or type read as absent.
    Each is now refused alike (control.yaml: minLength 1), as a problem, with no state change,
    a bearer token beside it or not."""
    namespace = {"X-Jobmock-Namespace": f"empty-{field}", "Authorization": "Bearer any-token"}
    before = server.http.get("/_jobmock/jobs", headers=namespace).json()["jobs"]
    answer = server.http.post("/_jobmock/jobs", json={"api": "stories", field: ""}, headers={**namespace, **JSON})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 400 and field in problem["detail"] and "non-empty" in problem["detail"]
    assert server.http.get("/_jobmock/jobs", headers=namespace).json()["jobs"] == before


def raw_poll(server: ServeProcess, path: str, token: str, namespace: str) -> bytes:
    """One poll on a fresh connection, as bytes; b"" when the server reset or closed it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"X-Jobmock-Namespace: {namespace}\r\n\r\n".encode()
        )
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received:
                    break
        except ConnectionResetError:
            return b""
        return received


def test_a_dropped_poll_resets_the_connection_before_any_byte(server: ServeProcess) -> None:
    """#19 item 18: a drop used to answer `HTTP/1.1 200 OK` with content-length 1 and close,
    so a browser's fetch resolved with 200. Now the connection goes before a status line."""
    namespace = "drops"
    created = server.http.post(
        "/_jobmock/jobs", json={"api": "neuraldraft", "scenario": "flaky"}, headers={"X-Jobmock-Namespace": namespace}
    ).json()
    path = "/neuraldraft/v1/jobs/" + created["id"]
    answers = [raw_poll(server, path, TOKENS["neuraldraft"], namespace) for _ in range(7)]
    assert [a[:12] for a in answers] == [b"HTTP/1.1 200", b"HTTP/1.1 503", *[b"HTTP/1.1 200"] * 3, b"", b"HTTP/1.1 200"]
    with httpx.Client(base_url=server.url, headers={**ND, "X-Jobmock-Namespace": namespace}) as client:
        again = client.post("/_jobmock/jobs", json={"api": "neuraldraft", "scenario": "flaky"}).json()
        for _ in range(5):
            client.get(str(again["poll_url"]))
        with pytest.raises(httpx.ReadError):  # on a kept-alive connection too: reset, never an answer
            client.get(str(again["poll_url"]))
    journal = server.http.get(
        "/_jobmock/journal", params={"job": created["id"]}, headers={"X-Jobmock-Namespace": namespace}
    )
    assert [e["fault"] for e in journal.json()["entries"]][5] == "drop"
    assert "Traceback" not in Path(server.log).read_text()


def test_an_empty_api_of_the_namespace_stream_is_refused_as_the_list_refuses_it(server: ServeProcess) -> None:
    """Upstream Schemathesis found `GET /_jobmock/events?api=` streaming every job, while the
    document (and `GET /_jobmock/jobs?api=`) refuse a name that is not served."""
    for path in ("/_jobmock/events?api=", "/_jobmock/jobs?api="):
        answer = server.http.get(path, timeout=5)
        assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json", path


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
    assert (
        files["count"] >= 2
        and files["bytes"] > 10_000
        and files["max_bytes"] == 2 * 1024 * 1024
        and files["max_document_bytes"] == 64 * 1024 * 1024
    )
