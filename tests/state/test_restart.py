"""A worker rebuilds the same state from a store: from the log, and from a snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from jobmock.contract import load_named
from jobmock.exceptions import IdTaken
from jobmock.sim.jobs import NewJob
from jobmock.sim.journal import RawRequest
from jobmock.sim.limits import Limits
from jobmock.sim.mock import Mock
from jobmock.state import State
from jobmock.state.redis import RedisLog
from jobmock.state.sqlite import SqliteLog
from support import RedisServer, need_redis

ND = load_named("neuraldraft")


def worker(path: Path) -> State:
    return State(Mock([ND], clock="manual", shared=True), SqliteLog(path))


def held(state: State, namespace: str) -> list[tuple[object, ...]]:
    mock = state.mock
    return [
        (job.id, job.owner, job.created, job.seq, mock.status(job, namespace), mock.body_bytes(job, namespace))
        for job in mock.jobs(namespace)
    ]


def test_a_restart_rebuilds_the_same_state_from_a_snapshot_and_the_log_after_it(tmp_path: Path) -> None:
    async def work() -> None:
        first = worker(tmp_path / "state.db")
        await first.start()
        made = [await first.create(NewJob(api=ND.name, duration=100, owner="key-1"), "ns") for _ in range(5)]
        await first.cancel(made[0], "ns")
        await first.delete(made[1].id, "ns")
        await first.move_clock("advance", 30, "ns")
        await first.compact()
        await first.cancel(made[2], "ns")  # after the snapshot: from the log
        await first.create(NewJob(api=ND.name, outcome="failed", duration=10), "other")
        expected = {name: held(first, name) for name in ("ns", "other")}
        clock = first.mock.clock("ns")
        await first.stop()

        second = worker(tmp_path / "state.db")
        await second.start()
        assert {name: held(second, name) for name in ("ns", "other")} == expected
        assert second.mock.clock("ns") == clock
        with pytest.raises(IdTaken):  # the deleted id stays deleted
            await second.create(NewJob(api=ND.name, id=made[1].id), "ns")
        await second.stop()

    asyncio.run(work())


def test_a_namespace_evicted_takes_its_journal_out_of_the_store(tmp_path: Path) -> None:
    async def work() -> None:
        state = State(
            Mock([ND], clock="manual", shared=True, limits=Limits(namespaces=1)), SqliteLog(tmp_path / "state.db")
        )
        await state.start()
        await state.namespace("first")
        entry = RawRequest(1.7e9, "GET", "/v1/jobs/x", "", "tester", 404, {}, None)
        state.journal_add(entry, "first")
        assert len(await state.journal("first")) == 1
        await state.namespace("second")  # past --max-namespaces 1: "first" goes, everywhere
        assert not state.mock.has_namespace("first")
        assert state.log is not None and await state.log.journal("first") == []
        assert (await state.usage())["journal"]["entries"] == 0
        await state.stop()

    asyncio.run(work())


def test_a_worker_on_redis_always_stops(tmp_path: Path) -> None:
    """A stop ends the worker's follower of the store even when the cancel lands inside
    redis-py's blocking read (about 1 stop in 30 hung a `jobmock serve` for good before)."""
    need_redis()
    redis = RedisServer(tmp_path).start()
    try:

        async def work() -> None:
            for round_ in range(60):
                state = State(Mock([ND], clock="manual", shared=True), RedisLog(redis.url))
                await state.start()
                await state.create(NewJob(api=ND.name, duration=100), f"ns{round_}")
                await asyncio.sleep(0.05 * (round_ % 3) / 2)  # the cancel at each point of the tail's read
                await asyncio.wait_for(state.stop(), timeout=30)  # a hang fails here, named

        asyncio.run(work())
    finally:
        redis.stop()
