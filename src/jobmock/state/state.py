"""`State`: the one way to change the mock or answer a poll, in memory or shared with
other workers.

In memory (no log), a change is applied at once. With a shared log, a change is planned
on this worker's copy of the state (`Mock.plan_*`, which refuses bad ones), appended to
the log, and applied when this worker reads the log back, in the log's order, as every
other worker does; so all agree, and a restart replays the log. A background task reads
changes others made every `TAIL_SECONDS` at most (cancel, delete and clock changes reach
every worker within 100 ms); a poll of an id this worker does not know, and every control
request, read the log first, so a job made anywhere is seen on the next request.

Polls of a job whose answers depend on its count of polls (scripted faults, the polls
clock) are counted in the store; other polls never wait on it. The journal is written in
batches every `FLUSH_SECONDS` and read from the store, so it covers every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import uuid
from collections import OrderedDict
from typing import Any

from ..contract.secrets import redact
from ..exceptions import IdTaken, JobmockError, StoreUnavailable
from ..sim.answer import Answer
from ..sim.changes import Change, JobCreated, NamespaceDropped, NamespaceMade, Outcome, from_json, to_json
from ..sim.clock import ClockState
from ..sim.jobs import Job, JobData, NewJob, build_job
from ..sim.journal import RawRequest
from ..sim.mock import Mock
from .log import Log

log = logging.getLogger("jobmock")
TAIL_SECONDS = 0.05  # the longest a change made elsewhere waits to be applied here
FLUSH_SECONDS = 0.05  # journal entries are written to the store in batches this often
MARK_PATIENCE = 1.0  # seconds a journal read waits at most for every process's entries
MARK_LIVE = 5.0  # a process whose journal mark is older is taken to be gone (no read waits for it)
COMPACT_EVERY = 20_000  # changes between snapshots of the whole state
OUTCOMES_KEPT = 10_000  # what applying the latest changes decided, for the workers that made them
STOP_SECONDS = 5.0  # the longest a stop waits for the follower
RETRY_SECONDS = 0.5  # between looks at a store that cannot be reached
USED_EVERY = 5.0  # seconds between a worker's notes of the namespaces it served (LRU order is this exact)
SNAPSHOT_PART = 5000  # changes of a snapshot read at a time
FREEZE_EVERY = 5000  # changes between exempting what is held from full garbage collections


class State:
    def __init__(self, mock: Mock, log: Log | None = None):
        self.mock = mock
        self.log = log
        self._reading = asyncio.Lock()
        self._journal: list[tuple[str, int, str]] = []  # (namespace, size, entry as JSON), written at the next flush
        self._snapshot_seq = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False  # the follower ends at its next turn (a cancel alone can be lost: see stop)
        self._unjournaled = 0
        self._outcomes: OrderedDict[int, Outcome] = OrderedDict()
        self._used: set[str] = set()  # namespaces requests used since the last note of them in the log
        self._used_noted = time.monotonic()
        self.origin = uuid.uuid4().hex[:12]  # this process, in the journal's order and marks
        self._arrivals = 0
        self._outage_since: float | None = None  # monotonic time the store was found unreachable
        self._outages = 0  # outages the store came back from
        self._reloads = 0  # times the whole state was read again (compacted past, or a store emptied)
        self._sizes = 0  # about the bytes of the changes applied since the last snapshot
        self._frozen_at = 0

    def describe(self) -> str:
        return "memory (this process only)" if self.log is None else f"shared in {self.store}"

    @property
    def store(self) -> str:
        """Where the state lives, as the banner and /status say it: never with a credential."""
        return "memory" if self.log is None else str(redact(self.log.url))

    # --- life --------------------------------------------------------------------------

    async def start(self) -> None:
        """Load what the store holds, then follow its changes in the background."""
        if self.log is None:
            return
        await self._reload()
        gc.freeze()  # what was loaded stays: out of the collector's full scans (see _settle)
        self._task = asyncio.get_running_loop().create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            # The flag ends the follower at its next turn (every TAIL_SECONDS): a cancel alone was
            # seen lost inside redis-py's blocking read about 1 stop in 30, which hung the process.
            self._stopping = True
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_SECONDS)
            if not self._task.done():
                log.warning("jobmock: the store's follower did not stop within %s s; stopping without it", STOP_SECONDS)
            elif not self._task.cancelled() and self._task.exception() is not None:
                log.warning("jobmock: the store's follower ended with %r", self._task.exception())
            self._task = None
        if self.log is not None:
            with contextlib.suppress(StoreUnavailable):  # a store that is gone: nothing more to write
                await self._flush()
                await self.log.journal_unmark(self.origin)
            await self.log.close()

    async def _follow(self) -> None:
        assert self.log is not None
        last_flush = time.monotonic()
        while not self._stopping:
            try:
                await self.catch_up(wait=TAIL_SECONDS)
                if time.monotonic() - last_flush >= FLUSH_SECONDS:
                    last_flush = time.monotonic()
                    await self._flush()
                if self._used and time.monotonic() - self._used_noted >= USED_EVERY:
                    await self._note_used()
                if self.mock.applied - self._snapshot_seq >= COMPACT_EVERY or self._sizes >= self.mock.limits.log_bytes:
                    await self.compact()
                self._store_back()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as exc:  # keep serving what is held (and needs no store), and retry
                self.store_lost(exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def catch_up(self, wait: float = 0.0) -> None:
        """Apply the changes other workers made since this one last looked (waiting up to
        `wait` seconds for one; the wait holds no lock, so requests never queue behind it)."""
        if self.log is None:
            return
        changes = await self.log.since(self.mock.applied, wait)
        async with self._reading:
            if changes is None:  # compacted past what this process holds, or a store emptied or replaced
                await self._reload_locked()
                self._reloads += 1
                return
            for seq, data in changes:
                if seq > self.mock.applied:  # another catch-up may have applied some meanwhile
                    self._apply_data(data, seq)

    async def _reload(self) -> None:
        async with self._reading:
            await self._reload_locked()

    async def _reload_locked(self) -> None:
        """Rebuild from the latest snapshot, read a part at a time, then the changes after it."""
        assert self.log is not None
        while True:
            seq = await self.log.snapshot()
            self.mock.reset()
            start = 0
            while (part := await self.log.snapshot_part(seq, start, SNAPSHOT_PART)) is not None:
                for data in part:
                    self.mock.apply(self._read(data), 0)
                start += len(part)
                if len(part) < SNAPSHOT_PART:
                    break
            if part is not None:  # else another worker replaced the snapshot meanwhile: again
                break
        self.mock.applied = self._snapshot_seq = seq
        for change_seq, data in await self.log.since(seq) or []:
            self._apply_data(data, change_seq)

    async def compact(self) -> None:
        """Snapshot the whole state in the store, so that the log before it can go."""
        assert self.log is not None
        seq = self.mock.applied
        # written as drawn: no copy of the whole state in memory at once (changes applied meanwhile
        # are in the log after `seq`, and applying one again changes nothing)
        await self.log.compact(seq, (to_json(change) for change in self.mock.export()))
        self._snapshot_seq = seq
        self._sizes = 0

    def _settle(self) -> None:
        """Every FREEZE_EVERY changes, exempt what the process holds from the garbage collector's
        full scans: with 100k jobs held, each scan stalls every request for ~100 ms. (Frozen
        objects are still freed when no longer referenced; jobs hold no reference cycles.)"""
        if self.mock.applied - self._frozen_at >= FREEZE_EVERY:
            self._frozen_at = self.mock.applied
            gc.freeze()

    def _read(self, data: dict[str, Any]) -> Change:
        return from_json(data, self.mock.scenario)

    # --- changes -----------------------------------------------------------------------

    def store_lost(self, exc: StoreUnavailable) -> None:
        """The store cannot be reached: said once per outage (not once per request)."""
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.warning("jobmock: %s; answering 503 where the store is needed until it is back", exc)

    def _store_back(self) -> None:
        if self._outage_since is not None:
            lasted = time.monotonic() - self._outage_since
            self._outage_since = None
            self._outages += 1
            log.warning("jobmock: the store is back after %.1f s (outage %d)", lasted, self._outages)

    def _apply_data(self, data: dict[str, Any], seq: int) -> None:
        """Apply a change as the log holds it; one this process cannot read (a scenario it did
        not load, from a store older than the agreement on what is served) is skipped, and said."""
        self._sizes += len(str(data))
        try:
            change = self._read(data)
        except JobmockError as exc:
            log.warning("jobmock: change %d of the store cannot be read here (%s); skipped", seq, exc)
            self.mock.applied = seq
            return
        self._apply(change, seq)

    def _apply(self, change: Change, seq: int) -> None:
        outcome = self.mock.apply(change, seq)
        self._outcomes[seq] = outcome
        if len(self._outcomes) > OUTCOMES_KEPT:
            self._outcomes.popitem(last=False)

    async def commit(self, change: Change) -> object:
        """Make a change, in memory or through the shared log; what applying it decided,
        in the log's order as every worker decides it: the refusal is raised (nothing
        changed), else the value it stood with (the job's data, the clock after a move)."""
        self._settle()
        if self.log is None:
            outcome = self.mock.apply(change)
        else:
            data = to_json(change)
            seq = await self.log.append(data)
            if seq <= self.mock.applied:  # the store went back (emptied, or an older copy): it is the truth
                log.warning("jobmock: the store holds fewer changes than this process applied; reloading it")
                await self._reload()
            async with self._reading:
                if seq == self.mock.applied + 1:  # nothing else came in between: apply it as read back
                    self._apply_data(data, seq)
            while self.mock.applied < seq:
                await self.catch_up()
            outcome = self._outcomes.pop(seq, Outcome())  # kept unless a reload skipped past it
            for name in _gone(change, outcome):  # the store's journal and counters of namespaces that went
                await self.log.forget(name)
        if outcome.refused is not None:
            raise outcome.refused
        return outcome.value

    async def namespace(self, namespace: str) -> None:
        """Make the namespace if it is new (everywhere, through the log)."""
        if self.log is not None and not self.mock.has_namespace(namespace):
            await self.catch_up()
        if not self.mock.has_namespace(namespace):
            await self.commit(self.mock.plan_namespace(namespace))

    async def create(self, request: NewJob, namespace: str = "") -> Job:
        """A new job; IdTaken, NamespaceFull as the log's order decides (alike on every worker)."""
        await self.namespace(namespace)
        for _attempt in range(5):
            try:
                return await self._create(self.mock.plan_create(request, namespace))
            except IdTaken:
                if request.id is not None:
                    raise
        raise IdTaken("five random ids in a row were taken")  # cannot happen with 62^12 of them

    async def _create(self, change: JobCreated) -> Job:
        data = await self.commit(change)
        assert isinstance(data, JobData)
        job = self.mock.get(data.id, change.namespace)
        # a later change may have deleted it already: the job as it was made is the answer
        return job if job is not None and job.data is data else build_job(self.mock.apis[data.api], data)

    async def cancel(self, job: Job, namespace: str = "") -> None:
        await self.commit(self.mock.plan_cancel(job, namespace))

    async def decide(self, job: Job, approved: bool, namespace: str = "") -> None:
        """Approve or reject the approval the job waits for (LifecycleError when it waits for none)."""
        await self.commit(self.mock.plan_decide(job, approved, namespace))

    async def delete(self, job_id: str, namespace: str = "") -> None:
        await self.commit(self.mock.plan_delete(job_id, namespace))

    async def move_clock(self, kind: str, value: float | str | None = None, namespace: str = "") -> ClockState:
        """Move the namespace's clock as asked (`advance` seconds, `set` an epoch, `mode` a
        name, `freeze`, `resume`): the clock right after this move (ClockError refuses)."""
        state = await self.commit(self.mock.plan_clock(kind, value, namespace))
        assert isinstance(state, ClockState)
        return state

    async def drop_namespace(self, namespace: str) -> None:
        """Forget a namespace (its jobs, clock and journal) everywhere; its next use starts afresh."""
        await self.catch_up()
        if namespace and self.mock.has_namespace(namespace):
            await self.commit(self.mock.plan_drop(namespace))

    async def fresh(self, namespace: str = "") -> None:
        """Before a control request: everything other workers did is applied, the namespace made."""
        await self.catch_up()
        await self.namespace(namespace)
        self.used(namespace)

    def used(self, namespace: str) -> None:
        """A request used the namespace (a control request, or a poll that found a job): at
        once in memory; with shared state, noted in the log every USED_EVERY seconds at most,
        so that every worker evicts the least recently used alike."""
        if self.log is None:
            self.mock.touch(namespace, time.time())
        else:
            self._used.add(namespace)

    async def _note_used(self) -> None:
        used, self._used = self._used, set()
        self._used_noted = time.monotonic()
        await self.commit(self.mock.plan_used(used, time.time()))

    # --- polls -------------------------------------------------------------------------

    async def poll(
        self, api: str, job_id: str, identity: str | None, namespace: str = "", scenario: str | None = None
    ) -> Answer | None:
        """The answer to a poll, or None for the vendor's 404. Raises UnknownScenario."""
        mock = self.mock
        if self.log is not None and not mock.knows(job_id, namespace):
            await self.catch_up()  # made by another worker a moment ago?
        if not mock.could_answer(api, job_id, namespace, scenario):
            return None  # a 404 makes no namespace
        await self.namespace(namespace)
        change = mock.plan_poll(api, job_id, identity, namespace, scenario)
        if change is not None and self.log is not None:  # a write: decided on what the log holds now
            await self.catch_up()
            change = mock.plan_poll(api, job_id, identity, namespace, scenario)
        if change is not None:
            before = mock.get(job_id, namespace)
            with contextlib.suppress(IdTaken):  # another worker made it first: its job stands
                await self._create(change)
                if before is not None and self.log is not None:  # restarted: its counts go with it
                    await self.log.forget_job(namespace, _counted(before))
        job = mock.lookup(api, job_id, identity, namespace)
        if job is None:
            return None
        self.used(namespace)
        if self.log is None or not mock.counts_polls(job, namespace):
            fault = mock.count_poll(job, namespace)
        else:
            if change is None:  # its counts are the store's: the job this worker holds must be the latest
                await self.catch_up()
                job = mock.lookup(api, job_id, identity, namespace)
                if job is None:
                    return None
            key = (namespace, _counted(job))
            fault = mock.count_poll(job, namespace, await self.log.count(*key, "polls"))
            delivered = fault is None or fault.delivers
            job.data.shown = await self.log.count(*key, "shown", 1 if delivered else 0)
        return mock.answer(job, namespace, fault)

    # --- journal -----------------------------------------------------------------------

    def journal_add(self, raw: RawRequest, namespace: str = "") -> None:
        """Journal a request (batched with shared state); one that made no namespace is counted only."""
        if self.log is None:
            self.mock.journal_add(raw, namespace)
        elif self.mock.has_namespace(namespace):
            self._journal.append((namespace, raw.size(), raw.encoded()))
        else:
            self._unjournaled += 1

    def stamp(self) -> tuple[str, int]:
        """This process, and the place of the request now arriving among its arrivals."""
        self._arrivals += 1
        return self.origin, self._arrivals

    async def journal(self, namespace: str = "") -> list[tuple[int, RawRequest]]:
        """The namespace's journal, in arrival order. With shared state it holds every request
        any process answered before the read began: the read is numbered in the store, and
        waits (MARK_PATIENCE at most) until every live process has flushed past it."""
        if self.log is None:
            return self.mock.journal(namespace)
        asked = await self.log.journal_reads(ask=True)
        await self._flush()
        deadline = time.monotonic() + MARK_PATIENCE
        while time.monotonic() < deadline:
            marks = await self.log.journal_marks()
            live = time.time() - MARK_LIVE
            if all(reads >= asked for origin, (reads, at) in marks.items() if at >= live and origin != self.origin):
                break
            await asyncio.sleep(FLUSH_SECONDS / 5)
        entries = [(seq, RawRequest.decoded(data)) for seq, data in await self.log.journal(namespace)]
        return sorted(entries, key=lambda entry: entry[1].stamp)

    async def clear_journal(self, namespace: str = "") -> None:
        if self.log is None:
            self.mock.clear_journal(namespace)
            return
        await self._flush()
        await self.log.journal_clear(namespace)

    async def _flush(self) -> None:
        """Write the entries answered so far, then the mark that says so (`journal`)."""
        if self.log is None:
            return
        reads = await self.log.journal_reads()  # read first: what follows holds every entry answered by now
        batch, self._journal = self._journal, []
        try:
            await self._write_journal(batch)
        except StoreUnavailable:
            kept = self.mock.limits.journal_entries  # kept for the next flush, within the journal's bound
            self._unjournaled += max(0, len(batch) + len(self._journal) - kept)
            self._journal = (batch + self._journal)[-kept:]
            raise
        await self.log.journal_mark(self.origin, reads, time.time())

    async def _write_journal(self, batch: list[tuple[str, int, str]]) -> None:
        assert self.log is not None
        by_namespace: dict[str, list[tuple[int, str]]] = {}
        for namespace, size, entry in batch:
            by_namespace.setdefault(namespace, []).append((size, entry))
        limits = self.mock.limits
        for namespace, entries in by_namespace.items():
            await self.log.journal_add(namespace, entries, limits.journal_entries, limits.journal_bytes)

    # --- bounds ------------------------------------------------------------------------

    async def usage(self) -> dict[str, Any]:
        """`Mock.usage`, with the journal counted in the store when it is shared."""
        usage = self.mock.usage()
        if self.log is not None:
            await self._flush()
            totals = await self.log.journal_totals()
            usage["journal"].update(
                entries=totals.entries, bytes=totals.bytes, evicted=totals.evicted, unjournaled=self._unjournaled
            )
        usage["state"] = {
            "store": self.store,
            "changes_applied": self.mock.applied,
            "snapshot_at": self._snapshot_seq,
            "reachable": self._outage_since is None,
            "outages": self._outages,
            "reloads": self._reloads,
            "log_bytes": self._sizes,
            "max_log_bytes": self.mock.limits.log_bytes,
        }
        return usage


def _counted(job: Job) -> str:
    """The key of a job's poll counts in the store: a job made again under its id (a poll
    naming another scenario) counts from zero, on every worker, as in memory."""
    return f"{job.id}#{job.seq}"


def _gone(change: Change, outcome: Outcome) -> tuple[str, ...]:
    """The namespaces a change made go: evicted to make room for a new one, or dropped."""
    if isinstance(change, NamespaceMade) and isinstance(outcome.value, tuple):
        return outcome.value
    if isinstance(change, NamespaceDropped) and outcome.value:
        return (change.namespace,)
    return ()
