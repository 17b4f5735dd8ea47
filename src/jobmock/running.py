"""`serve`: run jobmock as `jobmock serve` does, from Python: the app, the banner, one
process or several workers on one port, and the polling report when it stops. The CLI
is a thin shell over this.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from .assembly import create
from .contract.openapi import HTTP_METHODS
from .contract.secrets import redact
from .options import ServeOptions, workers_env
from .server.app import App
from .server.operations.journal_reader import JournalReader
from .server.process.run import bind, serve_app, serve_workers
from .sim import polling
from .state import State, open_log

PARENT = "JOBMOCK_PARENT_PID"  # the workers' way to know their parent (`jobmock.asgi`)


def serve(options: ServeOptions | None = None, out: TextIO | None = None, **fields: Any) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM). Every problem with the options or the
    files is found before anything binds (SpecError, SpecErrors); a port that cannot be
    bound raises OSError."""
    out = out or sys.stdout
    options = options or ServeOptions(**fields)
    temporary = None
    if options.workers > 1 and options.state == "memory":
        temporary = tempfile.mkdtemp(prefix="jobmock-")
        options = replace(options, state=str(Path(temporary) / "state.db"))
    try:
        app = create(options)  # every problem is found here, before anything binds
        gc.freeze()  # the loaded documents live as long as the server: no full collection walks them again
        sock = bind(options.host, options.port)  # OSError: nothing is printed as if it served
        options = replace(options, port=sock.getsockname()[1])  # port 0: the one found
        _banner(app, options, temporary is not None, out)
        signal.signal(signal.SIGTERM, _stop)  # uvicorn re-raises SIGTERM after its shutdown: end as for Ctrl-C
        try:
            if options.workers > 1:
                os.environ.update(workers_env(options), **{PARENT: str(os.getpid())})
                serve_workers("jobmock.asgi:app_from_env", sock, options.workers, options.connections)
            else:
                serve_app(app, sock, options.connections)
        except (KeyboardInterrupt, SystemExit) as stop:
            if isinstance(stop, SystemExit) and stop.code not in (0, None):
                raise
        finally:
            if options.report_polling:
                polling_report(app, options.state, out)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


def _banner(app: App, options: ServeOptions, temporary: bool, out: TextIO) -> None:
    where = f"http://{options.host}:{options.port}"
    mock = app.state.mock
    extras = f", clock {options.clock}" + (f", chaos {options.chaos:g}" if options.chaos else "")
    lines = [f"jobmock: serving on {where} (seed {options.seed}, speed x{options.speed:g}{extras})"]
    lines += [f"  {api.name:<12} {where}{api.base_path}{api.poll.path}" for api in mock.apis.values()]
    for contract in app.contracts:
        if contract.name not in mock.apis:
            count = sum(1 for item in contract.routed.get("paths", {}).values() for key in item if key in HTTP_METHODS)
            lines.append(f"  {contract.name:<12} {where}{contract.base_path or '/'}  ({count} operations, stateless)")
    asks = "  (it asks for the control token)" if options.control_token else ""
    lines.append(f"  dashboard    {where}/{asks}")
    lines.append(f"  control      {where}/_jobmock/jobs")
    lines.append(f"  scenarios    {len(mock.scenarios())} loaded (GET /_jobmock/scenarios)")
    workers = f"{options.workers} workers" if options.workers > 1 else "1 worker"
    if temporary:
        where = redact(options.state)
        lines.append(f"  state        {workers} share a SQLite file in a temporary folder: {where} (or give --state)")
    else:
        lines.append(f"  state        {app.state.describe()}, {workers}")
    print("\n".join(lines), file=out, flush=True)
    for contract in app.contracts:
        for note in contract.warnings:
            print(f"jobmock: warning: {note}", file=sys.stderr, flush=True)
    warning = options.policy(options.host).exposure()
    if warning:
        print(f"jobmock: warning: {warning}", file=sys.stderr, flush=True)


def polling_report(app: App, state_url: str, out: TextIO) -> None:
    """How each client polled, per namespace, read from the state every worker wrote to."""
    mock = app.state.mock

    async def report() -> None:
        state = app.state if not mock.shared else State(mock, open_log(state_url))
        if mock.shared:
            await state.start()
        reader = JournalReader(state)
        for name in mock.namespaces():
            print(f"\n[namespace {name or '(default)'}] " + polling.render(await reader.polling_report(name)), file=out)
        if mock.shared:
            await state.stop()

    asyncio.run(report())
    out.flush()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
