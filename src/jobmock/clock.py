"""Time as jobs see it: the wall clock, with lifecycles run `speed` times faster."""

from __future__ import annotations

import time


class Clock:
    def __init__(self, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be above 0")
        self.speed = speed

    def now(self) -> float:
        return time.time()

    def job_time(self, created: float) -> float:
        """Seconds of the job's own lifecycle elapsed since `created` (wall epoch)."""
        return (self.now() - created) * self.speed
