"""Faults without HTTP: the registry, what each kind does to a poll, chaos, and the polls clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import jsonschema
import pytest

from jobmock import Fault, fault_kind
from jobmock.contract import load_named
from jobmock.contract.model import ApiModel
from jobmock.scenario_files.load import schema_of
from jobmock.sim.answer import Answer
from jobmock.sim.faults import (
    FAULT_KINDS,
    Drop,
    Latency,
    Respond,
    Stall,
    chaos_faults,
    fault_for,
    fault_schema,
    parse_fault,
    seeded,
)
from jobmock.sim.jobs import NewJob
from jobmock.sim.mock import Mock
from jobmock.sim.scenarios import PhaseSpec, Scenario
from support import Memory

ND = load_named("neuraldraft")


def scripted(*faults: Fault, phases: int = 3) -> Scenario:
    steps = [PhaseSpec("pending", 1, None), PhaseSpec("processing", 4, (0, 100)), PhaseSpec("completed", None, None)]
    return Scenario(api=ND.name, name="t", phases=tuple(steps[: phases - 1] + steps[-1:]), faults=faults)


def polls_mock(*faults: Fault, chaos: float = 0.0) -> tuple[Memory, str]:
    mock = Memory(Mock([ND], clock="polls", chaos=chaos))
    job = mock.create(NewJob(api=ND.name, scenario=scripted(*faults)))
    return mock, job.id


def statuses(mock: Memory, job_id: str, polls: int) -> list[Any]:
    seen: list[Any] = []
    for _ in range(polls):
        answer = mock.poll(ND.name, job_id, None)
        assert answer is not None
        if answer.drop:
            seen.append("dropped")
        else:
            seen.append(json.loads(answer.body)["status"] if answer.status == 200 else answer.status)
    return seen


def test_the_kinds_are_registered_once_with_their_fixture_keys() -> None:
    assert set(FAULT_KINDS) == {"respond", "latency", "drop", "stall"}
    entry = schema_of("fixture")["$defs"]["fault"]
    assert set(entry["properties"]) == {"poll", "respond", "retry_after", "latency", "drop", "stall"}
    with pytest.raises(ValueError, match="already registered"):
        fault_kind("drop")(Drop)


def test_fixture_entries_parse_into_their_kind() -> None:
    assert parse_fault({"poll": [3, 4], "respond": 429, "retry_after": 2}) == Respond(
        polls=frozenset({3, 4}), status=429, retry_after=2
    )
    assert parse_fault({"poll": 4, "latency": [0.2, 2]}) == Latency(polls=frozenset({4}), seconds=(0.2, 2.0))
    assert parse_fault({"drop": True}) == Drop()
    assert parse_fault({"stall": 6}) == Stall(after=6.0)


@pytest.mark.parametrize("fault", [Respond(polls=frozenset({2}), status=503), Drop(polls=frozenset({2}))])
def test_under_the_polls_clock_a_faulted_poll_swallows_no_phase(fault: Fault) -> None:
    mock, job_id = polls_mock(fault)
    seen = statuses(mock, job_id, 4)
    assert seen[0] == "pending" and seen[2:] == ["processing", "completed"]  # phase 2 shown after the fault
    assert seen[1] in (503, "dropped")


def test_latency_delays_and_still_delivers_and_moves_the_polls_clock() -> None:
    mock, job_id = polls_mock(Latency(polls=frozenset({1}), seconds=(1.5, 1.5)))
    first = mock.poll(ND.name, job_id, None)
    assert first is not None and first.delay == 1.5 and first.fault == "latency" and first.job_status == "pending"
    assert statuses(mock, job_id, 1) == ["processing"]


def test_a_rate_limit_answers_the_vendor_envelope_with_retry_after() -> None:
    mock, job_id = polls_mock(Respond(polls=frozenset({1}), status=429, retry_after=2))
    answer = mock.poll(ND.name, job_id, None)
    assert answer is not None and answer.status == 429 and ("Retry-After", "2") in answer.headers
    assert json.loads(answer.body) == {"error": {"code": "too_many_requests", "message": "Too Many Requests"}}
    assert answer.job_status is None


def test_a_stall_holds_the_job_still() -> None:
    mock = Memory(Mock([ND], clock="manual"))
    job = mock.create(NewJob(api=ND.name, scenario=scripted(Stall(after=2.0))))
    mock.advance(3)
    held = mock.body(job)
    mock.advance(600)
    assert mock.body(job) == held and held["status"] == "processing"


def chaos_run(seed: int) -> list[str | None]:
    mock = Memory(Mock([ND], seed=seed, chaos=0.3, clock="manual"))
    job = mock.create(NewJob(api=ND.name, id="job_ChaosChaos01", outcome="completed"))
    return [a.fault if (a := mock.poll(ND.name, job.id, None)) else None for _ in range(60)]


def test_chaos_draws_the_same_faults_for_the_same_seed() -> None:
    first, again, other = chaos_run(1), chaos_run(1), chaos_run(2)
    assert first == again and first != other
    assert 6 <= sum(1 for f in first if f) <= 36  # about 30% of 60 polls
    assert {f for f in first if f} <= {"429", "500", "502", "503", "latency", "drop"}
    assert len(chaos_faults()) == 6


def test_a_new_kind_is_one_class_in_one_place() -> None:
    """The README's 'Extending jobmock' example: a fault kind that answers an empty 204."""

    @fault_kind("empty")
    @dataclass(frozen=True)
    class Empty(Fault):
        options: ClassVar[dict[str, Any]] = {"empty": {"const": True}}
        delivers: ClassVar[bool] = False

        @classmethod
        def parse(cls, raw: Any) -> Fault:
            return cls()

        def apply(self, answer: Answer, api: ApiModel, poll_name: str) -> Answer:
            return Answer(204, b"", fault="empty")

    try:
        assert parse_fault({"poll": 2, "empty": True}) == Empty(polls=frozenset({2}))
        mock, job_id = polls_mock(Empty(polls=frozenset({2})))
        assert statuses(mock, job_id, 3) == ["pending", 204, "processing"]
    finally:
        FAULT_KINDS.unregister("empty")


def test_chaos_500_and_502_carry_no_retry_after_and_say_which_fault_they_are() -> None:
    mock = Memory(Mock([ND], seed=3, chaos=1.0, clock="manual"))
    job = mock.create(NewJob(api=ND.name, outcome="completed"))
    answers = [mock.poll(ND.name, job.id, None) for _ in range(80)]
    by_status = {a.status: a for a in answers if a is not None and not a.drop and a.fault != "latency"}
    assert set(by_status) == {429, 500, 502, 503}  # every poll meets a fault at chaos 1
    assert all(a is not None and a.fault is not None for a in answers)
    for status, answer in by_status.items():
        assert answer.fault == str(status) and answer.job_status is None
        assert json.loads(answer.body)["error"]["code"]  # the vendor's envelope
        retry = [value for name, value in answer.headers if name.lower() == "retry-after"]
        assert retry == (["1"] if status in (429, 503) else []), status


def test_a_scripted_error_without_retry_after_sends_no_retry_after_header() -> None:
    mock, job_id = polls_mock(Respond(polls=frozenset({1}), status=500))
    answer = mock.poll(ND.name, job_id, None)
    assert answer is not None and (answer.status, answer.headers, answer.fault) == (500, (), "500")


def test_a_scripted_fault_comes_first_and_chaos_zero_adds_none() -> None:
    assert fault_for((), 1, 0.0, "p") is None
    assert fault_for((), 1, -1.0, "p") is None
    drop = Drop(polls=frozenset({2}))
    every = Respond(status=503)
    assert fault_for((drop, every), 2, 1.0, "p") is drop
    assert fault_for((drop, every), 3, 0.0, "p") is every  # no `poll:`: every poll
    assert fault_for((Stall(after=1.0),), 1, 0.0, "p") is None  # acts on the job's time, not on polls
    assert fault_for((drop,), 1, 1.0, "p") in chaos_faults()


def test_a_chaos_draw_depends_on_the_poll_s_name_alone() -> None:
    names = [f"7|ns|job_{n}|1" for n in range(200)]
    draws = [fault_for((), 1, 0.5, name) for name in names]
    assert draws == [fault_for((), 1, 0.5, name) for name in names]
    assert 60 <= sum(1 for d in draws if d) <= 140
    assert {type(d) for d in draws if d} == {Respond, Latency, Drop}
    assert seeded("x").random() == seeded("x").random() != seeded("y").random()


def test_latency_is_drawn_within_its_range_the_same_for_the_same_poll() -> None:
    answer = Answer(200, b"{}", job_status="pending")
    fixed = Latency(seconds=(0.5, 0.5)).apply(answer, ND, "a")
    assert (fixed.delay, fixed.status, fixed.body, fixed.job_status, fixed.fault) == (
        0.5,
        200,
        b"{}",
        "pending",
        "latency",
    )
    ranged = Latency(seconds=(0.2, 1.0))
    delays = [ranged.apply(answer, ND, f"poll {n}").delay for n in range(50)]
    assert all(0.2 <= d <= 1.0 for d in delays) and len(set(delays)) > 40
    assert ranged.apply(answer, ND, "poll 3").delay == delays[3]
    assert parse_fault({"latency": 0.5}) == Latency(seconds=(0.5, 0.5))


def test_a_drop_keeps_the_answer_and_closes_the_connection() -> None:
    answer = Answer(200, b"{}", job_status="pending")
    dropped = Drop().apply(answer, ND, "a")
    assert (dropped.drop, dropped.fault, dropped.body, dropped.status) == (True, "drop", b"{}", 200)
    assert not Drop.delivers and not Respond.delivers and Latency.delivers and Stall.delivers


def test_a_stall_caps_the_job_s_time_and_is_not_a_per_poll_fault() -> None:
    stall = Stall(after=6.0)
    assert [stall.job_time(t) for t in (0.0, 5.0, 6.0, 100.0)] == [0.0, 5.0, 6.0, 6.0]
    assert not stall.applies(1)
    assert Respond(status=429).job_time(42.0) == 42.0  # the others leave the job's time alone


def test_the_fixture_schema_allows_one_kind_and_no_poll_number_on_a_stall() -> None:
    validator = jsonschema.Draft202012Validator({**fault_schema(), "$defs": schema_of("fixture")["$defs"]})
    assert validator.is_valid({"poll": [1, 2], "respond": 503, "retry_after": 5})
    assert validator.is_valid({"stall": 4})
    assert not validator.is_valid({"stall": 4, "poll": 2})
    assert not validator.is_valid({"drop": True, "latency": 1})
    assert not validator.is_valid({"drop": True, "color": "red"})
    assert not validator.is_valid({"respond": 418})
    assert not validator.is_valid({"drop": True, "poll": "soon"})
