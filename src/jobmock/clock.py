"""Time as jobs see it: the wall clock (faster with `speed`), or a clock tests move.

Modes:
- `real`: wall-clock time, lifecycles `speed` times faster; `freeze` stops it, `resume`
  goes on from there, `advance`/`set` jump.
- `manual`: time moves only when told (`advance`, `set`); it starts at the wall time.
- `polls`: each poll of a job moves that job one phase on (see `Mock`); the clock
  itself stands still as in manual mode.

In manual and polls modes the bodies' timestamps follow this clock, not the wall clock.
"""

from __future__ import annotations

import time

MODES = ("real", "manual", "polls")


class Clock:
    def __init__(self, speed: float = 1.0, mode: str = "real"):
        if speed <= 0:
            raise ValueError("speed must be above 0")
        self.speed = speed
        self.mode = "real"
        self._offset = 0.0  # added to the wall clock while running
        self._frozen: float | None = None  # the time shown while stopped
        self.set_mode(mode)

    def now(self) -> float:
        return self._frozen if self._frozen is not None else time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def job_time(self, created: float) -> float:
        """Seconds of the job's own lifecycle elapsed since `created` (epoch)."""
        return max(0.0, (self.now() - created) * self.speed)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown clock mode {mode!r}; modes: {', '.join(MODES)}")
        self.mode = mode
        if mode == "real":
            self.resume()
        else:
            self.freeze()

    def freeze(self) -> None:
        if self._frozen is None:
            self._frozen = self.now()

    def resume(self) -> None:
        """Let time run again from where it stands (a manual clock becomes a real one)."""
        if self._frozen is not None:
            self._offset = self._frozen - time.time()
            self._frozen = None
        self.mode = "real"

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward; use set to go back")
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def set(self, epoch: float) -> None:
        if self._frozen is not None:
            self._frozen = epoch
        else:
            self._offset = epoch - time.time()

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now": self.now(), "frozen": self.frozen, "speed": self.speed}
