"""Putting a mock server together: options, specs and scenario files into the state and
its ASGI app. The one place that joins the server and the scenario files (siblings that
do not import each other); the CLI, the ASGI factory, the pytest plugin and tests call
`create`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from .contract.document import Contract
from .contract.files import StartupFiles
from .contract.model import ApiModel, load_apis, read_overlays
from .exceptions import SpecError, SpecErrors, StoreUnavailable
from .options import ServeOptions
from .plugins import load_plugins
from .scenario_files.load import load_catalog
from .server.app import App, build_app
from .server.policy import ControlPolicy
from .sim.mock import Mock
from .state import State, open_log

FIND_OUT = "find out"  # create(bind=FIND_OUT): the server it runs under binds; look when it starts


def create(
    options: ServeOptions | None = None,
    *,
    bind: str | None = None,
    policy: ControlPolicy | None = None,
    proxy: bool = False,
    **fields: Any,
) -> App:
    """The app `options` describe (or `ServeOptions(**fields)`), ready to serve.

    `bind`: the address the server listens on (default `options.host`); `FIND_OUT` when a
    server of the user's binds it (the ASGI factory), so the app looks when it starts.
    Either way, an address other machines reach needs a control token (SpecError naming
    --host). `policy` replaces the control-plane policy the options make. Every problem
    in any file stops start-up (SpecError, SpecErrors). `proxy`: the jobmock inside `jobmock
    proxy` (`proxy.running`), whose control API documents the proxy's violations too."""
    with _collector_paused():
        return _create(replace_options(options, fields), bind, policy, proxy)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Start-up builds millions of objects that all live on (a 3 MB document's nodes, its
    copies): each of the collector's passes over them finds nothing, and together they took
    half of start-up (1.2 of 2.4 s for OpenAI's document). What start-up throws away has no
    reference cycles to speak of: reference counting frees it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _create(options: ServeOptions, bind: str | None, policy: ControlPolicy | None, proxy: bool = False) -> App:
    load_plugins(options.plugins)
    files = StartupFiles(options.max_file_bytes, options.max_document_bytes)
    overlays = read_overlays(options.overlays, files)
    by_name = {api.name: api for api in load_apis(options.specs, options.mount, files=files, overlays=overlays)}
    if options.server_variables:
        by_name = {name: api.with_server_variables(options.server_variables) for name, api in by_name.items()}
        unknown = set(options.server_variables) - {v for api in by_name.values() for v in api.server_variable_names}
        if unknown:
            raise SpecError(
                "--server-var", [], f"{', '.join(sorted(unknown))}: no served document's server URL has such a variable"
            )
    for name, tokens in options.keys_by_api.items():
        if name not in by_name:
            raise SpecError("--key", [], f"{name!r} is not a served API (served: {', '.join(sorted(by_name))})")
        by_name[name] = by_name[name].with_keys(tokens)
    jobs = {name: api for name, api in by_name.items() if isinstance(api, ApiModel)}
    jobs.update({s.name: s for api in list(jobs.values()) for s in api.siblings})  # a document's other job resources
    catalog = load_catalog(
        jobs,
        [Path(f) for f in options.fixtures],
        Path(options.config) if options.config else None,
        bundled=not options.no_bundled_fixtures,
        files=files,
    )
    if policy is None:
        policy = options.policy(None if bind == FIND_OUT else bind or options.host)
    log = open_log(options.state)
    mock = Mock(
        jobs.values(),
        seed=options.seed,
        speed=options.speed,
        catalog=catalog,
        chaos=options.chaos,
        clock=options.clock,
        limits=options.limits,
        shared=log is not None,
    )
    try:
        kept = log.agree(mock.fingerprint()) if log is not None else mock.fingerprint()
    except StoreUnavailable as exc:
        raise SpecError("--state", [], str(exc)) from exc
    if log is not None and kept != mock.fingerprint():
        raise SpecError(
            "--state",
            [],
            f"{log.url} holds the state of processes serving other specs, scenarios or options (seed, speed, "
            "chaos, clock, bounds, keys): serve the same ones as they do, or give another --state",
        )
    state = State(mock, log)
    return build_app(
        state,
        options.validate_responses,
        fast_paths=not options.no_fast_paths,
        policy=policy,
        startup_files=files.usage(),
        contracts=list(by_name.values()),
        proxy=proxy,
    )


def check_routable(api: Contract) -> None:
    """Build the app that serves `api` alone, as `serve` builds it, and throw it away: what
    serve would refuse (Connexion routing the document), `validate` reports first."""
    try:
        build_app(State(Mock([api] if isinstance(api, ApiModel) else [])), contracts=[api])
    except (SpecError, SpecErrors):
        raise
    except Exception as exc:  # Connexion refusing the translated document: a bug of the translation
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise SpecError(api.source, [], f"serve cannot route this document: {reason}") from exc


def replace_options(options: ServeOptions | None, fields: dict[str, Any]) -> ServeOptions:
    """`options` with `fields` changed; ServeOptions(**fields) when there are none. Tuples
    may be given as lists."""
    given: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return ServeOptions(**given) if options is None else replace(options, **given)
