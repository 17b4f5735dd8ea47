"""The shared log in Redis, through the official `redis` asyncio client: several hosts.

The log is a stream whose entry ids are the changes' sequence numbers, issued by one
script that numbers and appends at once, so every host reads one order. A host waiting
for changes blocks on XREAD, so a change reaches it as soon as it is written. Durable as
the Redis server is configured (AOF with `appendfsync always` or `everysec`).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
import redis.exceptions

from ..contract.secrets import redact
from ..exceptions import StoreUnavailable
from .log import JournalTotals, Json

T = TypeVar("T")
P = ParamSpec("P")
UNAVAILABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    OSError,
)


def _reachable(
    method: Callable[Concatenate[RedisLog, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[RedisLog, P], Coroutine[Any, Any, T]]:
    """A store call: Redis unreachable (down, restarting, loading its file) is StoreUnavailable."""

    @functools.wraps(method)
    async def call(store: RedisLog, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(store, *args, **kwargs)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Redis at {store.url} cannot be reached: {exc}") from exc

    return call


APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-1', 'd', ARGV[1])
return seq
"""
COMPACT = """
local previous = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if previous >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[4]) return 0 end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('RENAME', KEYS[4], KEYS[3]) else redis.call('DEL', KEYS[3]) end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'kept', previous)
redis.call('XTRIM', KEYS[2], 'MINID', (previous + 1) .. '-0')
return 1
"""
PART = """
if tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') ~= tonumber(ARGV[1]) then return false end
return redis.call('LRANGE', KEYS[2], ARGV[2], ARGV[3])
"""
BATCH = 1000  # changes written to Redis at a time while compacting
JOURNAL_ADD = r"""
local total = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
for line in string.gmatch(ARGV[4], '[^\n]+') do
  local size, entry = string.match(line, '^(%d+):(.*)$')
  local seq = redis.call('INCR', KEYS[5])
  redis.call('RPUSH', KEYS[1], size .. ':' .. seq .. ':' .. entry)
  total = total + tonumber(size)
end
local evicted = 0
while true do
  local length = redis.call('LLEN', KEYS[1])
  if length == 0 or (length <= tonumber(ARGV[2]) and total <= tonumber(ARGV[3])) then break end
  local head = redis.call('LPOP', KEYS[1])
  total = total - tonumber(string.match(head, '^(%d+):'))
  evicted = evicted + 1
end
redis.call('HSET', KEYS[2], ARGV[1], total)
if evicted > 0 then redis.call('HINCRBY', KEYS[3], ARGV[1], evicted) end
redis.call('SADD', KEYS[4], ARGV[1])
return evicted
"""


class RedisLog:
    def __init__(self, url: str, prefix: str = "jobmock:"):
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        # no credential in messages, the banner or /status: neither user:password@ nor ?password=
        self.url = redact(urlunsplit(parts._replace(netloc=f"{host}:{parts.port or 6379}")))
        # bounded waits: an unreachable Redis is found out in seconds, not at the OS's TCP timeout
        self.redis: Any = aioredis.from_url(url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5)
        self._identity: str | None = None  # the store's name, as first read
        self.prefix = prefix
        self._given = url
        self._append = self.redis.register_script(APPEND)
        self._compact = self.redis.register_script(COMPACT)
        self._part = self.redis.register_script(PART)
        self._journal_add = self.redis.register_script(JOURNAL_ADD)

    def ping(self) -> None:
        """Reach Redis once, synchronously, at start-up: StoreUnavailable if it cannot be."""
        self._sync(lambda client: client.ping())

    def agree(self, fingerprint: str) -> str:
        key = self._key("fingerprint")
        return str(self._sync(lambda client: (client.set(key, fingerprint, nx=True), client.get(key))[1]))

    def _sync(self, work: Callable[[Any], T]) -> T:
        client = redis.Redis.from_url(self._given, socket_connect_timeout=2, socket_timeout=2, decode_responses=True)
        try:
            return work(client)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Redis at {self.url} cannot be reached: {exc}") from exc
        finally:
            client.close()

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @_reachable
    async def append(self, change: Json) -> int:
        text = json.dumps(change, separators=(",", ":"))
        return int(await self._append(keys=[self._key("seq"), self._key("changes")], args=[text]))

    @_reachable
    async def since(self, seq: int, wait: float = 0.0) -> list[tuple[int, Json]] | None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key("identity"), uuid.uuid4().hex[:16], nx=True)  # a store emptied gets a new name
            pipe.get(self._key("identity"))
            _made, name = await pipe.execute()
        same = self._identity in (None, name)
        self._identity = name
        if not same:
            return None  # emptied (or another store's) since this process read it: reload
        kept = await self.redis.hget(self._key("snapshot"), "kept")
        if kept is not None and seq < int(kept):
            return None
        stream = self._key("changes")
        if wait > 0:
            found = await self.redis.xread({stream: f"{seq}-1"}, block=max(1, int(wait * 1000)))
            entries = found[0][1] if found else []
        else:
            entries = await self.redis.xrange(stream, min=f"({seq}-1", max="+")
        return [(int(entry_id.split("-")[0]), json.loads(fields["d"])) for entry_id, fields in entries]

    @_reachable
    async def snapshot(self) -> int:
        return int(await self.redis.hget(self._key("snapshot"), "seq") or 0)

    @_reachable
    async def snapshot_part(self, seq: int, start: int, count: int) -> list[Json] | None:
        keys = [self._key("snapshot"), self._key("snapshot-changes")]
        found = await self._part(keys=keys, args=[seq, start, start + count - 1])
        return None if found is None else [json.loads(item) for item in found]

    @_reachable
    async def compact(self, seq: int, changes: Iterable[Json]) -> None:
        building = self._key(f"snapshot-changes-{seq}")  # renamed into place once whole
        await self.redis.delete(building)
        batch: list[str] = []
        for change in changes:
            batch.append(json.dumps(change, separators=(",", ":")))
            if len(batch) == BATCH:
                await self.redis.rpush(building, *batch)  # the loop serves requests between batches
                batch = []
        if batch:
            await self.redis.rpush(building, *batch)
        keys = [self._key("snapshot"), self._key("changes"), self._key("snapshot-changes"), building]
        await self._compact(keys=keys, args=[seq])

    @_reachable
    async def count(self, namespace: str, job_id: str, counter: str, by: int = 1) -> int:
        return int(await self.redis.hincrby(self._key("counts", namespace), f"{job_id}\0{counter}", by))

    @_reachable
    async def forget_job(self, namespace: str, job: str) -> None:
        await self.redis.hdel(self._key("counts", namespace), f"{job}\0polls", f"{job}\0shown")

    @_reachable
    async def journal_add(
        self, namespace: str, entries: list[tuple[int, str]], max_entries: int, max_bytes: int
    ) -> None:
        # one argument for the batch, a line per entry (JSON holds no raw newline): cheap to send
        batch = "\n".join(f"{size}:{entry}" for size, entry in entries)
        args: list[Any] = [namespace, max_entries, max_bytes, batch]
        keys = [
            self._key("journal", namespace),
            self._key("journal-bytes"),
            self._key("journal-evicted"),
            self._key("journals"),
            self._key("journal-seq"),
        ]
        await self._journal_add(keys=keys, args=args)

    @_reachable
    async def journal(self, namespace: str) -> list[tuple[int, Any]]:
        found = []
        for item in await self.redis.lrange(self._key("journal", namespace), 0, -1):
            _size, seq, data = item.split(":", 2)
            found.append((int(seq), json.loads(data)))
        return found

    @_reachable
    async def journal_clear(self, namespace: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("journal", namespace))
            pipe.hset(self._key("journal-bytes"), namespace, 0)
            await pipe.execute()

    @_reachable
    async def journal_reads(self, ask: bool = False) -> int:
        key = self._key("journal-reads")
        return int(await self.redis.incr(key) if ask else await self.redis.get(key) or 0)

    @_reachable
    async def journal_mark(self, origin: str, reads: int, at: float) -> None:
        await self.redis.hset(self._key("journal-marks"), origin, f"{reads}:{at!r}")

    @_reachable
    async def journal_marks(self) -> dict[str, tuple[int, float]]:
        found = await self.redis.hgetall(self._key("journal-marks"))
        marks = {}
        for origin, value in found.items():
            reads, at = value.split(":", 1)
            marks[origin] = (int(reads), float(at))
        return marks

    @_reachable
    async def journal_unmark(self, origin: str) -> None:
        await self.redis.hdel(self._key("journal-marks"), origin)

    @_reachable
    async def journal_totals(self) -> JournalTotals:
        namespaces = sorted(await self.redis.smembers(self._key("journals")))
        async with self.redis.pipeline(transaction=False) as pipe:
            for namespace in namespaces:
                pipe.llen(self._key("journal", namespace))
            pipe.hvals(self._key("journal-bytes"))
            pipe.hvals(self._key("journal-evicted"))
            *lengths, sizes, evicted = await pipe.execute()
        return JournalTotals(sum(lengths), sum(int(s) for s in sizes), sum(int(e) for e in evicted))

    @_reachable
    async def forget(self, namespace: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("journal", namespace), self._key("counts", namespace))
            pipe.hdel(self._key("journal-bytes"), namespace)
            pipe.srem(self._key("journals"), namespace)
            await pipe.execute()

    async def close(self) -> None:
        await self.redis.aclose()
