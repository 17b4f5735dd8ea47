"""The jobs of one namespace, keyed by id, within bounds.

Deleted ids stay gone (they answer 404), up to as many tombstones as jobs. When the
namespace holds its most jobs, the job that finished longest ago makes room; if none
has finished, the create is refused. Jobs created on the spot (a poll naming a scenario)
have a bound of their own, and the oldest of them makes room: a poll naming the scenario
makes it again. An evicted job's id answers 404, like an id never used.

Finding who makes room costs O(log n): a heap orders the jobs by the clock time at which
they finish (under the polls clock, where polls decide that, a scan does it).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from ..exceptions import IdTaken, JobError, NamespaceFull
from ..spec.model import ApiModel
from . import fakedata
from .clock import Clock
from .jobs import Job, NewJob, build_job


class JobStore:
    def __init__(self, apis: Mapping[str, ApiModel], seed: int = 0, max_jobs: int = 10_000, max_spot: int = 1000):
        self.apis = apis
        self.seed = seed
        self.max_jobs = max_jobs
        self.max_spot = max_spot
        self.evicted = 0
        self._jobs: dict[str, Job] = {}  # in order of creation
        self._spot: OrderedDict[str, None] = OrderedDict()  # ids created on the spot, oldest first
        self._deleted: OrderedDict[str, None] = OrderedDict()
        self._ids = random.Random(f"{seed}|ids")
        self._seq = itertools.count(1)
        self._finishing: list[tuple[float, int, str]] = []  # heap: (clock time it finishes, seq, id)
        self._finish_at: dict[str, float] = {}  # id -> its heap key now (older heap entries are stale)

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)

    @property
    def spot_count(self) -> int:
        return len(self._spot)

    def after(self, seq: int) -> Iterator[Job]:
        """Jobs created after sequence number `seq`, oldest first (a page's cursor)."""
        return (job for job in list(self._jobs.values()) if job.seq > seq)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def visible(self, api: str, job_id: str, identity: str | None) -> Job | None:
        """The job as a vendor would show it to this key: 404 (None) for other keys' jobs."""
        job = self._jobs.get(job_id)
        if job is None or job.api.name != api:
            return None
        if job.owner is not None and job.owner != identity:
            return None
        return job

    def delete(self, job_id: str, forget: bool = False) -> bool:
        """Remove a job; its id answers 404 from then on, unless `forget` (a restart)."""
        if not self._remove(job_id):
            return False
        if not forget:
            self._deleted[job_id] = None
            if len(self._deleted) > self.max_jobs:
                self._deleted.popitem(last=False)
        return True

    def was_deleted(self, job_id: str) -> bool:
        return job_id in self._deleted

    def create(self, request: NewJob, clock: Clock, spot: bool = False) -> Job:
        """A new job, created now on `clock`; `spot`: made by a poll naming a scenario."""
        api = self.apis.get(request.api)
        if api is None:
            raise JobError(f"unknown api {request.api!r}; served: {', '.join(sorted(self.apis))}")
        job_id = request.id or self._new_id(api)
        if job_id in self._jobs or job_id in self._deleted:
            raise IdTaken(f"job id {job_id!r} is already taken")
        job = build_job(api, job_id, request, clock.now(), self.seed)
        # choose who makes room before evicting anyone: a refused create changes nothing
        victims = [next(iter(self._spot))] if spot and len(self._spot) >= self.max_spot else []
        if len(self._jobs) - len(victims) >= self.max_jobs:
            victims.append(self._finished_first(clock))
        for victim in victims:
            self._evict(victim)
        job.seq = next(self._seq)
        self._jobs[job_id] = job
        if spot:
            self._spot[job_id] = None
        self.changed(job, clock)
        return job

    def changed(self, job: Job, clock: Clock) -> None:
        """Note when the job finishes now (after it is made, or cancelled)."""
        at = job.created + job.finish_time / clock.speed
        self._finish_at[job.id] = at
        heapq.heappush(self._finishing, (at, job.seq, job.id))
        if len(self._finishing) > 2 * len(self._jobs) + 64:  # drop the stale entries now and then
            self._finishing = [entry for entry in self._finishing if self._finish_at.get(entry[2]) == entry[0]]
            heapq.heapify(self._finishing)

    def _finished_first(self, clock: Clock) -> str:
        """The job that finished longest ago; NamespaceFull when none has."""
        if not clock.decides_job_time:  # e.g. the polls clock: polls decide when a job finishes
            found = next((job.id for job in self._jobs.values() if clock.job_time(job) >= job.finish_time), None)
        else:
            found = None
            while self._finishing:
                at, _seq, job_id = self._finishing[0]
                if self._finish_at.get(job_id) != at:
                    heapq.heappop(self._finishing)  # stale: evicted, deleted or cancelled since
                    continue
                found = job_id if at <= clock.now() else None
                break
        if found is None:
            raise NamespaceFull(
                f"the namespace holds {len(self._jobs)} jobs and none has finished; delete some, or raise --max-jobs"
            )
        return found

    def _evict(self, job_id: str) -> None:
        self._remove(job_id)
        self.evicted += 1

    def _remove(self, job_id: str) -> bool:
        self._spot.pop(job_id, None)
        self._finish_at.pop(job_id, None)  # its heap entry is stale from now on
        return self._jobs.pop(job_id, None) is not None

    def _new_id(self, api: ApiModel) -> str:
        ids = api.ids
        while True:
            if ids.uuid:
                candidate = fakedata.random_uuid(self._ids)
            else:
                candidate = ids.prefix + fakedata.random_token(self._ids, ids.length, ids.alphabet)
            if candidate not in self._jobs and candidate not in self._deleted:
                return candidate
