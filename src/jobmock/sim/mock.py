"""The mock's state as a Python object: served APIs, their jobs, clocks and journals; no HTTP.

Reads (a job, its status and body, a namespace's clock) are methods here. Changes are
planned here (`plan_*`, which refuse bad ones and change nothing) and applied by `apply`,
in the order `jobmock.state.State` decides: State is the one way to make a change or
answer a poll, in memory or shared with other processes.

A *namespace* has its own jobs, clock and journal, so parallel test runs do not see
each other; the default namespace is "". A namespace comes into being with the first
request that uses it (a control request, or a poll that finds a job there), never with a
404; the least recently used go first past `Limits.namespaces`, and any unused for
`Limits.namespace_ttl` seconds.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..contract.model import ApiModel
from ..exceptions import JobmockError, NotFound
from .answer import Answer
from .catalog import Catalog
from .changes import (
    Change,
    ClockMoved,
    JobCancelled,
    JobCreated,
    JobDecided,
    JobDeleted,
    NamespaceDropped,
    NamespaceMade,
    NamespacesUsed,
    Outcome,
)
from .clock import Clock, ClockMove, ClockState
from .faults import Fault, fault_for
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
    made: float  # its clock's reading when it was made (the example jobs' creation time)
    used: float  # wall-clock epoch it was last used, as the log says (`NamespacesUsed`): the same everywhere


DOCUMENTED_EXAMPLE = "documented-example"  # the scenario the document's example jobs follow
FIRST_JOB_SEQ = 1000  # example jobs take the sequence numbers below it in every namespace


class Mock:
    """`shared=True`: the state is shared with other workers (`jobmock.state`), so every
    change goes through `plan_*`, the shared log and `apply`, and ids are drawn at random
    rather than from the seed (two workers with one seed would draw the same ids)."""

    def __init__(
        self,
        apis: Iterable[ApiModel],
        seed: int = 0,
        speed: float = 1.0,
        catalog: Catalog | None = None,
        chaos: float = 0.0,
        clock: str = "real",
        limits: Limits | None = None,
        shared: bool = False,
    ):
        self.apis: Mapping[str, ApiModel] = {api.name: api for api in apis}
        self.seed = seed
        self.speed = speed
        self.catalog = catalog or Catalog()
        self.chaos = chaos
        self.clock_mode = clock
        self.limits = limits or Limits()
        self.shared = shared
        self.applied = 0  # sequence number of the last change applied
        self._spaces: dict[str, Space] = {}
        self._gone = {"namespaces": 0, "jobs": 0, "journal": 0}  # evictions in namespaces evicted since
        self._unjournaled = 0
        known = self.catalog.scenarios
        examples = [e for api in self.apis.values() for e in example_jobs(api, known.get(api.name, {}))]
        self._examples = [request for request, _ in examples]  # made in every namespace
        self._example_created = {(r.api, r.id): created for r, created in examples if created is not None}
        self._example_ids = {(request.api, request.id) for request in self._examples}
        assert len(self._examples) < FIRST_JOB_SEQ
        Clock(speed, clock)  # refuse a bad speed or mode now, not on the first request
        if not shared:
            self._space("")

    def fingerprint(self) -> str:
        """What decides the answers this mock gives, as a digest: the APIs' documents and keys,
        the scenarios and the rules choosing them, the seed, speed, chaos, default clock and the
        bounds that decide evictions. Processes sharing a store must agree on it."""
        said = {
            "apis": {
                name: [api.document, api.mount, sorted(api.security.keys)] for name, api in sorted(self.apis.items())
            },
            "scenarios": sorted(_said(s) for s in self.scenarios()),
            "defaults": sorted(self.catalog.defaults.items()),
            "rules": [repr(rule) for rule in self.catalog.rules],
            "options": [self.seed, self.speed, self.chaos, self.clock_mode],
            "bounds": [self.limits.namespaces, self.limits.namespace_ttl, self.limits.jobs, self.limits.spot_jobs]
            + ([self.limits.job_bytes] if self.limits.job_bytes != Limits.job_bytes else []),
        }
        text = json.dumps(said, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    # --- changes -----------------------------------------------------------------------

    def apply(self, change: Change, seq: int | None = None) -> Outcome:
        """Apply a planned change (`seq`: its number in the shared log; else the next), and
        decide there whether it stands: a refused change changes nothing."""
        self.applied = seq if seq is not None else self.applied + 1
        try:
            return Outcome(value=self._apply(change))
        except JobmockError as refused:
            return Outcome(refused=refused)

    def _apply(self, change: Change) -> object:
        if isinstance(change, NamespaceMade):  # the namespaces that made room for it
            if change.namespace in self._spaces:  # made twice at once by two workers: the first stands
                return ()
            evicted = self._make_room(change.at) if change.used is None else ()  # a snapshot's makes none
            self._make_space(change)
            return evicted
        if isinstance(change, NamespaceDropped):
            if change.namespace in self._spaces:
                self._forget(change.namespace)
                return True
            return False
        if isinstance(change, NamespacesUsed):
            for name in change.namespaces:
                space = self._spaces.get(name)
                if space is not None:
                    space.used = max(space.used, change.at)
            return None
        space = self._spaces.get(change.namespace)
        if space is None and isinstance(change, JobCreated):  # its namespace was dropped meanwhile
            self._apply(self.plan_namespace(change.namespace, change.data.created))
            space = self._spaces[change.namespace]
        if space is None:
            raise NotFound(f"namespace {change.namespace!r} is gone")
        if isinstance(change, JobCreated | JobCancelled | JobDecided | JobDeleted):
            return self._apply_to_job(change, space)
        if isinstance(change, ClockMoved):
            moved = Clock(self.speed)
            moved.restore(space.clock.state())
            moved.move(change.move)  # ClockError: refused, the clock as it was
            space.clock.restore(moved.state())
            return moved.state()
        space.clock.restore(change.clock)
        return change.clock

    def _apply_to_job(self, change: JobCreated | JobCancelled | JobDecided | JobDeleted, space: Space) -> object:
        store = space.store
        if isinstance(change, JobCreated):
            data = change.data
            if not data.seq:
                data.seq = FIRST_JOB_SEQ + self.applied
            store.add(data, space.clock, replaces=change.replaces)
            return data
        if isinstance(change, JobCancelled):
            store.cancel(change.id, change.at, space.clock)
        elif isinstance(change, JobDecided):
            store.decide(change.id, change.at, change.approved, space.clock)
        elif change.evicted:
            store.forget(change.id)
        else:
            store.delete(change.id, tombstone=change.tombstone)
        return None

    def export(self) -> list[Change]:
        """Changes that rebuild the current state from nothing: a compacted log."""
        changes: list[Change] = []
        for name, space in self._spaces.items():
            changes.append(NamespaceMade(name, space.made, space.clock.state(), used=space.used))
            examples = {request.id for request in self._examples if request.id is not None}
            for data in space.store.held():
                if data.seq < FIRST_JOB_SEQ and data.id in examples:
                    changes += [JobDecided(name, data.id, at, approved) for at, approved in data.decided]
                    if data.cancelled is not None:
                        changes.append(JobCancelled(name, data.id, data.cancelled))
                    continue
                changes.append(JobCreated(name, data, replaces=data.id in examples))
            gone = [job_id for job_id in examples if job_id not in space.store]  # the deleted: tombstoned below
            changes += [JobDeleted(name, job_id, evicted=True) for job_id in gone]
            changes += [JobDeleted(name, job_id, tombstone=True) for job_id in space.store.deleted()]
        return changes

    def reset(self) -> None:
        """Forget everything (before replaying a log from its start)."""
        self._spaces.clear()
        self.applied = 0

    # --- namespaces --------------------------------------------------------------------

    def _space(self, name: str) -> Space:
        """The namespace (in memory, made on first use)."""
        space = self._spaces.get(name)
        if space is None:
            if self.shared:  # made through the shared log (`State.namespace`) before use
                raise NotFound(f"namespace {name!r} is not known to this worker yet")
            self.apply(self.plan_namespace(name))
            space = self._spaces[name]
        return space

    def plan_namespace(self, name: str, at: float | None = None) -> NamespaceMade:
        """Make a namespace, its clock reading now (or `at`); who makes room is decided when
        it is applied."""
        clock = Clock(self.speed, self.clock_mode)
        return NamespaceMade(name, clock.now() if at is None else at, clock.state())

    def plan_used(self, namespaces: Iterable[str], at: float) -> NamespacesUsed:
        return NamespacesUsed(tuple(sorted(namespaces)), at)

    def _make_space(self, change: NamespaceMade) -> Space:
        limits = self.limits
        ids = random.SystemRandom() if self.shared else None
        clock = Clock(self.speed, self.clock_mode)
        clock.restore(change.clock)
        space = Space(
            change.namespace,
            JobStore(self.apis, self.seed, limits.jobs, limits.spot_jobs, ids=ids),
            clock,
            Journal(limits.journal_entries, limits.journal_bytes),
            made=change.at,
            used=change.at if change.used is None else change.used,
        )
        for seq, request in enumerate(self._examples, start=1):
            at = self._example_created.get((request.api, request.id), change.at)
            space.store.create(request, clock, seq=seq, at=at)
        self._spaces[change.namespace] = space
        return space

    def _make_room(self, now: float) -> tuple[str, ...]:
        """Before a namespace is made at `now`: those idle past the TTL go, then the least
        recently used while the bound is reached (the default namespace never goes). By the
        last use the log says (`NamespacesUsed`), so every worker evicts the same ones."""
        named = sorted((space.used, name) for name, space in self._spaces.items() if name)
        gone = [name for used, name in named if now - used > self.limits.namespace_ttl]
        kept = [name for _used, name in named if name not in gone]
        gone += kept[: max(0, len(kept) - self.limits.namespaces + 1)]
        for name in gone:
            self._forget(name)
        return tuple(gone)

    def touch(self, namespace: str, at: float) -> None:
        """A request used the namespace at `at` (in memory; shared state logs it instead)."""
        space = self._spaces.get(namespace)
        if space is not None:
            space.used = max(space.used, at)

    def _forget(self, name: str) -> None:
        space = self._spaces.pop(name)
        self._gone["namespaces"] += 1
        self._gone["jobs"] += space.store.evicted
        self._gone["journal"] += space.journal.evicted

    def has_namespace(self, namespace: str) -> bool:
        return namespace in self._spaces

    def namespaces(self) -> list[str]:
        return sorted(self._spaces)

    def namespace_uses(self) -> list[tuple[str, float, int]]:
        """Each namespace (the default one aside), least recently used first: its name, the
        epoch it was last used (as the log says) and how many jobs it holds."""
        return sorted(((n, s.used, len(s.store)) for n, s in self._spaces.items() if n), key=lambda u: (u[1], u[0]))

    def plan_drop(self, namespace: str) -> NamespaceDropped:
        """Forget a namespace (its jobs, clock and journal); the next use starts afresh."""
        return NamespaceDropped(namespace)

    # --- polls -------------------------------------------------------------------------

    def count_poll(self, job: Job, namespace: str = "", polls: int | None = None) -> Fault | None:
        """Count a poll of the job (`polls`: its number, when counted elsewhere) and find
        the fault it meets; a poll that delivers the job counts as shown too."""
        data = job.data
        data.polls = data.polls + 1 if polls is None else polls
        fault = self.fault(job, namespace)
        if fault is None or fault.delivers:
            data.shown += 1
        return fault

    def could_answer(self, api: str, job_id: str, namespace: str, scenario: str | None) -> bool:
        """Whether a poll may find a job: its namespace exists, or the poll would make one
        (an example job, a scenario's). Raises UnknownScenario."""
        if scenario is not None:
            self.catalog.get(api, scenario)  # an unknown name is refused before anything is made
        if namespace in self._spaces:
            return True
        return scenario is not None or (api, job_id) in self._example_ids or bool(self.catalog.for_id(api, job_id))

    def plan_poll(
        self, api: str, job_id: str, identity: str | None, namespace: str, name: str | None
    ) -> JobCreated | None:
        """The job a poll makes: a scenario named by the poll (or a config rule) creates or
        restarts it, so browser code can pick a scenario without the control API. Only a job
        made on the spot for this same key is restarted: a job other keys can see, or one made
        through the control API, keeps its course."""
        store = self._space(namespace).store
        job = store.visible(api, job_id, identity)
        chosen = self.catalog.get(api, name) if name is not None else None
        if job is None and not self.apis[api].ids.matches(job_id):
            return None  # an id the API never issues: its 404
        replaces = (
            chosen is not None
            and job is not None
            and job.scenario is not chosen
            and job.data.spot
            and job.owner == identity
        )
        if replaces or (job is None and job_id not in store and not store.was_deleted(job_id)):
            chosen = chosen or self.catalog.for_id(api, job_id)
            if chosen is not None:
                request = NewJob(api=api, id=job_id, owner=identity, scenario=chosen)
                return self.plan_create(request, namespace, spot=True, replaces=replaces)
        return None

    def counts_polls(self, job: Job, namespace: str = "") -> bool:
        """Whether the job's answers depend on how many polls it had (scripted faults, the
        polls clock): shared state then counts its polls across workers."""
        return bool(job.scenario and job.scenario.faults) or not self._space(namespace).clock.decides_job_time

    def fault(self, job: Job, namespace: str = "") -> Fault | None:
        """The fault the job's latest poll (`job.polls`) meets, if any."""
        scripted = job.scenario.faults if job.scenario is not None else ()
        return fault_for(scripted, job.polls, self.chaos, self._poll_name(job, namespace))

    def answer(self, job: Job, namespace: str = "", fault: Fault | None = None) -> Answer:
        """What the job's latest poll is answered (its counts already up to date)."""
        space = self._space(namespace)
        status, headers, body, job_status = job.answer(space.clock.job_time(job), self.speed)
        answer = Answer(status, body, tuple(headers.items()), job_status=job_status)
        return fault.apply(answer, job.api, self._poll_name(job, namespace)) if fault is not None else answer

    def _poll_name(self, job: Job, namespace: str) -> str:
        return f"{self.seed}|{namespace}|{job.id}|{job.polls}"  # reproducible faults

    # --- jobs --------------------------------------------------------------------------

    def plan_create(
        self, request: NewJob, namespace: str = "", spot: bool = False, replaces: bool = False
    ) -> JobCreated:
        """A new job; without a scenario or outcome it follows a config rule or the API's
        default. A malformed request is refused here (JobError); whether its id is free and
        its namespace has room is decided when it is applied."""
        space = self._space(namespace)
        if request.scenario is None and request.outcome is None and request.duration is None:
            chosen = self.catalog.for_id(request.api, request.id) if request.id else None
            request = replace(request, scenario=chosen or self.catalog.default(request.api))
        return JobCreated(namespace, space.store.plan(request, space.clock, spot=spot), replaces=replaces)

    def jobs(self, namespace: str = "", api: str | None = None, after: int = 0) -> Iterator[Job]:
        """The namespace's jobs (of one API), oldest first, from after sequence number `after`."""
        return (job for job in self._space(namespace).store.after(after) if api is None or job.api.name == api)

    def newest(self, namespace: str = "", limit: int = 100, api: str | None = None) -> Iterator[Job]:
        """Up to `limit` of the namespace's jobs (of one API), newest first, built as reached."""
        return self._space(namespace).store.newest(limit, api)

    def history(self, job: Job, namespace: str = "") -> list[tuple[str, float]]:
        """Each status the job has shown so far, with the epoch it entered it."""
        return job.history(self._space(namespace).clock.job_time(job), self.speed)

    def progress(self, job: Job, namespace: str = "") -> float | None:
        """The share of its work done now (0 to 1); None for a replayed timeline."""
        return job.progress_at(self._space(namespace).clock.job_time(job))

    def find(self, job_id: str, namespace: str = "") -> Job:
        self._space(namespace)  # made, and marked used
        job = self.get(job_id, namespace)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        return job

    def get(self, job_id: str, namespace: str = "") -> Job | None:
        """The job, or None; never makes the namespace."""
        space = self._spaces.get(namespace)
        return space.store.get(job_id) if space is not None else None

    def page(
        self, api: str, identity: str | None, namespace: str = "", limit: int = 20, after: str | None = None
    ) -> tuple[list[Job], bool]:
        """A page of the jobs this key sees, newest first (the vendor's own list); never makes
        the namespace."""
        space = self._spaces.get(namespace)
        return space.store.page(api, identity, limit, after) if space is not None else ([], False)

    def is_example(self, job_id: str) -> bool:
        """Whether the id is one of the documents' own example jobs, made in every namespace."""
        return any(job_id == example for _api, example in self._example_ids)

    def lookup(self, api: str, job_id: str, identity: str | None, namespace: str = "") -> Job | None:
        """The job as the vendor shows it to this key, or None; never makes the namespace."""
        space = self._spaces.get(namespace)
        return space.store.visible(api, job_id, identity) if space is not None else None

    def knows(self, job_id: str, namespace: str = "") -> bool:
        """Whether this worker holds the job (else shared state may have it already)."""
        space = self._spaces.get(namespace)
        return space is not None and job_id in space.store

    def status(self, job: Job, namespace: str = "") -> str:
        return job.status_at(self._space(namespace).clock.job_time(job))

    def body(self, job: Job, namespace: str = "") -> Any:
        """What a poll would show now (without counting as a poll)."""
        return json.loads(self.body_bytes(job, namespace))

    def body_bytes(self, job: Job, namespace: str = "") -> bytes:
        """`body` as the JSON a poll would answer."""
        return job.answer(self._space(namespace).clock.job_time(job), self.speed)[2]

    def plan_cancel(self, job: Job, namespace: str = "") -> JobCancelled:
        """Move a running job to its cancelled state now (at the lifecycle time it shows now);
        whether it still can be (not finished, not cancelled or deleted meanwhile) is decided
        when it is applied (LifecycleError, NotFound)."""
        return JobCancelled(namespace, job.id, self._space(namespace).clock.job_time(job))

    def plan_decide(self, job: Job, approved: bool, namespace: str = "") -> JobDecided:
        """Approve or reject, now, the approval the job waits for (x-jobmock.approval); whether
        it still waits (not decided, cancelled or deleted meanwhile) is decided when it is
        applied (LifecycleError, NotFound)."""
        return JobDecided(namespace, job.id, self._space(namespace).clock.job_time(job), approved)

    def plan_delete(self, job_id: str, namespace: str = "") -> JobDeleted:
        """Delete a job; NotFound, when it is applied, for an id that holds none."""
        self._space(namespace)
        return JobDeleted(namespace, job_id)

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

    def clock_state(self, namespace: str = "") -> ClockState:
        return self._space(namespace).clock.state()

    def plan_clock(self, kind: str, value: float | str | None = None, namespace: str = "") -> ClockMoved:
        """Move the namespace's clock as asked (`advance` seconds, `set` an epoch, `mode` a
        name, `freeze`, `resume`), now; ClockError refuses a move that is wrong whatever the
        clock shows (an unknown mode, a negative advance), the rest is decided when applied."""
        move = ClockMove(kind, value, time.time())
        Clock.check(move)
        self._space(namespace)
        return ClockMoved(namespace, move)

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
                "count": len(spaces) - ("" in self._spaces),
                "max": limits.namespaces,
                "idle_ttl_seconds": limits.namespace_ttl,
                "evicted": self._gone["namespaces"],
            },
            "jobs": {
                "count": sum(len(s.store) for s in spaces),
                "max_per_namespace": limits.jobs,
                "evicted": self._gone["jobs"] + sum(s.store.evicted for s in spaces),
            },
            "payloads": {
                "bytes": sum(s.store.payload_bytes for s in spaces),
                "max_bytes_per_job": limits.job_bytes,
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


def example_jobs(api: ApiModel, scenarios: Mapping[str, Scenario]) -> list[tuple[NewJob, float | None]]:
    """The document's own example jobs, so its curl commands work against the mock; each
    with the time the example says it was created, when it says one.

    An example job follows the API's `documented-example` scenario when there is one (so
    it answers the example's body, timestamps included); otherwise its lifecycle runs
    from the namespace's creation, with the example's other fields. Examples whose id
    does not look like the API's ids (placeholders such as "<string>") are skipped.
    """
    driven = api.driven_fields() | {d.split(".")[0] for d in api.presence} | {api.id_field}
    if api.type_field:
        driven.add(api.type_field)
    scenario = scenarios.get(DOCUMENTED_EXAMPLE)
    jobs = []
    seen: set[str] = set()
    for example in _poll_examples(api):
        job_id = example.get(api.id_field)
        if not isinstance(job_id, str) or job_id in seen or not api.ids.matches(job_id):
            continue
        seen.add(job_id)
        created = _epoch(example.get(api.timestamps.get("created", "")))
        if scenario is not None:
            jobs.append((NewJob(api=api.name, id=job_id, scenario=scenario), created))
            continue
        job_type = example.get(api.type_field) if api.type_field else None
        if job_type is not None and job_type not in api.types:
            job_type = None
        fields = {k: v for k, v in example.items() if k not in driven}
        jobs.append((NewJob(api=api.name, job_type=job_type, fields=fields or None, id=job_id), None))
    return jobs


def _epoch(value: Any) -> float | None:
    """An example's ISO 8601 timestamp in epoch seconds; None when it is not one."""
    try:
        moment = datetime.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None
    return None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()


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


def _said(scenario: Scenario) -> str:
    """A scenario as the fingerprint reads it: where it came from left out, and so is a field
    added since stores were first written while it is unset (an upgrade keeps its store)."""
    text = repr(replace(scenario, source=""))
    return text.replace(", outcome=None)", ")") if scenario.outcome is None else text
