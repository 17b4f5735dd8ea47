"""jobmock: an OpenAPI-driven stateful mock and contract tester for asynchronous job APIs.

The public API is what `__all__` lists (a test pins it): import it from `jobmock`;
everything else is internal and may change. Names load on first use, so importing
jobmock (or its pytest plugin) is cheap and has no side effects.

- serve: `create` (an ASGI app), `serve` (as `jobmock serve`), `ServeOptions`, `App`,
  `BackgroundServer`, `Limits`, `ControlPolicy`, `load_plugins`;
- drive a running jobmock: `JobmockClient`;
- stand between an app and the real API: `run_proxy` (as `jobmock proxy`), `create_proxy`
  (its ASGI app), `ProxyOptions`;
- check any implementation: `check`, `CheckReport`, `Violation`, `JobHistory`, `Poll`,
  `Mismatch`, `run_checks`, `render_text`, `write_junit`;
- record a real job: `record`, `write_fixture`;
- extend: the decorators `fault_kind`, `clock_mode`, `reporter_kind`, `lifecycle_check`,
  and the types they take (`Fault`, `Answer`, `Reporter`, `ApiModel`);
- the errors, rooted at `JobmockError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assembly import create
    from .checker import (
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
    from .contract.model import ApiModel
    from .contract.progress import Reporter, reporter_kind
    from .exceptions import (
        AuthError,
        CheckUsageError,
        ClockError,
        ControlError,
        IdTaken,
        JobError,
        JobmockError,
        LifecycleError,
        NamespaceFull,
        NotFound,
        RequestError,
        SpecError,
        SpecErrors,
        UnknownScenario,
    )
    from .options import ServeOptions
    from .plugins import load_plugins
    from .proxy import ProxyOptions, create_proxy, run_proxy
    from .running import serve
    from .scenario_files import record, write_fixture
    from .server import App, BackgroundServer, ControlPolicy
    from .sim.answer import Answer
    from .sim.clock import clock_mode
    from .sim.faults import Fault, fault_kind
    from .sim.limits import Limits

__version__ = "0.1.0"

_HOMES: dict[str, str] = {
    "create": "assembly",
    "serve": "running",
    "ServeOptions": "options",
    "load_plugins": "plugins",
    **dict.fromkeys(["App", "BackgroundServer", "ControlPolicy"], "server"),
    "Limits": "sim.limits",
    "JobmockClient": "client",
    **dict.fromkeys(["ProxyOptions", "create_proxy", "run_proxy"], "proxy"),
    "Poll": "client",
    **dict.fromkeys(
        [
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
    **dict.fromkeys(["record", "write_fixture"], "scenario_files"),
    **dict.fromkeys(["Fault", "fault_kind"], "sim.faults"),
    "clock_mode": "sim.clock",
    "Answer": "sim.answer",
    **dict.fromkeys(["Reporter", "reporter_kind"], "contract.progress"),
    "ApiModel": "contract.model",
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
            "NamespaceFull",
            "NotFound",
            "RequestError",
            "SpecError",
            "SpecErrors",
            "UnknownScenario",
        ],
        "exceptions",
    ),
}

__all__ = [
    "Answer",
    "ApiModel",
    "App",
    "AuthError",
    "BackgroundServer",
    "CheckReport",
    "CheckUsageError",
    "ClockError",
    "ControlError",
    "ControlPolicy",
    "Fault",
    "IdTaken",
    "JobError",
    "JobHistory",
    "JobmockClient",
    "JobmockError",
    "LifecycleError",
    "Limits",
    "Mismatch",
    "NamespaceFull",
    "NotFound",
    "Poll",
    "ProxyOptions",
    "Reporter",
    "RequestError",
    "ServeOptions",
    "SpecError",
    "SpecErrors",
    "UnknownScenario",
    "Violation",
    "__version__",
    "check",
    "clock_mode",
    "create",
    "create_proxy",
    "fault_kind",
    "lifecycle_check",
    "load_plugins",
    "record",
    "render_text",
    "reporter_kind",
    "run_checks",
    "run_proxy",
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
