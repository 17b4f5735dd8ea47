"""The mock as a Python object: served APIs, their jobs and the clock; no HTTP.

The Connexion handlers, the poll fast path, the control API and the tests all go
through this one object, so there is one way to poll, create, cancel and delete.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .clock import Clock
from .delivery import DROP, FAULT, JOB_STATUS
from .envelopes import error_body
from .fixtures import Catalog, UnknownScenario
from .jobs import Job, JobError, JobStore, NewJob, lifecycle_fields
from .journal import Journal, JournalEntry, RawRequest
from .lifecycle import LifecycleError
from .model import ApiModel
from .polling import ClientReport, analyse
from .request_options import client_of
from .routing import locate, poll_routes
from .scenarios import fault_for, latency_of


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Answer:
    """What a poll is answered: status, headers, body, and how to deliver it."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    job_status: str | None = None
    fault: str | None = None  # '429', '503', 'latency', 'drop'
    delay: float = 0.0  # seconds to wait before answering
    drop: bool = False  # close the connection instead of answering


@dataclass
class Space:
    """One namespace: its own jobs, clock and journal (parallel test runs use one each)."""

    name: str
    store: JobStore
    clock: Clock
    journal: Journal


class Mock:
    def __init__(
        self,
        apis: list[ApiModel],
        seed: int = 0,
        speed: float = 1.0,
        catalog: Catalog | None = None,
        chaos: float = 0.0,
        clock: str = "real",
    ):
        self.apis = {api.name: api for api in apis}
        self.seed = seed
        self.speed = speed
        self.catalog = catalog or Catalog()
        self.chaos = chaos
        self.clock_mode = clock
        self.spaces: dict[str, Space] = {}
        self.routes = poll_routes(apis)
        self.bases = sorted(((a.base_path or "/", a.name) for a in apis), reverse=True)
        self.space("")

    def space(self, name: str = "") -> Space:
        space = self.spaces.get(name)
        if space is None:
            clock = Clock(self.speed, self.clock_mode)
            space = Space(name, JobStore(self.apis, self.seed), clock, Journal(self.describe))
            for api in self.apis.values():
                for request in example_jobs(api):
                    space.store.create(request, space.clock.now())
            self.spaces[name] = space
        return space

    def job_time(self, job: Job, space: Space) -> float:
        t = job.poll_time() if space.clock.mode == "polls" else space.clock.job_time(job.created)
        stall = job.scenario.stall if job.scenario is not None else None
        return t if stall is None else min(t, stall)

    def poll(
        self, api: str, job_id: str, identity: str | None, namespace: str = "", scenario: str | None = None
    ) -> Answer | None:
        """The answer to a poll, or None for the vendor's 404. Raises UnknownScenario."""
        space = self.space(namespace)
        job = self._job_for_poll(space, api, job_id, identity, scenario)
        if job is None:
            return None
        job.polls += 1
        model = self.apis[api]
        chosen = job.scenario.faults if job.scenario is not None else ()
        this_poll = f"{self.seed}|{namespace}|{job.id}|{job.polls}"  # names the poll for reproducible faults
        fault = fault_for(chosen, job.polls, self.chaos, this_poll)
        if fault is not None and fault.respond is not None:
            retry = (("Retry-After", str(fault.retry_after)),) if fault.retry_after is not None else ()
            body = json.dumps(error_body(model, fault.respond)).encode()
            return Answer(fault.respond, body, retry, fault=str(fault.respond))
        t = self.job_time(job, space)
        status, headers, body, job_status = job.answer(t, self.speed, job.polls)
        delay = latency_of(fault, this_poll) if fault is not None else 0.0
        drop = fault is not None and fault.drop
        return Answer(
            status,
            body,  # a dropped answer is still a valid one, so response validation passes it to the drop
            tuple(headers.items()),
            job_status=job_status,
            fault="drop" if drop else "latency" if delay else None,
            delay=delay,
            drop=drop,
        )

    def _job_for_poll(self, space: Space, api: str, job_id: str, identity: str | None, name: str | None) -> Job | None:
        """The job polled; a scenario named by the poll (or a config rule) creates or
        restarts it, so browser code can pick a scenario without the control API."""
        store = space.store
        job = store.visible(api, job_id, identity)
        chosen = self.catalog.get(api, name) if name is not None else None
        if chosen is not None and job is not None and job.scenario is not chosen:
            store.delete(job_id, forget=True)
            job = None
        if job is None and store.get(job_id) is None and not store.was_deleted(job_id):
            chosen = chosen or self.catalog.for_id(api, job_id)
            if chosen is not None:
                job = store.create(NewJob(api=api, id=job_id, owner=identity, scenario=chosen), space.clock.now())
        return job

    def create(self, request: NewJob, namespace: str = "") -> Job:
        """A new job; without a scenario or outcome it follows a config rule or the API's default."""
        space = self.space(namespace)
        if request.scenario is None and request.outcome is None and request.duration is None:
            request.scenario = (
                self.catalog.for_id(request.api, request.id) if request.id else None
            ) or self.catalog.default(request.api)
        return space.store.create(request, space.clock.now())

    def find(self, job_id: str, namespace: str = "") -> Job:
        job = self.space(namespace).store.get(job_id)
        if job is None:
            raise NotFound(job_id)
        return job

    def status(self, job: Job, namespace: str = "") -> str:
        return job.status_at(self.job_time(job, self.space(namespace)))

    def body(self, job: Job, namespace: str = "") -> Any:
        """What a poll would show now (without counting as a poll)."""
        return json.loads(job.answer(self.job_time(job, self.space(namespace)), self.speed, job.polls)[2])

    def cancel(self, job: Job, namespace: str = "") -> None:
        """Move a running job to its cancelled state now; LifecycleError if it cannot be."""
        job.cancel_at(self.job_time(job, self.space(namespace)))

    def describe(self, seq: int, raw: RawRequest) -> JournalEntry:
        """A journaled request, read: who asked, for which API and job, with what answer."""
        query = parse_qsl(raw.query, keep_blank_values=True)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw.headers}
        found = locate(self.routes, raw.path, query)
        api = found[0].api.name if found else next((n for b, n in self.bases if raw.path.startswith(b)), None)
        return JournalEntry(
            seq=seq,
            at=raw.at,
            method=raw.method,
            path=raw.path,
            query=raw.query,
            client=client_of(headers, raw.peer),
            api=api,
            job=found[1] if found else None,
            status=None if DROP in raw.marks else raw.status,
            job_status=raw.marks.get(JOB_STATUS),
            fault=raw.marks.get(FAULT),
            retry_after=raw.retry_after,
        )

    def polling_report(self, namespace: str = "", min_interval: float = 0.5) -> list[ClientReport]:
        terminal = {name: api.lifecycle.terminal for name, api in self.apis.items()}
        return analyse(self.space(namespace).journal.entries(), terminal, min_interval)

    def delete(self, job_id: str, namespace: str = "") -> None:
        if not self.space(namespace).store.delete(job_id):
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


__all__ = ["Answer", "JobError", "LifecycleError", "Mock", "NotFound", "UnknownScenario"]
