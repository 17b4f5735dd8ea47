"""jobmock: an OpenAPI-driven stateful mock and contract tester for asynchronous job APIs.

The public API: import what you need from `jobmock`; everything else is internal and
may change. Names load on first use, so importing jobmock (or its pytest plugin) is
cheap and has no side effects. Layers, bottom up: `exceptions` → `spec` (contracts)
→ `sim` (pure simulation) | `client` (HTTP clients) → `server` | `checker` |
`scenario_files` → `cli`, `pytest_plugin`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assembly import create
    from .checker import (
        CHECKS,
        CheckReport,
        JobHistory,
        Mismatch,
        Violation,
        check,
        lifecycle_check,
        render_text,
        run_checks,
        write_junit,
    )
    from .client import JobmockClient, Poll
    from .exceptions import (
        AuthError,
        CheckUsageError,
        ClockError,
        ControlError,
        IdTaken,
        JobError,
        JobmockError,
        LifecycleError,
        NotFound,
        RequestError,
        SpecError,
        SpecErrors,
        UnknownScenario,
    )
    from .scenario_files import load_catalog, record, write_fixture
    from .server import BackgroundServer, load_apis, serve
    from .sim import CLOCK_MODES, FAULT_KINDS, Answer, Mock, NewJob, clock_mode, fault_kind
    from .sim.faults import Fault
    from .spec import ApiModel, bundled_names, load_api, load_named
    from .spec.progress import REPORTERS, Reporter, reporter_kind

__version__ = "0.1.0"

_HOMES: dict[str, str] = {
    **dict.fromkeys(
        [
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
        ],
        "checker",
    ),
    **dict.fromkeys(["JobmockClient", "Poll"], "client"),
    **dict.fromkeys(
        [
            "AuthError",
            "CheckUsageError",
            "ClockError",
            "ControlError",
            "IdTaken",
            "JobError",
            "JobmockError",
            "LifecycleError",
            "NotFound",
            "RequestError",
            "SpecError",
            "SpecErrors",
            "UnknownScenario",
        ],
        "exceptions",
    ),
    **dict.fromkeys(["load_catalog", "record", "write_fixture"], "scenario_files"),
    **dict.fromkeys(["create"], "assembly"),
    **dict.fromkeys(["BackgroundServer", "load_apis", "serve"], "server"),
    **dict.fromkeys(["Answer", "CLOCK_MODES", "FAULT_KINDS", "Mock", "NewJob", "clock_mode", "fault_kind"], "sim"),
    **dict.fromkeys(["Fault"], "sim.faults"),
    **dict.fromkeys(["ApiModel", "bundled_names", "load_api", "load_named"], "spec"),
    **dict.fromkeys(["REPORTERS", "Reporter", "reporter_kind"], "spec.progress"),
}

__all__ = [
    "CHECKS",
    "CLOCK_MODES",
    "FAULT_KINDS",
    "REPORTERS",
    "Answer",
    "ApiModel",
    "AuthError",
    "BackgroundServer",
    "CheckReport",
    "CheckUsageError",
    "ClockError",
    "ControlError",
    "Fault",
    "IdTaken",
    "JobError",
    "JobHistory",
    "JobmockClient",
    "JobmockError",
    "LifecycleError",
    "Mismatch",
    "Mock",
    "NewJob",
    "NotFound",
    "Poll",
    "Reporter",
    "RequestError",
    "SpecError",
    "SpecErrors",
    "UnknownScenario",
    "Violation",
    "__version__",
    "bundled_names",
    "check",
    "clock_mode",
    "create",
    "fault_kind",
    "lifecycle_check",
    "load_api",
    "load_apis",
    "load_catalog",
    "load_named",
    "record",
    "render_text",
    "reporter_kind",
    "run_checks",
    "serve",
    "write_fixture",
    "write_junit",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'jobmock' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
