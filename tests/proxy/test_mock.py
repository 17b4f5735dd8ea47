"""The jobmock inside `jobmock proxy`, with a real upstream (a jobmock the test serves): its
control API, journal and dashboard on the proxy; the mock answering for the operations
`--mock` names, for the jobs it made, and under `--mock-when-down` while the upstream is
stopped; and the violations the proxy finds, pushed as events."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jobmock import BackgroundServer, JobmockClient, ProxyOptions, ServeOptions, SpecError, create_proxy
from support import TOKENS, ServeProcess, create, free_port, run_schemathesis

BATCH = {
    "type": "object",
    "required": ["id", "object", "status", "input_file_id", "created_at"],
    "properties": {
        "id": {"type": "string", "example": "batch_abc123"},
        "object": {"type": "string", "enum": ["batch"]},
        "input_file_id": {"type": "string"},
        "status": {"type": "string", "enum": ["validating", "in_progress", "completed", "failed", "cancelled"]},
        "created_at": {"type": "integer"},
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}},
}


def answer(code: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {code: {"description": code, "content": {"application/json": {"schema": schema}}}}


ID = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string"}}
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Batches", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/batches": {
            "post": {
                "operationId": "createBatch",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["input_file_id"],
                                "properties": {"input_file_id": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": answer("201", BATCH),
            }
        },
        "/batches/{batch_id}": {
            "get": {
                "operationId": "retrieveBatch",
                "parameters": [ID],
                "responses": {**answer("200", BATCH), **answer("404", ERROR)},
            }
        },
        "/batches/{batch_id}/cancel": {
            "post": {
                "operationId": "cancelBatch",
                "parameters": [ID],
                "responses": {**answer("200", BATCH), **answer("404", ERROR), **answer("409", ERROR)},
            }
        },
    },
}
KEY = {"Authorization": "Bearer key-a"}
NEW = {"input_file_id": "file-abc"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("doc") / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    return str(path)


@contextmanager
def upstream(spec: str, port: int = 0) -> Iterator[str]:
    """A jobmock serving `spec` (its clock manual: jobs stay as made), on `port`; its URL."""
    with BackgroundServer(create(specs=[spec], seed=1, clock="manual"), port=port) as server:
        yield server.url


@contextmanager
def proxying(spec: str, url: str, **options: Any) -> Iterator[httpx.Client]:
    """A proxy in front of `url`, its mock's clock manual and its ids of another seed than
    the upstream's; a client of it."""
    mock_options = options.pop("mock_options", ServeOptions(seed=2, clock="manual"))
    app = create_proxy(ProxyOptions(spec, url, port=0, mock_options=mock_options, **options))
    with BackgroundServer(app, relay=True) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def journal(client: httpx.Client) -> list[tuple[str, str, int, str]]:
    """The proxy's journal: each request's method, path, status and who answered it."""
    entries = client.get("/_jobmock/journal").json()["entries"]
    return [(e["method"], e["path"], e["status"], e["via"]) for e in entries]


# --- the control API, journal and dashboard on the proxy ------------------------------------


def test_the_control_api_journal_and_dashboard_work_on_the_proxy(document: str) -> None:
    with upstream(document) as url, proxying(document, url + "/v1") as client:
        made = httpx.post(url + "/v1/batches", json=NEW, headers=KEY).json()  # a job of the upstream's
        polled = client.get(f"/v1/batches/{made['id']}", headers=KEY)
        apis = client.get("/_jobmock/apis").json()["apis"]
        ours = client.post("/_jobmock/jobs", json={"api": apis[0]["name"]}, headers={"X-Jobmock-Namespace": "dev"})
        listed = {
            ns: [job["id"] for job in client.get("/_jobmock/jobs", headers={"X-Jobmock-Namespace": ns}).json()["jobs"]]
            for ns in ("", "dev")
        }
        clock = client.put("/_jobmock/clock", json={"mode": "polls"})
        page = client.get("/", follow_redirects=True)
        document_served = client.get("/_jobmock/openapi.json").json()
        entries = journal(client)
    assert polled.status_code == 200 and polled.json() == {**made, "status": polled.json()["status"]}
    assert "jobmock-mocked" not in polled.headers
    assert [api["name"] for api in apis] == ["batches"]
    assert ours.status_code == 201 and listed == {"": [], "dev": [ours.json()["id"]]}  # namespaces as with serve
    assert clock.status_code == 200 and clock.json()["mode"] == "polls"
    assert page.status_code == 200 and '<script type="module" src="app.js">' in page.text
    assert {"/violations", "/violations/events"} <= set(document_served["paths"])
    assert "Violation" in document_served["components"]["schemas"]
    assert entries == [("GET", f"/v1/batches/{made['id']}", 200, "upstream")]  # the control API is not journaled


def test_serve_does_not_document_the_proxys_violations() -> None:
    with BackgroundServer(create(specs=["neuraldraft"])) as server:
        served = httpx.get(server.url + "/_jobmock/openapi.json").json()
        asked = httpx.get(server.url + "/_jobmock/violations")
    assert not any(path.startswith("/violations") for path in served["paths"])
    assert asked.status_code == 404


def test_the_control_token_guards_the_proxys_control_api_and_violations(document: str) -> None:
    options = ServeOptions(seed=2, control_token="s3cret")
    with upstream(document) as url, proxying(document, url + "/v1", mock_options=options) as client:
        locked = [client.get(path).status_code for path in ("/_jobmock/jobs", "/_jobmock/violations")]
        token = {"X-Jobmock-Token": "s3cret"}
        opened = [client.get(path, headers=token).status_code for path in ("/_jobmock/jobs", "/_jobmock/violations")]
        relayed = client.get("/v1/batches/batch_none", headers=KEY)  # the API itself needs no control token
    assert locked == [401, 401] and opened == [200, 200]
    assert relayed.status_code == 404 and "jobmock-mocked" not in relayed.headers


# --- --mock OPERATION -------------------------------------------------------------------------


def test_a_mocked_create_makes_a_job_whose_requests_stay_mocked(document: str) -> None:
    with upstream(document) as url, proxying(document, url + "/v1", mock=["createBatch"]) as client:
        theirs = httpx.post(url + "/v1/batches", json=NEW, headers=KEY).json()
        made = client.post("/v1/batches", json=NEW, headers=KEY)
        ours = made.json()
        polled = client.get(f"/v1/batches/{ours['id']}", headers=KEY)
        cancelled = client.post(f"/v1/batches/{ours['id']}/cancel", headers=KEY)
        relayed = client.get(f"/v1/batches/{theirs['id']}", headers=KEY)
        with JobmockClient(url) as control:
            upstream_jobs = [job["id"] for job in control.jobs()]
        entries = journal(client)
    assert made.status_code == 201 and made.headers["jobmock-mocked"] == "operation createBatch"
    assert ours["id"] != theirs["id"] and upstream_jobs == [theirs["id"]]  # the mocked create never reached it
    assert polled.status_code == 200 and polled.json()["id"] == ours["id"]
    assert polled.headers["jobmock-mocked"] == "its job"
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.headers["jobmock-mocked"] == "its job"
    assert relayed.status_code == 200 and relayed.json()["id"] == theirs["id"]
    assert "jobmock-mocked" not in relayed.headers
    assert [(method, via) for method, _path, _status, via in entries] == [
        ("POST", "mock: operation createBatch"),
        ("GET", "mock: its job"),
        ("POST", "mock: its job"),
        ("GET", "upstream"),
    ]


def test_mock_takes_method_and_path_as_check_include_does_and_refuses_what_names_nothing(document: str) -> None:
    with upstream(document) as url, proxying(document, url + "/v1", mock=["POST /batches"]) as client:
        made = client.post("/v1/batches", json=NEW, headers=KEY)
    assert made.status_code == 201 and made.headers["jobmock-mocked"] == "operation createBatch"
    with pytest.raises(SpecError, match="'deleteBatch' names no operation of batches") as refused:
        create_proxy(ProxyOptions(document, "http://127.0.0.1:9/v1", mock=("deleteBatch",)))
    assert refused.value.file == "--mock"


# --- --mock-when-down ---------------------------------------------------------------------------


def test_the_mock_answers_while_the_upstream_is_down_and_the_upstream_again_once_it_is_back(document: str) -> None:
    port = free_port()
    with proxying(document, f"http://127.0.0.1:{port}/v1", mock_when_down=True) as client:
        with upstream(document, port) as url:
            before = client.post("/v1/batches", json=NEW, headers=KEY)
        down = client.post("/v1/batches", json=NEW, headers=KEY)  # stopped: nothing listens on the port
        unknown = client.get(f"/v1/batches/{before.json()['id']}", headers=KEY)  # the mock does not know it
        mocked_poll = client.get(f"/v1/batches/{down.json()['id']}", headers=KEY)
        with upstream(document, port) as url:
            back = client.post("/v1/batches", json=NEW, headers=KEY)
            still = client.get(f"/v1/batches/{down.json()['id']}", headers=KEY)  # its job stays the mock's
            with JobmockClient(url) as control:
                upstream_jobs = [job["id"] for job in control.jobs()]
        entries = journal(client)
    assert before.status_code == 201 and "jobmock-mocked" not in before.headers
    assert down.status_code == 201 and down.headers["jobmock-mocked"] == "upstream down"
    assert unknown.status_code == 404 and unknown.headers["jobmock-mocked"] == "upstream down"
    assert "message" in unknown.json()["error"]  # the document's envelope, as serve answers it
    assert mocked_poll.status_code == 200 and mocked_poll.headers["jobmock-mocked"] == "its job"
    assert back.status_code == 201 and "jobmock-mocked" not in back.headers
    assert upstream_jobs == [back.json()["id"]]  # the restarted upstream got the create
    assert still.headers["jobmock-mocked"] == "its job"
    assert [(method, status, via) for method, _path, status, via in entries] == [
        ("POST", 201, "upstream"),
        ("POST", 201, "mock: upstream down"),
        ("GET", 404, "mock: upstream down"),
        ("GET", 200, "mock: its job"),
        ("POST", 201, "upstream"),
        ("GET", 200, "mock: its job"),
    ]


def test_without_mock_when_down_an_upstream_that_is_down_is_still_a_502(document: str) -> None:
    with proxying(document, f"http://127.0.0.1:{free_port()}/v1") as client:
        answer = client.post("/v1/batches", json=NEW, headers=KEY)
        entries = journal(client)
    assert answer.status_code == 502 and "jobmock-mocked" not in answer.headers
    assert entries == [("POST", "/v1/batches", 502, "upstream")]


# --- violations as events -------------------------------------------------------------------------


def teapot_upstream() -> Starlette:
    async def teapot(request: Request) -> JSONResponse:
        return JSONResponse({"error": {"code": "teapot", "message": "short and stout"}}, 418)

    return Starlette(routes=[Route("/v1/jobs/{id}", teapot)])


def events(lines: Iterator[str], count: int) -> list[dict[str, str]]:
    """The next `count` events of a stream (keep-alive comments skipped)."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        if not line:
            if current:
                found.append(current)
                current = {}
                if len(found) == count:
                    return found
            continue
        name, _, value = line.partition(": ")
        current[name] = value
    return found


def test_the_violations_stream_delivers_each_violation_as_it_is_found() -> None:
    auth = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
    with BackgroundServer(teapot_upstream()) as server, proxying("neuraldraft", server.url + "/v1") as client:
        with client.stream("GET", "/_jobmock/violations/events") as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            flagged = client.get("/v1/jobs/job_Teapot00001", headers=auth)
            (first,) = events(stream.iter_lines(), 1)
        with client.stream("GET", "/_jobmock/violations/events", headers={"Last-Event-ID": "0"}) as again:
            (replayed,) = events(again.iter_lines(), 1)  # one opened later gets those kept at once
        bad = client.get("/_jobmock/violations/events", params={"after": "x"})
    assert flagged.status_code == 418 and "status_code_conformance" in flagged.headers["jobmock-violations"]
    assert first["event"] == "violation" and first["id"] == "1"
    violation = json.loads(first["data"])
    assert violation["check"] == "status_code_conformance" and violation["actual"] == "HTTP 418"
    assert violation["request"] == "GET /v1/jobs/job_Teapot00001"
    assert json.loads(replayed["data"]) == violation
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


# --- the command ------------------------------------------------------------------------------


class ProxyProcess(ServeProcess):
    """`jobmock proxy ARGS` in a process of its own on a free loopback port."""

    def command(self, args: tuple[str, ...]) -> list[str]:
        return [sys.executable, "-m", "jobmock", "proxy", "--port", str(self.port), *args]


def test_the_command_mocks_when_down_with_serves_options_for_its_jobmock(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    args = ("neuraldraft", "--upstream", down, "--mock-when-down", "--clock", "manual", "--max-mock-jobs", "5")
    with ProxyProcess(*args, log=tmp_path / "proxy.log") as proxy:
        clock = proxy.http.get("/_jobmock/clock").json()
        status = proxy.http.get("/_jobmock/status").json()
        made = proxy.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}).json()
        auth = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
        polled = proxy.http.get(f"/v1/jobs/{made['id']}", headers=auth)
        unknown = proxy.http.get("/v1/jobs/job_NotTheMocks1", headers=auth)
    banner = (tmp_path / "proxy.log").read_text()
    assert clock["mode"] == "manual" and status["jobs"]["max_per_namespace"] == 5
    assert polled.status_code == 200 and polled.headers["jobmock-mocked"] == "its job"
    assert unknown.status_code == 404 and unknown.headers["jobmock-mocked"] == "upstream down"
    assert f"  dashboard    {proxy.url}/" in banner and "mocked       when the upstream is down" in banner


def test_the_command_refuses_a_mock_naming_no_operation_in_one_line_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "proxy", "neuraldraft", "--upstream", "http://127.0.0.1:9/v1",
         "--mock", "createJob"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("jobmock: --mock: 'createJob' names no operation of neuraldraft")
    assert done.stderr.count("\n") == 1 and done.stdout == ""


def test_schemathesis_finds_nothing_in_the_proxys_violations_as_its_control_document_describes_them() -> None:
    """The Proxy operations of the proxy's `/_jobmock/openapi.json` (control.yaml's), with a
    violation found first, so that the page has one to show. Its stream is left to the test
    above: Schemathesis can only wait out its request timeout on each stream that has nothing
    more to send (some 40 s in all)."""
    with BackgroundServer(teapot_upstream()) as server, proxying("neuraldraft", server.url + "/v1") as client:
        client.get("/v1/jobs/job_Teapot00001", headers={"Authorization": f"Bearer {TOKENS['neuraldraft']}"})
        found, errors, ran = run_schemathesis(str(client.base_url).rstrip("/"), tag="Proxy", skip="streamViolations")
    assert not errors
    assert not found, "\n".join(f"{key}: {sample}" for key, sample in found.items())
    assert {"response_schema_conformance", "negative_data_rejection"} <= ran


def test_the_documents_example_job_is_the_upstreams_not_the_mocks() -> None:
    """Every namespace of the jobmock inside holds the document's example job
    (`job_2Ngd9KqLmRpW`), as `serve` does; through the proxy that id is the upstream's: its
    poll is relayed, not answered by the mock."""
    example = "/v1/jobs/job_2Ngd9KqLmRpW"
    auth = {"Authorization": "Bearer ndsk_test_example"}
    with upstream("neuraldraft") as url, proxying("neuraldraft", url + "/v1") as client:
        polled = client.get(example, headers=auth)
        assert polled.status_code == 200 and "jobmock-mocked" not in polled.headers
        assert [entry[-1] for entry in journal(client) if entry[0] == "GET"] == ["upstream"]
