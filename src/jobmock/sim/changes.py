"""Changes to the mock's state, as data: what the shared state stores in its log.

Every change of a namespace, its jobs or its clock is one of these. `Mock.plan_*`
decides a change (refusing bad ones) without applying it; `Mock.apply` applies it. With
shared state each worker applies the same changes in the log's order, so all agree,
and a restart replays them. Whatever `apply` needs is in the change (the id, who makes
room, the clock's reading), so applying never depends on when or where it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .clock import ClockState
from .jobs import JobData
from .scenarios import Scenario


@dataclass(frozen=True, slots=True)
class NamespaceMade:
    namespace: str
    at: float  # its clock's reading when made: the example jobs' creation time
    clock: ClockState
    evict: tuple[str, ...] = ()  # namespaces that make room


@dataclass(frozen=True, slots=True)
class NamespaceDropped:
    namespace: str


@dataclass(frozen=True, slots=True)
class JobCreated:
    namespace: str
    data: JobData
    evict: tuple[str, ...] = ()  # jobs that make room
    replaces: bool = False  # the id's earlier job is forgotten (a poll chose another scenario)


@dataclass(frozen=True, slots=True)
class JobCancelled:
    namespace: str
    id: str
    at: float  # seconds of the job's lifecycle


@dataclass(frozen=True, slots=True)
class JobDeleted:
    namespace: str
    id: str


@dataclass(frozen=True, slots=True)
class ClockChanged:
    namespace: str
    clock: ClockState


Change = NamespaceMade | NamespaceDropped | JobCreated | JobCancelled | JobDeleted | ClockChanged
KINDS: dict[str, type[Change]] = {
    "namespace": NamespaceMade,
    "dropped": NamespaceDropped,
    "created": JobCreated,
    "cancelled": JobCancelled,
    "deleted": JobDeleted,
    "clock": ClockChanged,
}
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def to_json(change: Change) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": _KIND_OF[type(change)]}
    for name in change.__slots__:
        value = getattr(change, name)
        if isinstance(value, JobData):
            value = value.to_json()
        elif isinstance(value, ClockState):
            value = [value.mode, value.offset, value.frozen]
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
    if "evict" in values:
        values["evict"] = tuple(values["evict"])
    return cls(**values)
