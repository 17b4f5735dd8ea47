"""A vendor's document with no x-jobmock, served with the lifecycle read from it (issue 21):
the vendor's own create, poll, list and cancel drive the jobs, each answer held to the
document (`support.Conformance`), each key seeing its own jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobmock import create as create_app
from jobmock.contract.model import ApiModel
from jobmock.exceptions import SpecError, SpecErrors
from support import Served, serve

COUNT = {"type": "integer", "minimum": 0}
STAMP = {"type": "integer", "nullable": True}
BATCH = {
    "type": "object",
    "required": ["id", "object", "status", "input_file_id", "created_at", "request_counts"],
    "properties": {
        "id": {"type": "string", "example": "batch_abc123"},
        "object": {"type": "string", "enum": ["batch"]},
        "input_file_id": {"type": "string"},
        "status": {
            "type": "string",
            "enum": ["validating", "in_progress", "finalizing", "completed", "failed", "cancelling", "cancelled"],
        },
        "created_at": {"type": "integer"},
        "in_progress_at": STAMP,
        "completed_at": STAMP,
        "cancelling_at": STAMP,
        "cancelled_at": STAMP,
        "output_file_id": {"type": "string", "nullable": True},
        "request_counts": {
            "type": "object",
            "required": ["total", "completed", "failed"],
            "properties": {"total": COUNT, "completed": COUNT, "failed": COUNT},
        },
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
LISTING = {
    "type": "object",
    "required": ["object", "data", "has_more"],
    "properties": {
        "object": {"type": "string", "enum": ["list"]},
        "data": {"type": "array", "items": BATCH},
        "first_id": {"type": "string", "nullable": True},
        "last_id": {"type": "string", "nullable": True},
        "has_more": {"type": "boolean"},
    },
}
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Batches", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Export": {
                "type": "object",
                "required": ["id", "state"],
                "properties": {
                    "id": {"type": "string"},
                    "state": {"type": "string", "enum": ["pending", "running", "done"]},
                },
            }
        },
    },
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
            },
            "get": {
                "operationId": "listBatches",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}},
                    {"name": "after", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": answer("200", LISTING),
            },
        },
        "/batches/{batch_id}": {
            "get": {
                "operationId": "retrieveBatch",
                "parameters": [ID],
                "responses": {**answer("200", BATCH), **answer("404", ERROR)},
            }
        },
        "/exports": {
            "post": {"operationId": "createExport", "responses": answer("202", {"$ref": "#/components/schemas/Export"})}
        },
        "/exports/{export_id}": {
            "get": {
                "operationId": "getExport",
                "parameters": [{"name": "export_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": answer("200", {"$ref": "#/components/schemas/Export"}),
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
A = {"Authorization": "Bearer key-a"}
B = {"Authorization": "Bearer key-b"}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path: Path = tmp_path_factory.mktemp("doc") / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    yield from serve(specs=[str(path)], clock="manual", seed=3)


def create(served: Served, headers: dict[str, str], namespace: str) -> dict[str, Any]:
    made = served.http.post("/v1/batches", json={"input_file_id": "file-abc"}, headers={**headers, **ns(namespace)})
    assert made.status_code == 201
    body: dict[str, Any] = made.json()
    return body


def ns(namespace: str) -> dict[str, str]:
    return {"X-Jobmock-Namespace": namespace}


def test_the_job_resource_is_read_from_the_document(batches: Served) -> None:
    (api,) = batches.app.contracts
    assert isinstance(api, ApiModel) and api.poll.operation_id == "retrieveBatch"
    assert api.lifecycle.initial == "validating" and api.lifecycle.cancelling == "cancelling"
    assert any("a job resource inferred" in str(w) for w in api.warnings)


def test_the_vendors_create_makes_a_job_that_moves(batches: Served) -> None:
    made = create(batches, A, "moves")
    assert made["status"] == "validating" and made["input_file_id"] == "file-abc"  # the request's field kept
    assert made["in_progress_at"] is None and made["completed_at"] is None
    batches.control("moves").advance(60)
    done = batches.http.get(f"/v1/batches/{made['id']}", headers={**A, **ns("moves")}).json()
    assert done["status"] == "completed"
    assert made["created_at"] <= done["in_progress_at"] <= done["completed_at"]
    counts = done["request_counts"]
    assert counts["completed"] == counts["total"] and counts["failed"] == 0
    assert done["output_file_id"] is not None and done["cancelled_at"] is None


def test_another_key_sees_nothing_and_an_unknown_id_gets_the_documented_404(batches: Served) -> None:
    made = create(batches, A, "keys")
    for path, headers in ((f"/v1/batches/{made['id']}", B), ("/v1/batches/batch_nope", A)):
        missing = batches.http.get(path, headers={**headers, **ns("keys")})  # held to the 404 the document declares
        assert missing.status_code == 404 and "message" in missing.json()["error"]
    assert batches.http.get("/v1/batches", headers={**B, **ns("keys")}).json()["data"] == []


def test_the_list_pages_the_callers_jobs_newest_first(batches: Served) -> None:
    ids = [create(batches, A, "pages")["id"] for _ in range(3)]
    create(batches, B, "pages")
    first = batches.http.get("/v1/batches", params={"limit": 2}, headers={**A, **ns("pages")}).json()
    assert [b["id"] for b in first["data"]] == ids[::-1][:2] and first["has_more"] is True
    assert first["last_id"] == ids[1]
    rest = batches.http.get("/v1/batches", params={"after": first["last_id"]}, headers={**A, **ns("pages")}).json()
    assert [b["id"] for b in rest["data"]] == ids[:1] and rest["has_more"] is False


def test_a_cancel_passes_through_cancelling_then_rests_cancelled(batches: Served) -> None:
    made = create(batches, A, "cancel")
    batches.control("cancel").advance(5)
    cancelling = batches.http.post(f"/v1/batches/{made['id']}/cancel", headers={**A, **ns("cancel")})
    assert cancelling.status_code == 200 and cancelling.json()["status"] == "cancelling"
    assert cancelling.json()["cancelling_at"] is not None
    batches.control("cancel").advance(3)
    rested = batches.http.get(f"/v1/batches/{made['id']}", headers={**A, **ns("cancel")}).json()
    assert rested["status"] == "cancelled" and rested["cancelled_at"] >= rested["cancelling_at"]
    again = batches.http.post(f"/v1/batches/{made['id']}/cancel", headers={**A, **ns("cancel")})
    assert again.status_code == 409 and "cancelled" in again.json()["error"]["message"]


def test_every_job_resource_of_the_document_is_served(batches: Served) -> None:
    """The batches keep the document's name; the exports are served beside them as
    `batches.exports`, through their own create and poll."""
    assert [a["name"] for a in batches.http.get("/_jobmock/apis").json()["apis"]] == ["batches", "batches.exports"]
    made = batches.http.post("/v1/exports", headers={**A, **ns("exports")})
    assert made.status_code == 202 and made.json()["state"] == "pending"
    batches.control("exports").advance(60)
    polled = batches.http.get(f"/v1/exports/{made.json()['id']}", headers={**A, **ns("exports")})
    assert polled.json()["state"] == "done"


def test_the_other_resources_follow_the_mount_and_the_keys(tmp_path: Path) -> None:
    """Served beside another API (each under /<name>) and with `--key`, the exports move with
    the batches: they are the same document's."""
    path = tmp_path / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    for served in serve(specs=[str(path), "neuraldraft"], clock="manual", keys=("batches=key-a",)):
        refused = served.unchecked.post("/batches/v1/exports", headers=B)
        assert refused.status_code == 401
        made = served.http.post("/batches/v1/exports", headers=A)
        assert made.status_code == 202
        polled = served.http.get(f"/batches/v1/exports/{made.json()['id']}", headers=A)
        assert polled.status_code == 200 and polled.json()["state"] == "pending"
        job = served.control().create("batches.exports")
        assert job["poll_url"] == f"{served.url}/batches/v1/exports/{job['id']}"
        assert served.unchecked.get(job["poll_url"], headers=B).status_code == 401


def test_an_overlay_is_laid_over_the_inferred_lifecycle_and_the_document_stays_untouched(tmp_path: Path) -> None:
    path = tmp_path / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("x-jobmock:\n  duration:\n    initial: [0, 0]\n    working: [4, 4]\n")
    for served in serve(specs=[str(path)], clock="manual", overlays=(str(overlay),)):
        made = create(served, A, "overlay")
        served.control("overlay").advance(5)  # the overlay's 4 s of work, not the default 10 to 25
        polled = served.http.get(f"/v1/batches/{made['id']}", headers={**A, **ns("overlay")}).json()
        assert polled["status"] == "completed"
        assert "x-jobmock" not in served.http.get("/v1/openapi.json").json()
    assert json.loads(path.read_text()) == DOCUMENT


def test_a_broken_overlay_is_refused_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("x-jobmock:\n  cancelled: cancelled\n  initial: nowhere\n")
    with pytest.raises(SpecErrors) as refused:
        create_app(specs=[str(path)], overlays=(str(overlay),))
    assert f"{overlay}:3: x-jobmock/initial: 'nowhere' is not one of the declared states" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("duration: {}\n", ":1: (document): an overlay holds an `x-jobmock:` mapping"),
        ("x-jobmock: {}\npaths: {}\n", ":2: paths: an overlay holds `x-jobmock` and `api` only"),
        ("api: nowhere\nx-jobmock: {}\n", ":1: api: no served document is named 'nowhere'"),
    ],
)
def test_an_overlay_that_says_nothing_usable_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "batches.json"
    path.write_text(json.dumps(DOCUMENT))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(text)
    with pytest.raises((SpecErrors, SpecError)) as refused:
        create_app(specs=[str(path)], overlays=(str(overlay),))
    assert f"{overlay}{message}" in str(refused.value)


def test_the_journal_names_the_resource_each_request_was_for(batches: Served) -> None:
    made = batches.http.post("/v1/exports", headers={**A, **ns("journal")}).json()
    batches.http.get(f"/v1/exports/{made['id']}", headers={**A, **ns("journal")})
    batches.http.get("/v1/batches", headers={**A, **ns("journal")})
    apis = [(e["method"], e["api"]) for e in batches.control("journal").journal()]
    assert apis == [("POST", "batches"), ("GET", "batches.exports"), ("GET", "batches")]


RENDER_FARM = Path(__file__).parents[1] / "checker" / "render_farm.yaml"  # a cancel POST and a DELETE


def test_the_vendors_delete_removes_the_job_for_good(tmp_path: Path) -> None:
    """The document's DELETE beside its POST cancel is its delete: the job is gone (the next
    poll and a second delete get the documented 404), another key cannot delete it, and a
    cancel answers the job as the cancel left it."""
    key, other = {"X-Api-Key": "key-a"}, {"X-Api-Key": "key-b"}
    for served in serve(specs=[str(RENDER_FARM)], clock="manual", seed=3):
        (api,) = served.app.contracts
        assert (
            isinstance(api, ApiModel) and api.delete is not None and api.delete.operation.operation_id == "deleteRender"
        )
        jobs = [served.http.post("/v2/renders", json={"scene": "a"}, headers=key).json()["id"] for _ in range(2)]
        cancelled = served.http.post(f"/v2/renders/{jobs[1]}/cancel", headers=key)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "canceled"
        assert served.http.delete(f"/v2/renders/{jobs[0]}", headers=other).status_code == 404
        gone = served.http.delete(f"/v2/renders/{jobs[0]}", headers=key)
        assert gone.status_code == 204 and gone.content == b""
        for again in (served.http.get(f"/v2/renders/{jobs[0]}", headers=key),
                      served.http.delete(f"/v2/renders/{jobs[0]}", headers=key)):  # fmt: skip
            assert again.status_code == 404 and "message" in again.json()
        assert served.http.get(f"/v2/renders/{jobs[1]}", headers=key).status_code == 200  # the other job stays


def transcripts(extra: int) -> dict[str, Any]:
    """An OpenAPI 3.1 document of transcripts whose result (`text`) and error may be null, as
    AssemblyAI's are, beside `extra` other fields (a vendor's job has eighty)."""
    fields = {f"option_{i}": {"type": "string"} for i in range(extra)}
    transcript = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "processing", "completed", "error"]},
            "text": {"type": ["string", "null"]},
            "error": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            **fields,
        },
    }
    ident = {"name": "transcript_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Transcripts", "version": "1"},
        "paths": {
            "/v2/transcript": {"post": {"operationId": "createTranscript", "responses": answer("200", transcript)}},
            "/v2/transcript/{transcript_id}": {
                "get": {"operationId": "getTranscript", "parameters": [ident], "responses": answer("200", transcript)}
            },
        },
    }


@pytest.mark.parametrize("extra", [0, 300])
def test_a_result_or_error_the_document_lets_be_null_is_shown_in_its_state(tmp_path: Path, extra: int) -> None:
    """A completed transcript holds its text and a failed one its error, though the schema
    allows null, and a big job's other fields are made lean (only what is required)."""
    path = tmp_path / "transcripts.json"
    path.write_text(json.dumps(transcripts(extra)))
    for served in serve(specs=[str(path)], clock="manual", seed=5):
        control = served.control()
        jobs = [control.create("transcripts", outcome=outcome) for outcome in ["completed", "error"] * 5]
        control.advance(600)
        for job in jobs:
            body = served.http.get(str(job["poll_url"])).json()
            shown, hidden = ("text", "error") if body["status"] == "completed" else ("error", "text")
            assert isinstance(body[shown], str) and body.get(hidden) is None, body


def test_a_cancel_of_a_finished_job_answers_what_the_document_allows(tmp_path: Path) -> None:
    """A cancel documenting a 409 refuses a finished job with it; one documenting only its
    200 (OpenAI's batches) answers the job unchanged: the document says of no other answer."""
    import yaml

    document = yaml.safe_load(RENDER_FARM.read_text())
    del document["paths"]["/renders/{job_id}/cancel"]["post"]["responses"]["409"]
    path = tmp_path / "render_farm_no_409.json"
    path.write_text(json.dumps(document))
    key = {"X-Api-Key": "key-a"}
    for spec, again in ((RENDER_FARM, 409), (path, 200)):
        for served in serve(specs=[str(spec)], clock="manual", seed=3):
            job = served.http.post("/v2/renders", json={"scene": "a"}, headers=key).json()["id"]
            assert served.http.post(f"/v2/renders/{job}/cancel", headers=key).status_code == 200
            second = served.http.post(f"/v2/renders/{job}/cancel", headers=key)  # held to the document
            assert second.status_code == again, second.text
            if again == 200:
                assert second.json()["status"] == "canceled"
