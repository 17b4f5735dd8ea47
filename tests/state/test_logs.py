"""The shared stores (SQLite file, Redis) keep the same contract: one ordered log, counters
every worker shares, a bounded journal. Redis tests run Debian's redis-server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jobmock.state.log import Log
from jobmock.state.redis import RedisLog
from jobmock.state.sqlite import SqliteLog
from support import RedisServer, need_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_redis()
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def open_log(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Log]:
    """A function that opens the same store again (another worker, or after a restart)."""
    if request.param == "sqlite":
        path = tmp_path / "state.db"
        return lambda: SqliteLog(path)
    url = request.getfixturevalue("redis_url")
    prefix = f"test-{request.node.name}:"
    return lambda: RedisLog(url, prefix=prefix)


def run(work: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(work())


def test_two_writers_append_to_one_ordered_log(open_log: Callable[[], Log]) -> None:
    async def work() -> None:
        first, second = open_log(), open_log()
        seqs = await asyncio.gather(*(log.append({"n": n}) for n in range(20) for log in (first, second)))
        assert sorted(seqs) == list(range(1, 41))  # no number issued twice
        for log in (first, second):
            changes = await log.since(0)
            assert changes is not None
            assert [seq for seq, _ in changes] == list(range(1, 41))
            assert await log.since(40) == []
            assert [c for _, c in await log.since(38) or []] == [c for _, c in changes[38:]]
        await first.close()
        await second.close()

    run(work)


def test_waiting_reader_gets_a_change_as_soon_as_it_is_written(open_log: Callable[[], Log]) -> None:
    async def work() -> None:
        reader, writer = open_log(), open_log()
        waiting = asyncio.create_task(reader.since(0, wait=30))
        await asyncio.sleep(0.05)
        await writer.append({"kind": "x"})
        assert await asyncio.wait_for(waiting, 30) == [(1, {"kind": "x"})]
        await reader.close()
        await writer.close()

    run(work)


def test_compaction_keeps_a_snapshot_and_tells_a_reader_left_behind(open_log: Callable[[], Log]) -> None:
    async def work() -> None:
        log = open_log()
        for n in range(10):
            await log.append({"n": n})
        assert await log.snapshot() == 0
        await log.compact(5, iter([{"state": 5, "part": n} for n in range(7)]))  # drawn as written
        assert await log.snapshot() == 5
        assert await log.snapshot_part(5, 0, 4) == [{"state": 5, "part": n} for n in range(4)]
        assert await log.snapshot_part(5, 4, 4) == [{"state": 5, "part": n} for n in range(4, 7)]
        assert await log.since(0) is not None  # changes since the previous snapshot (none) are kept
        await log.compact(8, iter([{"state": 8}]))
        assert await log.snapshot_part(5, 0, 4) is None  # replaced: a reader starts again
        assert await log.since(3) is None  # changes up to 5 are gone: reload from the snapshot
        assert [seq for seq, _ in await log.since(5) or []] == [6, 7, 8, 9, 10]
        await log.compact(7, iter([{"stale": True}]))  # an older snapshot never replaces a newer one
        assert await log.snapshot() == 8
        await log.compact(9, iter([]))  # the state can be empty
        assert await log.snapshot_part(9, 0, 10) == []
        await log.close()
        reopened = open_log()
        assert await reopened.snapshot() == 9
        await reopened.close()

    run(work)


def test_poll_counters_are_shared(open_log: Callable[[], Log]) -> None:
    async def work() -> None:
        first, second = open_log(), open_log()
        counts = await asyncio.gather(*(log.count("ns", "job", "polls") for _ in range(10) for log in (first, second)))
        assert sorted(counts) == list(range(1, 21))
        assert await first.count("ns", "job", "shown", 0) == 0
        assert await second.count("ns", "other", "polls") == 1
        await first.forget("ns")
        assert await second.count("ns", "job", "polls") == 1
        await first.close()
        await second.close()

    run(work)


def journal_entries(*items: dict[str, Any]) -> list[tuple[int, str]]:
    """Journal entries as the journal middleware hands them over: (size, JSON)."""
    return [(item["size"], json.dumps(item)) for item in items]


def test_journal_keeps_the_newest_entries_within_both_bounds(open_log: Callable[[], Log]) -> None:
    async def work() -> None:
        log = open_log()
        await log.journal_add(
            "a", journal_entries(*({"path": f"/{n}", "size": 100} for n in range(8))), max_entries=5, max_bytes=10_000
        )
        entries = await log.journal("a")
        assert [e["path"] for _, e in entries] == ["/3", "/4", "/5", "/6", "/7"]
        assert [seq for seq, _ in entries] == sorted(seq for seq, _ in entries)
        await log.journal_add("a", journal_entries({"path": "/big", "size": 450}), max_entries=5, max_bytes=700)
        assert [e["path"] for _, e in await log.journal("a")] == ["/6", "/7", "/big"]
        await log.journal_add("b", journal_entries({"path": "/b", "size": 10}), max_entries=5, max_bytes=700)
        totals = await log.journal_totals()
        assert (totals.entries, totals.bytes, totals.evicted) == (4, 660, 6)
        await log.journal_clear("a")
        assert await log.journal("a") == []
        assert (await log.journal_totals()).entries == 1
        await log.forget("b")
        assert await log.journal("b") == []
        await log.close()

    run(work)
