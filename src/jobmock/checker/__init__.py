"""The contract checker: Schemathesis over every operation, plus lifecycle checks over
polls of live jobs, against any implementation (a real API or a jobmock). Talks to
its target over HTTP only: imports `jobmock.client`, `jobmock.contract` and
`jobmock.exceptions`, never the simulation or the server."""

from __future__ import annotations

from .lifecycle_checks import CHECKS, JobHistory, Mismatch, Violation, lifecycle_check, run_checks
from .report import render_text, write_junit
from .runner import CheckReport, check

__all__ = [
    "CHECKS",
    "CheckReport",
    "JobHistory",
    "Mismatch",
    "Violation",
    "check",
    "lifecycle_check",
    "render_text",
    "run_checks",
    "write_junit",
]
