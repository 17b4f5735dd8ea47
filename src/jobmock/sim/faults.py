"""Faults: what can go wrong with a poll, scripted per scenario or drawn at random (--chaos).

Each kind is one class registered with `@fault_kind`, and owns everything about itself:
the fixture keys it reads (`options`, a JSON Schema merged into the fixture schema),
reading them (`parse`), what it does to a poll's answer (`apply`) or to the job's time
(`job_time`), whether the client still sees the job (`delivers`), and the faults it
adds to the --chaos draw. Adding a kind touches this file only. Pure.

A faulted poll that does not deliver the job (an error answer, a dropped connection)
still counts as a poll for fault numbering (`poll: 3` is the third request), but not
for the polls clock: under `--clock polls` the n-th answer that shows the job shows
phase n, so a fault never swallows a phase.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

from ..contract.envelopes import error_bytes
from ..contract.model import ApiModel
from ..registry import Registry
from .answer import Answer


def seeded(name: str) -> random.Random:
    """A random generator named by a string (a poll: seed, namespace, job, number)."""
    return random.Random(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))


@dataclass(frozen=True)
class Fault:
    """One scripted or drawn fault. Subclasses are the kinds."""

    polls: frozenset[int] | None = None  # 1-based poll numbers; None: every poll
    kind: ClassVar[str]  # the fixture key that names the kind (set by @fault_kind)
    options: ClassVar[dict[str, Any]]  # JSON Schema of the keys it reads, its own key included
    delivers: ClassVar[bool] = True  # the client still sees the job's body
    per_poll: ClassVar[bool] = True  # False: it acts on the job's time, not on polls
    chaos: ClassVar[tuple[Fault, ...]] = ()  # what --chaos draws from this kind

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Fault:
        raise NotImplementedError

    def applies(self, poll: int) -> bool:
        return self.per_poll and (self.polls is None or poll in self.polls)

    def apply(self, answer: Answer, api: ApiModel, poll_name: str) -> Answer:
        return answer

    def job_time(self, t: float) -> float:
        return t


FAULT_KINDS: Registry[type[Fault]] = Registry("fault kind")
F = TypeVar("F", bound=type[Fault])


def fault_kind(name: str) -> Callable[[F], F]:
    """Register a fault kind under `name`: the fixture key that names it (`truncate: true`)."""
    return FAULT_KINDS.kind(name)


def parse_fault(raw: Mapping[str, Any]) -> Fault:
    """A fixture's fault entry (already checked against `fault_schema`)."""
    kind = next(FAULT_KINDS[key] for key in raw if key in FAULT_KINDS)
    polls = raw.get("poll")
    chosen = None if polls is None else frozenset([polls] if isinstance(polls, int) else polls)
    return replace(kind.parse(raw), polls=chosen)


def fault_schema() -> dict[str, Any]:
    """JSON Schema of a fixture's fault entry, from the registered kinds."""
    properties: dict[str, Any] = {"poll": {"$ref": "#/$defs/pollNumbers"}}
    choices = []
    for kind in FAULT_KINDS.values():
        properties.update(kind.options)
        choice: dict[str, Any] = {"required": [kind.kind]}
        if not kind.per_poll:
            choice["not"] = {"required": ["poll"]}
        choices.append(choice)
    return {"type": "object", "additionalProperties": False, "properties": properties, "oneOf": choices}


def chaos_faults() -> tuple[Fault, ...]:
    return tuple(fault for kind in FAULT_KINDS.values() for fault in kind.chaos)


def fault_for(scripted: tuple[Fault, ...], poll: int, chaos: float, poll_name: str) -> Fault | None:
    """The fault this poll meets: the first scripted one that applies, else (with
    probability `chaos`) a random one. `poll_name` names the poll (seed, namespace,
    job, poll number), so a rerun with the same --seed meets the same faults."""
    for fault in scripted:
        if fault.applies(poll):
            return fault
    if chaos <= 0:
        return None
    rng = seeded(poll_name)
    if rng.random() >= chaos:
        return None
    return rng.choice(chaos_faults())


def _seconds_or_range(value: float | list[float]) -> tuple[float, float]:
    if isinstance(value, list):
        return float(value[0]), float(value[1])
    return float(value), float(value)


SECONDS: dict[str, Any] = {"$ref": "#/$defs/seconds"}


@fault_kind("respond")
@dataclass(frozen=True)
class Respond(Fault):
    """Answer an HTTP error in the vendor's envelope instead of the job (and Retry-After)."""

    options: ClassVar[dict[str, Any]] = {
        "respond": {"type": "integer", "enum": [429, 500, 502, 503, 504]},
        "retry_after": {"type": "integer", "minimum": 0, "maximum": 86400, "description": "seconds, for 429 and 503"},
    }
    delivers: ClassVar[bool] = False
    status: int = 503
    retry_after: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Fault:
        return cls(status=int(raw["respond"]), retry_after=raw.get("retry_after"))

    def apply(self, answer: Answer, api: ApiModel, poll_name: str) -> Answer:
        headers = (("Retry-After", str(self.retry_after)),) if self.retry_after is not None else ()
        return Answer(self.status, error_bytes(api, self.status), headers, fault=str(self.status))


@fault_kind("latency")
@dataclass(frozen=True)
class Latency(Fault):
    """Answer late: a fixed delay or one drawn from a range, in seconds."""

    options: ClassVar[dict[str, Any]] = {
        "latency": {
            "oneOf": [
                SECONDS,
                {"type": "array", "prefixItems": [SECONDS, SECONDS], "minItems": 2, "maxItems": 2},
            ]
        }
    }
    seconds: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Fault:
        return cls(seconds=_seconds_or_range(raw["latency"]))

    def apply(self, answer: Answer, api: ApiModel, poll_name: str) -> Answer:
        low, high = self.seconds
        return replace(answer, delay=seeded(f"latency|{poll_name}").uniform(low, high), fault="latency")


@fault_kind("drop")
@dataclass(frozen=True)
class Drop(Fault):
    """Close the connection without an answer."""

    options: ClassVar[dict[str, Any]] = {"drop": {"const": True, "description": "close the connection"}}
    delivers: ClassVar[bool] = False

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Fault:
        return cls()

    def apply(self, answer: Answer, api: ApiModel, poll_name: str) -> Answer:
        # the answer stays a valid one, so response validation passes it on to the drop
        return replace(answer, drop=True, fault="drop")


@fault_kind("stall")
@dataclass(frozen=True)
class Stall(Fault):
    """The job stops moving this many seconds into its life (every poll; no `poll:`)."""

    options: ClassVar[dict[str, Any]] = {
        "stall": {**SECONDS, "description": "the job stops moving this many seconds after creation"}
    }
    per_poll: ClassVar[bool] = False
    after: float = 0.0

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Fault:
        return cls(after=float(raw["stall"]))

    def job_time(self, t: float) -> float:
        return min(t, self.after)


# --chaos draws evenly from these, in this order (the order keeps draws reproducible)
Respond.chaos = (
    Respond(status=429, retry_after=1),
    Respond(status=500),
    Respond(status=502),
    Respond(status=503, retry_after=1),
)
Latency.chaos = (Latency(seconds=(0.2, 1.0)),)
Drop.chaos = (Drop(),)
