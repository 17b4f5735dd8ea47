"""The shared log in one SQLite file: several workers on one host, durable across restarts.

Every query runs on one thread of its own, so the event loop never waits on the disk.
The file is in WAL mode: readers never block the writer, and a transaction that has
committed survives the process being killed.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..exceptions import StoreUnavailable
from .log import JournalTotals, Json

T = TypeVar("T")
POLL_SECONDS = 0.02  # how often `since` looks for new changes while waiting
SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER, kept INTEGER);
CREATE TABLE IF NOT EXISTS identity (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fingerprint (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_changes (n INTEGER PRIMARY KEY, data TEXT);
CREATE TABLE IF NOT EXISTS counters (
    namespace TEXT, job TEXT, name TEXT, value INTEGER, PRIMARY KEY (namespace, job, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
    batch INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT, first INTEGER, sizes TEXT, data TEXT
);
CREATE INDEX IF NOT EXISTS journal_by_namespace ON journal (namespace, batch);
CREATE TABLE IF NOT EXISTS journal_reads (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER);
CREATE TABLE IF NOT EXISTS journal_marks (origin TEXT PRIMARY KEY, reads INTEGER, at REAL);
CREATE TABLE IF NOT EXISTS journal_totals (
    namespace TEXT PRIMARY KEY, entries INTEGER, bytes INTEGER, evicted INTEGER, next INTEGER, start INTEGER
);
"""


class SqliteLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobmock-sqlite")
        self._db: sqlite3.Connection | None = None
        self._identity: str | None = None  # the store's name, as first read

    def agree(self, fingerprint: str) -> str:
        db = self._open()
        try:
            db.execute("INSERT OR IGNORE INTO fingerprint VALUES (1, ?)", (fingerprint,))
            return str(db.execute("SELECT value FROM fingerprint").fetchone()[0])
        finally:
            db.close()

    @staticmethod
    def check(path: str | Path) -> None:
        """Open the file once, synchronously, at start-up: a bad path fails before serving."""
        SqliteLog(path)._open().close()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        deadline = time.monotonic() + 30
        while True:  # workers starting together: switching to WAL is not covered by the busy timeout
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process, not a power cut
                db.executescript(SCHEMA)
                return db
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    db.close()
                    raise
                time.sleep(0.01)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                self._db = self._open()
            return work(self._db)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, call)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:  # locked too long, disk full, gone
            raise StoreUnavailable(f"the SQLite file {self.path} cannot be used: {exc}") from exc

    async def append(self, change: Json) -> int:
        text = json.dumps(change, separators=(",", ":"))

        def add(db: sqlite3.Connection) -> int:
            seq = db.execute("INSERT INTO changes (data) VALUES (?)", (text,)).lastrowid
            assert seq is not None
            return seq

        return await self._run(add)

    async def since(self, seq: int, wait: float = 0.0) -> list[tuple[int, Json]] | None:
        def read(db: sqlite3.Connection) -> list[tuple[int, Json]] | None:
            if not self._same_store(db):
                return None
            kept = db.execute("SELECT kept FROM snapshot").fetchone()
            if kept is not None and seq < kept[0]:
                return None
            rows = db.execute("SELECT seq, data FROM changes WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
            return [(int(s), json.loads(d)) for s, d in rows]

        deadline = time.monotonic() + wait
        while True:  # waits on the loop, not on the store's thread, which others need meanwhile
            found = await self._run(read)
            if found is None or found or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(POLL_SECONDS)

    def _same_store(self, db: sqlite3.Connection) -> bool:
        """Whether the file is the store this process has read (not one emptied or replaced)."""
        db.execute("INSERT OR IGNORE INTO identity VALUES (1, lower(hex(randomblob(8))))")
        name = str(db.execute("SELECT name FROM identity").fetchone()[0])
        same = self._identity in (None, name)
        self._identity = name
        return same

    async def snapshot(self) -> int:
        def read(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT seq FROM snapshot").fetchone()
            return 0 if row is None else int(row[0])

        return await self._run(read)

    async def snapshot_part(self, seq: int, start: int, count: int) -> list[Json] | None:
        def read(db: sqlite3.Connection) -> list[Json] | None:
            with _transaction(db, "BEGIN"):  # one snapshot: never a part of the next
                row = db.execute("SELECT seq FROM snapshot").fetchone()
                if (0 if row is None else row[0]) != seq:
                    return None
                rows = db.execute(
                    "SELECT data FROM snapshot_changes WHERE n >= ? ORDER BY n LIMIT ?", (start, count)
                ).fetchall()
                return [json.loads(data) for (data,) in rows]

        return await self._run(read)

    async def compact(self, seq: int, changes: Iterable[Json]) -> None:
        def write(db: sqlite3.Connection) -> None:
            with _transaction(db):
                row = db.execute("SELECT seq FROM snapshot").fetchone()
                previous = 0 if row is None else int(row[0])
                if previous >= seq:
                    return  # another worker took a later one
                db.execute("DELETE FROM snapshot_changes")
                rows = ((n, json.dumps(change, separators=(",", ":"))) for n, change in enumerate(changes))
                db.executemany("INSERT INTO snapshot_changes VALUES (?, ?)", rows)  # drawn one at a time
                db.execute("INSERT OR REPLACE INTO snapshot (id, seq, kept) VALUES (1, ?, ?)", (seq, previous))
                db.execute("DELETE FROM changes WHERE seq <= ?", (previous,))

        await self._run(write)

    async def count(self, namespace: str, job_id: str, counter: str, by: int = 1) -> int:
        def add(db: sqlite3.Connection) -> int:
            row = db.execute(
                "INSERT INTO counters VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value "
                "RETURNING value",
                (namespace, job_id, counter, by),
            ).fetchone()
            return int(row[0])

        return await self._run(add)

    async def forget_job(self, namespace: str, job: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM counters WHERE namespace = ? AND job = ?", (namespace, job)))

    async def journal_add(
        self, namespace: str, entries: list[tuple[int, str]], max_entries: int, max_bytes: int
    ) -> None:
        # one row per batch (a worker's flush), not per entry: a poll's journal entry costs the store ~nothing
        sizes = [size for size, _entry in entries]
        text = "[" + ",".join(entry for _size, entry in entries) + "]"
        added = (len(entries), sum(sizes))

        def add(db: sqlite3.Connection) -> None:
            with _transaction(db):
                count, size, after, start = db.execute(
                    "INSERT INTO journal_totals VALUES (?1, ?2, ?3, 0, ?2 + 1, 1) ON CONFLICT DO UPDATE SET "
                    "entries = entries + excluded.entries, bytes = bytes + excluded.bytes, "
                    "next = next + excluded.entries RETURNING entries, bytes, next, start",
                    (namespace, *added),
                ).fetchone()
                db.execute(
                    "INSERT INTO journal (namespace, first, sizes, data) VALUES (?, ?, ?, ?)",
                    (namespace, after - added[0], json.dumps(sizes), text),
                )
                if count > max_entries or size > max_bytes:
                    _trim_journal(db, namespace, (count, size, start), max_entries, max_bytes)

        await self._run(add)

    async def journal(self, namespace: str) -> list[tuple[int, Any]]:
        def read(db: sqlite3.Connection) -> list[tuple[int, Any]]:
            row = db.execute("SELECT start FROM journal_totals WHERE namespace = ?", (namespace,)).fetchone()
            start = row[0] if row else 1
            found = []
            for first, data in db.execute(
                "SELECT first, data FROM journal WHERE namespace = ? ORDER BY batch", (namespace,)
            ):
                for number, entry in enumerate(json.loads(data), start=first):
                    if number >= start:
                        found.append((number, entry))
            return found

        return await self._run(read)

    async def journal_clear(self, namespace: str) -> None:
        await self._run(lambda db: _clear_journal(db, namespace))

    async def journal_reads(self, ask: bool = False) -> int:
        def count(db: sqlite3.Connection) -> int:
            if ask:
                row = db.execute(
                    "INSERT INTO journal_reads VALUES (1, 1) ON CONFLICT DO UPDATE SET n = n + 1 RETURNING n"
                ).fetchone()
            else:
                row = db.execute("SELECT n FROM journal_reads").fetchone()
            return 0 if row is None else int(row[0])

        return await self._run(count)

    async def journal_mark(self, origin: str, reads: int, at: float) -> None:
        await self._run(
            lambda db: db.execute("INSERT OR REPLACE INTO journal_marks VALUES (?, ?, ?)", (origin, reads, at))
        )

    async def journal_marks(self) -> dict[str, tuple[int, float]]:
        def read(db: sqlite3.Connection) -> dict[str, tuple[int, float]]:
            return {o: (int(r), float(a)) for o, r, a in db.execute("SELECT origin, reads, at FROM journal_marks")}

        return await self._run(read)

    async def journal_unmark(self, origin: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM journal_marks WHERE origin = ?", (origin,)))

    async def journal_totals(self) -> JournalTotals:
        def read(db: sqlite3.Connection) -> JournalTotals:
            row = db.execute("SELECT SUM(entries), SUM(bytes), SUM(evicted) FROM journal_totals").fetchone()
            return JournalTotals(*(int(value or 0) for value in row))

        return await self._run(read)

    async def forget(self, namespace: str) -> None:
        def drop(db: sqlite3.Connection) -> None:
            _clear_journal(db, namespace)
            db.execute("DELETE FROM counters WHERE namespace = ?", (namespace,))

        await self._run(drop)

    async def close(self) -> None:
        def shut(db: sqlite3.Connection) -> None:
            db.close()

        if self._db is not None:
            await self._run(shut)
            self._db = None
        self._thread.shutdown(wait=False)


def _clear_journal(db: sqlite3.Connection, namespace: str) -> None:
    with _transaction(db):
        db.execute("DELETE FROM journal WHERE namespace = ?", (namespace,))
        db.execute("UPDATE journal_totals SET entries = 0, bytes = 0, start = next WHERE namespace = ?", (namespace,))


def _trim_journal(
    db: sqlite3.Connection, namespace: str, held: tuple[int, int, int], max_entries: int, max_bytes: int
) -> None:
    """Evict the namespace's oldest entries until both bounds hold: whole batches, and the
    start of the next (entries before `start` are skipped when read)."""
    count, size, start = held
    gone = 0
    oldest = "SELECT batch, first, sizes FROM journal WHERE namespace = ? ORDER BY batch LIMIT 64"
    batches = db.execute(oldest, (namespace,))
    for batch, first, text in batches.fetchall():
        sizes = json.loads(text)
        for number, entry_size in enumerate(sizes[max(0, start - first) :], start=max(start, first)):
            if count <= max_entries and size <= max_bytes:
                break
            count, size, start, gone = count - 1, size - entry_size, number + 1, gone + 1
        if start >= first + len(sizes):
            db.execute("DELETE FROM journal WHERE batch = ?", (batch,))
        if count <= max_entries and size <= max_bytes:
            break
    db.execute(
        "UPDATE journal_totals SET entries = ?, bytes = ?, start = ?, evicted = evicted + ? WHERE namespace = ?",
        (count, size, start, gone, namespace),
    )


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (or ROLLBACK): a write transaction that waits its turn
    (`begin="BEGIN"`: a read that sees one state throughout)."""

    def __init__(self, db: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE"):
        self.db = db
        self.begin = begin

    def __enter__(self) -> None:
        self.db.execute(self.begin)

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
