"""Hostile input, through HTTP, against a running `jobmock serve`: no 5xx, no traceback,
the event loop never held, and a legitimate user's jobs and clock untouched.

Each case is sent while a poll runs beside it; the poll must be answered long before the
slowest of these used to finish (seconds, before the caps), so a case that holds the
loop shows. Bounded: every case is one request, all to loopback."""

from __future__ import annotations

import socket
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
