"""The jobs of one namespace, keyed by id; deleted ids stay gone."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

from ..exceptions import IdTaken, JobError
from ..spec.model import ApiModel
from . import fakedata
from .jobs import Job, NewJob, build_job


class JobStore:
    def __init__(self, apis: Mapping[str, ApiModel], seed: int = 0):
        self.apis = apis
        self.seed = seed
        self._jobs: dict[str, Job] = {}
        self._deleted: set[str] = set()
        self._ids = random.Random(f"{seed}|ids")

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)

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
        if self._jobs.pop(job_id, None) is None:
            return False
        if not forget:
            self._deleted.add(job_id)
        return True

    def was_deleted(self, job_id: str) -> bool:
        return job_id in self._deleted

    def create(self, request: NewJob, now: float) -> Job:
        api = self.apis.get(request.api)
        if api is None:
            raise JobError(f"unknown api {request.api!r}; served: {', '.join(sorted(self.apis))}")
        job_id = request.id or self._new_id(api)
        if job_id in self._jobs or job_id in self._deleted:
            raise IdTaken(f"job id {job_id!r} is already taken")
        job = build_job(api, job_id, request, now, self.seed)
        self._jobs[job_id] = job
        return job

    def _new_id(self, api: ApiModel) -> str:
        ids = api.ids
        while True:
            if ids.uuid:
                candidate = fakedata.random_uuid(self._ids)
            else:
                candidate = ids.prefix + fakedata.random_token(self._ids, ids.length, ids.alphabet)
            if candidate not in self._jobs and candidate not in self._deleted:
                return candidate
