"""Clocks without HTTP: the mode registry, what each mode does with wall time, the bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobmock import ClockError, clock_mode
from jobmock.sim.clock import CLOCK_MODES, Clock

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
    with pytest.raises(ClockError):
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
