"""`create_proxy` and `run_proxy`: `jobmock proxy` from Python, as the CLI runs it.

The document is loaded as `serve` and `check` load it (a bundled name or a path; a lifecycle
from its `x-jobmock`, else inferred): by `assembly.create`, which makes the jobmock inside the
proxy from it and `serve`'s options, so that the proxy's control API, dashboard and mock are
`serve`'s own. Every problem with the document or the options is found before anything
binds; a port that cannot be bound raises OSError before anything is printed as served.
uvicorn runs the app as it runs `serve`'s (`server.process.run`), but adds no `Date` or
`Server` header of its own: those of the answers are the upstream's. When it stops (Ctrl-C,
SIGTERM), what it found is printed as `jobmock check` prints its report (`app.report()`,
laid out by `checker.report.render_text`); the app itself writes `--report FILE.xml` as it
stops (`reporting.ReportFile`), however it is run.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import replace
from typing import Any, TextIO

from ..assembly import create
from ..checker.report import render_text
from ..server.policy import is_loopback
from ..server.process.run import bind, serve_app
from .app import VIOLATION_EVENTS, VIOLATIONS, ProxyApp
from .options import ProxyOptions


def create_proxy(options: ProxyOptions | None = None, **fields: Any) -> ProxyApp:
    """The proxy's ASGI app for `options` (or the `ProxyOptions` fields given); SpecError or
    SpecErrors for a document that cannot be served, or options that cannot be (a bind other
    machines reach with no `--control-token`, as `serve` refuses it; a `--mock` naming no
    operation)."""
    options = options or ProxyOptions(**fields)
    served = replace(options.mock_options, specs=(options.spec,), host=options.host, port=options.port, mount=False)
    policy = served.policy(options.host)
    mock = create(served, policy=policy, proxy=True)
    (api,) = mock.contracts
    return ProxyApp(api, options, mock, policy)


def run_proxy(options: ProxyOptions | None = None, out: TextIO | None = None, **fields: Any) -> int:
    """Proxy until interrupted (Ctrl-C or SIGTERM), then print the report of what was found
    (and write it to `options.report`). Returns the exit status: 0, or 1 with
    `fail_on_violations` when a violation was found."""
    out = out or sys.stdout
    options = options or ProxyOptions(**fields)
    app = create_proxy(options)
    sock = bind(options.host, options.port)  # OSError: nothing is printed as if it served
    options = replace(options, port=sock.getsockname()[1])
    app.options = options
    where = f"http://{options.host}:{options.port}"
    api = app.api
    print(f"jobmock proxy: {where}{api.server_path or '/'} -> {options.upstream} ({api.name}, each answer held to its "
          "document)", file=out)  # fmt: skip
    asks = "  (it asks for the control token)" if options.mock_options.control_token else ""
    print(f"  dashboard    {where}/{asks}", file=out)
    print(f"  control      {where}/_jobmock/jobs", file=out)
    mocked = ", ".join([*options.mock, *(["when the upstream is down"] if options.mock_when_down else [])])
    if mocked:
        print(f"  mocked       {mocked} (and every request about a job the mock made)", file=out)
    print(f"  violations   {where}{VIOLATIONS} (as events: {VIOLATION_EVENTS})", file=out, flush=True)
    if options.record is not None:
        print(f"  recording    {options.record} (a fixture per job: jobmock serve --fixtures {options.record})",
              file=out, flush=True)  # fmt: skip
    if options.errors:
        print("  --errors     a request breaking the document is refused 422, an answer breaking it is a 502",
              file=out, flush=True)  # fmt: skip
    if options.report is not None:
        print(f"  report       {options.report} (JUnit XML, written when the proxy stops)", file=out, flush=True)
    for note in api.warnings:
        print(f"jobmock: warning: {note}", file=sys.stderr, flush=True)
    if not is_loopback(options.host.strip("[]")):
        print(f"jobmock: warning: proxying on {options.host}, reachable from other machines: they reach "
              f"{options.upstream} through it, and read {VIOLATIONS}", file=sys.stderr, flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, _stop)
    try:
        serve_app(app, sock, relay=True)
    except (KeyboardInterrupt, SystemExit) as stop:
        if isinstance(stop, SystemExit) and stop.code not in (0, None):
            raise
    report = app.report()
    print("\n" + render_text(report), file=out, flush=True)
    if app.report_file is not None and app.report_file.written:
        print(f"JUnit report: {app.report_file.path}", file=out, flush=True)
    return report.exit_code


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
