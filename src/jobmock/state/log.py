"""What a shared store must do: an ordered log of changes, poll counters and the journal.

Two stores implement it: `SqliteLog` (several workers on one host, durable in one file)
and `RedisLog` (several hosts). Changes travel as JSON objects (`jobmock.sim.changes`);
the store only orders and keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

Json = dict[str, Any]


@dataclass(frozen=True)
class JournalTotals:
    entries: int
    bytes: int
    evicted: int


class Log(Protocol):
    """Every method is a coroutine that never blocks the event loop."""

    url: str  # where it keeps its data, credentials left out (for messages)

    def agree(self, fingerprint: str) -> str:
        """At start-up, synchronously: keep `fingerprint` (what decides the answers a process
        gives) if the store keeps none yet; the one it keeps."""

    async def append(self, change: Json) -> int:
        """Add a change at the end of the log; its sequence number (1, 2, ...)."""

    async def since(self, seq: int, wait: float = 0.0) -> list[tuple[int, Json]] | None:
        """Changes after `seq`, in order (waiting up to `wait` seconds for one); None when
        the log no longer holds them all (compacted past `seq`): reload from `snapshot`."""

    async def snapshot(self) -> int:
        """The sequence number the latest snapshot of the whole state was taken at (0: none)."""

    async def snapshot_part(self, seq: int, start: int, count: int) -> list[Json] | None:
        """Changes `start` to `start + count` of the snapshot taken at `seq` (which rebuild the
        state from nothing); None when that snapshot has been replaced meanwhile."""

    async def compact(self, seq: int, changes: Iterable[Json]) -> None:
        """Keep a snapshot at `seq` (unless a later one is kept), written as `changes` are
        drawn, and drop changes older than the previous snapshot."""

    async def count(self, namespace: str, job_id: str, counter: str, by: int = 1) -> int:
        """Add `by` to a job's counter (polls, shown) and return it: one count for every worker."""

    async def forget_job(self, namespace: str, job: str) -> None:
        """Drop a job's counters (it was made again under its id: its counts start anew)."""

    async def journal_add(
        self, namespace: str, entries: list[tuple[int, str]], max_entries: int, max_bytes: int
    ) -> None:
        """Append entries (each its size and its JSON), then evict the oldest past either bound."""

    async def journal(self, namespace: str) -> list[tuple[int, Any]]:
        """(sequence number, entry as its JSON read back), oldest first."""

    async def journal_clear(self, namespace: str) -> None: ...

    async def journal_reads(self, ask: bool = False) -> int:
        """The number of journal reads asked for so far (`ask`: count one more, and return it)."""

    async def journal_mark(self, origin: str, reads: int, at: float) -> None:
        """`origin` has written every entry it answered before read number `reads` was asked
        (`at`: its wall clock, so that a process gone quiet is seen to be gone)."""

    async def journal_marks(self) -> dict[str, tuple[int, float]]:
        """Each process's latest mark: (reads, at)."""

    async def journal_unmark(self, origin: str) -> None:
        """`origin` stopped: no read waits for it."""

    async def journal_totals(self) -> JournalTotals: ...

    async def forget(self, namespace: str) -> None:
        """Drop a namespace's journal and counters (the namespace was dropped or evicted)."""

    async def close(self) -> None: ...
