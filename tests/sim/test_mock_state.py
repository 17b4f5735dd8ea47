"""The mock's state as the server sees it through `State` (issue 23): changes planned then applied
and what applying decides, namespaces made, used, evicted and dropped, the compacted log that
rebuilds them, the jobs a poll finds or makes, and the counts `GET /_jobmock/status` shows.
Pure: no HTTP, time moved by the namespaces' manual clocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from jobmock.contract import load_named
from jobmock.contract.model import ApiModel
from jobmock.exceptions import ClockError, IdTaken, NotFound, UnknownScenario
from jobmock.sim.catalog import Catalog, Rule
from jobmock.sim.changes import (
    Change,
    ClockChanged,
    JobCancelled,
    JobCreated,
    JobDeleted,
    NamespaceMade,
    NamespacesUsed,
    from_json,
    to_json,
)
from jobmock.sim.clock import LATEST, ClockState
from jobmock.sim.faults import Latency, Respond
from jobmock.sim.jobs import JobData, NewJob
from jobmock.sim.journal import RawRequest
from jobmock.sim.limits import Limits
from jobmock.sim.mock import FIRST_JOB_SEQ, Mock
from jobmock.sim.scenarios import Entry, PhaseSpec, Scenario
from support import Memory


def served(name: str) -> ApiModel:
    api = load_named(name)
    assert isinstance(api, ApiModel)
    return api


ND, SD = served("neuraldraft"), served("superdocs")
EXAMPLE = "job_2Ngd9KqLmRpW"  # the document's own example job: every namespace has it
T0 = 1_700_000_000.0
PHASES = (PhaseSpec("pending", 1, None), PhaseSpec("processing", 2, None), PhaseSpec("completed", None, None))
QUICK = Scenario(api=ND.name, name="quick", phases=PHASES)
SLOW = Scenario(api=ND.name, name="slow", phases=(PhaseSpec("pending", 100, None), *PHASES[1:]))


def catalog(**more: Any) -> Catalog:
    return Catalog(scenarios={ND.name: {"quick": QUICK, "slow": SLOW}}, **more)


def mock(*apis: ApiModel, **options: Any) -> Mock:
    options.setdefault("clock", "manual")
    options.setdefault("catalog", catalog())
    return Mock(apis or [ND], **options)


def memory(*apis: ApiModel, **options: Any) -> Memory:
    return Memory(mock(*apis, **options))


def made(m: Mock, name: str, at: float) -> Any:
    """A namespace made at `at` (its manual clock reading it, its last use): what applying decided."""
    return m.apply(NamespaceMade(name, at, ClockState("manual", 0.0, at))).value


def created(m: Mock, change: JobCreated, seq: int | None = None) -> JobData:
    """The job a create made, as applying it decided."""
    data = m.apply(change, seq).value
    assert isinstance(data, JobData)
    return data


def ids(m: Mock | Memory, namespace: str = "") -> list[str]:
    return [job.id for job in m.jobs(namespace)]


# --- making the mock ------------------------------------------------------------------------


def test_a_bad_speed_or_clock_mode_is_refused_when_the_mock_is_made() -> None:
    with pytest.raises(ClockError, match="speed"):
        Mock([ND], speed=0)
    with pytest.raises(ClockError, match="sundial"):
        Mock([ND], clock="sundial")


def test_in_memory_the_default_namespace_is_there_at_once_shared_it_comes_from_the_log() -> None:
    alone = Mock([ND], clock="manual")
    assert alone.namespaces() == [""] and ids(alone) == [EXAMPLE]
    shared = Mock([ND], clock="manual", shared=True)
    assert shared.namespaces() == []
    with pytest.raises(NotFound):
        shared.clock("")  # not made through the log yet
    with pytest.raises(NotFound):
        shared.plan_create(NewJob(api=ND.name), "")
    shared.apply(shared.plan_namespace(""))
    assert shared.namespaces() == [""] and ids(shared) == [EXAMPLE]


def test_shared_workers_draw_ids_at_random_and_one_alone_draws_them_from_the_seed() -> None:
    def first_id(shared: bool) -> str:
        m = Mock([ND], seed=7, clock="manual", shared=shared)
        if shared:
            m.apply(m.plan_namespace(""))
        return m.plan_create(NewJob(api=ND.name)).data.id

    assert first_id(False) == first_id(False)
    assert first_id(True) != first_id(True)


# --- the fingerprint that processes sharing a store agree on --------------------------------


def test_the_fingerprint_is_the_same_for_the_same_options() -> None:
    assert mock(seed=3).fingerprint() == mock(seed=3).fingerprint()
    assert len(mock().fingerprint()) == 32
    assert mock(shared=True).fingerprint() == mock().fingerprint()  # where the state lives decides no answer


@pytest.mark.parametrize(
    "other",
    [
        {"seed": 1},
        {"speed": 2.0},
        {"chaos": 0.1},
        {"clock": "polls"},
        {"limits": Limits(namespaces=5)},
        {"limits": Limits(namespace_ttl=60)},
        {"limits": Limits(jobs=5)},
        {"limits": Limits(spot_jobs=5)},
        {"limits": Limits(job_bytes=100)},
        {"catalog": catalog(defaults={ND.name: "quick"})},
        {"catalog": catalog(rules=[Rule(ND.name, "job_Slow*", "slow")])},
        {"catalog": Catalog(scenarios={ND.name: {"quick": QUICK}})},
        {"catalog": Catalog(scenarios={ND.name: {"quick": replace(QUICK, phases=PHASES[1:])}})},
    ],
)
def test_every_option_that_decides_an_answer_changes_the_fingerprint(other: dict[str, Any]) -> None:
    assert mock(**other).fingerprint() != mock().fingerprint()


def test_the_served_documents_their_mounts_and_keys_change_the_fingerprint() -> None:
    base = mock(ND).fingerprint()
    assert mock(ND, SD).fingerprint() != base
    assert mock(replace(ND, mount="/nd")).fingerprint() != base
    assert mock(replace(ND, security=ND.security.with_keys(["ndsk_test_1"]))).fingerprint() != base
    assert mock(replace(ND, document={**ND.document, "info": {"title": "x"}})).fingerprint() != base


def test_bounds_that_decide_no_answer_leave_the_fingerprint_alone() -> None:
    """Journal, stream and log bounds only say what is kept or served when: processes with other
    such bounds still give the same answers. So does a job size bound left at its default (the
    fingerprint of a store made before that bound existed)."""
    base = mock().fingerprint()
    for limits in (
        Limits(journal_entries=5),
        Limits(journal_bytes=500),
        Limits(streams=1),
        Limits(log_bytes=1000),
        Limits(job_bytes=Limits.job_bytes),
    ):
        assert mock(limits=limits).fingerprint() == base


def test_where_a_scenario_was_read_from_leaves_the_fingerprint_alone() -> None:
    here = Catalog(scenarios={ND.name: {"quick": replace(QUICK, source="a/quick.yaml:1")}})
    there = Catalog(scenarios={ND.name: {"quick": replace(QUICK, source="b/quick.yaml:9")}})
    assert mock(catalog=here).fingerprint() == mock(catalog=there).fingerprint()


# --- applying changes -----------------------------------------------------------------------


def test_each_applied_change_takes_the_number_the_log_gave_it_or_the_next() -> None:
    m = mock()
    assert m.applied == 1  # the default namespace
    m.apply(m.plan_clock("advance", 1))
    assert m.applied == 2
    m.apply(m.plan_clock("advance", 1), 10)
    assert m.applied == 10
    m.apply(m.plan_clock("advance", 1))
    assert m.applied == 11


def test_a_job_takes_its_place_after_the_examples_by_the_number_of_its_change() -> None:
    m = mock()
    first = created(m, m.plan_create(NewJob(api=ND.name)), 5)
    second = created(m, m.plan_create(NewJob(api=ND.name)))
    assert (first.seq, second.seq) == (FIRST_JOB_SEQ + 5, FIRST_JOB_SEQ + 6)
    assert m.get(EXAMPLE).seq < FIRST_JOB_SEQ  # type: ignore[union-attr]
    assert ids(m) == [EXAMPLE, first.id, second.id]
    assert [job.id for job in m.jobs(after=first.seq)] == [second.id]


def test_a_job_keeps_the_number_its_log_entry_carries() -> None:
    m = mock()
    change = m.plan_create(NewJob(api=ND.name))
    change.data.seq = FIRST_JOB_SEQ + 42  # read back from a snapshot
    m.apply(change, 3)
    assert m.get(change.data.id).seq == FIRST_JOB_SEQ + 42  # type: ignore[union-attr]


def test_a_refused_change_is_said_and_changes_nothing() -> None:
    m = mock()
    job = created(m, m.plan_create(NewJob(api=ND.name, id="job_TakenTaken01")))
    outcome = m.apply(m.plan_create(NewJob(api=ND.name, id="job_TakenTaken01", outcome="failed")))
    assert isinstance(outcome.refused, IdTaken) and outcome.value is None
    assert m.get("job_TakenTaken01").data is job  # type: ignore[union-attr]


def test_a_namespace_made_twice_at_once_keeps_the_first() -> None:
    m = mock()
    made(m, "a", T0)
    job = created(m, m.plan_create(NewJob(api=ND.name), "a"))
    assert made(m, "a", T0 + 5) == ()
    assert ids(m, "a") == [EXAMPLE, job.id]


def test_a_drop_says_whether_there_was_a_namespace_and_the_next_use_starts_afresh() -> None:
    m = mock()
    made(m, "a", T0)
    m.apply(m.plan_create(NewJob(api=ND.name), "a"))
    assert m.apply(m.plan_drop("a")).value is True
    assert not m.has_namespace("a")
    assert m.apply(m.plan_drop("a")).value is False
    assert ids(m, "a") == [EXAMPLE]  # made again, with its example job only


def test_a_job_created_after_its_namespace_was_dropped_makes_it_again() -> None:
    """Two workers: one creates a job while the other drops the namespace; in the log's order
    the namespace goes, then comes back with the job (and its example jobs, made when it was)."""
    m = mock()
    made(m, "a", T0)
    m.apply(m.plan_clock("set", T0 + 50, "a"))
    create = m.plan_create(NewJob(api=ND.name), "a")
    m.apply(m.plan_drop("a"))
    job = created(m, create)
    assert ids(m, "a") == [EXAMPLE, job.id]
    example = m.get(EXAMPLE, "a")
    assert example is not None and example.created == job.created == T0 + 50


@pytest.mark.parametrize("late", ["cancel", "clock", "delete"])
def test_a_change_to_a_namespace_dropped_meanwhile_is_refused(late: str) -> None:
    m = mock()
    made(m, "a", T0)
    job = m.find(EXAMPLE, "a")
    changes: dict[str, Change] = {
        "cancel": m.plan_cancel(job, "a"),
        "clock": m.plan_clock("advance", 5, "a"),
        "delete": m.plan_delete(EXAMPLE, "a"),
    }
    change = changes[late]
    m.apply(m.plan_drop("a"))
    assert isinstance(m.apply(change).refused, NotFound)
    assert not m.has_namespace("a")


def test_a_clock_move_answers_the_clock_right_after_it() -> None:
    m = mock()
    m.apply(m.plan_clock("set", T0))
    moved = m.apply(m.plan_clock("advance", 30)).value
    assert isinstance(moved, ClockState) and moved.frozen == T0 + 30 and moved.mode == "manual"
    assert m.clock_state() == moved and m.clock()["now"] == T0 + 30


def test_a_clock_move_out_of_range_is_refused_and_the_clock_stays() -> None:
    m = mock()
    m.apply(m.plan_clock("set", LATEST - 10))
    outcome = m.apply(m.plan_clock("advance", 60))  # fine when asked, out of range where the clock is
    assert isinstance(outcome.refused, ClockError)
    assert m.clock()["now"] == LATEST - 10


def test_a_clock_set_outright_takes_that_reading() -> None:
    m = mock()
    state = ClockState("manual", 0.0, T0 + 123)
    assert m.apply(ClockChanged("", state)).value == state
    assert m.clock()["now"] == T0 + 123


def test_a_clock_move_no_clock_would_take_is_refused_before_it_makes_a_namespace() -> None:
    m = mock()
    for kind, value in (("advance", -1), ("set", -5), ("mode", "sundial"), ("rewind", None)):
        with pytest.raises(ClockError):
            m.plan_clock(kind, value, "new")
    assert not m.has_namespace("new")
    assert m.apply(m.plan_clock("freeze", None, "new")).refused is None and m.has_namespace("new")


def test_namespaces_are_listed_by_name() -> None:
    m = mock()
    for name in ("b", "c", "a"):
        made(m, name, T0)
    assert m.namespaces() == ["", "a", "b", "c"]


# --- namespaces used, evicted ---------------------------------------------------------------


def test_past_the_cap_the_least_recently_used_namespaces_make_room_and_are_named() -> None:
    m = mock(limits=Limits(namespaces=3))
    for n, name in enumerate(("a", "b", "c")):
        assert made(m, name, T0 + n) == ()
    m.touch("a", T0 + 10)  # b is now the least recently used
    assert made(m, "d", T0 + 11) == ("b",)
    assert m.namespaces() == ["", "a", "c", "d"]
    m.apply(m.plan_used(["c", "a"], T0 + 20))
    assert made(m, "e", T0 + 21) == ("d",)
    assert m.namespaces() == ["", "a", "c", "e"]


def test_the_cap_counts_the_namespaces_besides_the_default_one() -> None:
    m = mock(limits=Limits(namespaces=1))
    assert made(m, "a", T0) == ()
    assert made(m, "b", T0 + 1) == ("a",)
    assert m.namespaces() == ["", "b"]


def test_namespaces_used_at_the_same_instant_go_by_name() -> None:
    m = mock(limits=Limits(namespaces=2))
    made(m, "b", T0)
    made(m, "a", T0)
    assert made(m, "c", T0 + 1) == ("a",)


def test_a_namespace_idle_past_its_ttl_goes_and_one_idle_exactly_the_ttl_stays() -> None:
    m = mock(limits=Limits(namespace_ttl=60))
    made(m, "old", T0)
    made(m, "edge", T0 + 10)
    assert made(m, "new", T0 + 70) == ("old",)  # idle 70 s; edge idle 60 s
    assert m.namespaces() == ["", "edge", "new"]


def test_idle_namespaces_go_first_and_then_only_as_many_more_as_the_cap_needs() -> None:
    m = mock(limits=Limits(namespaces=2, namespace_ttl=60))
    made(m, "idle", T0)
    made(m, "b", T0 + 50)
    assert made(m, "c", T0 + 100) == ("idle",)  # room enough once it went
    assert m.namespaces() == ["", "b", "c"]
    m.touch("b", T0 + 120)
    m.apply(NamespaceMade("snap", T0, m.clock_state("b"), used=T0 + 80))  # from a snapshot: past the cap
    assert made(m, "d", T0 + 145) == ("snap", "c")  # idle 65 s; then the cap: c is the least recently used
    assert m.namespaces() == ["", "b", "d"]


def test_the_default_namespace_never_goes() -> None:
    m = mock(limits=Limits(namespaces=1, namespace_ttl=1))
    made(m, "a", T0)
    assert made(m, "b", T0 + 1e6) == ("a",)
    assert m.has_namespace("")


def test_a_namespace_from_a_snapshot_makes_no_room_and_keeps_its_last_use() -> None:
    m = mock(limits=Limits(namespaces=1))
    made(m, "a", T0)
    clock = m.clock_state("a")
    assert m.apply(NamespaceMade("b", T0 - 100, clock, used=T0 + 5)).value == ()
    assert m.namespaces() == ["", "a", "b"]
    assert m.namespace_uses() == [("a", T0, 1), ("b", T0 + 5, 1)]


def test_a_namespaces_last_use_only_moves_forward() -> None:
    m = mock()
    made(m, "a", T0)
    made(m, "b", T0 + 1)
    m.touch("a", T0 + 10)
    m.touch("a", T0 + 5)  # an older use, noted late
    m.apply(NamespacesUsed(("b",), T0 + 20))
    m.apply(NamespacesUsed(("b", "gone"), T0 + 15))
    assert m.namespace_uses() == [("a", T0 + 10, 1), ("b", T0 + 20, 1)]
    m.touch("never-made", T0)
    assert not m.has_namespace("never-made") and "gone" not in m.namespaces()


def test_namespace_uses_list_the_least_recently_used_first_with_their_jobs() -> None:
    m = mock()
    made(m, "b", T0)
    made(m, "a", T0)
    made(m, "c", T0 - 5)
    m.apply(m.plan_create(NewJob(api=ND.name), "b"))
    assert m.namespace_uses() == [("c", T0 - 5, 1), ("a", T0, 1), ("b", T0, 2)]


def test_the_namespaces_used_are_noted_once_each_in_order() -> None:
    assert Mock([ND]).plan_used(["b", "a"], T0) == NamespacesUsed(("a", "b"), T0)


def test_what_an_evicted_namespace_held_is_still_counted_as_evicted() -> None:
    m = mock(limits=Limits(namespaces=1, jobs=2, journal_entries=1))
    made(m, "a", T0)
    m.apply(m.plan_clock("advance", 100, "a"))  # the example job has finished: it makes room
    m.apply(m.plan_create(NewJob(api=ND.name), "a"))
    m.apply(m.plan_create(NewJob(api=ND.name), "a"))
    for _ in range(3):
        m.journal_add(raw(), "a")
    made(m, "b", T0 + 1)
    usage = m.usage()
    assert usage["namespaces"]["evicted"] == 1
    assert usage["jobs"]["evicted"] == 1 and usage["journal"]["evicted"] == 2
    m.apply(m.plan_drop("b"))
    assert m.usage()["namespaces"]["evicted"] == 2


def raw(path: str = "/v1/jobs/x") -> RawRequest:
    return RawRequest(1.0, "GET", path, "", "key 1a2b3c4d", 200, {}, None)


AWAITING = PhaseSpec("awaiting_approval", None, None)


def with_examples(api: ApiModel, values: list[Any], status: str = "200", media: str = "application/json") -> ApiModel:
    """The API, its poll documenting these example bodies (and nothing else)."""
    examples = {f"e{n}": {"value": value} for n, value in enumerate(values)}
    spec = {
        **api.poll.spec,
        "responses": {status: {"description": "the job", "content": {media: {"examples": examples}}}},
    }
    return replace(api, poll=replace(api.poll, spec=spec))


# --- the compacted log ----------------------------------------------------------------------


def rebuilt(m: Mock) -> Mock:
    """A worker that reads the state back from `m`'s compacted log, as JSON."""
    again = Mock(list(m.apis.values()), clock="manual", catalog=m.catalog, shared=True)
    for change in m.export():
        outcome = again.apply(from_json(to_json(change), m.scenario))
        assert outcome.refused is None, (change, outcome)
    return again


def seen(m: Mock) -> dict[str, Any]:
    """What clients can see of the state: every namespace's jobs, bodies, clock, last use."""
    return {
        name: (
            [(job.id, m.body(job, name)) for job in m.jobs(name)],
            m.clock_state(name),
            m.journal(name),
        )
        for name in m.namespaces()
    } | {"uses": m.namespace_uses()}


def test_a_compacted_log_rebuilds_what_every_client_sees() -> None:
    m = memory()
    m.advance(5)
    m.cancel(m.find(EXAMPLE))  # an example job cancelled
    kept = m.create(NewJob(api=ND.name, outcome="completed", duration=20))
    m.create(NewJob(api=ND.name, id="job_GoneGoneGone", outcome="completed"))
    m.delete("job_GoneGoneGone")
    m.use("b")
    m.delete(EXAMPLE, "b")  # an example job deleted
    m.use("c")
    m.poll(ND.name, EXAMPLE, None, "c", scenario="quick")  # an example job made again on the spot
    m.advance(3, "c")
    again = rebuilt(m.mock)
    assert seen(again) == seen(m.mock)
    assert again.get(kept.id).data.seq == kept.seq  # type: ignore[union-attr]
    assert again.status(again.find(EXAMPLE, "c"), "c") == "processing"
    for namespace, job_id in (("", "job_GoneGoneGone"), ("b", EXAMPLE)):
        with pytest.raises(IdTaken):  # a deleted id stays gone
            Memory(again).create(NewJob(api=ND.name, id=job_id), namespace)


def test_a_compacted_log_keeps_an_example_jobs_decisions() -> None:
    job_id = "d1b7c7f0-7a47-4fd1-9a39-0bd1c1c0ffee"
    working = (PhaseSpec("pending", 1, None), PhaseSpec("in_progress", 1, None), AWAITING)
    waits = Scenario(SD.name, "documented-example", phases=working)
    m = memory(with_examples(SD, [{"job_id": job_id}]), catalog=Catalog(scenarios={SD.name: {waits.name: waits}}))
    m.advance(5)
    job = m.find(job_id)
    m.decide(job, approved=True)
    m.advance(5)
    again = rebuilt(m.mock)
    assert again.get(job.id).data.decided == job.data.decided  # type: ignore[union-attr]
    assert seen(again) == seen(m.mock)


def test_a_reset_forgets_everything() -> None:
    m = mock()
    made(m, "a", T0)
    m.reset()
    assert (m.namespaces(), m.applied) == ([], 0)


def test_an_evicted_example_jobs_id_stays_free_after_the_log_is_compacted() -> None:
    """An evicted job's id answers 404 like an id never used, not like a deleted one: a poll naming
    a scenario makes it on the spot, a create may take it. A compacted log keeps it so (it made a
    deleted id of it once)."""
    m = memory(limits=Limits(jobs=3))
    m.advance(100)  # the example job has finished: the next job evicts it
    m.create(NewJob(api=ND.name, outcome="processing"))
    m.create(NewJob(api=ND.name, outcome="processing"))
    m.create(NewJob(api=ND.name, scenario=QUICK))
    assert EXAMPLE not in ids(m)
    again = Memory(rebuilt(m.mock))
    assert seen(again.mock) == seen(m.mock)
    assert again.plan_poll(ND.name, EXAMPLE, None, "", "quick") is not None
    again.delete(ids(again)[-1])  # room for one more
    assert again.create(NewJob(api=ND.name, id=EXAMPLE, outcome="failed")).id == EXAMPLE


def test_a_compacted_log_makes_an_evicted_example_job_made_again_on_the_spot_anew() -> None:
    m = memory(limits=Limits(jobs=2))
    m.advance(100)  # the example job has finished: the next job evicts it
    m.create(NewJob(api=ND.name, outcome="processing"))
    m.create(NewJob(api=ND.name, scenario=QUICK))
    assert EXAMPLE not in ids(m)
    m.advance(5)  # the quick job has finished: it makes room
    assert m.poll(ND.name, EXAMPLE, None, scenario="quick") is not None  # made on the spot in its place
    m.advance(1.5)
    again = rebuilt(m.mock)
    assert seen(again) == seen(m.mock)
    assert again.status(again.find(EXAMPLE)) == "processing"


# --- polls ----------------------------------------------------------------------------------


def test_a_poll_meets_the_fault_of_its_number_and_only_a_poll_that_shows_the_job_moves_it_on() -> None:
    faulty = replace(QUICK, faults=(Respond(polls=frozenset({2, 5}), status=503),))
    m = memory(clock="polls")
    job = m.create(NewJob(api=ND.name, scenario=faulty))
    assert m.count_poll(job) is None and m.status(job) == "pending"
    fault = m.count_poll(job)  # the 2nd: answered 503, the job not shown
    assert fault == faulty.faults[0] and m.status(job) == "pending"
    assert m.answer(job, "", fault).status == 503
    assert m.count_poll(job) is None and m.status(job) == "processing"
    assert m.count_poll(job, "", polls=5) == fault  # counted by the store, across workers
    assert m.status(job) == "processing"
    assert m.count_poll(job) is None and m.status(job) == "completed"  # the 6th


def test_a_latency_fault_still_shows_the_job() -> None:
    slow = replace(QUICK, faults=(Latency(polls=frozenset({1}), seconds=(1.0, 1.0)),))
    m = memory(clock="polls")
    job = m.create(NewJob(api=ND.name, scenario=slow))
    fault = m.count_poll(job)
    assert isinstance(fault, Latency)
    answer = m.answer(job, "", fault)
    assert (answer.status, answer.delay, answer.job_status) == (200, 1.0, "pending")
    m.count_poll(job)
    assert m.status(job) == "processing"


def test_a_poll_answers_the_body_the_job_shows_now() -> None:
    m = memory()
    job = m.create(NewJob(api=ND.name, scenario=QUICK))
    m.advance(1.5)
    m.count_poll(job)
    answer = m.answer(job)
    assert (answer.status, answer.job_status, answer.body) == (200, "processing", m.body_bytes(job))
    assert m.body(job)["status"] == "processing"


def chaos_faults_met(seed: int, namespace: str, job_id: str = "job_ChaosChaos01") -> list[str | None]:
    m = memory(seed=seed, chaos=0.5)
    m.use(namespace)
    m.create(NewJob(api=ND.name, id=job_id, outcome="processing"), namespace)
    return [a.fault if (a := m.poll(ND.name, job_id, None, namespace)) else None for _ in range(40)]


def test_chaos_meets_the_same_faults_for_the_same_seed_namespace_and_job_and_others_elsewhere() -> None:
    first = chaos_faults_met(1, "a")
    assert chaos_faults_met(1, "a") == first and any(first) and not all(first)
    assert chaos_faults_met(2, "a") != first
    assert chaos_faults_met(1, "b") != first
    assert chaos_faults_met(1, "a", "job_ChaosChaos02") != first


def test_polls_are_counted_across_workers_only_where_answers_depend_on_them() -> None:
    m = memory()
    plain = m.create(NewJob(api=ND.name, scenario=QUICK))
    scripted = m.create(NewJob(api=ND.name, scenario=replace(QUICK, faults=(Respond(polls=frozenset({9})),))))
    assert not m.counts_polls(plain) and m.counts_polls(scripted)
    m.set_clock_mode("polls", "p")
    assert m.counts_polls(m.create(NewJob(api=ND.name, scenario=QUICK), "p"), "p")


def test_a_poll_may_find_a_job_in_a_namespace_it_would_make_only_for_an_example_a_scenario_or_a_rule() -> None:
    m = mock(ND, SD, catalog=catalog(rules=[Rule(ND.name, "job_Ruled*", "quick")]))
    assert m.could_answer(ND.name, "job_AnyAnyAny012", "", None)  # the namespace exists
    assert m.could_answer(ND.name, EXAMPLE, "new", None)
    assert not m.could_answer(SD.name, EXAMPLE, "new", None)  # another API's example
    assert m.could_answer(ND.name, "job_AnyAnyAny012", "new", "quick")
    assert m.could_answer(ND.name, "job_RuledRuled12", "new", None)
    assert not m.could_answer(ND.name, "job_AnyAnyAny012", "new", None)
    with pytest.raises(UnknownScenario):
        m.could_answer(ND.name, "job_AnyAnyAny012", "", "nope")
    assert not m.has_namespace("new")


def test_a_poll_naming_a_scenario_makes_the_job_on_the_spot_for_its_key() -> None:
    m = mock()
    change = m.plan_poll(ND.name, "job_SpotSpotSpot", "key-1", "", "quick")
    assert isinstance(change, JobCreated) and not change.replaces
    assert (change.data.id, change.data.owner, change.data.spot, change.data.scenario) == (
        "job_SpotSpotSpot", "key-1", True, QUICK
    )  # fmt: skip


def test_a_poll_makes_no_job_for_an_id_the_api_never_issues() -> None:
    assert mock().plan_poll(ND.name, "not-an-id", None, "", "quick") is None


def test_a_poll_of_an_unknown_id_follows_a_config_rule_or_makes_nothing() -> None:
    m = mock(catalog=catalog(rules=[Rule(ND.name, "job_Ruled*", "slow")]))
    change = m.plan_poll(ND.name, "job_RuledRuled12", None, "", None)
    assert isinstance(change, JobCreated) and change.data.scenario == SLOW and change.data.spot
    assert m.plan_poll(ND.name, "job_AnyAnyAny012", None, "", None) is None


def test_a_poll_naming_another_scenario_restarts_only_a_job_made_on_the_spot_for_the_same_key() -> None:
    m = memory()
    m.poll(ND.name, "job_SpotSpotSpot", "key-1", scenario="quick")
    assert m.plan_poll(ND.name, "job_SpotSpotSpot", "key-1", "", "quick") is None  # the same scenario: it goes on
    assert m.plan_poll(ND.name, "job_SpotSpotSpot", "key-1", "", None) is None
    restart = m.plan_poll(ND.name, "job_SpotSpotSpot", "key-1", "", "slow")
    assert isinstance(restart, JobCreated) and restart.replaces and restart.data.scenario == SLOW
    assert m.plan_poll(ND.name, "job_SpotSpotSpot", "key-2", "", "slow") is None  # not its job: its 404
    control = m.create(NewJob(api=ND.name, owner="key-1", scenario=QUICK))
    assert m.plan_poll(ND.name, control.id, "key-1", "", "slow") is None  # made through the control API
    assert m.plan_poll(ND.name, EXAMPLE, None, "", "slow") is None  # the document's example


def test_a_deleted_id_stays_gone_whatever_a_poll_names() -> None:
    m = memory(catalog=catalog(rules=[Rule(ND.name, "job_Ruled*", "slow")]))
    m.poll(ND.name, "job_RuledRuled12", None)
    m.delete("job_RuledRuled12")
    assert m.plan_poll(ND.name, "job_RuledRuled12", None, "", None) is None
    assert m.plan_poll(ND.name, "job_RuledRuled12", None, "", "quick") is None


# --- jobs -----------------------------------------------------------------------------------


def test_a_job_that_asks_for_nothing_follows_a_rule_for_its_id_else_the_apis_default_scenario() -> None:
    m = mock(catalog=catalog(defaults={ND.name: "slow"}, rules=[Rule(ND.name, "job_Quick*", "quick")]))
    assert m.plan_create(NewJob(api=ND.name)).data.scenario == SLOW
    assert m.plan_create(NewJob(api=ND.name, id="job_QuickQuick12")).data.scenario == QUICK
    assert m.plan_create(NewJob(api=ND.name, id="job_OtherOther12")).data.scenario == SLOW
    for asked in ({"outcome": "failed"}, {"duration": 5.0}, {"scenario": QUICK}):
        assert m.plan_create(NewJob(api=ND.name, **asked)).data.scenario in (None, QUICK)
    assert mock().plan_create(NewJob(api=ND.name)).data.scenario is None  # no default: the lifecycle's


def test_jobs_are_listed_oldest_first_by_api_and_from_a_cursor_and_newest_first_up_to_a_limit() -> None:
    m = memory(ND, SD)
    made_ = [m.create(NewJob(api=api.name)) for api in (ND, SD, ND, SD)]
    nd, sd = [j.id for j in made_ if j.api.name == ND.name], [j.id for j in made_ if j.api.name == SD.name]
    assert ids(m) == [EXAMPLE, *[j.id for j in made_]]
    assert [j.id for j in m.jobs(api=ND.name)] == [EXAMPLE, *nd]
    assert [j.id for j in m.jobs(api=SD.name, after=made_[1].seq)] == sd[1:]
    assert [j.id for j in m.newest(limit=2)] == [sd[1], nd[1]]
    assert [j.id for j in m.newest(limit=5, api=ND.name)] == [nd[1], nd[0], EXAMPLE]


def test_reads_of_a_job_never_make_its_namespace_and_find_says_not_found() -> None:
    m = mock()
    assert m.get(EXAMPLE, "x") is None and m.lookup(ND.name, EXAMPLE, None, "x") is None
    assert not m.knows(EXAMPLE, "x") and not m.has_namespace("x")
    assert m.knows(EXAMPLE) and not m.knows("job_AnyAnyAny012")
    with pytest.raises(NotFound):
        m.find("job_AnyAnyAny012", "x")
    assert m.has_namespace("x")  # a control request's read makes it
    assert m.find(EXAMPLE, "x").id == EXAMPLE


def test_a_job_is_visible_only_to_its_key_and_in_its_api() -> None:
    m = memory(ND, SD)
    job = m.create(NewJob(api=ND.name, owner="key-1"))
    assert m.visible(ND.name, job.id, "key-1").id == job.id
    assert m.lookup(ND.name, job.id, "key-1") is not None
    for api, key in ((ND.name, "key-2"), (ND.name, None), (SD.name, "key-1")):
        assert m.lookup(api, job.id, key) is None
        with pytest.raises(NotFound):
            m.visible(api, job.id, key)


def test_a_jobs_status_history_and_progress_follow_its_namespaces_clock() -> None:
    m = memory()
    job = m.create(NewJob(api=ND.name, scenario=QUICK))
    m.use("other")
    m.advance(2)
    assert (m.status(job), m.progress(job)) == ("processing", 0.5)
    assert [status for status, _ in m.history(job)] == ["pending", "processing"]
    m.advance(60, "other")  # another namespace's clock moves no job here
    assert m.status(job) == "processing"


def test_a_cancel_and_a_decision_happen_at_the_time_the_job_shows_now() -> None:
    m = memory(ND, SD)
    job = m.create(NewJob(api=ND.name, scenario=QUICK))
    m.advance(1.5)
    assert m.plan_cancel(job) == JobCancelled("", job.id, 1.5)
    waiting = m.create(NewJob(api=SD.name, outcome="awaiting_approval", duration=10))
    m.advance(20)
    decided = m.plan_decide(waiting, True)
    assert (decided.at, decided.approved) == (20, True)


def test_a_delete_makes_its_namespace_and_one_of_an_id_holding_no_job_is_refused() -> None:
    m = mock()
    change = m.plan_delete("job_AnyAnyAny012", "x")
    assert change == JobDeleted("x", "job_AnyAnyAny012") and m.has_namespace("x")
    assert isinstance(m.apply(change).refused, NotFound)
    assert m.apply(m.plan_delete(EXAMPLE, "x")).refused is None and ids(m, "x") == []


def test_scenarios_are_listed_by_api_then_name() -> None:
    other = Scenario(SD.name, "a-first")
    m = mock(ND, SD, catalog=Catalog(scenarios={SD.name: {"a-first": other}, ND.name: {"slow": SLOW, "quick": QUICK}}))
    assert m.scenarios() == [QUICK, SLOW, other]
    assert m.scenarios(ND.name) == [QUICK, SLOW] and m.scenarios(SD.name) == [other]
    assert m.scenario(ND.name, "slow") == SLOW
    with pytest.raises(UnknownScenario):
        m.scenario(SD.name, "slow")


# --- journal and usage ----------------------------------------------------------------------


def test_a_namespaces_journal_keeps_its_own_requests_until_cleared() -> None:
    m = mock()
    m.journal_add(raw("/v1/jobs/a"))
    m.journal_add(raw("/v1/jobs/b"))
    made(m, "x", T0)
    m.journal_add(raw("/v1/jobs/c"), "x")
    assert [r.path for _, r in m.journal()] == ["/v1/jobs/a", "/v1/jobs/b"]
    assert [r.path for _, r in m.journal("x")] == ["/v1/jobs/c"]
    m.clear_journal()
    assert m.journal() == [] and len(m.journal("x")) == 1


def test_usage_adds_up_every_namespace() -> None:
    m = memory(limits=Limits(namespaces=9, jobs=50, spot_jobs=7, journal_entries=20, journal_bytes=9000))
    m.create(NewJob(api=ND.name, fields={"result": {"title": "T"}}))
    m.use("x")
    m.poll(ND.name, "job_SpotSpotSpot", None, "x", scenario="quick")
    m.journal_add(raw())
    m.journal_add(raw(), "x")
    m.journal_add(raw(), "never-made")
    usage = m.usage()
    entry = raw().size()
    assert usage == {
        "namespaces": {"count": 1, "max": 9, "idle_ttl_seconds": 3600.0, "evicted": 0},
        "jobs": {"count": 4, "max_per_namespace": 50, "evicted": 0},
        "payloads": {"bytes": len('{"result":{"title":"T"}}'), "max_bytes_per_job": Limits.job_bytes},
        "spot_jobs": {"count": 1, "max_per_namespace": 7},
        "journal": {
            "entries": 2,
            "bytes": 2 * entry,
            "max_entries_per_namespace": 20,
            "max_bytes_per_namespace": 9000,
            "evicted": 0,
            "unjournaled": 1,
        },
    }


def test_usage_counts_namespaces_besides_the_default_one_even_before_it_is_made() -> None:
    shared = mock(shared=True)
    made(shared, "a", T0)
    assert shared.usage()["namespaces"]["count"] == 1
    assert shared.usage()["jobs"]["count"] == 1


def test_jobs_and_journal_entries_evicted_in_a_namespace_are_counted() -> None:
    m = memory(limits=Limits(jobs=1, journal_entries=1))
    m.advance(100)
    m.create(NewJob(api=ND.name))
    m.journal_add(raw())
    m.journal_add(raw())
    usage = m.usage()
    assert (usage["jobs"]["evicted"], usage["journal"]["evicted"]) == (1, 1)


# --- the document's example jobs ------------------------------------------------------------

U1, U2, U3 = (f"d1b7c7f0-7a47-4fd1-9a39-0bd1c1c0ff0{n}" for n in range(1, 4))


def with_responses(api: ApiModel, responses: dict[str, Any]) -> ApiModel:
    spec = {**api.poll.spec, "responses": responses}
    return replace(api, poll=replace(api.poll, spec=spec))


def documented(*bodies: Any, single: Any = None) -> dict[str, Any]:
    """A 200 response documenting these example bodies (and `single` as its `example`)."""
    media: dict[str, Any] = {"examples": {f"e{n}": {"value": body} for n, body in enumerate(bodies)}}
    if single is not None:
        media["example"] = single
    return {"description": "the job", "content": {"application/json": media}}


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_an_example_job_keeps_its_documented_fields_and_type_but_runs_its_own_lifecycle() -> None:
    example = {
        "job_id": U1,
        "job_type": "attachment_processing",
        "status": "completed",
        "session_id": "sess-42",
        "progress": 100,
        "metadata": {"filename": "documented.pdf"},
        "created_at": "2020-01-01T00:00:00Z",
    }
    m = memory(with_responses(SD, {"200": documented(example)}))
    body = m.body(m.find(U1))
    assert (body["job_id"], body["job_type"], body["session_id"], body["status"]) == (
        U1, "attachment_processing", "sess-42", "pending"
    )  # fmt: skip
    assert body["metadata"].get("filename") != "documented.pdf" and body["progress"] == 0
    assert seconds(body["created_at"]) == pytest.approx(m.find(U1).created)  # made with its namespace
    assert ids(m, "another") == [U1]


def test_an_example_of_a_type_the_api_does_not_declare_gets_one_it_does() -> None:
    m = mock(with_responses(SD, {"200": documented({"job_id": U1, "job_type": "video"})}))
    assert m.body(m.find(U1))["job_type"] in SD.types


def test_only_success_examples_with_an_id_of_the_apis_form_make_jobs_once_each() -> None:
    responses = {
        "200": documented(
            {"job_id": U1, "session_id": "first"},
            {"job_id": U1, "session_id": "second"},
            {"job_id": "<string>"},
            {"job_id": 42},
            ["not", "a", "job"],
            single={"job_id": U2},
        ),
        "202": {"description": "no examples", "content": {"application/json": {}}},
        "404": documented({"job_id": U3}),
    }
    m = mock(with_responses(SD, responses))
    assert ids(m) == [U2, U1]
    assert m.body(m.find(U1))["session_id"] == "first"


def test_examples_in_other_media_types_make_no_jobs() -> None:
    media = {"application/xml": {"example": {"job_id": U1}}}
    assert ids(mock(with_responses(SD, {"200": {"description": "x", "content": media}}))) == []


def documented_example(*phases: PhaseSpec) -> Catalog:
    scenario = Scenario(SD.name, "documented-example", phases=phases)
    return Catalog(scenarios={SD.name: {scenario.name: scenario}})


WORKING = (PhaseSpec("pending", 1, None), PhaseSpec("in_progress", 1, None), AWAITING)


@pytest.mark.parametrize("stamp", ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20", "2023-11-14T23:13:20+01:00"])
def test_an_example_job_following_the_documented_example_scenario_was_made_when_its_example_says(stamp: str) -> None:
    example = {"job_id": U1, "created_at": stamp, "session_id": "sess-42"}
    m = memory(with_responses(SD, {"200": documented(example)}), catalog=documented_example(*WORKING))
    m.set_time(T0 + 1.5)
    job = m.find(U1)
    assert job.created == T0 and m.status(job) == "in_progress"
    assert seconds(m.body(job)["created_at"]) == T0


@pytest.mark.parametrize("stamp", [None, "yesterday", 1700000000])
def test_an_example_job_without_a_readable_creation_time_was_made_with_its_namespace(stamp: Any) -> None:
    example = {"job_id": U1, "created_at": stamp}
    m = memory(with_responses(SD, {"200": documented(example)}), catalog=documented_example(*WORKING))
    made(m.mock, "x", T0)
    assert m.find(U1, "x").created == T0
    m.advance(1.5, "x")
    assert m.status(m.find(U1, "x"), "x") == "in_progress"


def test_at_a_higher_speed_every_namespaces_jobs_live_faster() -> None:
    m = memory(speed=10)
    job = m.create(NewJob(api=ND.name, scenario=QUICK))
    m.advance(0.2)  # 2 s of its lifecycle
    assert m.status(job) == "processing" and m.clock()["speed"] == 10
    m.use("x")
    other = m.create(NewJob(api=ND.name, scenario=QUICK), "x")
    m.advance(0.35, "x")
    assert m.status(other, "x") == "completed"


def test_a_replayed_timeline_answers_its_recorded_status_and_headers() -> None:
    recorded = (Entry(0, None, 429, {"Retry-After": "3"}, {"error": "slow down"}),)
    m = memory()
    job = m.create(NewJob(api=ND.name, scenario=Scenario(ND.name, "replayed", timeline=recorded)))
    m.count_poll(job)
    answer = m.answer(job)
    assert (answer.status, answer.headers, answer.body) == (429, (("Retry-After", "3"),), b'{"error":"slow down"}')


def test_a_spot_job_made_for_no_key_is_restarted_by_no_keyed_poll() -> None:
    m = memory()
    m.poll(ND.name, "job_SpotSpotSpot", None, scenario="quick")
    assert m.plan_poll(ND.name, "job_SpotSpotSpot", "key-1", "", "slow") is None
    assert m.plan_poll(ND.name, "job_SpotSpotSpot", None, "", "slow") is not None


def test_example_jobs_come_in_the_order_of_their_success_statuses() -> None:
    responses = {
        "202": documented({"job_id": U1}),
        "204": {"description": "no content"},
        "200": {"description": "one example", "content": {"application/json": {"example": {"job_id": U2}}}},
    }
    assert ids(mock(with_responses(SD, responses))) == [U2, U1]


class Workers:
    """Two workers sharing a log, each applying it when the test says (as `State` does)."""

    def __init__(self, clock: str = "manual") -> None:
        self.mocks = [Mock([ND], clock=clock, catalog=catalog(), shared=True) for _ in range(2)]
        self.log: list[Change] = []
        self.append(self.mocks[0].plan_namespace(""))

    def append(self, change: Change) -> None:
        self.log.append(change)

    def catch_up(self, worker: int) -> None:
        m = self.mocks[worker]
        for seq, change in enumerate(self.log, start=1):
            if seq > m.applied:
                m.apply(change, seq)


def test_a_running_clock_moved_reads_the_same_on_a_worker_that_applies_the_move_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [T0]
    monkeypatch.setattr("time.time", lambda: now[0])
    workers = Workers(clock="real")
    workers.catch_up(0)
    workers.catch_up(1)
    first, second = workers.mocks
    workers.append(first.plan_clock("set", T0 + 3600))
    workers.catch_up(0)
    now[0] += 5  # the other worker reads the log 5 s later
    workers.catch_up(1)
    assert first.clock()["now"] == second.clock()["now"] == T0 + 3605
