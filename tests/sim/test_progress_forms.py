"""Progress as vendors' schemas show it (issue 21): a 0-1 fraction, and counts inside an
object that keeps its other fields (OpenAI's `request_counts: {total, completed, failed}`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobmock.contract import load_api
from jobmock.contract.infer import extension, find_jobs
from jobmock.contract.model import ApiModel
from jobmock.contract.schema_fit import READ, judge
from jobmock.sim.jobs import NewJob
from jobmock.sim.mock import Mock
from support import Memory

C = 1_700_000_000.0
INTEGER = {"type": "integer", "minimum": 0}
JOB = {
    "type": "object",
    "required": ["id", "status", "progress", "request_counts"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "completed", "failed"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "request_counts": {
            "type": "object",
            "required": ["total", "completed", "failed"],
            "properties": {"total": INTEGER, "completed": INTEGER, "failed": INTEGER},
        },
    },
}


def document() -> dict[str, Any]:
    answer = {"200": {"description": "ok", "content": {"application/json": {"schema": JOB}}}}
    parameter = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "work", "version": "1"},
        "paths": {"/work/{id}": {"get": {"operationId": "getWork", "parameters": [parameter], "responses": answer}}},
    }


def inferred_api(tmp_path: Path) -> ApiModel:
    """The document with the x-jobmock inference reads from it, written in."""
    written = document()
    [job] = find_jobs(written)
    written["x-jobmock"] = extension(job)[0]
    path = tmp_path / "work.json"
    path.write_text(json.dumps(written))
    api = load_api(path)
    assert isinstance(api, ApiModel)
    return api


def test_the_reporters_are_read_from_the_schema(tmp_path: Path) -> None:
    [job] = find_jobs(document())
    assert extension(job)[0]["progress"] == [
        {"kind": "percent", "field": "progress", "scale": 1},
        {"kind": "count", "field": "request_counts.completed", "total": "request_counts.total"},
    ]


def test_a_fraction_rises_from_0_to_1_and_counts_keep_their_object(tmp_path: Path) -> None:
    api = inferred_api(tmp_path)
    mock = Memory(Mock([api], seed=0, clock="manual"))
    mock.set_time(C)
    job = mock.create(NewJob(api=api.name, outcome="completed", duration=20))
    bodies = []
    for second in range(0, 30, 2):
        mock.set_time(C + second)
        bodies.append(mock.body(job))
    fractions = [b["progress"] for b in bodies]
    assert fractions == sorted(fractions) and 0 <= fractions[0] < 0.5 and fractions[-1] == 1
    assert any(0 < f < 1 for f in fractions)
    counts = [b["request_counts"] for b in bodies]
    assert {c["total"] for c in counts} == {counts[0]["total"]}  # one total for the job
    done = [c["completed"] for c in counts]
    assert done == sorted(done) and done[-1] == counts[0]["total"]
    assert all(c["failed"] == 0 for c in counts)  # kept, within the total
    check = judge("3.1", READ, {})
    assert all(check.fits(api.job_schema, body) for body in bodies)
