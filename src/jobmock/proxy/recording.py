"""`jobmock proxy --record DIR`: each job polled through the proxy kept as a timeline
scenario that `jobmock serve --fixtures DIR` replays, written as `jobmock record` writes
one (`scenario_files.record`: the same format, redaction and writer).

One file per job, `DIR/<api>.recorded-<job id>.yaml`, one scenario in it: a job's file is
written whole and atomically when the job ends, without reading or rewriting any other
(one file per API would be rewritten, all its jobs, at every job's end, and would pass the
loader's 100 scenarios a file); the same job recorded again replaces its own file and no
other; and a file can be kept, renamed or deleted job by job.

The answers are the polls `following.py` follows (a job from the first poll that answers
it, then every client's polls of its id; 401, 403 and 404 left out), each at the second the
proxy had it, counted from the job's first: the timings are the upstream's as the clients
saw them. A job's file is written when it first answers a terminal state, before that
answer is relayed; again when a later answer differs (a terminal state that does not hold,
kept as it happened); and, on shutdown, for every job that had not ended. Credentials are
never written: each answer is redacted with the credentials of the request it answered.

Bounded: at most `--max-recorded` jobs a run (those first seen; jobs seen after them are
counted, not recorded) and, per job, `--max-polls` distinct answers (its first and the
newest, as `following.py` keeps polls; those between are counted in its description).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..client.polls import Poll
from ..contract.dotted import get as dotted_get
from ..contract.model import ApiModel
from ..scenario_files.record import add_answer, fixture, scenario_name, slug, without_credentials, write_fixture


@dataclass
class Recording:
    """One job's answers so far, as the timeline they become."""

    api: ApiModel
    job_id: str
    start: float  # when the proxy had the job's first answer (time.monotonic: a clock set back moves no entry)
    last: float = 0.0  # and its latest
    polls: int = 0
    timeline: list[dict[str, Any]] = field(default_factory=list)
    left_out: int = 0  # distinct answers dropped between the first and the newest (--max-polls)
    status: Any = None  # the job's latest status
    ended: bool = False  # it has answered a terminal state
    due: bool = False  # changed since its file was written
    written: bool = False
    failed: bool = False  # its last write failed: tried again when it changes, or on shutdown


@dataclass
class RecordCounts:
    recorded: int = 0  # jobs recorded
    files: int = 0  # of them, written to a file
    not_recorded: int = 0  # jobs first followed after --max-recorded were
    failures: int = 0  # writes that failed (each said on stderr)


class Recorder:
    def __init__(self, folder: Path, upstream: str, max_answers: int, max_jobs: int):
        self.folder = folder
        self.source = without_credentials(upstream)
        self.max_answers = max_answers
        self.max_jobs = max_jobs
        self.recordings: dict[tuple[str, str], Recording] = {}
        self.ended: dict[tuple[str, str], Recording] = {}  # those ended and due: written after this answer
        self.counts = RecordCounts()
        self.lock = asyncio.Lock()  # one write at a time, in the order they were asked for

    def add(self, api: ApiModel, job_id: str, poll: Poll, known: list[str]) -> None:
        """Add a followed poll of the job, redacted with `known` (its request's credentials)."""
        key = (api.name, job_id)
        recording = self.recordings.get(key)
        if recording is None:
            if poll.job is None:
                return  # not a job yet
            if len(self.recordings) >= self.max_jobs:
                if poll.index == 0:  # counted once: when following starts it
                    self.counts.not_recorded += 1
                return
            recording = self.recordings[key] = Recording(api, job_id, time.monotonic())
            self.counts.recorded += 1
        recording.polls += 1
        recording.last = time.monotonic()
        if not add_answer(recording.timeline, api, recording.last - recording.start, poll, known):
            return
        if len(recording.timeline) > self.max_answers:
            del recording.timeline[1]  # the first stays: the job's start
            recording.left_out += 1
        if poll.job is not None:
            recording.status = dotted_get(poll.job, api.status_field)[1]
            recording.ended = recording.ended or recording.status in api.lifecycle.terminal
        recording.due = True
        if recording.ended:
            self.ended[key] = recording

    async def write_ended(self) -> None:
        """Write the file of each job that has ended and changed since its file was written."""
        if self.ended:
            due, self.ended = list(self.ended.values()), {}
            await self._write(due)

    async def start(self) -> None:  # a part of the proxy's lifespan: nothing to open
        return None

    async def stop(self) -> None:
        await self.close()

    async def close(self) -> None:
        """On shutdown: write the file of every job not written as it is now."""
        self.ended = {}
        await self._write([r for r in self.recordings.values() if r.due or r.failed])

    def path(self, recording: Recording) -> Path:
        return self.folder / f"{slug(recording.api.name)}.{scenario_name(recording.job_id)}.yaml"

    def as_json(self) -> dict[str, Any]:
        """The counts, for /_jobmock/violations' `jobs`."""
        return {
            "recorded": self.counts.recorded,
            "recorded_files": self.counts.files,
            "not_recorded": self.counts.not_recorded,
            "max_recorded": self.max_jobs,
            "record_failures": self.counts.failures,
        }

    async def _write(self, due: list[Recording]) -> None:
        if not due:
            return
        taken = [(r, list(r.timeline), self._description(r)) for r in due]  # as they are now
        for recording in due:
            recording.due = False
        async with self.lock:  # taken before this await: the writes land in the order the answers came
            for recording, timeline, description in taken:
                path = self.path(recording)
                try:
                    await asyncio.to_thread(self._write_file, recording, timeline, description, path)
                except OSError as exc:
                    recording.failed = True
                    self.counts.failures += 1
                    print(f"jobmock proxy: --record: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
                    continue
                recording.failed = False
                if not recording.written:
                    recording.written = True
                    self.counts.files += 1

    def _write_file(self, recording: Recording, timeline: list[dict[str, Any]], description: str, path: Path) -> None:
        api = recording.api
        document = fixture(api, scenario_name(recording.job_id), recording.job_id, self.source, description, timeline)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_fixture(document, path, by="jobmock proxy --record")

    def _description(self, recording: Recording) -> str:
        polls = f"{recording.polls} poll" + ("s" if recording.polls != 1 else "")
        text = (
            f"Recorded by jobmock proxy from {self.source} (job {recording.job_id}): {polls} over "
            f"{recording.last - recording.start:.1f} s"
        )
        if recording.left_out:
            text += f", {recording.left_out} answers between the first and the newest {self.max_answers - 1} left out"
        if not recording.ended:
            text += f", still {recording.status} when the proxy stopped"
        return text
