"""Every bound on what clients can make the mock hold, without HTTP: limits, evictions, counts."""

from __future__ import annotations

import pytest

from jobmock.contract import load_named
from jobmock.exceptions import NamespaceFull, SpecError
from jobmock.sim.changes import Change
from jobmock.sim.jobs import NewJob
from jobmock.sim.journal import RawRequest
from jobmock.sim.limits import Limits
from jobmock.sim.mock import Mock
from jobmock.sim.scenarios import PhaseSpec, Scenario
from support import Memory

ND = load_named("neuraldraft")
EXAMPLE = "job_2Ngd9KqLmRpW"  # the document's own example: every namespace has it
QUICK = Scenario(
    api=ND.name,
    name="quick",
    phases=(PhaseSpec("pending", 1, None), PhaseSpec("processing", 1, None), PhaseSpec("completed", None, None)),
)


def mock(**limits: float) -> Memory:
    built = Mock([ND], clock="manual", limits=Limits(**limits))  # type: ignore[arg-type]  # numbers as given
    built.catalog.scenarios[ND.name] = {"quick": QUICK}
    return Memory(built)


def test_a_404_makes_no_namespace_and_a_found_job_or_a_control_request_does() -> None:
    m = mock()
    assert m.poll(ND.name, "job_NotThereAtAl", None, "favicon") is None
    assert not m.has_namespace("favicon")
    assert m.poll(ND.name, EXAMPLE, None, "found") is not None
    assert m.has_namespace("found")
    assert m.poll(ND.name, "job_MadeOnSpot12", None, "spot", scenario="quick") is not None
    assert m.has_namespace("spot")
    m.advance(1, "control")
    assert m.has_namespace("control") and m.usage()["namespaces"]["count"] == 3


def test_the_least_recently_used_namespaces_go_first_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_700_000_000.0]
    monkeypatch.setattr("time.time", lambda: now[0])
    m = mock(namespaces=2)
    for name in ("a", "b", "a", "c"):  # a is used again after b: b is the least recently used
        now[0] += 1
        m.use(name)
    assert m.namespaces() == ["", "a", "c"]
    assert m.usage()["namespaces"] == {"count": 2, "max": 2, "idle_ttl_seconds": 3600.0, "evicted": 1}


def test_idle_namespaces_go_after_their_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_700_000_000.0]
    monkeypatch.setattr("time.time", lambda: now[0])
    m = mock(namespace_ttl=60)
    m.use("old")
    now[0] += 30
    m.use("recent")
    now[0] += 40  # old idle for 70 s, recent for 40 s
    m.use("new")
    assert m.namespaces() == ["", "new", "recent"]
    assert m.clock("")["mode"] == "manual"  # the default namespace is never evicted


def test_a_full_namespace_evicts_the_job_that_finished_longest_ago() -> None:
    m = mock(jobs=3)
    m.advance(100)  # the example job (11 to 28 s long) finished long ago
    quick = m.create(NewJob(api=ND.name, scenario=QUICK))
    m.create(NewJob(api=ND.name, outcome="processing"))  # never finishes
    m.advance(5)  # quick has finished too, but after the example job
    first = m.create(NewJob(api=ND.name, scenario=QUICK))
    assert EXAMPLE not in [job.id for job in m.jobs()]
    assert m.poll(ND.name, EXAMPLE, None) is None  # an evicted job answers 404
    m.advance(5)
    m.create(NewJob(api=ND.name, scenario=QUICK))
    ids = [job.id for job in m.jobs()]
    assert quick.id not in ids and first.id in ids and m.usage()["jobs"]["evicted"] == 2


@pytest.mark.parametrize("clock", ["manual", "polls"])
def test_a_full_namespace_with_no_finished_job_refuses_and_changes_nothing(clock: str) -> None:
    m = mock(jobs=2)
    m.set_clock_mode(clock)
    m.create(NewJob(api=ND.name, outcome="processing"))  # never finishes
    before = [job.id for job in m.jobs()]
    with pytest.raises(NamespaceFull, match="none has finished"):
        m.create(NewJob(api=ND.name, outcome="processing"))
    assert [job.id for job in m.jobs()] == before and m.usage()["jobs"]["evicted"] == 0


def test_a_cancelled_job_makes_room_from_the_moment_it_is_cancelled() -> None:
    m = mock(jobs=2)
    running = m.create(NewJob(api=ND.name, outcome="completed", duration=1000))
    m.cancel(running)
    m.advance(0.001)
    m.create(NewJob(api=ND.name, outcome="processing"))  # the example job is still running: the cancelled goes
    assert running.id not in [job.id for job in m.jobs()]


def test_under_the_polls_clock_polls_decide_who_has_finished() -> None:
    m = mock(jobs=2)
    m.set_clock_mode("polls")
    quick = m.create(NewJob(api=ND.name, scenario=QUICK))  # with the example job: 2
    for _ in range(3):
        m.poll(ND.name, quick.id, None)  # pending, processing, completed
    m.create(NewJob(api=ND.name, outcome="processing"))
    assert quick.id not in [job.id for job in m.jobs()]


def test_jobs_made_on_the_spot_have_their_own_bound_and_come_back_when_polled_again() -> None:
    m = mock(spot_jobs=2)
    for n in range(3):
        assert m.poll(ND.name, f"job_SpotSpot000{n}", None, scenario="quick") is not None
    assert m.usage()["spot_jobs"] == {"count": 2, "max_per_namespace": 2}
    assert m.poll(ND.name, "job_SpotSpot0000", None) is None  # evicted: a plain poll gets 404
    assert m.poll(ND.name, "job_SpotSpot0000", None, scenario="quick") is not None  # naming it makes it again


def raw(path: str = "/v1/jobs/x", query: str = "") -> RawRequest:
    return RawRequest(1.0, "GET", path, query, "key 1a2b3c4d", 200, {}, None)


def test_the_journal_keeps_its_bounds_by_entries_and_by_bytes() -> None:
    m = mock(journal_entries=5, journal_bytes=100_000)
    for _ in range(8):
        m.journal_add(raw())
    assert len(m.journal()) == 5 and m.usage()["journal"]["evicted"] == 3
    m = mock(journal_entries=1000, journal_bytes=3000)
    for _ in range(10):
        m.journal_add(raw(path="/v1/jobs/" + "x" * 800))  # about 1 KB each
    usage = m.usage()["journal"]
    assert usage["entries"] == 2 and usage["bytes"] <= 3000 and usage["evicted"] == 8


def test_a_request_in_no_namespace_is_counted_not_journaled() -> None:
    m = mock()
    m.journal_add(raw(), "never-used")
    assert not m.has_namespace("never-used") and m.usage()["journal"]["unjournaled"] == 1


@pytest.mark.parametrize("bad", [{"jobs": 0}, {"namespaces": -1}, {"namespace_ttl": float("nan")}])
def test_a_bound_must_be_a_finite_number_above_zero(bad: dict[str, float]) -> None:
    with pytest.raises(SpecError, match="must be a finite number above 0"):
        Limits(**bad)  # type: ignore[arg-type]  # numbers as a user might give them


class Workers:
    """Two mocks on one shared log, as `jobmock.state` runs them, without the store."""

    def __init__(self, jobs: int):
        self.mocks = [Mock([ND], clock="manual", limits=Limits(jobs=jobs), shared=True) for _ in range(2)]
        for m in self.mocks:
            m.catalog.scenarios[ND.name] = {"quick": QUICK}
        self.log: list[Change] = []
        self.append(self.mocks[0].plan_namespace(""))

    def append(self, *changes: Change) -> None:
        """Append planned changes, then let every worker read the log."""
        self.log += changes
        for m in self.mocks:
            for seq, change in enumerate(self.log, start=1):
                if seq > m.applied:
                    m.apply(change, seq)

    def ids(self, m: Mock) -> list[str]:
        return [job.id for job in m.jobs()]


def test_creates_planned_on_views_that_lag_keep_the_bound_alike_on_every_worker() -> None:
    workers = Workers(jobs=3)
    first, second = workers.mocks
    workers.append(first.plan_create(NewJob(api=ND.name, scenario=QUICK)))
    workers.append(first.plan_clock("advance", 60))  # the quick job has finished
    running = NewJob(api=ND.name, outcome="processing")
    workers.append(first.plan_create(running), second.plan_create(running))  # each saw room for one more
    assert workers.ids(first) == workers.ids(second)
    assert len(workers.ids(first)) == 3
    assert first.usage()["jobs"]["evicted"] == second.usage()["jobs"]["evicted"] == 1

    dropped = second.plan_create(running)
    workers.append(first.plan_create(running), dropped)  # full of running jobs: the later create goes
    assert workers.ids(first) == workers.ids(second)
    assert len(workers.ids(first)) == 3
    assert dropped.data.id not in workers.ids(first)
