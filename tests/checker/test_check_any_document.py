"""`jobmock check` on a vendor's document as it is published, with no x-jobmock (issue 21):
its job resource read from the document and watched over time, a document with none checked
by Schemathesis alone, and the refusals HTTP itself defines (a 401 to a request without
credentials, a 400 to a request Schemathesis made invalid) not held against the target
where the document lists no such status. Small documents written here, so these run in CI
without the corpus (`tests/corpus/test_check.py` runs the vendors' own)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from test_check import polls_clock_an_hour_ago

from jobmock import BackgroundServer, CheckUsageError, check, render_text
from jobmock.checker import CHECKS
from jobmock.checker.http_semantics import Refusal, notes, rule_for
from jobmock.contract import load_api
from support import serve

TOKEN = "exports-key-1"
VERSION = "2024-06"  # the required header's documented default

EXPORT = {
    "type": "object",
    "required": ["gid", "resource_type", "status", "created_at"],
    "properties": {
        "gid": {"type": "string"},
        "resource_type": {"const": "organization_export"},
        "status": {"type": "string", "enum": ["pending", "started", "finished", "error"]},
        "download_url": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
WRAPPED = {"type": "object", "required": ["data"], "properties": {"data": {"$ref": "#/components/schemas/Export"}}}
VERSION_HEADER = {
    "name": "X-Api-Version",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "default": VERSION},
}
GID = {"name": "export_gid", "in": "path", "required": True, "schema": {"type": "string"}}


def answer(status: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {status: {"description": status, "content": {"application/json": {"schema": schema}}}}


# An Asana-like export API (OpenAPI 3.1): the status one level down (`data.status`), a required
# version header, a bearer token; no operation documents a 401, the create documents no 400.
EXPORTS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Exports", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": {"Export": EXPORT}},
    "paths": {
        "/exports": {
            "post": {
                "operationId": "createExport",
                "parameters": [VERSION_HEADER],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["organization"],
                                "properties": {"organization": {"type": "string", "maxLength": 40}},
                            }
                        }
                    },
                },
                "responses": answer("201", WRAPPED),
            }
        },
        "/exports/{export_gid}": {
            "get": {
                "operationId": "getExport",
                "parameters": [VERSION_HEADER, GID],
                "responses": {**answer("200", WRAPPED), "404": {"description": "no such export"}},
            }
        },
    },
}
# A document with no job resource: a list of projects, an apiKey header.
PROJECTS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Projects", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "paths": {
        "/projects": {
            "get": {
                "operationId": "listProjects",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}
                ],
                "responses": answer(
                    "200", {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
                ),
            }
        }
    },
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("doc") / "exports.json"
    path.write_text(json.dumps(EXPORTS))
    return path


def test_jobmock_serving_a_document_with_no_extension_conforms(exports: Path) -> None:
    """The export resource is read from the document; a job per terminal state is watched to
    its end (the status read inside `data`, the version header sent as documented)."""
    for served in serve(specs=[str(exports)], seed=7):
        polls_clock_an_hour_ago(served.url)
        report = check(str(exports), served.url + "/v1", token=TOKEN, max_examples=5, seed=1, poll_interval=0.02)
    assert report.exit_code == 0, render_text(report)
    assert report.contract is not None and "status_code_conformance" in report.contract.checks_run
    ends = {str(h.polls[-1].job["data"]["status"]) for h in report.histories if h.polls[-1].job}
    assert ends == {"finished", "error"}
    assert not any(h.timed_out for h in report.histories)
    assert all(p.request_headers.get("X-Api-Version") == VERSION for h in report.histories for p in h.polls)
    # the report reads short: the API by name, not its document (asyncio.run wrote it all out, minutes for OpenAI's)
    assert "<ApiModel exports from exports.json>" in repr(report.histories[0]) and len(repr(report)) < 20_000


class ScriptedExports:
    """Answers polls of one export from a script (the n-th poll gets the n-th status), and
    refuses a poll without the version header as the vendor would."""

    def __init__(self, statuses: list[str]):
        self.statuses, self.polls, self.gid = statuses, 0, "1204567890"
        self.created = datetime.fromtimestamp(int(time.time()) - 60, UTC).isoformat().replace("+00:00", "Z")
        self.app = Starlette(routes=[Route("/v1/exports/{export_gid}", self.poll)])

    async def poll(self, request: Request) -> Response:
        if request.headers.get("x-api-version") != VERSION:
            return Response(json.dumps({"errors": [{"message": "X-Api-Version is required"}]}), 400)
        if request.path_params["export_gid"] != self.gid:
            return Response(status_code=404)
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        url = f"https://files.example.com/{self.gid}.json.gz" if status == "finished" else None
        body = {"gid": self.gid, "resource_type": "organization_export", "status": status, "download_url": url}
        return Response(json.dumps({"data": {**body, "created_at": self.created}}), media_type="application/json")


def watch_scripted(exports: Path, statuses: list[str]) -> Any:
    scripted = ScriptedExports(statuses)
    with BackgroundServer(scripted.app) as server:
        return scripted, check(
            str(exports), server.url + "/v1", token=TOKEN, jobs=[scripted.gid], checks=list(CHECKS),
            poll_interval=0.01, lifecycle_timeout=10,
        )  # fmt: skip


def test_a_server_keeping_the_inferred_lifecycle_passes(exports: Path) -> None:
    _scripted, report = watch_scripted(exports, ["pending", "started", "started", "finished"])
    assert report.exit_code == 0, render_text(report)
    assert "pending → started x2 → finished x3" in render_text(report)


@pytest.mark.parametrize(
    ("statuses", "rule"),
    [
        (["pending", "started", "finished", "started", "finished"], "terminal_stable"),
        (["pending", "finished", "started", "finished"], "terminal_stable"),
        (["started", "pending", "started", "finished"], "legal_transition"),
        (["pending", "started", "archived", "finished"], "status_declared"),
    ],
)
def test_a_server_breaking_one_rule_of_the_inferred_lifecycle_is_caught(
    exports: Path, statuses: list[str], rule: str
) -> None:
    scripted, report = watch_scripted(exports, statuses)
    assert report.exit_code == 1
    assert rule in {v.check for v in report.violations}, render_text(report)
    assert f"{rule} [lifecycle] job {scripted.gid}" in render_text(report)


def test_a_document_with_no_job_resource_is_checked_by_schemathesis_alone(tmp_path: Path) -> None:
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(PROJECTS))
    for served in serve(specs=[str(path)]):
        report = check(str(path), served.url, token="key-1", max_examples=5, seed=1)
        with pytest.raises(CheckUsageError, match="projects has no job resource"):
            check(str(path), served.url, token="key-1", jobs=["p1"])
    assert report.exit_code == 0, render_text(report)
    assert report.histories == [] and report.contract is not None and report.contract.checks_run
    assert any(n.startswith("lifecycle checks skipped: projects has no job resource") for n in report.notes)
    assert any(n.startswith("ignored_auth skipped: this jobmock accepts any") for n in report.notes)
    assert any(n.startswith("use_after_free skipped: this jobmock serves projects statelessly") for n in report.notes)


def test_a_made_up_credential_of_a_basic_scheme_is_of_its_form(tmp_path: Path) -> None:
    """Twilio's documents take `user:password` (http basic): a jobmock taking any pair of that
    form is told apart as for a bearer token, and ignored_auth skipped, not failed."""
    document = json.loads(json.dumps(PROJECTS))
    document["components"]["securitySchemes"] = {"key": {"type": "http", "scheme": "basic"}}
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(document))
    for served in serve(specs=[str(path)]):
        report = check(str(path), served.url, token="ACuser:secret", max_examples=5, seed=1)
    assert report.exit_code == 0, render_text(report)
    assert any(n.startswith("ignored_auth skipped: this jobmock accepts any") for n in report.notes)


class Vendor:
    """A real vendor's answers to the projects document: 401 without its key, 400 to a
    `limit` its schema refuses (`strict`), or to every `limit` (not `strict`: a valid request
    refused), none of which the document lists."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.app = Starlette(routes=[Route("/projects", self.projects)])

    async def projects(self, request: Request) -> Response:
        if request.headers.get("x-key") != "key-1":
            return Response(json.dumps({"message": "unauthorized"}), 401, media_type="application/json")
        limit = request.query_params.get("limit")
        valid = limit is None or (limit.isdigit() and 1 <= int(limit) <= 50)
        if limit is not None and (not valid or not self.strict):
            return Response(json.dumps({"message": f"bad limit {limit!r}"}), 400, media_type="application/json")
        return Response(json.dumps([{"name": "apollo"}]), media_type="application/json")


def check_vendor(tmp_path: Path, strict: bool) -> Any:
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(PROJECTS))
    with BackgroundServer(Vendor(strict).app) as server:
        return check(str(path), server.url, token="key-1", max_examples=10, seed=1)


def test_refusals_http_defines_are_noted_not_counted_against_any_target(tmp_path: Path) -> None:
    """A 401 to a request without the key and a 400 to a `limit` of 0 or 51, which the
    document lists no status for, are what every server answers: the report counts them
    by rule, in notes, and the run conforms."""
    report = check_vendor(tmp_path, strict=True)
    assert report.exit_code == 0, render_text(report)
    noted = " ".join(report.notes)
    assert "not counted, HTTP's own answer, by rule credentials_missing" in noted and "GET /projects (401)" in noted
    assert "by rule invalid_request" in noted and "GET /projects (400)" in noted


def test_a_400_to_a_valid_request_stays_a_failure(tmp_path: Path) -> None:
    report = check_vendor(tmp_path, strict=False)
    assert report.exit_code == 1
    assert report.contract is not None
    refused = [f for f in report.contract.failures if f.check == "status_code_conformance"]
    assert refused and all("Received: 400" in f.message for f in refused), render_text(report)


def refusal(
    status: int,
    negative: bool = False,
    sent: frozenset[str] = frozenset(),
    op: str = "GET /projects",
    made_up: bool = False,
    check: str = "status_code_conformance",
    body_bytes: int = 0,
    negative_in: frozenset[str] = frozenset(),
    credentials: frozenset[str] = frozenset(),
) -> Refusal:
    return Refusal(op, status, negative, sent, made_up, check, body_bytes, negative_in, credentials)


def test_each_rule_holds_only_where_its_reason_does(tmp_path: Path) -> None:
    document = json.loads(json.dumps(PROJECTS))
    document["paths"]["/projects"]["post"] = {
        "operationId": "createProject",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {**answer("201", {"type": "object"}), **answer("422", {"type": "object"})},
    }
    document["paths"]["/status"] = {"get": {"security": [], "responses": answer("200", {"type": "object"})}}
    one = {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]}
    document["paths"]["/projects/{id}"] = {"get": {**one, "responses": answer("200", {"type": "object"})}}
    found = {**answer("200", {"type": "object"}), "404": {"description": "no such task"}}
    document["paths"]["/tasks/{id}"] = {"get": {**one, "responses": found}}
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(document))
    api = load_api(path)
    key = frozenset({"header:x-key"})

    def only_the_key(broken: frozenset[str] = frozenset({"header"}), sent: frozenset[str] = key) -> Refusal:
        return refusal(200, True, sent, check="negative_data_rejection", negative_in=broken, credentials=key)

    cases = {
        "no key, 401": refusal(401),
        "no key, 403": refusal(403),
        "its key, 401": refusal(401, sent=frozenset({"header:x-key"})),
        "open operation, 401": refusal(401, op="GET /status"),
        "invalid, 400": refusal(400, negative=True),
        "valid, 400": refusal(400),
        "invalid, 404": refusal(404, negative=True),
        "invalid, 400, 422 documented": refusal(400, negative=True, op="POST /projects"),
        "made-up id, 404": refusal(404, op="GET /projects/{id}", made_up=True),
        "a watched job's id, 404": refusal(404, op="GET /projects/{id}"),
        "made-up id, 404 documented": refusal(404, op="GET /tasks/{id}", made_up=True),
        "a 300 KiB body, 413": refusal(413, op="POST /projects", body_bytes=300_000),
        "a 300 KiB invalid body, 413": refusal(
            413, op="POST /projects", body_bytes=300_000, negative=True, check="negative_data_rejection"
        ),
        "a 1 KiB body, 413": refusal(413, op="POST /projects", body_bytes=1024),
        "invalid, 400, as accepted": refusal(400, negative=True, check="negative_data_rejection"),
        "only the key broken, which check sent": only_the_key(),
        "the key and the query broken": only_the_key(broken=frozenset({"header", "query"})),
        "only the key broken, not sent": only_the_key(sent=frozenset()),
    }
    named = {case: getattr(rule_for(api, r), "name", None) for case, r in cases.items()}
    assert named == {
        "no key, 401": "credentials_missing",
        "no key, 403": "credentials_missing",
        "its key, 401": None,
        "open operation, 401": None,
        "invalid, 400": "invalid_request",
        "valid, 400": None,
        "invalid, 404": None,
        "invalid, 400, 422 documented": None,
        "made-up id, 404": "unknown_resource",
        "a watched job's id, 404": None,
        "made-up id, 404 documented": None,
        "a 300 KiB body, 413": "content_too_large",
        "a 300 KiB invalid body, 413": "content_too_large",
        "a 1 KiB body, 413": None,
        "invalid, 400, as accepted": None,
        "only the key broken, which check sent": "credential_sent_anyway",
        "the key and the query broken": None,
        "only the key broken, not sent": None,
    }
    said = notes(
        {
            "invalid_request": Counter({"GET /projects (400)": 1}),
            "credentials_missing": Counter({"GET /projects (401)": 2}),
        }
    )
    assert [n.split(" not counted")[0] for n in said] == [
        "2 findings",
        "1 finding",
    ]
    assert said[0].endswith(
        "by rule credentials_missing (401 or 403 to a request sent without the credentials the "
        "operation's security asks, where the operation documents neither that status, 4XX nor "
        "default): GET /projects (401) x2"
    )


def test_what_the_document_keeps_schemathesis_from_testing_is_noted_not_an_error(tmp_path: Path) -> None:
    """AssemblyAI's create takes a body no value fits (`additionalProperties: false` beside an
    `allOf` that requires a property), and its links name operations it lacks: those parts are
    not checked, and the report says so; the rest is, and the run is no "could not check"."""
    document = json.loads(json.dumps(PROJECTS))
    closed = {
        "additionalProperties": False,
        "allOf": [{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}],
    }
    link = {"links": {"Sentences": {"operationId": "getSentences", "parameters": {"id": "$response.body#/id"}}}}
    document["paths"]["/projects"]["post"] = {
        "operationId": "createProject",
        "requestBody": {"required": True, "content": {"application/json": {"schema": closed}}},
        "responses": {"201": {**answer("201", {"type": "object"})["201"], **link}},
    }
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(document))
    for served in serve(specs=[str(path)]):
        report = check(str(path), served.url, token="key-1", max_examples=5, seed=1)
    assert report.exit_code == 0, render_text(report)
    unchecked = [n for n in report.notes if n.startswith("not checked: ")]
    assert any(n.startswith("not checked: POST /projects: Schema Error") for n in unchecked), report.notes
    assert any("Invalid OpenAPI Links Definition" in n and "getSentences" in n for n in unchecked), report.notes


def test_negative_data_that_only_breaks_the_credential_check_sends_anyway_is_noted(tmp_path: Path) -> None:
    """Vulcan takes a session cookie: Schemathesis leaves it out to make a request invalid, but
    check sends the credential with every request, so the request carried it and was answered."""
    document = json.loads(json.dumps(PROJECTS))
    document["components"]["securitySchemes"] = {"session": {"type": "apiKey", "in": "cookie", "name": "_session"}}
    document["security"] = [{"session": []}]
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(document))
    for served in serve(specs=[str(path)]):
        report = check(str(path), served.url, token="s3ss10n", max_examples=5, seed=1)
    assert report.exit_code == 0, render_text(report)
    assert any("by rule credential_sent_anyway" in n and "GET /projects" in n for n in report.notes), report.notes
