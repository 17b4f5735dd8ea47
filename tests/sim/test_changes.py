"""Changes as a shared store's log keeps them: every kind written as JSON and read back the same,
so that other workers, and a restart, apply what was asked; and logs written by older versions
(before 0.2) are still read.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from jobmock.sim.changes import (
    Change,
    ClockChanged,
    ClockMoved,
    JobCancelled,
    JobCreated,
    JobDecided,
    JobDeleted,
    NamespaceDropped,
    NamespaceMade,
    NamespacesUsed,
    Outcome,
    from_json,
    to_json,
)
from jobmock.sim.clock import ClockMove, ClockState
from jobmock.sim.jobs import JobData
from jobmock.sim.scenarios import Scenario

QUICK = Scenario(api="neuraldraft", name="quick")


def scenario(api: str, name: str) -> Scenario:
    assert (api, name) == ("neuraldraft", "quick")
    return QUICK


def data(**values: Any) -> JobData:
    made: dict[str, Any] = {"api": "neuraldraft", "id": "job_1", "owner": None, "created": 1_700_000_000.0, "seed": 0}
    return JobData(**(made | values))


def stored(change: Change) -> dict[str, Any]:
    """The change as a store keeps it: JSON text, read back."""
    result: dict[str, Any] = json.loads(json.dumps(to_json(change)))
    return result


CHANGES: list[Change] = [
    NamespaceMade("ns", 1_700_000_000.0, ClockState("manual", 0.0, 1_700_000_000.0)),
    NamespaceMade("ns", 5.0, ClockState("real", -3.5, None), evict=("a", "b"), used=4.0),
    NamespaceDropped("ns"),
    NamespacesUsed(("a", "b"), 12.5),
    JobCreated("ns", data()),
    JobCreated("ns", data(scenario=QUICK, owner="key", cancelled=3.0, decided=((1.0, True),), finish=3.0, seq=1001)),
    JobCreated("", data(spot=True), evict=("job_0",), replaces=True),
    JobCancelled("ns", "job_1", 2.5),
    JobDecided("ns", "job_1", 1.5, False),
    JobDeleted("ns", "job_1"),
    JobDeleted("ns", "job_1", tombstone=True),
    ClockChanged("ns", ClockState("polls", 0.0, 10.0)),
    ClockMoved("ns", ClockMove("advance", 30.0, 1_700_000_000.5)),
    ClockMoved("ns", ClockMove("freeze", None, 1.0)),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: type(change).__name__)
def test_every_change_reads_back_the_same_from_its_json(change: Change) -> None:
    assert from_json(stored(change), scenario) == change


def test_each_kind_of_change_is_written_under_its_name() -> None:
    kinds = [stored(change)["kind"] for change in CHANGES]
    assert kinds == [
        "namespace",
        "namespace",
        "dropped",
        "used",
        "created",
        "created",
        "created",
        "cancelled",
        "decided",
        "deleted",
        "deleted",
        "clock",
        "moved",
        "moved",
    ]


def test_a_change_is_written_as_plain_json_fields() -> None:
    assert to_json(NamespaceMade("ns", 5.0, ClockState("real", -3.5, None))) == {
        "kind": "namespace",
        "namespace": "ns",
        "at": 5.0,
        "clock": ["real", -3.5, None],
        "evict": [],
        "used": None,
    }
    assert to_json(ClockMoved("ns", ClockMove("set", 1e9, 2.0))) == {
        "kind": "moved",
        "namespace": "ns",
        "move": ["set", 1e9, 2.0],
    }
    assert to_json(NamespacesUsed(("a",), 3.0)) == {"kind": "used", "namespaces": ["a"], "at": 3.0}
    created = to_json(JobCreated("ns", data(scenario=QUICK)))
    assert created["kind"] == "created" and created["evict"] == [] and created["replaces"] is False
    assert created["data"]["scenario"] == "quick" and created["data"]["finish"] is None


def test_a_job_created_is_read_back_with_its_scenario_found_by_name() -> None:
    read = from_json(stored(JobCreated("ns", data(scenario=QUICK))), scenario)
    assert isinstance(read, JobCreated)
    assert read.data.scenario is QUICK and read.data.finish == math.inf and not read.replaces


def test_a_log_written_before_0_2_is_read() -> None:
    old = {
        "kind": "created",
        "namespace": "ns",
        "record": {"api": "neuraldraft", "id": "job_1", "owner": None, "created": 5.0, "seed": 0},
        "evict": ["job_0"],
    }
    read = from_json(old, scenario)
    assert read == JobCreated("ns", JobData("neuraldraft", "job_1", None, 5.0, 0), evict=("job_0",))
    made = {"kind": "namespace", "namespace": "a", "at": 1.0, "clock": ["manual", 0.0, 1.0], "evict": ["b"]}
    assert from_json(made, scenario) == NamespaceMade("a", 1.0, ClockState("manual", 0.0, 1.0), evict=("b",))
    assert from_json({"kind": "clock", "namespace": "a", "clock": ["real", 2.0, None]}, scenario) == ClockChanged(
        "a", ClockState("real", 2.0, None)
    )


def test_a_change_written_by_a_worker_is_read_whatever_its_defaults() -> None:
    assert from_json({"kind": "deleted", "namespace": "ns", "id": "j"}, scenario) == JobDeleted("ns", "j", False)
    assert from_json({"kind": "dropped", "namespace": "ns"}, scenario) == NamespaceDropped("ns")
    created = from_json(
        {"kind": "created", "namespace": "ns", "data": to_json(JobCreated("", data()))["data"]}, scenario
    )
    assert created == JobCreated("ns", data(), evict=(), replaces=False)


def test_an_outcome_stands_with_nothing_refused_unless_said() -> None:
    stood = Outcome()
    assert stood.refused is None and stood.value is None
    assert Outcome(value=3).value == 3
