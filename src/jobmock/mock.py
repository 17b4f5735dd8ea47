"""The mock as a Python object: served APIs, their jobs and the clock; no HTTP.

The Connexion handlers, the poll fast path, the control API and the tests all go
through this one object, so there is one way to poll, create, cancel and delete.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .clock import Clock
from .jobs import Job, JobError, JobStore, NewJob, lifecycle_fields
from .lifecycle import LifecycleError
from .model import ApiModel


class NotFound(LookupError):
    pass


class Mock:
    def __init__(self, apis: list[ApiModel], seed: int = 0, speed: float = 1.0):
        self.apis = {api.name: api for api in apis}
        self.clock = Clock(speed)
        self.seed = seed
        self.store = JobStore(self.apis, seed)
        for api in apis:
            for request in example_jobs(api):
                self.store.create(request, self.clock.now())

    def poll(self, api: str, job_id: str, identity: str | None) -> bytes | None:
        """The body a poll answers with, or None for the vendor's 404."""
        job = self.store.visible(api, job_id, identity)
        if job is None:
            return None
        return job.render_bytes(self.clock.job_time(job.created), self.clock.speed)

    def create(self, request: NewJob) -> Job:
        return self.store.create(request, self.clock.now())

    def job(self, job_id: str) -> Job:
        job = self.store.get(job_id)
        if job is None:
            raise NotFound(job_id)
        return job

    def status(self, job: Job) -> str:
        return job.status_at(self.clock.job_time(job.created))

    def body(self, job: Job) -> dict[str, Any]:
        return job.render(self.clock.job_time(job.created), self.clock.speed)

    def cancel(self, job: Job) -> None:
        """Move a running job to its cancelled state now; LifecycleError if it cannot be."""
        job.cancel_at(self.clock.job_time(job.created))

    def delete(self, job_id: str) -> None:
        if not self.store.delete(job_id):
            raise NotFound(job_id)


def example_jobs(api: ApiModel) -> list[NewJob]:
    """The document's own example jobs, so its curl commands work against the mock.

    Examples whose id does not look like the API's ids (placeholders such as
    "<string>") are skipped. Fields the lifecycle drives are left to it.
    """
    driven = lifecycle_fields(api) | {d.split(".")[0] for d in api.presence} | {api.id_field}
    if api.type_field:
        driven.add(api.type_field)
    requests = []
    seen: set[str] = set()
    for example in _poll_examples(api):
        job_id = example.get(api.id_field)
        if not isinstance(job_id, str) or job_id in seen or not _looks_like_id(api, job_id):
            continue
        seen.add(job_id)
        job_type = example.get(api.type_field) if api.type_field else None
        if job_type is not None and job_type not in api.types:
            job_type = None
        fields = {k: v for k, v in example.items() if k not in driven}
        requests.append(NewJob(api=api.name, job_type=job_type, fields=fields or None, id=job_id))
    return requests


def _poll_examples(api: ApiModel) -> list[dict[str, Any]]:
    found = []
    for code, response in sorted(api.poll.spec.get("responses", {}).items()):
        if not str(code).startswith("2"):
            continue
        media = response.get("content", {}).get("application/json", {})
        if isinstance(media.get("example"), dict):
            found.append(media["example"])
        for example in media.get("examples", {}).values():
            if isinstance(example.get("value"), dict):
                found.append(example["value"])
    return found


def _looks_like_id(api: ApiModel, job_id: str) -> bool:
    conf = api.ext["id"]
    if conf.get("uuid"):
        try:
            uuid.UUID(job_id)
        except ValueError:
            return False
        return True
    prefix = re.escape(conf.get("prefix", ""))
    length = int(conf.get("length", 12))
    return re.fullmatch(rf"{prefix}[A-Za-z0-9]{{{length}}}", job_id) is not None


__all__ = ["JobError", "LifecycleError", "Mock", "NotFound"]
