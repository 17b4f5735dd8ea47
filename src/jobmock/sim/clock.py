"""Time as jobs see it, and the clock modes that decide it.

A namespace's `Clock` reads the wall clock (faster with `speed`, or moved with `advance`
and `set`), or stands still until told. Each *mode* is one function registered with
`@clock_mode`: it says whether the clock runs by itself and how many seconds of its
lifecycle a job has lived. Adding a mode touches this file only; the CLI's `--clock`
choices come from `CLOCK_MODES`, and a test holds control.yaml's enums to it.

In manual and polls modes the bodies' timestamps follow this clock, not the wall clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..exceptions import ClockError
from ..registry import Registry

if TYPE_CHECKING:
    from .jobs import Job

LATEST = 253370764799.0  # 9998-12-31T23:59:59Z: a job's lifecycle (a day at most) still ends before 10000
EARLIEST = 0.0  # 1970-01-01: no job lives before the epoch


@dataclass(frozen=True)
class ClockMode:
    name: str
    description: str
    runs: bool  # wall time moves the clock by itself
    job_time: Callable[[Job, Clock], float]  # seconds of its lifecycle a job has lived
    by_clock: bool = True  # job time follows the clock's reading (not, say, the polls of the job)


CLOCK_MODES: Registry[ClockMode] = Registry("clock mode")
JobTime = Callable[["Job", "Clock"], float]


@dataclass(frozen=True, slots=True)
class ClockMove:
    """A change a client asked of a clock, as asked: `advance` (seconds, a delta), `set`
    (an epoch), `mode` (a name), `freeze`, `resume`; `at`: the wall-clock instant it was
    asked. Applied in the shared log's order, moves compose: two advances of 30 s move the
    clock 60 s, whichever workers they came through."""

    kind: str
    value: float | str | None
    at: float


@dataclass(frozen=True, slots=True)
class ClockState:
    mode: str
    offset: float  # seconds added to the wall clock while it runs
    frozen: float | None  # the time it shows while stopped


def clock_mode(name: str, description: str, runs: bool, by_clock: bool = True) -> Callable[[JobTime], JobTime]:
    """Register a clock mode: a function from a job and its namespace's clock to the seconds
    of its lifecycle it shows. `runs`: wall time moves the clock by itself. `by_clock=False`
    for a mode whose job time does not follow the clock's reading (polls decide it)."""

    def add(job_time: JobTime) -> JobTime:
        CLOCK_MODES.register(name, ClockMode(name, description, runs, job_time, by_clock))
        return job_time

    return add


class Clock:
    def __init__(self, speed: float = 1.0, mode: str = "real"):
        if not (math.isfinite(speed) and speed > 0):
            raise ClockError(f"speed must be a finite number above 0, got {speed}")
        self.speed = speed
        self._mode = CLOCK_MODES["real"]  # the registered mode itself: polls read it, no lookup each time
        self._offset = 0.0  # added to the wall clock while running
        self._frozen: float | None = None  # the time shown while stopped
        self.set_mode(mode)

    @classmethod
    def at(cls, epoch: float) -> Clock:
        """A clock stopped at `epoch` (manual mode): for jobs made outside any namespace."""
        clock = cls(mode="manual")
        clock.set(epoch)
        return clock

    def now(self) -> float:
        return self._frozen if self._frozen is not None else time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def elapsed(self, created: float) -> float:
        """Seconds of a job's lifecycle since `created` (epoch), at this clock's speed."""
        return max(0.0, (self.now() - created) * self.speed)

    @property
    def decides_job_time(self) -> bool:
        """Whether the clock's reading says when a job finishes (the mode's `by_clock`)."""
        return self._mode.by_clock

    def job_time(self, job: Job) -> float:
        """Seconds of its lifecycle the job shows now (a stall fault holds it back)."""
        return job.limit_time(self._mode.job_time(job, self))

    @property
    def mode(self) -> str:
        return self._mode.name

    @mode.setter
    def mode(self, name: str) -> None:
        self._mode = CLOCK_MODES[name]

    def set_mode(self, mode: str, at: float | None = None) -> None:
        """Switch mode: one that runs by itself resumes, one that does not freezes. `at`:
        the wall-clock instant of the switch (default now), so that every worker applying
        it later lands on the same reading."""
        if mode not in CLOCK_MODES:
            raise ClockError(f"unknown clock mode {mode!r}; modes: {', '.join(CLOCK_MODES)}")
        if CLOCK_MODES[mode].runs:
            self.resume(at)
        else:
            self.freeze(at)
        self.mode = mode

    def freeze(self, at: float | None = None) -> None:
        if self._frozen is None:
            self._frozen = (time.time() if at is None else at) + self._offset

    def resume(self, at: float | None = None) -> None:
        """Let time run again from where it stands (a stopped clock becomes a real one)."""
        if self._frozen is not None:
            self._offset = self._frozen - (time.time() if at is None else at)
            self._frozen = None
        self.mode = next(m.name for m in CLOCK_MODES.values() if m.runs)

    def advance(self, seconds: float, at: float | None = None) -> None:
        """Move forward by `seconds`: a delta, so that two advances compose."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ClockError("a clock only moves forward by a finite number of seconds; use set to go back")
        now = self._frozen if self._frozen is not None else (time.time() if at is None else at) + self._offset
        self._check(now + seconds)
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def set(self, epoch: float, at: float | None = None) -> None:
        self._check(epoch)
        if self._frozen is not None:
            self._frozen = epoch
        else:
            self._offset = epoch - (time.time() if at is None else at)

    @staticmethod
    def check(move: ClockMove) -> None:
        """ClockError for a move no clock would take, whatever it shows (an unknown mode or
        move, a negative or infinite advance, a time out of range)."""
        if move.kind == "advance":
            seconds = float(move.value or 0)
            if not (math.isfinite(seconds) and seconds >= 0):
                raise ClockError("a clock only moves forward by a finite number of seconds; use set to go back")
        elif move.kind == "set":
            Clock._check(float(move.value or 0))
        elif move.kind == "mode":
            if move.value not in CLOCK_MODES:
                raise ClockError(f"unknown clock mode {move.value!r}; modes: {', '.join(CLOCK_MODES)}")
        elif move.kind not in ("freeze", "resume"):
            raise ClockError(f"unknown clock move {move.kind!r}")

    def move(self, move: ClockMove) -> None:
        """Apply a move (what a client asked, with the instant it asked): ClockError refuses."""
        kind, value, at = move.kind, move.value, move.at
        if kind == "advance":
            self.advance(float(value or 0), at)
        elif kind == "set":
            self.set(float(value or 0), at)
        elif kind == "mode":
            self.set_mode(str(value), at)
        elif kind == "freeze":
            self.freeze(at)
        elif kind == "resume":
            self.resume(at)
        else:
            raise ClockError(f"unknown clock move {kind!r}")

    @staticmethod
    def _check(epoch: float) -> None:
        if not (math.isfinite(epoch) and EARLIEST <= epoch <= LATEST):
            raise ClockError("the clock must stay between 1970-01-01 and 9998-12-31")

    def state(self) -> ClockState:
        """What another worker needs to show the same time (the speed is the server's)."""
        return ClockState(self.mode, self._offset, self._frozen)

    def restore(self, state: ClockState) -> None:
        if state.mode not in CLOCK_MODES:
            raise ClockError(f"unknown clock mode {state.mode!r}; modes: {', '.join(CLOCK_MODES)}")
        self.mode, self._offset, self._frozen = state.mode, state.offset, state.frozen

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now": self.now(), "frozen": self.frozen, "speed": self.speed}


@clock_mode("real", "wall-clock time, lifecycles `speed` times faster", runs=True)
def real_time(job: Job, clock: Clock) -> float:
    return clock.elapsed(job.created)


@clock_mode("manual", "time moves only when told (advance, set)", runs=False)
def manual_time(job: Job, clock: Clock) -> float:
    return clock.elapsed(job.created)


@clock_mode("polls", "the n-th answer that shows a job shows its n-th phase", runs=False, by_clock=False)
def polls_time(job: Job, clock: Clock) -> float:
    index = max(job.shown - 1, 0)
    if job.timeline:
        return job.timeline[min(index, len(job.timeline) - 1)].at or 0.0
    phases = job.plan.phases
    phase = phases[min(index, len(phases) - 1)]
    return phase.start if phase.end == math.inf else (phase.start + phase.end) / 2
