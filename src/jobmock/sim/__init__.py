"""The pure simulation: job lifecycles over time, fake data, scenarios, faults, clocks
and the journal, all held by `Mock`. No HTTP and no file I/O; imports only
`jobmock.contract`, `jobmock.registry` and `jobmock.exceptions`."""

from __future__ import annotations

from .answer import Answer
from .clock import CLOCK_MODES, clock_mode
from .faults import FAULT_KINDS, fault_kind
from .jobs import Job, NewJob
from .mock import Mock

__all__ = ["CLOCK_MODES", "FAULT_KINDS", "Answer", "Job", "Mock", "NewJob", "clock_mode", "fault_kind"]
