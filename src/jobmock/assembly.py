"""Putting a mock server together: specs, scenario files and options into a `Mock` and
its ASGI app. The one place that joins the server and the scenario files (siblings
that do not import each other); the CLI, the pytest plugin and tests call `create`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .exceptions import JobmockError, SpecError
from .scenario_files.load import load_catalog
from .server.app import build_app
from .server.guard import ControlPolicy
from .server.run import load_apis
from .sim.clock import CLOCK_MODES
from .sim.limits import Limits
from .sim.mock import Mock
from .state import State, open_log


def create(
    specs: Sequence[str] = (),
    seed: int = 0,
    speed: float = 1.0,
    validate_responses: bool = False,
    mount: bool | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
    fixtures: Sequence[str | Path] = (),
    config: str | Path | None = None,
    bundled_fixtures: bool = True,
    chaos: float = 0.0,
    clock: str = "real",
    limits: Limits | None = None,
    state: str = "memory",
    policy: ControlPolicy | None = None,
) -> tuple[Mock, Any]:
    """A mock and its ASGI app, ready to serve.

    `keys`: API name → the only tokens it accepts. `fixtures`: fixture files or folders
    (the bundled ones load too, unless `bundled_fixtures=False`). `config`: the file
    of scenario rules and defaults. `chaos`: share of polls that meet a random fault.
    `clock`: real, manual or polls. `limits`: the bounds on what clients can make it hold.
    `state`: memory, a SQLite file or a redis:// URL (shared by several workers or hosts).
    `policy`: who may use the control API (default: loopback hosts and origins, no token).
    Every problem in any file stops start-up."""
    by_name = {api.name: api for api in load_apis(specs, mount)}
    for name, tokens in (keys or {}).items():
        if name not in by_name:
            raise SpecError("--key", [], f"{name!r} is not a served API (served: {', '.join(sorted(by_name))})")
        by_name[name] = by_name[name].with_keys(tokens)
    if not 0 <= chaos <= 1:
        raise SpecError("--chaos", [], f"must be between 0 and 1, got {chaos}")
    if clock not in CLOCK_MODES:
        raise SpecError("--clock", [], f"unknown clock mode {clock!r}; modes: {', '.join(CLOCK_MODES)}")
    catalog = load_catalog(
        by_name, [Path(f) for f in fixtures], Path(config) if config else None, bundled=bundled_fixtures
    )
    log = open_log(state)
    try:
        mock = Mock(
            by_name.values(),
            seed=seed,
            speed=speed,
            catalog=catalog,
            chaos=chaos,
            clock=clock,
            limits=limits,
            shared=log is not None,
        )
    except JobmockError as exc:
        raise SpecError("--speed", [], str(exc)) from exc
    return mock, build_app(State(mock, log), validate_responses=validate_responses, policy=policy)
