"""Job resources found in a document with no `x-jobmock` (`contract.infer`): the rule, on a
document written to test each part of it."""

from __future__ import annotations

from typing import Any

from jobmock.contract.infer import JobResource, find_jobs, status_values


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def answer(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {"responses": {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}}


JOB = obj(id={"type": "string"}, status={"type": "string", "enum": ["queued", "running", "succeeded", "failed"]})
INVITE = obj(id={"type": "string"}, status={"type": "string", "enum": ["pending", "accepted", "expired"]})
ORDER = obj(id={"type": "string"}, status={"enum": ["processing", "shipped", "delivered", "cancelled"]})
EXPORT = obj(data=obj(gid={"type": "string"}, state={"type": "string", "enum": ["pending", "started", "finished"]}))
DUB = obj(status={"type": "string", "description": "Either 'dubbed', 'dubbing' or 'failed'."})
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/v1/jobs": {"post": answer(JOB, "202"), "get": answer({"type": "array", "items": JOB})},
        "/v1/jobs/{job_id}": {"get": answer(JOB), "delete": answer(JOB)},
        "/v1/jobs/{job_id}/cancel": {"post": answer(JOB)},
        "/v1/invites/{id}": {"get": answer(INVITE)},
        "/v1/orders/{id}": {"get": answer(ORDER)},
        "/v1/exports/{gid}": {"get": answer(EXPORT), "delete": answer(EXPORT)},
        "/v1/dubs/submit": {"post": answer(DUB)},
        "/v1/dubs/{dub_id}": {"get": answer(DUB)},
        "/v1/jobs/{job_id}/logs": {"get": answer(obj(status={"enum": ["ok"]}))},
    },
}


def found() -> dict[str, JobResource]:
    return {job.poll.path: job for job in find_jobs(DOCUMENT)}


def test_job_resources_are_found_and_things_with_a_status_that_are_not_jobs_are_left() -> None:
    assert list(found()) == ["/v1/jobs/{job_id}", "/v1/exports/{gid}", "/v1/dubs/{dub_id}"]  # no invite, no order


def test_the_vendors_operations_around_the_poll_are_found() -> None:
    job = found()["/v1/jobs/{job_id}"]
    assert (job.create and job.create.method, job.create and job.create.path) == ("post", "/v1/jobs")
    assert job.listing is not None and job.listing.path == "/v1/jobs"
    assert job.cancel is not None and (job.cancel.method, job.cancel.path) == ("post", "/v1/jobs/{job_id}/cancel")
    assert job.delete is not None and (job.delete.method, job.delete.path) == ("delete", "/v1/jobs/{job_id}")
    assert job.name == "jobs"  # the version left out
    export = found()["/v1/exports/{gid}"]
    assert export.status == "data.state"
    assert export.cancel is not None and export.cancel.method == "delete" and export.delete is None  # DELETE cancels
    dub = found()["/v1/dubs/{dub_id}"]
    assert dub.create is not None and dub.create.path == "/v1/dubs/submit"  # answers the same status field


def test_each_decision_has_its_reason() -> None:
    job = found()["/v1/jobs/{job_id}"]
    assert job.reasons[0] == "poll: GET /v1/jobs/{job_id} answers an object with a status field `status`"
    assert "  queued: initial (the word 'queued')" in job.reasons
    assert "cancel: POST /v1/jobs/{job_id}/cancel" in job.reasons


def test_status_values_come_from_enums_x_enum_examples_or_the_description() -> None:
    assert status_values({"enum": ["a", "b"]}) == (["a", "b"], "enum")
    assert status_values({"anyOf": [{"enum": ["a"]}, {"const": "b"}, {"type": "null"}]}) == (["a", "b"], "enum")
    assert status_values({"x-enum": ["Pending", "Done"]}) == (["Pending", "Done"], "x-enum")
    assert status_values({"examples": ["queued", "done"]}) == (["queued", "done"], "examples")
    described = {"description": "Possible values: `Pending`, `InProgress`, or `Completed`."}
    assert status_values(described) == (["Pending", "InProgress", "Completed"], "description")
    assert status_values({"type": "string", "description": "The status."}) == ([], "")
