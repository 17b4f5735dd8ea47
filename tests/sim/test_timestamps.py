"""Timestamps as the vendor's schema has them: unix-epoch integers (seconds or milliseconds) or
ISO text, a field per state set when the job first reaches it, never earlier than the one
before (issue 21: OpenAI's batches carry nine such fields)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jobmock.contract import load_api
from jobmock.contract.model import ApiModel
from jobmock.contract.schema_fit import READ, judge
from jobmock.sim.jobs import NewJob
from jobmock.sim.mock import Mock
from support import Memory

C = 1_700_000_000.25
NULLABLE_INT = {"type": ["integer", "null"]}


def batch_api(tmp_path: Path, epoch: str | None = None) -> ApiModel:
    stamps: dict[str, Any] = {
        "created": "created_at",
        "expires": "expires_at",
        "states": {"in_progress": "in_progress_at", "completed": "completed_at", "failed": "failed_at"},
    }
    if epoch:
        stamps["epoch"] = epoch
    job = {
        "type": "object",
        "required": ["id", "status", "created_at", "in_progress_at", "completed_at", "failed_at", "expires_at"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["validating", "in_progress", "completed", "failed"]},
            "created_at": {"type": "integer"},
            "expires_at": {"type": "integer"},
            "in_progress_at": NULLABLE_INT,
            "completed_at": NULLABLE_INT,
            "failed_at": NULLABLE_INT,
        },
    }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "batches", "version": "1"},
        "paths": {
            "/batches/{batch_id}": {
                "get": {
                    "operationId": "retrieveBatch",
                    "parameters": [{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": job}}}},
                }
            }
        },
        "x-jobmock": {
            "poll": "retrieveBatch",
            "id": {"parameter": "batch_id", "field": "id", "prefix": "batch_", "length": 12},
            "status": "status",
            "states": ["validating", "in_progress", "completed", "failed"],
            "initial": "validating",
            "working": ["in_progress"],
            "terminal": ["completed", "failed"],
            "transitions": {"validating": ["in_progress", "failed"], "in_progress": ["completed", "failed"]},
            "timestamps": stamps,
            "duration": {"initial": [2, 2], "working": [10, 10]},
        },
    }
    path = tmp_path / "batches.json"
    path.write_text(json.dumps(document))
    api = load_api(path)
    assert isinstance(api, ApiModel)
    return api


def run(api: ApiModel, outcome: str) -> list[dict[str, Any]]:
    """The job's body at 0, 1, 5 and 20 seconds."""
    mock = Memory(Mock([api], seed=0, clock="manual"))
    mock.set_time(C)
    job = mock.create(NewJob(api=api.name, outcome=outcome, duration=12))
    bodies = []
    for second in (0, 1, 5, 20):
        mock.set_time(C + second)
        bodies.append(mock.body(job))
    return bodies


def test_epoch_integers_are_set_as_each_state_is_reached(tmp_path: Path) -> None:
    api = batch_api(tmp_path)
    start, early, working, done = run(api, "completed")
    assert [b["status"] for b in (start, working, done)] == ["validating", "in_progress", "completed"]
    assert start["created_at"] == int(C) and start["expires_at"] == int(C + 86_400)
    assert start["in_progress_at"] is None and start["completed_at"] is None and start["failed_at"] is None
    assert early == start  # nothing moves before the state changes
    assert int(C) <= working["in_progress_at"] <= int(C) + 5 and working["completed_at"] is None
    assert done["in_progress_at"] == working["in_progress_at"]  # set once, kept
    assert working["in_progress_at"] <= done["completed_at"] <= int(C) + 20
    assert done["failed_at"] is None
    check = judge("3.1", READ, {})
    schema = api.job_schema
    assert all(check.fits(schema, body) for body in (start, working, done))


def test_a_failure_sets_its_own_field_and_not_the_successs(tmp_path: Path) -> None:
    *_, done = run(batch_api(tmp_path), "failed")
    assert done["status"] == "failed" and isinstance(done["failed_at"], int) and done["completed_at"] is None


@pytest.mark.parametrize(("epoch", "scale"), [("seconds", 1), ("milliseconds", 1000)])
def test_the_epochs_unit_is_the_extensions_to_say(tmp_path: Path, epoch: str, scale: int) -> None:
    start, *_ = run(batch_api(tmp_path, epoch), "completed")
    assert start["created_at"] == int(C * scale)
