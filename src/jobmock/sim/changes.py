"""Changes to the mock's state, as data: what the shared state stores in its log.

Every change of a namespace, its jobs or its clock is one of these. `Mock.plan_*` makes
a change from a request (refusing a malformed one) without applying it; `Mock.apply`
applies it, and *decides* there whether it stands: an id already taken, a full
namespace, a job already finished or gone, a clock moved out of range are refused at
apply time, with nothing changed (`Outcome`). With shared state each worker applies the
same changes in the log's order, so all decide alike, as one process would, and a
restart replays them. Whatever `apply` needs is in the change (the id, the instant it
was asked, the move a client asked of a clock), so applying never depends on when or
where it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import JobmockError
from .clock import ClockMove, ClockState
from .jobs import JobData
from .scenarios import Scenario


@dataclass(frozen=True, slots=True)
class NamespaceMade:
    namespace: str
    at: float  # its clock's reading when made (the wall clock's): the example jobs' creation time
    clock: ClockState
    evict: tuple[str, ...] = ()  # (logs written before 0.2; who makes room is decided when applied)
    used: float | None = None  # a snapshot's: when it was last used (and nothing is evicted for it)


@dataclass(frozen=True, slots=True)
class NamespaceDropped:
    namespace: str


@dataclass(frozen=True, slots=True)
class JobCreated:
    namespace: str
    data: JobData
    evict: tuple[str, ...] = ()  # (logs written before 0.2; who makes room is decided when applied)
    replaces: bool = False  # the id's earlier job is forgotten (a poll chose another scenario)


@dataclass(frozen=True, slots=True)
class JobCancelled:
    namespace: str
    id: str
    at: float  # seconds of the job's lifecycle


@dataclass(frozen=True, slots=True)
class JobDecided:
    """The approval a job waits for, approved or rejected (x-jobmock.approval)."""

    namespace: str
    id: str
    at: float  # seconds of the job's lifecycle
    approved: bool


@dataclass(frozen=True, slots=True)
class JobDeleted:
    namespace: str
    id: str
    tombstone: bool = False  # (a snapshot's) the id stays gone even if no job holds it now
    evicted: bool = False  # (a snapshot's) an example job evicted: gone, its id free again (no tombstone)


@dataclass(frozen=True, slots=True)
class ClockChanged:
    """A clock set to a reading outright (snapshots, and logs written before 0.2)."""

    namespace: str
    clock: ClockState


@dataclass(frozen=True, slots=True)
class ClockMoved:
    """A clock moved as a client asked (advance, set, mode, freeze, resume)."""

    namespace: str
    move: ClockMove


@dataclass(frozen=True, slots=True)
class NamespacesUsed:
    """Namespaces used (by requests) up to `at`: what evicting the least recently used
    reads, the same on every worker. A worker writes one every few seconds at most."""

    namespaces: tuple[str, ...]
    at: float


Change = (
    NamespaceMade
    | NamespaceDropped
    | NamespacesUsed
    | JobCreated
    | JobCancelled
    | JobDecided
    | JobDeleted
    | ClockChanged
    | ClockMoved
)
KINDS: dict[str, type[Change]] = {
    "namespace": NamespaceMade,
    "dropped": NamespaceDropped,
    "created": JobCreated,
    "cancelled": JobCancelled,
    "decided": JobDecided,
    "deleted": JobDeleted,
    "clock": ClockChanged,
    "moved": ClockMoved,
    "used": NamespacesUsed,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying a change decided: `refused` (nothing changed) or stood; `value`: what
    the one who asked is answered with (the job made, the clock right after the move)."""

    refused: JobmockError | None = None
    value: object = None


_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def to_json(change: Change) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": _KIND_OF[type(change)]}
    for name in change.__slots__:
        value = getattr(change, name)
        if isinstance(value, JobData):
            value = value.to_json()
        elif isinstance(value, ClockState):
            value = [value.mode, value.offset, value.frozen]
        elif isinstance(value, ClockMove):
            value = [value.kind, value.value, value.at]
        elif isinstance(value, tuple):
            value = list(value)
        data[name] = value
    return data


def from_json(data: Mapping[str, Any], scenario: Callable[[str, str], Scenario]) -> Change:
    """Read back `to_json`; `scenario(api, name)` finds a job's scenario by name."""
    values = {k: v for k, v in data.items() if k != "kind"}
    cls = KINDS[data["kind"]]
    if "record" in values:  # the name logs written before 0.2 gave a created job's data
        values["data"] = values.pop("record")
    if "data" in values:
        values["data"] = JobData.from_json(values["data"], scenario)
    if "clock" in values:
        values["clock"] = ClockState(*values["clock"])
    if "move" in values:
        values["move"] = ClockMove(*values["move"])
    for name in ("evict", "namespaces"):
        if name in values:
            values[name] = tuple(values[name])
    return cls(**values)
