"""The mock as a Python object: served APIs, their jobs, clocks and journals; no HTTP.

The web layer (vendor handlers, poll fast path, control API), the CLI and the tests all
go through this one object's methods, so there is one way to poll, create, cancel and
delete a job, to move a namespace's clock and to read its journal.

A *namespace* has its own jobs, clock and journal, so parallel test runs do not see
each other; the default namespace is "". A namespace comes into being with the first
request that uses it (a control request, or a poll that finds a job there), never with a
404; the least recently used go first past `Limits.namespaces`, and any unused for
`Limits.namespace_ttl` seconds.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..exceptions import NotFound
from ..spec.model import ApiModel
from .answer import Answer
from .catalog import Catalog
from .clock import Clock
from .faults import fault_for
from .jobs import Job, NewJob
from .journal import Journal, RawRequest
from .limits import Limits
from .scenarios import Scenario
from .store import JobStore


@dataclass
class Space:
    """One namespace's state. Private to `Mock`: reach it through Mock's methods."""

    name: str
    store: JobStore
    clock: Clock
    journal: Journal
    used: float = 0.0  # monotonic time of the last request that used it


class Mock:
    def __init__(
        self,
        apis: Iterable[ApiModel],
        seed: int = 0,
        speed: float = 1.0,
        catalog: Catalog | None = None,
        chaos: float = 0.0,
        clock: str = "real",
        limits: Limits | None = None,
    ):
        self.apis: Mapping[str, ApiModel] = {api.name: api for api in apis}
        self.seed = seed
        self.speed = speed
        self.catalog = catalog or Catalog()
        self.chaos = chaos
        self.clock_mode = clock
        self.limits = limits or Limits()
        self._spaces: OrderedDict[str, Space] = OrderedDict()  # least recently used first
        self._gone = {"namespaces": 0, "jobs": 0, "journal": 0}  # evictions in namespaces evicted since
        self._unjournaled = 0
        self._examples = [request for api in self.apis.values() for request in example_jobs(api)]  # every namespace
        self._example_ids = {(request.api, request.id) for request in self._examples}
        Clock(speed, clock)  # refuse a bad speed or mode now, not on the first request
        self._space("")

    # --- namespaces --------------------------------------------------------------------

    def _space(self, name: str) -> Space:
        """The namespace, made on first use; using it makes it the most recently used."""
        space = self._spaces.get(name)
        now = time.monotonic()
        if space is None:
            self._evict_namespaces(now)
            limits = self.limits
            space = Space(
                name,
                JobStore(self.apis, self.seed, limits.jobs, limits.spot_jobs),
                Clock(self.speed, self.clock_mode),
                Journal(limits.journal_entries, limits.journal_bytes),
            )
            for request in self._examples:
                space.store.create(request, space.clock)
            self._spaces[name] = space
        else:
            self._spaces.move_to_end(name)
        space.used = now
        return space

    def _evict_namespaces(self, now: float) -> None:
        """Make room for one more namespace: the idle ones, then the least recently used."""
        for name, space in list(self._spaces.items()):
            idle = now - space.used > self.limits.namespace_ttl
            full = len(self._spaces) - 1 >= self.limits.namespaces  # the default one does not count
            if not (idle or full):
                break
            if name:
                self._forget(name)

    def _forget(self, name: str) -> None:
        space = self._spaces.pop(name)
        self._gone["namespaces"] += 1
        self._gone["jobs"] += space.store.evicted
        self._gone["journal"] += space.journal.evicted

    def has_namespace(self, namespace: str) -> bool:
        return namespace in self._spaces

    def namespaces(self) -> list[str]:
        return sorted(self._spaces)

    def drop_namespace(self, namespace: str) -> None:
        """Forget a namespace (its jobs, clock and journal); the next use starts afresh."""
        if namespace:
            self._spaces.pop(namespace, None)

    # --- polls -------------------------------------------------------------------------

    def poll(
        self, api: str, job_id: str, identity: str | None, namespace: str = "", scenario: str | None = None
    ) -> Answer | None:
        """The answer to a poll, or None for the vendor's 404. Raises UnknownScenario."""
        if namespace not in self._spaces and not self._could_answer(api, job_id, scenario):
            return None  # a 404 makes no namespace
        space = self._space(namespace)
        job = self._job_for_poll(space, api, job_id, identity, scenario)
        if job is None:
            return None
        job.polls += 1
        scripted = job.scenario.faults if job.scenario is not None else ()
        poll_name = f"{self.seed}|{namespace}|{job.id}|{job.polls}"  # reproducible faults
        fault = fault_for(scripted, job.polls, self.chaos, poll_name)
        if fault is None or fault.delivers:
            job.shown += 1
        status, headers, body, job_status = job.answer(space.clock.job_time(job), self.speed)
        answer = Answer(status, body, tuple(headers.items()), job_status=job_status)
        return fault.apply(answer, self.apis[api], poll_name) if fault is not None else answer

    def _could_answer(self, api: str, job_id: str, scenario: str | None) -> bool:
        """Whether a poll in a new namespace finds a job: an example job, or one a scenario makes."""
        if scenario is not None:
            self.catalog.get(api, scenario)  # an unknown name is refused before anything is made
            return True
        return (api, job_id) in self._example_ids or self.catalog.for_id(api, job_id) is not None

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
                request = NewJob(api=api, id=job_id, owner=identity, scenario=chosen)
                job = store.create(request, space.clock, spot=True)
        return job

    # --- jobs --------------------------------------------------------------------------

    def create(self, request: NewJob, namespace: str = "") -> Job:
        """A new job; without a scenario or outcome it follows a config rule or the API's default."""
        space = self._space(namespace)
        if request.scenario is None and request.outcome is None and request.duration is None:
            chosen = self.catalog.for_id(request.api, request.id) if request.id else None
            request = replace(request, scenario=chosen or self.catalog.default(request.api))
        return space.store.create(request, space.clock)

    def jobs(self, namespace: str = "", api: str | None = None, after: int = 0) -> Iterator[Job]:
        """The namespace's jobs (of one API), oldest first, from after sequence number `after`."""
        return (job for job in self._space(namespace).store.after(after) if api is None or job.api.name == api)

    def find(self, job_id: str, namespace: str = "") -> Job:
        job = self._space(namespace).store.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        return job

    def visible(self, api: str, job_id: str, identity: str | None, namespace: str = "") -> Job:
        """The job as the vendor shows it to this key; NotFound for other keys' jobs."""
        job = self._space(namespace).store.visible(api, job_id, identity)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        return job

    def status(self, job: Job, namespace: str = "") -> str:
        return job.status_at(self._space(namespace).clock.job_time(job))

    def body(self, job: Job, namespace: str = "") -> Any:
        """What a poll would show now (without counting as a poll)."""
        return json.loads(job.answer(self._space(namespace).clock.job_time(job), self.speed)[2])

    def cancel(self, job: Job, namespace: str = "") -> None:
        """Move a running job to its cancelled state now; LifecycleError if it cannot be."""
        space = self._space(namespace)
        job.cancel_at(space.clock.job_time(job))
        space.store.changed(job, space.clock)

    def delete(self, job_id: str, namespace: str = "") -> None:
        if not self._space(namespace).store.delete(job_id):
            raise NotFound(f"no job {job_id!r}")

    # --- scenarios ---------------------------------------------------------------------

    def scenario(self, api: str, name: str) -> Scenario:
        """A loaded scenario; UnknownScenario lists the known ones."""
        return self.catalog.get(api, name)

    def scenarios(self, api: str | None = None) -> list[Scenario]:
        """The loaded scenarios (of one API), by API and name."""
        return [
            scenario
            for name, by_name in sorted(self.catalog.scenarios.items())
            if api is None or name == api
            for _name, scenario in sorted(by_name.items())
        ]

    # --- clocks ------------------------------------------------------------------------

    def clock(self, namespace: str = "") -> dict[str, object]:
        """The namespace's clock: mode, now (epoch seconds), frozen, speed."""
        return self._space(namespace).clock.describe()

    def set_clock_mode(self, mode: str, namespace: str = "") -> None:
        self._space(namespace).clock.set_mode(mode)

    def advance(self, seconds: float, namespace: str = "") -> None:
        self._space(namespace).clock.advance(seconds)

    def set_time(self, epoch: float, namespace: str = "") -> None:
        self._space(namespace).clock.set(epoch)

    def freeze(self, namespace: str = "") -> None:
        self._space(namespace).clock.freeze()

    def resume(self, namespace: str = "") -> None:
        self._space(namespace).clock.resume()

    # --- journal -----------------------------------------------------------------------

    def journal_add(self, raw: RawRequest, namespace: str = "") -> None:
        """Journal a request in its namespace; one that made no namespace (a 404) is counted only."""
        space = self._spaces.get(namespace)
        if space is None:
            self._unjournaled += 1
        else:
            space.journal.add(raw)

    def journal(self, namespace: str = "") -> list[tuple[int, RawRequest]]:
        """The namespace's journaled requests, raw, oldest first, with their numbers."""
        return self._space(namespace).journal.raw()

    def clear_journal(self, namespace: str = "") -> None:
        self._space(namespace).journal.clear()

    # --- bounds ------------------------------------------------------------------------

    def usage(self) -> dict[str, Any]:
        """Every bound, what it holds now, and what it evicted (`GET /_jobmock/status`)."""
        spaces = list(self._spaces.values())
        limits = self.limits
        return {
            "namespaces": {
                "count": len(spaces) - 1,
                "max": limits.namespaces,
                "idle_ttl_seconds": limits.namespace_ttl,
                "evicted": self._gone["namespaces"],
            },
            "jobs": {
                "count": sum(len(s.store) for s in spaces),
                "max_per_namespace": limits.jobs,
                "evicted": self._gone["jobs"] + sum(s.store.evicted for s in spaces),
            },
            "spot_jobs": {"count": sum(s.store.spot_count for s in spaces), "max_per_namespace": limits.spot_jobs},
            "journal": {
                "entries": sum(len(s.journal) for s in spaces),
                "bytes": sum(s.journal.bytes for s in spaces),
                "max_entries_per_namespace": limits.journal_entries,
                "max_bytes_per_namespace": limits.journal_bytes,
                "evicted": self._gone["journal"] + sum(s.journal.evicted for s in spaces),
                "unjournaled": self._unjournaled,
            },
        }


def example_jobs(api: ApiModel) -> list[NewJob]:
    """The document's own example jobs, so its curl commands work against the mock.

    Examples whose id does not look like the API's ids (placeholders such as
    "<string>") are skipped. Fields the lifecycle drives are left to it.
    """
    driven = api.driven_fields() | {d.split(".")[0] for d in api.presence} | {api.id_field}
    if api.type_field:
        driven.add(api.type_field)
    requests = []
    seen: set[str] = set()
    for example in _poll_examples(api):
        job_id = example.get(api.id_field)
        if not isinstance(job_id, str) or job_id in seen or not api.ids.matches(job_id):
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
