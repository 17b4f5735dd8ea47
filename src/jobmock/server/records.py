"""A job as the control API shows it (control.yaml's JobRecord), and the URL it is told
relative to: shared by the control handlers, the fast create path and the event streams."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from ..sim.jobs import Job
from ..sim.mock import Mock


def job_record_json(mock: Mock, job: Job, namespace: str, base_url: str) -> bytes:
    """`job_record` as JSON, the vendor body spliced in as rendered (not parsed and encoded again)."""
    record = job_record(mock, job, namespace, base_url, with_body=False)
    head = json.dumps(record, ensure_ascii=False)[:-1].encode()
    return head + b', "body": ' + mock.body_bytes(job, namespace) + b"}"


def job_record(mock: Mock, job: Job, namespace: str, base_url: str, with_body: bool = True) -> dict[str, Any]:
    """A job as the control API shows it (control.yaml's JobRecord)."""
    history = mock.history(job, namespace)
    progress = mock.progress(job, namespace)
    record = {
        "id": job.id,
        "api": job.api.name,
        "type": job.job_type,
        "status": mock.status(job, namespace),
        "outcome": job.outcome,
        "owner": "any key" if job.owner is None else "one key",
        "created_at": iso(job.created),
        "poll_url": base_url.rstrip("/") + job.api.base_path + job.api.poll_path(job.id),
        "scenario": job.scenario.name if job.scenario else None,
        "namespace": namespace,
        "progress": None if progress is None else round(progress * 100, 1),
        "state_since": iso(history[-1][1]),
        "history": [{"status": status, "at": iso(at)} for status, at in history],
    }
    if with_body:
        record["body"] = mock.body(job, namespace)
    return record


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def base_url(scope: MutableMapping[str, Any], headers: dict[str, str]) -> str:
    """The URL the client reached us at, as Starlette's request.base_url (for poll_url)."""
    host = headers.get("host")
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}/"
