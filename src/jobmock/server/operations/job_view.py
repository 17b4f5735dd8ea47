"""A job as the control API shows it (control.yaml's JobView): shared by the control
operations and the event streams."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ...sim.jobs import Job
from ...sim.mock import Mock


def job_view_json(mock: Mock, job: Job, namespace: str, base_url: str) -> bytes:
    """`job_view` as JSON, the vendor body spliced in as rendered (not parsed and encoded again)."""
    view = job_view(mock, job, namespace, base_url, with_body=False)
    head = json.dumps(view, ensure_ascii=False)[:-1].encode()
    return head + b', "body": ' + mock.body_bytes(job, namespace) + b"}"


def job_view(mock: Mock, job: Job, namespace: str, base_url: str, with_body: bool = True) -> dict[str, Any]:
    """A job as the control API shows it (control.yaml's JobView); `base_url`: where the
    client reached us, for the job's poll URL."""
    history = mock.history(job, namespace)
    progress = mock.progress(job, namespace)
    view = {
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
        view["body"] = mock.body(job, namespace)
    return view


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
