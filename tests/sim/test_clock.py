"""Clocks without HTTP: the mode registry, what each mode does with wall time, the bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobmock import ClockError, clock_mode
from jobmock.sim.clock import CLOCK_MODES, LATEST, Clock, ClockMove, ClockState

FORWARD_ONLY = r"^a clock only moves forward by a finite number of seconds; use set to go back$"
OUT_OF_RANGE = r"^the clock must stay between 1970-01-01 and 9998-12-31$"
WALL = 1_800_000_000.0
CONTROL = Path(__file__).resolve().parents[2] / "src" / "jobmock" / "contract" / "control.yaml"


class WallClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_800_000_000.0
        monkeypatch.setattr("jobmock.sim.clock.time.time", lambda: self.now)


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> WallClock:
    return WallClock(monkeypatch)


def test_a_manual_clock_ignores_wall_time_and_moves_when_told(wall: WallClock) -> None:
    clock = Clock(mode="manual")
    start = clock.now()
    wall.now += 100
    assert clock.now() == start
    clock.advance(30)
    assert clock.now() == start + 30


def test_freeze_and_resume_a_real_clock(wall: WallClock) -> None:
    clock = Clock(speed=2)
    clock.freeze()
    frozen = clock.now()
    wall.now += 50
    assert clock.now() == frozen
    clock.resume()
    wall.now += 10
    assert clock.now() == frozen + 10 and clock.mode == "real"
    assert clock.elapsed(frozen) == 20  # lifecycles run at `speed`


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1, 1e308])
def test_a_clock_refuses_to_move_to_nowhere(seconds: float) -> None:
    clock = Clock(mode="manual")
    before = clock.now()
    with pytest.raises(ClockError, match=OUT_OF_RANGE if seconds == 1e308 else FORWARD_ONLY):
        clock.advance(seconds)
    assert clock.now() == before  # a refused move changes nothing


def test_the_modes_are_one_registry_that_the_control_api_and_cli_follow() -> None:
    assert list(CLOCK_MODES) == ["real", "manual", "polls"]
    control = yaml.safe_load(CONTROL.read_text())
    enums = [
        control["paths"]["/clock"]["put"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["mode"],
        control["components"]["responses"]["Clock"]["content"]["application/json"]["schema"]["properties"]["mode"],
    ]
    assert all(e["enum"] == list(CLOCK_MODES) for e in enums)
    with pytest.raises(ValueError, match="already registered"):
        clock_mode("manual", "again", runs=False)(lambda job, clock: 0.0)


def test_a_clock_runs_at_speed_one_unless_told() -> None:
    clock = Clock.at(WALL)
    assert clock.speed == 1.0
    clock.advance(10)
    assert clock.elapsed(WALL) == 10


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf")])
def test_a_speed_must_be_a_finite_number_above_zero(speed: float) -> None:
    with pytest.raises(ClockError, match="speed must be a finite number above 0"):
        Clock(speed=speed)
    assert Clock(speed=1e-9).speed == 1e-9


def test_an_unknown_mode_is_refused_naming_the_modes() -> None:
    for refused in (lambda: Clock(mode="lunar"), lambda: Clock().set_mode("lunar")):
        with pytest.raises(ClockError, match="unknown clock mode 'lunar'; modes: real, manual, polls"):
            refused()
    with pytest.raises(ClockError, match="modes: real, manual, polls"):
        Clock().restore(ClockState("lunar", 0.0, None))


def test_only_the_polls_clock_leaves_job_time_to_the_polls() -> None:
    assert Clock(mode="real").decides_job_time and Clock(mode="manual").decides_job_time
    assert not Clock(mode="polls").decides_job_time


def test_advance_on_a_running_clock_moves_it_and_time_runs_on_from_there(wall: WallClock) -> None:
    clock = Clock()
    clock.advance(30)
    assert clock.now() == wall.now + 30
    wall.now += 5
    assert clock.now() == wall.now + 30
    clock.advance(0)  # allowed, and nothing moves
    clock.advance(15, at=wall.now)
    assert clock.now() == wall.now + 45 and clock.mode == "real"


def test_set_on_a_running_clock_shows_that_time_then_runs_on(wall: WallClock) -> None:
    clock = Clock()
    clock.set(2_000_000_000.0)
    assert clock.now() == 2_000_000_000.0
    wall.now += 7
    assert clock.now() == 2_000_000_007.0
    # asked 3 s ago: it shows the time set, plus the 3 s since
    clock.set(1_000_000_000.0, at=wall.now - 3)
    assert clock.now() == 1_000_000_003.0


def test_moves_asked_earlier_land_where_they_would_have_then(wall: WallClock) -> None:
    """Another worker applies a move later than it was asked: it lands on the same reading."""
    clock = Clock()
    clock.advance(100)
    clock.freeze(at=wall.now - 10)
    assert clock.now() == wall.now - 10 + 100
    wall.now += 60
    clock.resume(at=wall.now - 20)
    assert clock.now() == wall.now - 10 + 100 - 40
    clock.set_mode("manual", at=wall.now - 5)
    assert clock.now() == wall.now - 10 + 100 - 40 - 5 and clock.frozen
    clock.set_mode("real", at=wall.now - 5)
    assert clock.now() == wall.now - 10 + 100 - 40 and clock.mode == "real"


def test_a_clock_reaches_both_ends_of_its_range_and_no_further(wall: WallClock) -> None:
    clock = Clock()
    clock.set(0.0)  # 1970-01-01T00:00:00Z
    assert clock.now() == 0.0
    clock.set(LATEST)  # 9998-12-31T23:59:59Z
    assert clock.now() == LATEST
    for move in (lambda: clock.advance(1), lambda: clock.advance(1, at=wall.now), lambda: clock.set(LATEST + 1)):
        with pytest.raises(ClockError, match="between 1970-01-01 and 9998-12-31"):
            move()
    assert clock.now() == LATEST  # a refused move changes nothing
    with pytest.raises(ClockError, match="between 1970-01-01 and 9998-12-31"):
        clock.set(-1)
    frozen = Clock.at(LATEST - 10)
    frozen.advance(10)
    with pytest.raises(ClockError, match="between 1970-01-01 and 9998-12-31"):
        frozen.advance(1)
    assert frozen.now() == LATEST


@pytest.mark.parametrize("mode", ["real", "manual"])
def test_a_clock_restored_from_another_s_state_shows_the_same_time(wall: WallClock, mode: str) -> None:
    """Workers share a clock by its state: one restored from it reads the same, and runs (or not) alike."""
    first = Clock(mode=mode)
    first.advance(90)
    second = Clock(mode="polls")
    second.restore(first.state())
    assert second.state() == first.state()
    assert (second.mode, second.now(), second.frozen) == (mode, first.now(), first.frozen)
    wall.now += 10
    assert second.now() == first.now() == wall.now - (10 if mode == "manual" else 0) + 90


def test_describe_says_mode_time_whether_stopped_and_speed() -> None:
    clock = Clock.at(WALL)
    assert clock.describe() == {"mode": "manual", "now": WALL, "frozen": True, "speed": 1.0}


def test_moves_as_clients_ask_them(wall: WallClock) -> None:
    clock = Clock(mode="manual")
    start = clock.now()
    clock.move(ClockMove("advance", 30, wall.now))
    clock.move(ClockMove("advance", 0, wall.now))
    assert clock.now() == start + 30
    clock.move(ClockMove("set", 0, wall.now))
    assert clock.now() == 0.0
    clock.move(ClockMove("set", WALL, wall.now))
    clock.move(ClockMove("resume", None, wall.now - 4))
    assert clock.mode == "real" and clock.now() == WALL + 4
    clock.move(ClockMove("freeze", None, wall.now - 3))
    assert clock.now() == WALL + 1
    clock.move(ClockMove("resume", None, wall.now - 3))
    clock.move(ClockMove("set", WALL + 100, wall.now - 6))  # running: asked 6 s ago
    assert clock.now() == WALL + 106
    clock.move(ClockMove("set", WALL, wall.now - 4))
    clock.move(ClockMove("freeze", None, wall.now))
    wall.now += 10
    assert clock.now() == WALL + 4 and clock.frozen
    clock.move(ClockMove("mode", "polls", wall.now))
    assert clock.mode == "polls" and clock.now() == WALL + 4
    clock.move(ClockMove("mode", "real", wall.now - 1))
    assert clock.mode == "real" and clock.now() == WALL + 5
    with pytest.raises(ClockError, match="unknown clock move 'jump'"):
        clock.move(ClockMove("jump", 1, wall.now))


@pytest.mark.parametrize(
    ("move", "refusal"),
    [
        (
            ClockMove("advance", -1, WALL),
            FORWARD_ONLY,
        ),
        (ClockMove("advance", float("inf"), WALL), "only moves forward"),
        (ClockMove("set", LATEST + 1, WALL), OUT_OF_RANGE),
        (ClockMove("set", float("nan"), WALL), "between 1970-01-01 and 9998-12-31"),
        (ClockMove("mode", "lunar", WALL), "unknown clock mode 'lunar'; modes: real, manual, polls"),
        (ClockMove("jump", 1, WALL), "unknown clock move 'jump'"),
    ],
)
def test_a_move_no_clock_would_take_is_refused_before_any_clock_sees_it(move: ClockMove, refusal: str) -> None:
    with pytest.raises(ClockError, match=refusal):
        Clock.check(move)


@pytest.mark.parametrize(
    "move",
    [
        ClockMove("advance", 0, WALL),
        ClockMove("advance", 30, WALL),
        ClockMove("set", 0, WALL),
        ClockMove("set", LATEST, WALL),
        ClockMove("mode", "polls", WALL),
        ClockMove("freeze", None, WALL),
        ClockMove("resume", None, WALL),
    ],
)
def test_a_move_some_clock_could_take_passes_the_check(move: ClockMove) -> None:
    Clock.check(move)


def test_a_new_mode_is_registered_as_declared_and_clocks_take_it() -> None:
    def hourly(job: object, clock: Clock) -> float:
        return 3600.0

    assert clock_mode("hourly", "an hour, always", runs=False)(hourly) is hourly
    try:
        mode = CLOCK_MODES["hourly"]
        assert (mode.name, mode.description, mode.runs, mode.job_time, mode.by_clock) == (
            "hourly",
            "an hour, always",
            False,
            hourly,
            True,
        )
        clock = Clock(mode="hourly")
        assert clock.mode == "hourly" and clock.frozen and clock.decides_job_time
    finally:
        CLOCK_MODES.unregister("hourly")


def test_a_running_clock_refuses_an_advance_past_9998_by_a_second(wall: WallClock) -> None:
    clock = Clock()
    clock.set(wall.now + 1_000_000_000)
    with pytest.raises(ClockError, match=OUT_OF_RANGE):
        clock.advance(LATEST - clock.now() + 1)
    clock.advance(LATEST - clock.now())
    assert clock.now() == LATEST


def test_a_mode_whose_job_time_the_polls_decide_is_registered_so() -> None:
    clock_mode("by-polls", "decided by polls", runs=False, by_clock=False)(lambda job, clock: 0.0)
    try:
        assert not CLOCK_MODES["by-polls"].by_clock and not Clock(mode="by-polls").decides_job_time
    finally:
        CLOCK_MODES.unregister("by-polls")
