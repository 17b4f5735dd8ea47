"""The jobs of one namespace as clients see them, without HTTP: ids, paging, who may see a job, and
the bounds (the job that finished longest ago makes room, the oldest job made on the spot goes,
deleted ids stay gone up to as many tombstones as jobs), with time driven by a manual clock.
"""

from __future__ import annotations

import random
from functools import cache

import pytest

from jobmock.contract import load_named
from jobmock.exceptions import IdTaken, JobError, LifecycleError, NamespaceFull, NotFound
from jobmock.sim.clock import Clock
from jobmock.sim.jobs import Job, JobData, NewJob
from jobmock.sim.scenarios import PhaseSpec, Scenario
from jobmock.sim.store import JobStore, same_job

ND = load_named("neuraldraft")
SD = load_named("superdocs")  # UUID ids, and jobs that wait for approval
APIS = {ND.name: ND, SD.name: SD}
T0 = 1_700_000_000.0


@cache
def lasting(seconds: float) -> Scenario:
    """A neuraldraft job that completes `seconds` after it is made (exactly)."""
    phases = (PhaseSpec("pending", 0.5, None), PhaseSpec("processing", seconds - 0.5, None))
    return Scenario(api=ND.name, name=f"lasting {seconds}", phases=(*phases, PhaseSpec("completed", None, None)))


RUNNING = Scenario(
    api=ND.name, name="running", phases=(PhaseSpec("pending", 1, None), PhaseSpec("processing", None, None))
)
APPROVAL = Scenario(
    api=SD.name,
    name="approval",
    phases=(
        PhaseSpec("pending", 1, None),
        PhaseSpec("in_progress", 1, None),
        PhaseSpec("awaiting_approval", 10, None),
        PhaseSpec("in_progress", 4, None),
        PhaseSpec("completed", None, None),
    ),
)


def clock(speed: float = 1.0, mode: str = "manual") -> Clock:
    made = Clock(speed, mode)
    made.set(T0)
    return made


def store(**bounds: int) -> JobStore:
    return JobStore(APIS, **bounds)  # type: ignore[arg-type]  # the bounds by name


def make(jobs: JobStore, time: Clock, scenario: Scenario = RUNNING, spot: bool = False, **request: object) -> Job:
    return jobs.create(NewJob(api=scenario.api, scenario=scenario, **request), time, spot=spot)  # type: ignore[arg-type]


def ids(jobs: JobStore) -> list[str]:
    return [job.id for job in jobs]


# --- ids ---------------------------------------------------------------------------------


def test_new_ids_have_the_apis_form_and_are_the_same_run_after_run() -> None:
    def made(seed: int) -> list[str]:
        jobs, time = JobStore(APIS, seed=seed), clock()
        return [make(jobs, time).id for _ in range(3)] + [make(jobs, time, APPROVAL).id]

    first = made(0)
    assert made(0) == first and made(1) != first
    assert len(set(first)) == 4
    assert all(ND.ids.matches(job_id) for job_id in first[:3]) and SD.ids.matches(first[3])
    assert not ND.ids.matches(first[3])  # a UUID


def test_a_new_id_is_never_one_held_or_deleted() -> None:
    drawn = make(JobStore(APIS, ids=random.Random(7)), clock()).id
    jobs, time = JobStore(APIS, ids=random.Random(7)), clock()
    make(jobs, time, id=drawn)
    second = make(jobs, time).id
    assert second != drawn
    jobs, time = JobStore(APIS, ids=random.Random(7)), clock()
    make(jobs, time, id=drawn)
    jobs.delete(drawn)
    assert make(jobs, time).id == second


def test_a_job_keeps_the_id_it_asked_for() -> None:
    jobs, time = store(), clock()
    assert make(jobs, time, id="job_AskedForIt12").id == "job_AskedForIt12"
    assert "job_AskedForIt12" in jobs and "job_AskedForIt21" not in jobs


# --- planning a create --------------------------------------------------------------------


def test_an_unknown_api_is_refused_naming_the_served_ones() -> None:
    with pytest.raises(JobError) as refused:
        store().plan(NewJob(api="nope"), clock())
    assert str(refused.value) == "unknown api 'nope'; served: neuraldraft, superdocs"


def test_an_id_not_of_the_apis_form_is_refused_saying_the_form() -> None:
    with pytest.raises(JobError) as refused:
        store().plan(NewJob(api=ND.name, id="job_short"), clock())
    assert (
        str(refused.value)
        == "id 'job_short' is not of the form of neuraldraft's ids ('job_' then 12 letters or digits)"
    )


def test_a_long_bad_id_is_quoted_to_80_characters() -> None:
    with pytest.raises(JobError) as refused:
        store().plan(NewJob(api=ND.name, id="x" * 79 + "yz"), clock())
    assert f"id '{'x' * 79}y' is not" in str(refused.value)


def test_planning_a_job_changes_nothing_until_it_is_added() -> None:
    jobs, time = store(), clock()
    data = jobs.plan(NewJob(api=ND.name, outcome="completed", duration=10), time)
    assert len(jobs) == 0 and data.id not in jobs and jobs.get(data.id) is None and list(jobs) == []
    assert data.created == T0 and data.api == ND.name and not data.spot
    data.seq = 1
    jobs.add(data, time)
    job = jobs.get(data.id)
    assert job is not None and job.outcome == "completed" and ids(jobs) == [data.id]


def test_a_job_is_made_when_asked_or_at_the_time_given() -> None:
    jobs, time = store(), clock()
    time.advance(5)
    assert make(jobs, time).created == T0 + 5
    assert jobs.create(NewJob(api=ND.name), time, at=T0 - 100).created == T0 - 100


def test_a_malformed_request_is_refused_when_planned() -> None:
    jobs = store()
    with pytest.raises(JobError):
        jobs.plan(NewJob(api=ND.name, job_type="video.generate"), clock())
    assert len(jobs) == 0


def test_the_job_added_is_the_one_the_log_says_not_the_one_planned() -> None:
    """Two workers may plan one id (a poll naming a scenario): the job is the data that was added."""
    jobs, time = store(), clock()
    planned = jobs.plan(NewJob(api=ND.name, id="job_SameIdTwice1", outcome="completed", duration=10), time)
    logged = JobData(
        api=ND.name, id=planned.id, owner="other", created=T0 + 1, seed=0, outcome="failed", duration=10, seq=1
    )
    jobs.add(logged, time)
    job = jobs.get(planned.id)
    assert job is not None and job.outcome == "failed" and job.owner == "other" and job.created == T0 + 1


def test_the_job_added_is_the_one_planned_when_the_log_says_the_same() -> None:
    jobs, time = store(), clock()
    planned = jobs.plan(NewJob(api=ND.name, outcome="completed", duration=10), time)
    planned.seq = 1
    jobs.add(planned, time)
    job = jobs.get(planned.id)
    assert job is not None and job.outcome == "completed" and job.created == T0


def test_records_make_the_same_job_whatever_their_counts_and_numbers() -> None:
    def record(**values: object) -> JobData:
        made = {"api": ND.name, "id": "job_1", "owner": None, "created": T0, "seed": 0, "scenario": RUNNING}
        return JobData(**(made | values))  # type: ignore[arg-type]

    assert same_job(record(), record(seq=5, polls=3, shown=2, spot=True))
    assert same_job(record(scenario=None), record(scenario=None))
    for different in (
        {"api": SD.name},
        {"id": "job_2"},
        {"owner": "key"},
        {"created": T0 + 1},
        {"seed": 1},
        {"job_type": "image.generate"},
        {"outcome": "failed"},
        {"duration": 3.0},
        {"fields": {"a": 1}},
        {"cancelled": 1.0},
        {"decided": ((1.0, True),)},
        {"scenario": None},
        {"scenario": lasting(2)},
    ):
        assert not same_job(record(), record(**different)), different
        assert not same_job(record(**different), record()), different


# --- reading ---------------------------------------------------------------------------------


def test_jobs_are_listed_oldest_first_from_after_a_cursor() -> None:
    jobs, time = store(), clock()
    made = [make(jobs, time) for _ in range(4)]
    assert [job.seq for job in made] == [1, 2, 3, 4] and jobs.last_seq == 4
    assert ids(jobs) == [job.id for job in made]
    assert [job.id for job in jobs.after(2)] == [made[2].id, made[3].id]
    assert list(jobs.after(4)) == []
    jobs.delete(made[1].id)
    assert [job.id for job in jobs.after(0)] == [made[0].id, made[2].id, made[3].id]


def test_an_empty_store_starts_its_cursor_at_zero() -> None:
    jobs = store()
    assert jobs.last_seq == 0 and list(jobs) == [] and len(jobs) == 0


def test_a_job_made_again_is_listed_at_its_new_place_only() -> None:
    jobs, time = store(), clock()
    first = make(jobs, time, id="job_MadeAgain001", spot=True)
    other = make(jobs, time)
    again = jobs.plan(NewJob(api=ND.name, id=first.id, scenario=lasting(2)), time, spot=True)
    again.seq = 3
    jobs.add(again, time, replaces=True)
    assert ids(jobs) == [other.id, first.id]
    assert [job.id for job in jobs.newest(10)] == [first.id, other.id]


def test_the_newest_jobs_come_first_up_to_the_limit_and_of_one_api() -> None:
    jobs, time = store(), clock()
    nd = [make(jobs, time) for _ in range(3)]
    sd = make(jobs, time, APPROVAL)
    assert [job.id for job in jobs.newest(2)] == [sd.id, nd[2].id]
    assert [job.id for job in jobs.newest(10, ND.name)] == [nd[2].id, nd[1].id, nd[0].id]
    assert [job.id for job in jobs.newest(1, SD.name)] == [sd.id]
    jobs.delete(nd[2].id)
    assert [job.id for job in jobs.newest(2, ND.name)] == [nd[1].id, nd[0].id]


def test_a_job_removed_while_the_newest_are_read_is_skipped() -> None:
    jobs, time = store(), clock()
    made = [make(jobs, time) for _ in range(3)]
    reading = jobs.newest(3)
    assert next(reading).id == made[2].id
    jobs.delete(made[1].id)
    assert [job.id for job in reading] == [made[0].id]


def test_a_job_reads_the_same_each_time_it_is_found() -> None:
    jobs, time = store(), clock()
    job = make(jobs, time, outcome=None)
    job.data.polls = 2
    again = jobs.get(job.id)
    assert again is not None and again.data.polls == 2 and again.outcome == job.outcome
    assert jobs.get("job_NeverMade123") is None


def test_a_job_is_visible_to_its_own_key_on_its_own_api_only() -> None:
    jobs, time = store(), clock()
    owned = make(jobs, time, owner="key-a")
    shared = make(jobs, time)
    assert jobs.visible(ND.name, owned.id, "key-a") is owned
    assert jobs.visible(ND.name, owned.id, "key-b") is None
    assert jobs.visible(ND.name, owned.id, None) is None
    assert jobs.visible(ND.name, shared.id, "key-b") is shared
    assert jobs.visible(SD.name, shared.id, None) is None
    assert jobs.visible(ND.name, "job_NeverMade123", None) is None


# --- adding: ids taken, jobs made again -----------------------------------------------------


def test_an_id_held_or_deleted_is_taken() -> None:
    jobs, time = store(), clock()
    held = make(jobs, time)
    gone = make(jobs, time)
    jobs.delete(gone.id)
    for job_id in (held.id, gone.id):
        with pytest.raises(IdTaken, match="is already taken"):
            make(jobs, time, id=job_id)
    assert ids(jobs) == [held.id]


def test_a_job_made_again_with_another_scenario_replaces_it_and_evicts_nothing() -> None:
    jobs, time = store(max_jobs=2, max_spot=2), clock()
    spot = make(jobs, time, lasting(5), id="job_SpotSpot0001", spot=True)
    make(jobs, time, id="job_SpotSpot0002", spot=True)
    again = jobs.plan(NewJob(api=ND.name, id=spot.id, scenario=lasting(2)), time, spot=True)
    again.seq = 3
    jobs.add(again, time, replaces=True)
    remade = jobs.get(spot.id)
    assert remade is not None and remade.scenario is lasting(2) and remade.finish_time == 2
    assert len(jobs) == 2 and jobs.spot_count == 2 and jobs.evicted == 0
    assert not jobs.was_deleted(spot.id)


def test_a_job_made_again_with_its_own_scenario_is_refused() -> None:
    """Two polls naming one scenario at once: the first makes the job again, the second is refused."""
    jobs, time = store(), clock()
    spot = make(jobs, time, id="job_SpotSpot0001", spot=True)
    again = jobs.plan(NewJob(api=ND.name, id=spot.id, scenario=RUNNING), time, spot=True)
    with pytest.raises(IdTaken, match="made again with this scenario already"):
        jobs.add(again, time, replaces=True)
    assert jobs.get(spot.id) is spot


def test_a_deleted_id_can_be_made_again_by_a_replacing_create() -> None:
    jobs, time = store(), clock()
    gone = make(jobs, time)
    jobs.delete(gone.id)
    again = jobs.plan(NewJob(api=ND.name, id=gone.id, scenario=lasting(2)), time)
    again.seq = 5
    jobs.add(again, time, replaces=True)
    assert gone.id in jobs and not jobs.was_deleted(gone.id) and jobs.deleted() == []


# --- the job bound ---------------------------------------------------------------------------


def test_the_job_that_finished_longest_ago_makes_room_not_the_oldest() -> None:
    jobs, time = store(max_jobs=3), clock()
    slow = make(jobs, time, lasting(100))
    quick = make(jobs, time, lasting(10))
    time.advance(5)
    quicker = make(jobs, time, lasting(1))  # finishes at 6 s, before quick (10 s) and slow (100 s)
    time.advance(200)
    make(jobs, time)
    assert ids(jobs)[:2] == [slow.id, quick.id] and quicker.id not in jobs
    make(jobs, time)
    assert quick.id not in jobs and slow.id in jobs
    assert jobs.evicted == 2 and jobs.was_deleted(quick.id) is False


def test_a_job_finished_at_the_instant_of_a_create_makes_room() -> None:
    jobs, time = store(max_jobs=2), clock()
    done = make(jobs, time, lasting(2))
    make(jobs, time)
    time.advance(2)
    make(jobs, time)
    assert done.id not in jobs


def test_a_job_finishing_just_after_a_create_does_not_make_room() -> None:
    jobs, time = store(max_jobs=2), clock()
    make(jobs, time, lasting(2))
    make(jobs, time)
    time.advance(1.999)
    with pytest.raises(NamespaceFull):
        make(jobs, time)


def test_jobs_finished_at_one_instant_make_room_oldest_first() -> None:
    jobs, time = store(max_jobs=3), clock()
    first = make(jobs, time, lasting(4))
    time.advance(2)
    second = make(jobs, time, lasting(2))
    make(jobs, time)
    time.advance(10)
    make(jobs, time)
    assert first.id not in jobs and second.id in jobs


def test_a_full_namespace_with_no_finished_job_refuses_and_changes_nothing() -> None:
    jobs, time = store(max_jobs=2), clock()
    made = [make(jobs, time), make(jobs, time)]
    time.advance(1000)
    with pytest.raises(NamespaceFull) as refused:
        make(jobs, time)
    assert str(refused.value) == ("the namespace holds 2 jobs and none has finished; delete some, or raise --max-jobs")
    assert ids(jobs) == [job.id for job in made] and jobs.evicted == 0 and jobs.last_seq == 2


def test_a_full_namespace_holds_exactly_its_bound() -> None:
    jobs, time = store(max_jobs=3), clock()
    for _ in range(3):
        make(jobs, time)
    assert len(jobs) == 3 and jobs.evicted == 0


def test_time_at_the_clocks_speed_decides_who_has_finished() -> None:
    jobs, time = store(max_jobs=2), clock(speed=4)
    quick = make(jobs, time, lasting(8))  # 8 s of its lifecycle: 2 s of the clock
    make(jobs, time)
    time.advance(2)
    make(jobs, time)
    assert quick.id not in jobs


def test_time_at_the_clocks_speed_holds_a_job_that_has_not_finished() -> None:
    jobs, time = store(max_jobs=2), clock(speed=0.5)
    make(jobs, time, lasting(2))  # 4 s of the clock
    make(jobs, time)
    time.advance(3)
    with pytest.raises(NamespaceFull):
        make(jobs, time)


def test_a_replacing_create_at_the_bound_evicts_nothing() -> None:
    jobs, time = store(max_jobs=2), clock()
    spot = make(jobs, time, id="job_SpotSpot0001", spot=True)
    make(jobs, time)
    again = jobs.plan(NewJob(api=ND.name, id=spot.id, scenario=lasting(2)), time, spot=True)
    again.seq = 3
    jobs.add(again, time, replaces=True)
    assert len(jobs) == 2 and jobs.evicted == 0


def test_a_cancelled_job_makes_room_from_when_it_was_cancelled() -> None:
    jobs, time = store(max_jobs=2), clock()
    slow = make(jobs, time, lasting(100))
    make(jobs, time)
    time.advance(3)
    jobs.cancel(slow.id, 3, time)
    make(jobs, time)
    assert slow.id not in jobs


def test_an_approved_job_makes_room_once_it_finishes() -> None:
    jobs, time = store(max_jobs=2), clock()
    waiting = make(jobs, time, APPROVAL)
    make(jobs, time)
    time.advance(5)
    jobs.decide(waiting.id, 5, True, time)  # then 4 s more work: finished at 9 s
    time.advance(3)
    with pytest.raises(NamespaceFull):
        make(jobs, time)
    time.advance(1)
    make(jobs, time)
    assert waiting.id not in jobs


def test_the_bound_holds_through_many_creates_and_cancels() -> None:
    """Many times more jobs than the bound pass through: each create still evicts the right one."""
    jobs, time = store(max_jobs=4), clock()
    running = make(jobs, time)
    for _ in range(300):
        job = make(jobs, time, lasting(1000))
        jobs.cancel(job.id, 0, time)  # finished at once
        time.advance(1)
        assert len(jobs) <= 4 and running.id in jobs
    kept = [job.id for job in jobs]
    assert len(kept) == 4 and kept[0] == running.id
    assert [job.seq for job in jobs][1:] == [299, 300, 301]
    assert jobs.evicted == 297
    time.advance(2000)  # the jobs as first planned would have finished by now: only the running one stays
    for _ in range(3):
        make(jobs, time)
    assert next(job.id for job in jobs) == running.id and jobs.evicted == 300


def test_under_the_polls_clock_the_first_job_polled_to_its_end_makes_room() -> None:
    jobs, time = store(max_jobs=3), clock(mode="polls")
    unpolled = make(jobs, time, lasting(2))
    first = make(jobs, time, lasting(2))
    second = make(jobs, time, lasting(2))
    second.data.shown = first.data.shown = 3  # each shown at its last phase: completed
    make(jobs, time, lasting(2))
    assert first.id not in jobs and second.id in jobs and unpolled.id in jobs
    make(jobs, time, lasting(2))
    assert second.id not in jobs and unpolled.id in jobs
    with pytest.raises(NamespaceFull):
        make(jobs, time, lasting(2))


# --- the spot bound ---------------------------------------------------------------------------


def test_past_the_spot_bound_the_oldest_job_made_on_the_spot_goes() -> None:
    jobs, time = store(max_spot=2), clock()
    spots = [make(jobs, time, id=f"job_SpotSpot000{n}", spot=True) for n in range(3)]
    plain = make(jobs, time)
    assert ids(jobs) == [spots[1].id, spots[2].id, plain.id]
    assert jobs.spot_count == 2 and jobs.evicted == 1
    assert not jobs.was_deleted(spots[0].id)  # evicted, not deleted: a poll may make it again
    make(jobs, time, id=spots[0].id, spot=True)
    assert ids(jobs) == [spots[2].id, plain.id, spots[0].id]


def test_jobs_made_on_the_spot_up_to_their_bound_all_stay() -> None:
    jobs, time = store(max_spot=3), clock()
    for n in range(3):
        make(jobs, time, id=f"job_SpotSpot000{n}", spot=True)
    assert jobs.spot_count == 3 and jobs.evicted == 0


def test_a_job_made_on_the_spot_making_room_leaves_room_in_the_job_bound() -> None:
    jobs, time = store(max_jobs=2, max_spot=1), clock()
    first = make(jobs, time, id="job_SpotSpot0001", spot=True)
    make(jobs, time)
    make(jobs, time, id="job_SpotSpot0002", spot=True)  # no job has finished: the spot job makes room
    assert first.id not in jobs and len(jobs) == 2 and jobs.evicted == 1


def test_deleting_a_spot_job_frees_its_place_in_the_spot_bound() -> None:
    jobs, time = store(max_spot=2), clock()
    first = make(jobs, time, id="job_SpotSpot0001", spot=True)
    second = make(jobs, time, id="job_SpotSpot0002", spot=True)
    jobs.delete(first.id)
    make(jobs, time, id="job_SpotSpot0003", spot=True)
    assert second.id in jobs and jobs.spot_count == 2 and jobs.evicted == 0


# --- cancel, approval, delete -----------------------------------------------------------------


def test_cancelling_an_unknown_job_is_not_found_and_a_finished_one_is_refused() -> None:
    jobs, time = store(), clock()
    with pytest.raises(NotFound, match="no job 'job_NeverMade123'"):
        jobs.cancel("job_NeverMade123", 1, time)
    job = make(jobs, time, lasting(100))
    jobs.cancel(job.id, 5, time)
    with pytest.raises(LifecycleError, match=r"the job has already finished \(cancelled\)"):
        jobs.cancel(job.id, 6, time)
    assert job.data.cancelled == 5
    done = make(jobs, time, lasting(2))
    with pytest.raises(LifecycleError):
        jobs.cancel(done.id, 3, time)
    assert done.data.cancelled is None


def test_deciding_an_unknown_cancelled_or_decided_job_is_refused() -> None:
    jobs, time = store(), clock()
    with pytest.raises(NotFound, match="no job 'x'"):
        jobs.decide("x", 1, True, time)
    cancelled = make(jobs, time, APPROVAL)
    jobs.cancel(cancelled.id, 2, time)
    with pytest.raises(LifecycleError, match=r"the job has already finished \(cancelled\)"):
        jobs.decide(cancelled.id, 3, True, time)
    decided = make(jobs, time, APPROVAL)
    jobs.decide(decided.id, 5, True, time)
    with pytest.raises(LifecycleError, match=r"^the job's approval was decided already$"):
        jobs.decide(decided.id, 4, True, time)  # before the decision already made (another worker's)
    with pytest.raises(LifecycleError, match=r"^the job is in_progress, not awaiting_approval$"):
        jobs.decide(decided.id, 5, False, time)  # at its instant (a stopped clock): it no longer waits
    with pytest.raises(LifecycleError):
        jobs.decide(decided.id, 6, False, time)
    assert decided.data.decided == ((5, True),)


def test_a_deleted_id_answers_as_gone_and_deleting_it_again_is_not_found() -> None:
    jobs, time = store(), clock()
    job = make(jobs, time)
    jobs.delete(job.id)
    assert job.id not in jobs and jobs.get(job.id) is None and jobs.was_deleted(job.id)
    assert jobs.deleted() == [job.id]
    with pytest.raises(NotFound, match=f"no job '{job.id}'"):
        jobs.delete(job.id)
    with pytest.raises(NotFound):
        jobs.delete("job_NeverMade123")
    assert not jobs.was_deleted("job_NeverMade123")


def test_a_snapshots_tombstone_keeps_an_id_gone_once() -> None:
    jobs, time = store(), clock()
    jobs.delete("job_GoneBefore01", tombstone=True)
    jobs.delete("job_GoneBefore01", tombstone=True)
    assert jobs.deleted() == ["job_GoneBefore01"]
    with pytest.raises(IdTaken):
        make(jobs, time, id="job_GoneBefore01")
    held = make(jobs, time)
    jobs.delete(held.id, tombstone=True)
    assert held.id not in jobs and jobs.deleted() == ["job_GoneBefore01", held.id]


def test_tombstones_are_kept_up_to_the_job_bound_the_oldest_forgotten_first() -> None:
    jobs, time = store(max_jobs=2), clock()
    made = [make(jobs, time, lasting(1)) for _ in range(2)]
    time.advance(5)
    made += [make(jobs, time, lasting(1))]  # the first makes room
    for job in made[1:]:
        jobs.delete(job.id)
    jobs.delete("job_GoneBefore01", tombstone=True)
    assert jobs.deleted() == [made[2].id, "job_GoneBefore01"]
    assert not jobs.was_deleted(made[1].id)
    assert make(jobs, time, id=made[1].id).id == made[1].id  # its tombstone forgotten: usable again


# --- what jobs hold ---------------------------------------------------------------------------


def test_the_bytes_jobs_fields_hold_are_counted_until_they_go() -> None:
    jobs, time = store(max_jobs=2), clock()
    big = jobs.create(NewJob(api=ND.name, fields={"result": "x" * 100}, outcome="completed", duration=1), time)
    big_bytes = len('{"result":"' + "x" * 100 + '"}')
    assert jobs.payload_bytes == big_bytes
    small = jobs.create(NewJob(api=ND.name, fields={"a": 1}, outcome="processing"), time)
    assert jobs.payload_bytes == big_bytes + len('{"a":1}')
    time.advance(10)
    jobs.create(NewJob(api=ND.name, outcome="processing"), time)  # the big one makes room
    assert big.id not in jobs and jobs.payload_bytes == 7
    jobs.delete(small.id)
    assert jobs.payload_bytes == 0
    plain = jobs.create(NewJob(api=ND.name, outcome="completed", duration=1), time)
    time.advance(5)
    jobs.create(NewJob(api=ND.name, fields={"a": 1}, outcome="processing"), time)  # the plain one makes room
    assert plain.id not in jobs and jobs.payload_bytes == len('{"a":1}')  # it took nothing away


def test_the_jobs_held_are_read_in_order_of_creation_while_jobs_change() -> None:
    jobs, time = store(), clock()
    made = [make(jobs, time) for _ in range(3)]
    held = jobs.held()
    jobs.delete(made[0].id)
    assert [data.id for data in held] == [job.id for job in made]
    assert [data.id for data in jobs.held()] == [made[1].id, made[2].id]


def test_a_jobs_made_up_data_follows_the_servers_seed() -> None:
    def body(seed: int) -> bytes:
        jobs = JobStore(APIS, seed=seed)
        job = jobs.create(NewJob(api=ND.name, id="job_SeededJob001", outcome="completed", duration=10), clock())
        return job.answer(20, 1.0)[2]

    assert body(3) == body(3) and body(3) != body(4)


def test_a_job_has_the_type_outcome_and_duration_asked() -> None:
    jobs, time = store(), clock()
    job = jobs.create(NewJob(api=ND.name, job_type="image.generate", outcome="failed", duration=40), time)
    assert job.job_type == "image.generate" and job.outcome == "failed"
    done = jobs.create(NewJob(api=ND.name, outcome="completed", duration=40), time)
    assert done.finish_time == pytest.approx(40)


def test_a_job_is_cancelled_once_even_when_a_later_cancel_was_asked_earlier() -> None:
    """Two workers' cancels applied in the log's order: the second, asked at an earlier job time, is refused."""
    jobs, time = store(), clock()
    job = make(jobs, time, lasting(100))
    jobs.cancel(job.id, 5, time)
    with pytest.raises(LifecycleError, match=r"already finished \(cancelled\)"):
        jobs.cancel(job.id, 4, time)
    assert job.data.cancelled == 5


def test_a_cancelled_job_cannot_be_decided_even_at_an_earlier_instant() -> None:
    jobs, time = store(), clock()
    job = make(jobs, time, APPROVAL)
    jobs.cancel(job.id, 5, time)  # while it waits for approval (2 s to 12 s)
    with pytest.raises(LifecycleError, match=r"already finished \(cancelled\)"):
        jobs.decide(job.id, 3, True, time)
    assert job.data.decided == ()


def test_a_job_made_again_from_the_log_is_the_new_one_even_when_planned_elsewhere() -> None:
    """A restart restores a job a poll made again (another worker planned it): its fields count anew."""
    jobs, time = store(), clock()
    first = jobs.create(NewJob(api=ND.name, id="job_MadeAgain001", fields={"a": 1}, outcome="processing"), time)
    elsewhere = store().plan(NewJob(api=ND.name, id=first.id, scenario=lasting(2), fields={"bb": 22}), time, spot=True)
    elsewhere.seq = 2
    jobs.add(elsewhere, time, replaces=True)
    again = jobs.get(first.id)
    assert again is not None and again.scenario is lasting(2) and again.finish_time == 2
    assert jobs.payload_bytes == len('{"bb":22}') and len(jobs) == 1 and jobs.spot_count == 1


def test_a_job_with_a_scenario_and_one_without_replace_each_other() -> None:
    jobs, time = store(), clock()
    plain = jobs.create(NewJob(api=ND.name, id="job_MadeAgain001", outcome="processing"), time)
    scripted = jobs.plan(NewJob(api=ND.name, id=plain.id, scenario=lasting(2)), time, spot=True)
    scripted.seq = 2
    jobs.add(scripted, time, replaces=True)
    back = jobs.plan(NewJob(api=ND.name, id=plain.id, outcome="failed"), time)
    back.seq = 3
    jobs.add(back, time, replaces=True)
    job = jobs.get(plain.id)
    assert job is not None and job.scenario is None and job.outcome == "failed" and jobs.spot_count == 0


def test_a_job_made_outside_a_poll_is_not_made_on_the_spot() -> None:
    jobs, time = store(max_spot=1), clock()
    made = [jobs.create(NewJob(api=ND.name, outcome="processing"), time) for _ in range(2)]
    assert ids(jobs) == [job.id for job in made] and jobs.spot_count == 0 and jobs.evicted == 0


def test_a_job_made_with_a_sequence_number_keeps_it_and_the_next_follows() -> None:
    jobs, time = store(), clock()
    assert jobs.create(NewJob(api=ND.name), time, seq=10).seq == 10
    assert jobs.create(NewJob(api=ND.name), time).seq == 11 and jobs.last_seq == 11
