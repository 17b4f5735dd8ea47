"""The jobs of one namespace, keyed by id, within bounds.

The store holds a small `JobData` per job and a bounded cache of the jobs built from
them (`build_job` makes the same job from its data every time), so many jobs cost
little memory and a poll of a cached job renders at once.

Deleted ids stay gone (they answer 404), up to as many tombstones as jobs. When the
namespace holds its most jobs, the job that finished longest ago makes room; if none
has finished, the create is refused. Jobs created on the spot (a poll naming a scenario)
have a bound of their own, and the oldest of them makes room: a poll naming the scenario
makes it again. An evicted job's id answers 404, like an id never used.

Creating is two steps, so that shared state can agree on a create: `plan` makes the job's
data and changes nothing; `add` applies it, deciding there (in the shared log's order,
alike on every worker) whether the id is free and who makes room.
Finding who makes room costs O(log n): a heap orders the jobs by the clock time at which
they finish (under the polls clock, where polls decide that, a scan does it).
"""

from __future__ import annotations

import bisect
import heapq
import random
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from ..contract.model import ApiModel
from ..exceptions import IdTaken, JobError, LifecycleError, NamespaceFull, NotFound
from . import fakedata
from .clock import Clock
from .jobs import Job, JobData, NewJob, build_job, payload_bytes

JOB_CACHE = 2000  # built jobs kept per namespace; the others are rebuilt from their records when polled


class JobStore:
    def __init__(
        self,
        apis: Mapping[str, ApiModel],
        seed: int = 0,
        max_jobs: int = 10_000,
        max_spot: int = 1000,
        ids: random.Random | None = None,
    ):
        self.apis = apis
        self.seed = seed
        self.max_jobs = max_jobs
        self.max_spot = max_spot
        self.evicted = 0
        self.payload_bytes = 0  # what the held jobs' `fields` take as JSON (GET /_jobmock/status)
        self._payloads: dict[str, int] = {}  # id -> its `fields`' bytes, for the jobs that carry some
        self._data: dict[str, JobData] = {}  # in order of creation
        self._order: list[tuple[int, str]] = []  # (seq, id) ascending, for paging; removed ones are skipped
        self._built: OrderedDict[str, Job] = OrderedDict()  # least recently used first
        self._planned: OrderedDict[str, Job] = OrderedDict()  # built by `plan`, taken by `add`: built once
        self._spot: OrderedDict[str, None] = OrderedDict()  # ids created on the spot, oldest first
        self._deleted: OrderedDict[str, None] = OrderedDict()
        self._ids = ids or random.Random(f"{seed}|ids")  # seeded: the same ids run after run
        self._finishing: list[tuple[float, int, str]] = []  # heap: (clock time it finishes, seq, id)
        self._finish_at: dict[str, float] = {}  # id -> its heap key now (older heap entries are stale)

    def __iter__(self) -> Iterator[Job]:
        return self.after(0)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._data

    @property
    def spot_count(self) -> int:
        return len(self._spot)

    @property
    def last_seq(self) -> int:
        return self._order[-1][0] if self._order else 0

    def held(self) -> Iterator[JobData]:
        return iter(list(self._data.values()))

    def deleted(self) -> list[str]:
        return list(self._deleted)

    def after(self, seq: int) -> Iterator[Job]:
        """Jobs created after sequence number `seq`, oldest first (a page's cursor); O(log n) to start."""
        start = bisect.bisect_right(self._order, (seq, "\U0010ffff"))
        for seq_, job_id in self._order[start:]:
            data = self._data.get(job_id)
            if data is not None and data.seq == seq_:  # else removed, or made again later
                job = self.get(job_id)
                assert job is not None
                yield job

    def newest(self, limit: int, api: str | None = None) -> Iterator[Job]:
        """Up to `limit` jobs (of one API), newest first, each built when it is reached (a
        reader may let the event loop go between them). The order is read at the start."""
        found = 0
        for seq, job_id in reversed(self._order[:]):
            data = self._data.get(job_id)
            if data is None or data.seq != seq or (api is not None and data.api != api):
                continue
            job = self.get(job_id)
            if job is None:  # removed meanwhile
                continue
            yield job
            found += 1
            if found == limit:
                return

    def get(self, job_id: str) -> Job | None:
        job = self._built.get(job_id)
        if job is not None:
            self._built.move_to_end(job_id)
            return job
        data = self._data.get(job_id)
        if data is None:
            return None
        job = build_job(self.apis[data.api], data)
        self._cache(job)
        return job

    def _cache(self, job: Job) -> None:
        self._built[job.id] = job
        if len(self._built) > JOB_CACHE:
            self._built.popitem(last=False)

    def page(self, api: str, identity: str | None, limit: int, after: str | None = None) -> tuple[list[Job], bool]:
        """Up to `limit` of the jobs this key sees (as `visible`), newest first, those after the
        job `after` when given (a cursor); and whether more follow."""
        found: list[Job] = []
        started = after is None
        for seq, job_id in reversed(self._order[:]):
            data = self._data.get(job_id)
            if data is None or data.seq != seq or data.api != api or data.owner not in (None, identity):
                continue
            if not started:
                started = job_id == after
                continue
            if len(found) == limit:
                return found, True
            job = self.get(job_id)
            if job is not None:
                found.append(job)
        return found, False

    def visible(self, api: str, job_id: str, identity: str | None) -> Job | None:
        """The job as a vendor would show it to this key: 404 (None) for other keys' jobs."""
        data = self._data.get(job_id)
        if data is None or data.api != api:
            return None
        if data.owner is not None and data.owner != identity:
            return None
        return self.get(job_id)

    def was_deleted(self, job_id: str) -> bool:
        return job_id in self._deleted

    # --- changes -----------------------------------------------------------------------

    def plan(self, request: NewJob, clock: Clock, spot: bool = False, at: float | None = None) -> JobData:
        """The data of a new job created now on `clock` (or at `at`); refuses a malformed
        request (JobError) without changing anything. Whether its id is free and who makes
        room are decided by `add`."""
        api = self.apis.get(request.api)
        if api is None:
            raise JobError(f"unknown api {request.api!r}; served: {', '.join(sorted(self.apis))}")
        if request.id is not None and not api.ids.matches(request.id):
            raise JobError(f"id {request.id[:80]!r} is not of the form of {api.name}'s ids ({api.ids.describe()})")
        data = JobData(
            api=api.name,
            id=request.id or self._new_id(api),
            owner=request.owner,
            created=clock.now() if at is None else at,
            seed=self.seed,
            job_type=request.job_type,
            outcome=request.outcome,
            duration=request.duration,
            fields=request.fields,
            scenario=request.scenario,
            spot=spot,
        )
        planned = build_job(api, data)  # refuses a bad type, outcome or field now; sets data.finish
        self._planned[data.id] = planned
        if len(self._planned) > 64:
            self._planned.popitem(last=False)
        return data

    def add(self, data: JobData, clock: Clock, replaces: bool = False) -> None:
        """Apply a create, and decide it: IdTaken for an id held or deleted (unless
        `replaces`: the id's job is forgotten and made again); the oldest job made on the
        spot makes room past the spot bound; past the job bound, the job that had finished
        longest ago when this one was made; NamespaceFull if none had. Nothing changes
        before it is decided, and it is decided alike on every worker."""
        if not replaces and (data.id in self._data or data.id in self._deleted):
            raise IdTaken(f"job id {data.id!r} is already taken")
        current = self._data.get(data.id)
        if replaces and current is not None and _scenario_name(current) == _scenario_name(data):
            raise IdTaken(f"job {data.id!r} was made again with this scenario already")  # by another poll, first
        victims: list[str] = []
        if data.spot:
            spots = [job_id for job_id in self._spot if job_id != data.id]
            victims += spots[: max(0, len(spots) - self.max_spot + 1)]
        held = len(self._data) - (data.id in self._data)
        exclude = {*victims, data.id}
        while held - len(victims) >= self.max_jobs:
            victims.append(self._finished_first(clock, data.created, exclude))
            exclude.add(victims[-1])
        self._remove(data.id)  # a restart's: forgotten, not deleted
        for victim in victims:
            if self._remove(victim):
                self.evicted += 1
        self._deleted.pop(data.id, None)
        self._data[data.id] = data
        if data.fields:
            self._payloads[data.id] = size = payload_bytes(data.fields)
            self.payload_bytes += size
        self._order.append((data.seq, data.id))
        planned = self._planned.pop(data.id, None)
        if planned is not None and same_job(planned.data, data):  # the data may have come back from a log
            planned.data = data
            self._cache(planned)
        if data.spot:
            self._spot[data.id] = None
        self.changed(data, clock)

    def create(
        self, request: NewJob, clock: Clock, spot: bool = False, seq: int | None = None, at: float | None = None
    ) -> Job:
        """Plan and add at once: a job made outside shared state (example jobs, validation, tests)."""
        data = self.plan(request, clock, spot, at=at)
        data.seq = seq if seq is not None else self.last_seq + 1
        self.add(data, clock)
        job = self.get(data.id)
        assert job is not None
        return job

    def cancel(self, job_id: str, at: float, clock: Clock) -> None:
        """Apply a cancel at `at` seconds of the job's lifecycle: NotFound for an id that holds
        no job, LifecycleError for a job finished (or cancelled) by then; nothing changes then."""
        job = self.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        if job.data.cancelled is not None:
            raise LifecycleError(f"the job has already finished ({job.api.lifecycle.cancelled})")
        job.cancel_at(at)  # LifecycleError before it changes anything
        self.changed(job.data, clock)

    def decide(self, job_id: str, at: float, approved: bool, clock: Clock) -> None:
        """Apply an approval's decision at `at` seconds of the job's lifecycle: NotFound for an
        id that holds no job, LifecycleError for a job not awaiting approval by then (finished,
        cancelled, decided already); nothing changes then."""
        job = self.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        if job.data.cancelled is not None:
            raise LifecycleError(f"the job has already finished ({job.api.lifecycle.cancelled})")
        if job.data.decided and at < job.data.decided[-1][0]:
            raise LifecycleError("the job's approval was decided already")
        job.decide_at(at, approved)  # LifecycleError before it changes anything
        self.changed(job.data, clock)

    def delete(self, job_id: str, tombstone: bool = False) -> None:
        """Remove a job; its id answers 404 from then on. NotFound for an id that holds no job,
        unless `tombstone` (a snapshot's deleted id): the id stays gone all the same."""
        if self._remove(job_id) or tombstone:
            if job_id not in self._deleted:
                self._tombstone(job_id)
            return
        raise NotFound(f"no job {job_id!r}")

    def forget(self, job_id: str) -> None:
        """(A snapshot's) a job evicted earlier: its id holds no job, and is free again."""
        self._remove(job_id)

    def changed(self, data: JobData, clock: Clock) -> None:
        """Note when the job finishes now (after it is made, or cancelled)."""
        at = data.created + data.finish / clock.speed
        self._finish_at[data.id] = at
        heapq.heappush(self._finishing, (at, data.seq, data.id))
        if len(self._finishing) > 2 * len(self._data) + 64:  # drop the stale entries now and then
            self._finishing = [entry for entry in self._finishing if self._finish_at.get(entry[2]) == entry[0]]
            heapq.heapify(self._finishing)

    def _tombstone(self, job_id: str) -> None:
        self._deleted[job_id] = None
        if len(self._deleted) > self.max_jobs:
            self._deleted.popitem(last=False)

    def _finished_first(self, clock: Clock, now: float, exclude: set[str]) -> str:
        """The job that finished longest ago; NamespaceFull when none has."""
        found = None
        if not clock.decides_job_time:  # e.g. the polls clock: polls decide when a job finishes
            for job_id in self._data:
                job = self.get(job_id)
                if job_id not in exclude and job is not None and clock.job_time(job) >= job.finish_time:
                    found = job_id
                    break
        else:
            found = self._first_finished(now, exclude)
        if found is None:
            raise NamespaceFull(
                f"the namespace holds {len(self._data)} jobs and none has finished; delete some, or raise --max-jobs"
            )
        return found

    def _first_finished(self, now: float, exclude: set[str]) -> str | None:
        """The job that had finished longest ago by `now`, not in `exclude`: the heap's top in
        O(1), or (when the top is excluded) the next ones in order."""
        heap = self._finishing
        while heap and self._finish_at.get(heap[0][2]) != heap[0][0]:
            heapq.heappop(heap)  # stale: evicted, deleted or cancelled since
        count = 1
        while heap:
            for at, _seq, job_id in heap[:1] if count == 1 else heapq.nsmallest(count, heap):
                if at > now:
                    return None  # nothing later has finished either
                if self._finish_at.get(job_id) == at and job_id not in exclude:
                    return job_id
            if count >= len(heap):
                return None
            count *= 2
        return None

    def _remove(self, job_id: str) -> bool:
        self._spot.pop(job_id, None)
        self._built.pop(job_id, None)
        self._finish_at.pop(job_id, None)  # its heap entry is stale from now on
        data = self._data.pop(job_id, None)
        if data is None:
            return False
        self.payload_bytes -= self._payloads.pop(job_id, 0)
        if len(self._order) > 2 * len(self._data) + 64:  # drop the removed ones now and then
            self._order = [(seq, i) for seq, i in self._order if i in self._data]
        return True

    def _new_id(self, api: ApiModel) -> str:
        ids = api.ids
        while True:
            if ids.uuid:
                candidate = fakedata.random_uuid(self._ids)
            else:
                candidate = ids.prefix + fakedata.random_token(self._ids, ids.length, ids.alphabet)
            if candidate not in self._data and candidate not in self._deleted:
                return candidate


def _scenario_name(data: JobData) -> str | None:
    return data.scenario.name if data.scenario is not None else None


def same_job(a: JobData, b: JobData) -> bool:
    """Whether two records make the same job (counters and sequence numbers aside)."""
    made = (
        "api",
        "id",
        "owner",
        "created",
        "seed",
        "job_type",
        "outcome",
        "duration",
        "fields",
        "cancelled",
        "decided",
    )
    return all(getattr(a, name) == getattr(b, name) for name in made) and (
        (a.scenario.name if a.scenario else None) == (b.scenario.name if b.scenario else None)
    )
