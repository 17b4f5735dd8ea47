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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .log import JournalTotals, Json, Snapshot

T = TypeVar("T")
POLL_SECONDS = 0.02  # how often `since` looks for new changes while waiting
SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER, kept INTEGER, data TEXT);
CREATE TABLE IF NOT EXISTS counters (
    namespace TEXT, job TEXT, name TEXT, value INTEGER, PRIMARY KEY (namespace, job, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT, size INTEGER, data TEXT);
CREATE INDEX IF NOT EXISTS journal_by_namespace ON journal (namespace, seq);
CREATE TABLE IF NOT EXISTS journal_evicted (namespace TEXT PRIMARY KEY, evicted INTEGER);
"""


class SqliteLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobmock-sqlite")
        self._db: sqlite3.Connection | None = None

    @staticmethod
    def check(path: str | Path) -> None:
        """Open the file once, synchronously, at start-up: a bad path fails before serving."""
        SqliteLog(path)._open().close()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process, not a power cut
        db.executescript(SCHEMA)
        return db

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                self._db = self._open()
            return work(self._db)

        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def append(self, change: Json) -> int:
        text = json.dumps(change, separators=(",", ":"))

        def add(db: sqlite3.Connection) -> int:
            seq = db.execute("INSERT INTO changes (data) VALUES (?)", (text,)).lastrowid
            assert seq is not None
            return seq

        return await self._run(add)

    async def since(self, seq: int, wait: float = 0.0) -> list[tuple[int, Json]] | None:
        def read(db: sqlite3.Connection) -> list[tuple[int, Json]] | None:
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

    async def snapshot(self) -> Snapshot:
        def read(db: sqlite3.Connection) -> Snapshot:
            row = db.execute("SELECT seq, data FROM snapshot").fetchone()
            return Snapshot(0, []) if row is None else Snapshot(int(row[0]), json.loads(row[1]))

        return await self._run(read)

    async def compact(self, snapshot: Snapshot) -> None:
        text = json.dumps(snapshot.changes, separators=(",", ":"))

        def write(db: sqlite3.Connection) -> None:
            with _transaction(db):
                row = db.execute("SELECT seq FROM snapshot").fetchone()
                previous = 0 if row is None else int(row[0])
                if previous >= snapshot.seq:
                    return  # another worker took a later one
                db.execute(
                    "INSERT OR REPLACE INTO snapshot (id, seq, kept, data) VALUES (1, ?, ?, ?)",
                    (snapshot.seq, previous, text),
                )
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

    async def journal_add(self, namespace: str, entries: list[Json], max_entries: int, max_bytes: int) -> None:
        rows = [(namespace, entry.pop("size"), json.dumps(entry, separators=(",", ":"))) for entry in entries]

        def add(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.executemany("INSERT INTO journal (namespace, size, data) VALUES (?, ?, ?)", rows)
                # the newest entries that fit both bounds stay; the rest go
                cut = db.execute(
                    "SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER w AS n, SUM(size) OVER w AS total FROM journal "
                    "WHERE namespace = ? WINDOW w AS (ORDER BY seq DESC)) WHERE n > ? OR total > ? LIMIT 1",
                    (namespace, max_entries, max_bytes),
                ).fetchone()
                if cut is not None:
                    gone = db.execute("DELETE FROM journal WHERE namespace = ? AND seq <= ?", (namespace, cut[0]))
                    db.execute(
                        "INSERT INTO journal_evicted VALUES (?, ?) "
                        "ON CONFLICT DO UPDATE SET evicted = evicted + excluded.evicted",
                        (namespace, gone.rowcount),
                    )

        await self._run(add)

    async def journal(self, namespace: str) -> list[tuple[int, Json]]:
        def read(db: sqlite3.Connection) -> list[tuple[int, Json]]:
            rows = db.execute("SELECT seq, data FROM journal WHERE namespace = ? ORDER BY seq", (namespace,))
            return [(int(seq), json.loads(data)) for seq, data in rows]

        return await self._run(read)

    async def journal_clear(self, namespace: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM journal WHERE namespace = ?", (namespace,)))

    async def journal_totals(self) -> JournalTotals:
        def read(db: sqlite3.Connection) -> JournalTotals:
            entries, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM journal").fetchone()
            (evicted,) = db.execute("SELECT COALESCE(SUM(evicted), 0) FROM journal_evicted").fetchone()
            return JournalTotals(int(entries), int(size), int(evicted))

        return await self._run(read)

    async def forget(self, namespace: str) -> None:
        def drop(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute("DELETE FROM journal WHERE namespace = ?", (namespace,))
                db.execute("DELETE FROM counters WHERE namespace = ?", (namespace,))

        await self._run(drop)

    async def close(self) -> None:
        def shut(db: sqlite3.Connection) -> None:
            db.close()

        if self._db is not None:
            await self._run(shut)
            self._db = None
        self._thread.shutdown(wait=False)


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (or ROLLBACK): a write transaction that waits its turn."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
