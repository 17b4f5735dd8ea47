"""`jobmock proxy` holding each request to the document before it forwards it, the answer's
declared headers, and `--errors`: a breaking request refused 422 before the upstream sees
it, a breaking answer turned into a 502, both in the document's error envelope; without
`--errors`, flagged and relayed. Real upstreams on loopback: a jobmock serving longform,
and small servers answering as a test scripts them."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jobmock import BackgroundServer, JobmockClient, ProxyOptions, create_proxy
from jobmock.checker.response_rules import RULES, Seen
from jobmock.contract import load_api, spec_path
from jobmock.contract.model import ApiModel
from support import TOKENS, create, free_port

LONGFORM = load_api(spec_path("longform"))
assert isinstance(LONGFORM, ApiModel)
AUTH = {"Authorization": f"Bearer {TOKENS['longform']}"}
JOB = "987fcdeb-51a2-43d7-8f9e-123456789abc"  # the document's own example job
EXAMPLE: dict[str, Any] = LONGFORM.resolved["paths"]["/getJobStatus"]["get"]["responses"]["200"]["content"][
    "application/json"
]["example"]


class Recorded:
    """An upstream's ASGI app, with every request that reached it."""

    def __init__(self, app: Any):
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@contextmanager
def proxying(upstream: str, spec: str = "longform", **options: Any) -> Iterator[httpx.Client]:
    app = create_proxy(ProxyOptions(spec, upstream, port=0, **options))
    with BackgroundServer(app, relay=True) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def violations(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/_jobmock/violations")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["violations"])


def in_longforms_envelope(answer: httpx.Response) -> str:
    """The answer is in longform's documented error envelope, by the rule `check` applies; its message."""
    headers = {k.lower(): v for k, v in answer.headers.items()}
    assert list(RULES["error_envelope"].judge(LONGFORM, Seen(answer.status_code, headers, answer.text))) == []
    assert set(answer.json()) == {"error"}
    return str(answer.json()["error"])


@pytest.fixture(scope="module")
def longform() -> Iterator[tuple[str, Recorded]]:
    """A jobmock serving longform, and what reached it."""
    recorded = Recorded(create(specs=["longform"], seed=7))
    with BackgroundServer(recorded) as server:
        yield server.url, recorded


# (method, path, request options, the check it breaks, what the finding says it got)
BROKEN = {
    "a missing required parameter": (
        "GET", "/getJobStatus", {"headers": AUTH}, "request_parameters", "Missing query parameter 'jobId'",
    ),
    "a body breaking the schema": (
        "POST", "/cancelJob", {"headers": AUTH, "json": {"jobId": 5}}, "request_body",
        "5 is not of type 'string' - 'jobId'",
    ),
    "no credentials": (
        "GET", "/getJobStatus", {"params": {"jobId": JOB}}, "request_security", "no credential",
    ),
    "an operation the document lacks": ("GET", "/jobs", {"headers": AUTH}, "request_declared", "GET /jobs"),
    "credentials of another scheme": (
        "GET", "/getJobStatus", {"params": {"jobId": JOB}, "headers": {"Authorization": TOKENS["longform"]}},
        "request_security", "Authorization header must be 'Bearer <token>'",
    ),
    "credentials of another form": (
        "GET", "/getJobStatus", {"params": {"jobId": JOB}, "headers": {"Authorization": "Bearer not-a-jwt"}},
        "request_security", "a credential not of that form",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BROKEN)
def test_a_request_breaking_the_document_is_flagged_and_still_forwarded(
    longform: tuple[str, Recorded], case: str
) -> None:
    upstream, recorded = longform
    method, path, asked, check, got = BROKEN[case]
    with httpx.Client(base_url=upstream, timeout=10) as direct:
        expected = direct.request(method, path, **asked)
    recorded.seen.clear()
    with proxying(upstream) as client:
        answer = client.request(method, path, **asked)
        listed = violations(client)
    assert recorded.seen == [f"{method} {path}"]  # forwarded as it came
    assert (answer.status_code, answer.json()) == (expected.status_code, expected.json())  # the upstream's answer
    said = answer.headers["jobmock-violations"]
    assert said.startswith(f"1; {check}: expected ") and said.endswith(f"; got {got}"), said
    assert [(v["kind"], v["check"], v["actual"]) for v in listed] == [("request", check, got)]
    assert listed[0]["operation"] == {"/cancelJob": "cancelJob", "/getJobStatus": "getJobStatus"}.get(path)


def test_what_a_request_breaks_is_said_when_the_upstream_cannot_answer_it(caplog: pytest.LogCaptureFixture) -> None:
    with proxying(f"http://127.0.0.1:{free_port()}") as client:  # nothing listens there
        answer = client.get("/getJobStatus", params={"jobId": JOB, "undeclared": "1"})
        listed = violations(client)
    assert answer.status_code == 502 and "could not be reached" in in_longforms_envelope(answer)
    assert answer.headers["jobmock-violations"] == (
        "1; request_security: expected a JWT (three base64url segments separated by dots); got no credential"
    )
    assert [(v["check"], v["status"]) for v in listed] == [("request_security", 502)]
    assert not any("not defined in specification" in r.getMessage() for r in caplog.records)  # judged quietly


@pytest.mark.parametrize("case", BROKEN)
def test_with_errors_a_breaking_request_is_refused_422_before_the_upstream(
    longform: tuple[str, Recorded], case: str
) -> None:
    upstream, recorded = longform
    method, path, asked, check, got = BROKEN[case]
    recorded.seen.clear()
    with proxying(upstream, errors=True) as client:
        answer = client.request(method, path, **asked)
        listed = violations(client)
    assert recorded.seen == []  # the upstream saw nothing
    assert answer.status_code == 422
    message = in_longforms_envelope(answer)
    assert message.startswith("the request breaks the API's document (jobmock proxy --errors), 1 violation: ")
    assert f"(1) {check}: expected " in message and message.endswith(f"; got {got}"), message
    assert answer.headers["jobmock-violations"].startswith(f"1; {check}: ")
    assert [(v["check"], v["status"]) for v in listed] == [(check, 422)]


@pytest.mark.parametrize("errors", [False, True])
def test_a_valid_exchange_passes_untouched(
    longform: tuple[str, Recorded], errors: bool, caplog: pytest.LogCaptureFixture
) -> None:
    upstream, recorded = longform
    with JobmockClient(upstream) as control:
        job = control.create("longform", duration=60, token=TOKENS["longform"])
    recorded.seen.clear()
    with proxying(upstream, errors=errors) as client:
        polled = client.get("/getJobStatus", params={"jobId": job["id"]}, headers=AUTH)
        cancelled = client.post("/cancelJob", json={"jobId": job["id"]}, headers=AUTH)
        again = client.post("/cancelJob", json={"jobId": job["id"]}, headers=AUTH)  # its documented 409
        listed = violations(client)
    assert [a.status_code for a in (polled, cancelled, again)] == [200, 200, 409]
    assert polled.json()["id"] == job["id"] and cancelled.json() == {"message": "Job cancelled successfully"}
    assert again.json() == {"error": "Job is already cancelled and cannot be cancelled."}
    assert not any("jobmock-violations" in a.headers for a in (polled, cancelled, again))
    assert listed == []
    assert recorded.seen == ["GET /getJobStatus", "POST /cancelJob", "POST /cancelJob"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []  # judged quietly


# --- answers -----------------------------------------------------------------------------------


class Script:
    """An upstream answering each request with the next of its scripted answers (the last
    one again after that)."""

    def __init__(self, answers: list[tuple[int, dict[str, str], Any]]):
        self.answers = answers
        self.seen = 0
        self.app = Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET", "POST", "OPTIONS"])])

    async def answer(self, request: Request) -> Response:
        status, headers, body = self.answers[min(self.seen, len(self.answers) - 1)]
        self.seen += 1
        return Response(json.dumps(body), status, headers=headers, media_type="application/json")


@contextmanager
def scripted(answers: list[tuple[int, dict[str, str], Any]], path: str = "") -> Iterator[tuple[Script, str]]:
    script = Script(answers)
    with BackgroundServer(script.app, relay=True) as server:
        yield script, server.url + path


def polled(progress: float, updated: str, **changed: Any) -> dict[str, Any]:
    return {**copy.deepcopy(EXAMPLE), "progress": progress, "percent_complete": progress, "updated_at": updated,
            **changed}  # fmt: skip


@pytest.mark.parametrize("errors", [False, True])
def test_an_answer_breaking_the_document_is_relayed_flagged_or_with_errors_a_502(errors: bool) -> None:
    weird = polled(80, "2026-04-19T10:19:00.000Z", status=42)
    with scripted([(200, {}, weird)]) as (script, upstream), proxying(upstream, errors=errors) as client:
        answer = client.get("/getJobStatus", params={"jobId": JOB}, headers=AUTH)
    assert script.seen == 1
    said = answer.headers["jobmock-violations"]
    assert said.startswith("2; response_schema_conformance: expected a body fitting the documented 200 schema")
    assert "at status: 42 is not of type 'string'" in said
    if not errors:
        assert answer.status_code == 200 and answer.json() == weird  # relayed as it came
        return
    assert answer.status_code == 502
    message = in_longforms_envelope(answer)
    assert message.startswith("the upstream's answer breaks the API's document (jobmock proxy --errors), 2 violations:")
    assert "(1) response_schema_conformance: " in message and "(2) status_declared (job " in message


def test_with_errors_the_poll_that_first_shows_a_lifecycle_violation_is_a_502() -> None:
    answers = [
        (200, {}, polled(50, "2026-04-19T10:18:00.000Z")),
        (200, {}, polled(20, "2026-04-19T10:18:30.000Z")),  # progress goes back
        (200, {}, polled(20, "2026-04-19T10:18:30.000Z")),  # and stays there
        (200, {}, polled(60, "2026-04-19T10:19:00.000Z")),
    ]
    with scripted(answers) as (script, upstream), proxying(upstream, errors=True) as client:
        answers_got = [client.get("/getJobStatus", params={"jobId": JOB}, headers=AUTH) for _ in answers]
        listed = violations(client)
    assert [a.status_code for a in answers_got] == [200, 502, 200, 200]
    assert "(1) progress_monotonic (job " + JOB + "): " in in_longforms_envelope(answers_got[1])
    assert [a.json()["progress"] for i, a in enumerate(answers_got) if i != 1] == [50, 20, 60]
    assert [(v["check"], v["polls"]) for v in listed] == [("progress_monotonic", [2])] * 2  # progress, percent_complete
    assert script.seen == 4


# --- a document of its own: header and cookie parameters, 3.1 bodies, declared answer headers ------

ACME = """
openapi: 3.1.0
info: {title: Acme Render API, version: "1"}
servers: [{url: "https://api.acme.example/v2"}]
security: [{session: []}]
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: acme_session}
paths:
  /renders:
    post:
      operationId: createRender
      parameters:
        - {name: X-Region, in: header, required: true, schema: {enum: [eu, us]}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [scene]
              properties:
                scene: {type: string}
                frames: {type: [integer, "null"], minimum: 1}
      responses:
        "202":
          description: Accepted.
          headers:
            X-Request-Id: {required: true, schema: {type: string, pattern: "^req_"}}
            X-RateLimit-Remaining: {schema: {type: integer, minimum: 0}}
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
        "422":
          description: The request is not valid.
          content:
            application/json:
              schema: {type: object, required: [message], properties: {message: {type: string}}}
  /renders/{id}:
    get:
      operationId: getRender
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, pattern: "^render_"}}
      responses:
        default: {description: Any answer.}
"""
ACCEPTED = {"id": "render_1"}
GOOD_HEADERS = {"X-Request-Id": "req_1", "X-RateLimit-Remaining": "7"}
SESSION = {"Cookie": "acme_session=s3ss10n"}


@pytest.fixture
def acme(tmp_path: Path) -> str:
    path = tmp_path / "acme.yaml"
    path.write_text(ACME)
    return str(path)


def test_path_header_and_cookie_parameters_and_a_body_are_judged_in_the_documents_dialect(
    acme: str, caplog: pytest.LogCaptureFixture
) -> None:
    sent: dict[str, tuple[dict[str, str], Any]] = {
        "valid (null frames: 3.1's type list)": ({**SESSION, "X-Region": "eu"}, {"scene": "a", "frames": None}),
        "no X-Region": (SESSION, {"scene": "a"}),
        "X-Region out of its enum": ({**SESSION, "X-Region": "mars"}, {"scene": "a"}),
        "frames under its minimum": ({**SESSION, "X-Region": "us"}, {"scene": "a", "frames": 0}),
        "no session cookie": ({"X-Region": "eu"}, {"scene": "a"}),
    }
    with scripted([(202, GOOD_HEADERS, ACCEPTED)], "/v2") as (script, upstream), proxying(upstream, acme) as client:
        said = {case: client.post("/v2/renders", headers=h, json=b).headers.get("jobmock-violations")
                for case, (h, b) in sent.items()}  # fmt: skip
        for path in ("/v2/renders/render_1", "/v2/renders/other_1"):
            said[path] = client.get(path, headers=SESSION).headers.get("jobmock-violations")
    assert script.seen == len(sent) + 2  # every one forwarded
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []  # judged quietly
    assert said == {
        "/v2/renders/render_1": None,
        "/v2/renders/other_1": "1; request_parameters: expected parameters as the operation declares them; "
        "got 'other_1' does not match '^render_'",
        "valid (null frames: 3.1's type list)": None,
        "no X-Region": "1; request_parameters: expected parameters as the operation declares them; "
        "got Missing header parameter 'X-Region'",
        "X-Region out of its enum": "1; request_parameters: expected parameters as the operation declares them; "
        "got 'mars' is not one of ['eu', 'us']",
        "frames under its minimum": "1; request_body: expected a body as the operation declares it; "
        "got 0 is less than the minimum of 1 - 'frames'",
        "no session cookie": "1; request_security: expected an API key in the acme_session cookie; got no credential",
    }


def test_with_errors_every_part_a_request_breaks_is_listed_in_the_documented_422(acme: str) -> None:
    with (
        scripted([(202, GOOD_HEADERS, ACCEPTED)], "/v2") as (script, upstream),
        proxying(upstream, acme, errors=True) as client,
    ):
        refused = client.post("/v2/renders", json={"scene": "a"})  # no cookie, no X-Region
        preflight = client.options("/v2/renders", headers={"Origin": "http://localhost:5173",
                                                            "Access-Control-Request-Method": "POST"})  # fmt: skip
        passed = client.post("/v2/renders", headers={**SESSION, "X-Region": "eu"}, json={"scene": "a"})
    assert refused.status_code == 422 and set(refused.json()) == {"message"}  # the operation's documented 422
    message = refused.json()["message"]
    assert "2 violations: (1) request_security: " in message
    assert "(2) request_parameters: expected parameters as the operation declares them; got Missing header " in message
    assert preflight.status_code == 202 and "jobmock-violations" not in preflight.headers  # the browser's: relayed
    assert passed.status_code == 202 and passed.json() == ACCEPTED and "jobmock-violations" not in passed.headers
    assert script.seen == 2  # the preflight and the valid one


def test_the_answers_declared_headers_are_held_to_their_schemas(acme: str) -> None:
    answers = [
        (202, {"X-RateLimit-Remaining": "-1"}, ACCEPTED),  # no X-Request-Id; a negative count
        (202, {"X-Request-Id": "abc", "X-RateLimit-Remaining": "many"}, ACCEPTED),
        (202, GOOD_HEADERS, ACCEPTED),  # "7" read as the integer it spells
    ]
    sent = {"headers": {**SESSION, "X-Region": "eu"}, "json": {"scene": "a"}}
    with scripted(answers, "/v2") as (_script, upstream), proxying(upstream, acme) as client:
        got = [client.post("/v2/renders", **sent) for _ in answers]  # type: ignore[arg-type]
        listed = violations(client)
    assert [a.status_code for a in got] == [202, 202, 202]
    assert got[0].headers["jobmock-violations"] == (
        "2; response_headers_conformance: expected the required X-Request-Id header; got no X-Request-Id header"
    )
    assert "jobmock-violations" not in got[2].headers
    assert sorted(v["actual"] for v in listed) == [
        "X-RateLimit-Remaining: -1 (at (root): -1 is less than the minimum of 0)",
        "X-RateLimit-Remaining: many (at (root): 'many' is not of type 'integer')",
        "X-Request-Id: abc (at (root): 'abc' does not match '^req_')",
        "no X-Request-Id header",
    ]
