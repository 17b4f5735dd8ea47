"""`jobmock proxy` with real upstreams on loopback: a jobmock it relays faithfully, and small
servers that break one rule at a time, each caught in the answer's header and listed once."""

from __future__ import annotations

import asyncio
import copy
import gzip
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from jobmock import BackgroundServer, JobmockClient, ProxyOptions, SpecError, create_proxy
from jobmock.checker.response_rules import RULES, Seen
from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.contract.model import ApiModel
from jobmock.sim.clock import Clock
from jobmock.sim.jobs import NewJob
from jobmock.sim.store import JobStore
from support import TOKENS, create, free_port

NEURALDRAFT = load_api(spec_path("neuraldraft"))
assert isinstance(NEURALDRAFT, ApiModel)
AUTH = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
Scripted = tuple[int, dict[str, str], Any]  # status, headers, JSON body


@contextmanager
def proxying(upstream: str, spec: str = "neuraldraft", **options: Any) -> Iterator[httpx.Client]:
    """A proxy in front of `upstream` on a free loopback port; a client of it."""
    app = create_proxy(ProxyOptions(spec, upstream, port=0, **options))
    with BackgroundServer(app, relay=True) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def violations(client: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = client.get("/_jobmock/violations", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


class Script:
    """An upstream answering each path from a script: the n-th request of a path gets its
    n-th answer (the last one again after that), whoever sends it. It records each request."""

    def __init__(self, answers: dict[str, list[Scripted]]):
        self.answers = answers
        self.seen: list[Request] = []
        self.asked: dict[str, int] = {}
        self.app = Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET", "POST", "PATCH", "DELETE"])])

    async def answer(self, request: Request) -> Response:
        self.seen.append(request)
        path = request.url.path
        if path not in self.answers:
            return Response(json.dumps({"error": {"code": "not_found", "message": "Job not found."}}), 404,
                            media_type="application/json")  # fmt: skip
        n = self.asked.get(path, 0)
        self.asked[path] = n + 1
        status, headers, body = self.answers[path][min(n, len(self.answers[path]) - 1)]
        return Response(json.dumps(body), status, headers=headers, media_type="application/json")


@contextmanager
def scripted(answers: dict[str, list[Scripted]]) -> Iterator[tuple[Script, str]]:
    script = Script(answers)
    with BackgroundServer(script.app, relay=True) as server:
        yield script, server.url + "/v1"


def lifecycle(job_id: str = "job_ProxyWatch01") -> list[Scripted]:
    """A neuraldraft job as the mock renders it, every second from its creation (a minute ago,
    whole seconds) to 3 s after it ends, each answer dated the second it shows: a lifecycle
    that keeps every rule, replayed in a fraction of a second."""
    created = int(time.time()) - 60
    apis = {name: load_api(spec_path(name)) for name in bundled_names()}
    job = JobStore(apis, seed=3).create(NewJob(api="neuraldraft", id=job_id, duration=10), Clock.at(float(created)))
    return [
        (200, {"Date": formatdate(created + t, usegmt=True)}, copy.deepcopy(job.render(float(t), 1.0)))
        for t in range(0, 14)
    ]


def poll_alternately(clients: list[httpx.Client], path: str, times: int) -> list[httpx.Response]:
    return [clients[i % len(clients)].get(path, headers=AUTH) for i in range(times)]


# --- forwarding ------------------------------------------------------------------------------


class Echo:
    """An upstream that says what it received (but Host and Connection, which are the
    connection's), gzipped, with headers of its own."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen = {
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode(),
            "query": scope["query_string"].decode(),
            # all but the connection's own (the proxy's connection is not the client's)
            "headers": [[k.decode(), v.decode()] for k, v in scope["headers"] if k not in (b"host", b"connection")],
            "body": body.decode(),
        }
        self.received.append(seen)
        payload = gzip.compress(json.dumps(seen).encode(), mtime=0)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-encoding", b"gzip"),
            (b"content-length", str(len(payload)).encode()),
            (b"x-vendor-trace", b"abc 123"),
            (b"set-cookie", b"vendor=1; Path=/"),
            (b"set-cookie", b"other=2; Path=/"),
            (b"date", b"Tue, 01 Jul 2025 10:00:00 GMT"),
            (b"server", b"vendor-edge"),
        ]
        await send({"type": "http.response.start", "status": 207, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def test_an_exchange_is_relayed_byte_for_byte() -> None:
    echo = Echo()
    with BackgroundServer(echo, relay=True) as server, httpx.Client(timeout=10) as direct:
        request = {
            "method": "PATCH",
            "url": "/v1/jobs/a%2Fb/x?b=2&a=1&a=%20",
            "headers": {"Authorization": "Bearer ndsk_test_x", "X-Thing": "one", "Accept-Encoding": "gzip"},
            "content": b'{"weird": "body"}',
        }
        sent = direct.build_request(**{**request, "url": server.url + request["url"]})
        with direct.stream(sent.method, sent.url, headers=sent.headers, content=request["content"]) as answer:
            expected = (answer.status_code, answer.headers.raw, b"".join(answer.iter_raw()))
        with proxying(server.url + "/v1") as client:
            sent = client.build_request(**request)
            with client.stream(sent.method, sent.url, headers=sent.headers, content=request["content"]) as answer:
                got = (answer.status_code, answer.headers.raw, b"".join(answer.iter_raw()))
    assert got[0] == expected[0] == 207
    assert [h for h in got[1] if h[0] != b"jobmock-violations"] == expected[1]  # same headers, same order
    assert got[2] == expected[2]  # the same compressed bytes
    direct_seen, proxied_seen = echo.received
    assert proxied_seen == direct_seen  # the upstream got the same request: nothing added, nothing decoded
    assert proxied_seen["raw_path"] == "/v1/jobs/a%2Fb/x" and proxied_seen["query"] == "b=2&a=1&a=%20"


def test_an_event_stream_is_relayed_as_it_arrives() -> None:
    """The upstream sends its second event only once the client has read the first through the
    proxy: a proxy that waited for the whole answer would get "gave up" as the second."""
    first_read = threading.Event()

    async def events(request: Request) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"event: state\ndata: first\n\n"
            seen = await asyncio.to_thread(first_read.wait, 10)
            yield b"event: state\ndata: second\n\n" if seen else b"data: gave up\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/jobs/{id}/events", events)])
    path = "/v1/jobs/job_Streamed001/events"
    with (
        BackgroundServer(app, relay=True) as server,
        proxying(server.url + "/v1") as client,
        client.stream("GET", path, headers=AUTH) as answer,
    ):
        chunks = answer.iter_raw()
        got = next(chunks)
        first_read.set()
        got += b"".join(chunks)
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert got == b"event: state\ndata: first\n\nevent: state\ndata: second\n\n"


# --- lifecycles across clients -----------------------------------------------------------------


def test_a_lifecycle_violation_across_two_clients_is_reported_once() -> None:
    answers = lifecycle()
    processing = [i for i, (_s, _h, body) in enumerate(answers) if body["status"] == "processing"]
    answers[processing[3]][2]["progress"] = 1  # progress goes back, once
    done = next(i for i, (_s, _h, body) in enumerate(answers) if body["status"] == "completed")
    changed = copy.deepcopy(answers[done + 2][2])
    changed["result"]["title"] = "a different result"  # a finished job's result changes...
    answers = [*answers[: done + 2], (200, answers[done + 2][1], changed)]  # ...and stays so
    path = "/v1/jobs/job_ProxyWatch01"
    with scripted({path: answers}) as (_script, upstream), proxying(upstream) as one:
        with httpx.Client(base_url=str(one.base_url), timeout=10) as two:
            polled = poll_alternately([one, two], path, len(answers) + 4)  # both see the broken end
        headers = [(i, r.headers.get("jobmock-violations")) for i, r in enumerate(polled)]
        found = violations(one)
    flagged = [(i, said) for i, said in headers if said]
    assert [i for i, _ in flagged] == [processing[3], done + 2], flagged
    assert "progress_monotonic (job job_ProxyWatch01)" in flagged[0][1] and flagged[0][1].startswith("1; ")
    listed = {(v["check"], v["job"]): v for v in found["violations"]}
    assert set(listed) == {("progress_monotonic", "job_ProxyWatch01"), ("terminal_stable", "job_ProxyWatch01")}, found
    assert listed["progress_monotonic", "job_ProxyWatch01"]["count"] == 1
    assert listed["progress_monotonic", "job_ProxyWatch01"]["polls"] == [processing[3] + 1]
    assert listed["terminal_stable", "job_ProxyWatch01"]["count"] == len(polled) - (done + 2)  # every later poll
    assert all(v["kind"] == "lifecycle" and v["request"] == f"GET {path}" for v in found["violations"])
    assert found["jobs"]["followed"] == 1 and found["jobs"]["polls"] == len(polled)


def test_a_well_behaved_lifecycle_passes_without_a_header() -> None:
    path = "/v1/jobs/job_ProxyWatch01"
    with scripted({path: lifecycle()}) as (_script, upstream), proxying(upstream) as one:
        polled = poll_alternately([one], path, 16)
        found = violations(one)
    assert [r.status_code for r in polled] == [200] * 16
    assert not any("jobmock-violations" in r.headers for r in polled)
    assert found["violations"] == [] and found["jobs"]["followed"] == 1


@pytest.fixture(scope="module")
def jobmock_upstream() -> Iterator[str]:
    """A jobmock serving neuraldraft alone, its clock moving a job one phase a poll, an hour ago."""
    with BackgroundServer(create(specs=["neuraldraft"], seed=5)) as server:
        with JobmockClient(server.url) as control:
            control.clock("polls")
            control.set_time(datetime.fromtimestamp(time.time() - 3600, UTC))
        yield server.url


@pytest.mark.parametrize("outcome", ["completed", "failed", "cancelled"])
def test_the_mocks_own_jobs_pass_through_the_proxy_unflagged(jobmock_upstream: str, outcome: str) -> None:
    with JobmockClient(jobmock_upstream) as control:
        job = control.create("neuraldraft", outcome=outcome, duration=20, token=TOKENS["neuraldraft"])
    with proxying(jobmock_upstream + "/v1") as client:
        statuses = []
        for _ in range(40):
            answer = client.get(f"/v1/jobs/{job['id']}", headers=AUTH)
            assert answer.status_code == 200 and "jobmock-violations" not in answer.headers, answer.headers
            statuses.append(answer.json()["status"])
            if statuses[-3:] == [outcome] * 3:
                break
        found = violations(client)
    assert statuses[-1] == outcome and len(set(statuses)) >= 2, statuses
    assert found["violations"] == [], found


# --- each answer against the document ---------------------------------------------------------


def test_an_undeclared_status_and_a_body_breaking_the_schema_are_flagged() -> None:
    good = lifecycle()[5][2]
    answers = {
        "/v1/jobs/job_Teapot00001": [(418, {}, {"error": {"code": "teapot", "message": "short and stout"}})],
        "/v1/jobs/job_Weird000001": [(200, {}, {**good, "id": "job_Weird000001", "status": 42})],
        "/v1/jobs/job_Limited0001": [(429, {}, {"error": {"code": "rate_limited", "message": "slow down"}})],
    }
    with scripted(answers) as (_script, upstream), proxying(upstream) as client:
        teapot = client.get("/v1/jobs/job_Teapot00001", headers=AUTH)
        weird = client.get("/v1/jobs/job_Weird000001", headers=AUTH)
        limited = client.get("/v1/jobs/job_Limited0001", headers=AUTH)
        found = violations(client)
    assert teapot.status_code == 418 and teapot.json()["error"]["code"] == "teapot"  # relayed as it came
    assert teapot.headers["jobmock-violations"].startswith("1; status_code_conformance: expected a documented status")
    assert "HTTP 418" in teapot.headers["jobmock-violations"]
    assert weird.status_code == 200 and weird.json()["status"] == 42
    assert weird.headers["jobmock-violations"].startswith("2; response_schema_conformance: ")  # and status_declared
    assert "at status: 42 is not of type 'string'" in weird.headers["jobmock-violations"]
    assert (
        "retry_after: expected a Retry-After header on 429; got no Retry-After header"
        in limited.headers["jobmock-violations"]
    )
    checks = sorted((v["kind"], v["check"]) for v in found["violations"])
    assert checks == [
        ("exchange", "response_schema_conformance"),
        ("exchange", "retry_after"),
        ("exchange", "status_code_conformance"),
        ("lifecycle", "status_declared"),  # the job's status is none of its lifecycle's states either
    ], found
    assert all(v["operation"] in ("getJob", None) for v in found["violations"])


def test_violations_are_paged() -> None:
    envelope = {"error": {"code": "odd", "message": "an undocumented status"}}
    answers = {f"/v1/jobs/job_Teapot0000{i}": [(460 + i, {}, envelope)] for i in range(5)}
    with scripted(answers) as (_script, upstream), proxying(upstream) as client:
        for path in answers:
            client.get(path, headers=AUTH)
        pages, cursor = [], None
        while True:
            page = violations(client, limit=2, **({"cursor": cursor} if cursor else {}))
            pages.append([v["actual"] for v in page["violations"]])
            cursor = page["next"]
            if cursor is None:
                break
        bad = client.get("/_jobmock/violations", params={"limit": "0"})
    assert pages == [["HTTP 460", "HTTP 461"], ["HTTP 462", "HTTP 463"], ["HTTP 464"]]
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_followed_jobs_and_their_polls_are_bounded_and_counted() -> None:
    body = lifecycle()[5][2]
    answers = {f"/v1/jobs/job_Bounded00{i}": [(200, {}, {**body, "id": f"job_Bounded00{i}"})] for i in range(3)}
    with scripted(answers) as (_script, upstream), proxying(upstream, max_jobs=2, max_polls=3) as client:
        for path in answers:
            for _ in range(4):
                assert "jobmock-violations" not in client.get(path, headers=AUTH).headers
        jobs = violations(client)["jobs"]
    assert jobs == {"followed": 2, "dropped": 1, "polls": 12, "dropped_polls": 3, "max_jobs": 2, "max_polls": 3}


# --- what the proxy answers itself ------------------------------------------------------------


def held_to_the_envelope(answer: httpx.Response) -> None:
    """The answer is in neuraldraft's documented error envelope, by the rule `check` applies."""
    headers = {k.lower(): v for k, v in answer.headers.items()}
    assert list(RULES["error_envelope"].judge(NEURALDRAFT, Seen(answer.status_code, headers, answer.text))) == []
    assert set(answer.json()) == {"error"} and set(answer.json()["error"]) >= {"code", "message"}


def test_an_upstream_that_is_down_is_a_502_in_the_documents_envelope() -> None:
    port = free_port()  # nothing listens there
    with proxying(f"http://127.0.0.1:{port}/v1") as client:
        answer = client.get("/v1/jobs/job_Nowhere0001", headers=AUTH)
    assert answer.status_code == 502
    held_to_the_envelope(answer)
    assert answer.json()["error"]["code"] == "bad_gateway"
    assert f"the upstream http://127.0.0.1:{port} could not be reached" in answer.json()["error"]["message"]


def test_an_upstream_that_does_not_answer_in_time_is_a_504() -> None:
    release = asyncio.Event()

    async def silent(request: Request) -> Response:
        await release.wait()  # never set: the proxy's read timeout ends the wait
        return Response("late")

    app = Starlette(routes=[Route("/v1/jobs/{id}", silent)])
    with BackgroundServer(app) as server, proxying(server.url + "/v1", read_timeout=0.2) as client:
        answer = client.get("/v1/jobs/job_Silent00001", headers=AUTH)
        release.set()
    assert answer.status_code == 504
    held_to_the_envelope(answer)
    assert "timed out: no answer in time" in answer.json()["error"]["message"]


def raw_request(url: str, request: bytes) -> bytes:
    host, port = httpx.URL(url).host, httpx.URL(url).port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_it_is_not_an_open_proxy() -> None:
    path = "/v1/jobs/job_ProxyWatch01"
    with scripted({path: [lifecycle()[3]]}) as (script, upstream), proxying(upstream) as client:
        absolute = raw_request(
            str(client.base_url), b"GET http://example.com" + path.encode() + b" HTTP/1.1\r\nHost: example.com\r\n\r\n"
        )
        outside = client.get("/elsewhere/jobs/x", headers=AUTH)
        inside = client.get(path, headers=AUTH)
    head, _, body = absolute.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert "is not an open proxy" in json.loads(body)["error"]["message"]
    assert outside.status_code == 404 and "not below the API's base path /v1" in outside.json()["error"]["message"]
    assert inside.status_code == 200
    assert [r.url.path for r in script.seen] == [path]  # only the request to the API reached the upstream


def test_a_request_body_over_the_cap_is_refused_before_the_upstream() -> None:
    with scripted({}) as (script, upstream), proxying(upstream, max_body_bytes=100) as client:
        answer = client.post("/v1/jobs", headers=AUTH, json={"prompt": "x" * 200})
    assert answer.status_code == 413 and "--max-body-bytes" in answer.json()["error"]["message"]
    assert script.seen == []


def test_the_violations_answer_only_loopback_hosts_and_pages() -> None:
    with scripted({}) as (_script, upstream), proxying(upstream) as client:
        rebound = client.get("/_jobmock/violations", headers={"Host": "evil.example"})
        framed = client.get("/_jobmock/violations", headers={"Origin": "https://evil.example"})
        local = client.get("/_jobmock/violations", headers={"Origin": "http://localhost:5173"})
    assert (rebound.status_code, framed.status_code, local.status_code) == (403, 403, 200)


def test_options_are_refused_before_anything_is_loaded_or_bound() -> None:
    with pytest.raises(SpecError, match="no such file") as refused:
        ProxyOptions("neuraldraft", "https://api.example/v1", ca_bundle="/no/such/bundle.pem")
    assert refused.value.file == "--ca-bundle"
    with pytest.raises(SpecError, match="send credentials from the client"):
        ProxyOptions("neuraldraft", "https://user:pw@api.example/v1")
    with pytest.raises(SpecError, match="'1': must be 2 or more"):
        ProxyOptions("neuraldraft", "https://api.example/v1", max_polls=1)


def test_credentials_never_appear_in_what_the_proxy_reports() -> None:
    secret, cookie, keyed = "plain-opaque-credential-77", "cookie-secret-value-88", "query-secret-value-99"
    body = {
        **lifecycle()[5][2],
        "status": f"{secret} {cookie} {keyed}",
    }  # an upstream echoing them where the schema breaks
    path = "/v1/jobs/job_ProxyWatch01"
    with scripted({path: [(200, {}, body)]}) as (_script, upstream), proxying(upstream) as client:
        answer = client.get(path, params={"api_key": keyed}, headers={"Authorization": f"Bearer {secret}",
                            "Cookie": f"session={cookie}"})  # fmt: skip
        found = client.get("/_jobmock/violations").text
    assert answer.json()["status"].startswith(secret)  # the client gets its answer as it came
    assert answer.headers["jobmock-violations"].startswith("3; request_security: ")  # the key is of no documented form
    assert "response_schema_conformance" in found and "REDACTED" in found
    for value in (secret, cookie, keyed):
        assert value not in found and value not in answer.headers["jobmock-violations"]


def test_the_command_refuses_a_bad_upstream_in_one_line_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "proxy", "neuraldraft", "--upstream", "ftp://example.invalid/v1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "jobmock: --upstream: 'ftp://example.invalid/v1': must be the API's http(s) base URL\n"


def test_the_command_says_a_port_it_cannot_bind_and_exits_3() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "jobmock", "proxy", "neuraldraft", "--upstream", "http://127.0.0.1:9/v1",
             "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == f"jobmock: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert done.stdout == ""
