"""`jobmock` command line: a thin shell over the Python API (`jobmock/__init__.py`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import __version__
from .exceptions import CheckUsageError, SpecError, SpecErrors
from .sim import polling
from .sim.clock import CLOCK_MODES
from .sim.limits import ConnectionLimits, Limits
from .spec import bundled_names, load_api, spec_path
from .spec.secrets import redact_text

if TYPE_CHECKING:
    from .sim.mock import Mock


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jobmock", description="Stateful mock and contract tests for async job APIs.")
    parser.add_argument("--version", action="version", version=f"jobmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    add_serve_options(commands.add_parser("serve", help="serve APIs as a stateful mock (all bundled APIs by default)"))

    commands.add_parser("specs", help="list the bundled APIs")

    validate = commands.add_parser("validate", help="validate specs and their x-jobmock extension")
    validate.add_argument("specs", nargs="*", metavar="SPEC")

    schema = commands.add_parser("schema", help="print a file format's JSON Schema (fixture, config, x-jobmock)")
    schema.add_argument("format", choices=["fixture", "config", "x-jobmock"])

    _add_check_parser(commands)
    _add_record_parser(commands)

    args = parser.parse_args(argv)
    try:
        if args.command == "specs":
            return _specs()
        if args.command == "validate":
            return _validate(args.specs)
        if args.command == "check":
            return _check(args, parser)
        if args.command == "record":
            return _record(args)
        if args.command == "schema":
            return _schema(args.format)
        return _serve(args)
    except SpecError as exc:
        if exc.file.startswith("--"):  # a bad option value: one line
            print(f"jobmock: {exc.file}: {exc.message}", file=sys.stderr)
        else:
            print(f"jobmock: cannot start, fix the spec first:\n{exc}", file=sys.stderr)
        return 2
    except SpecErrors as exc:
        print(f"jobmock: cannot start, fix the spec first:\n{exc}", file=sys.stderr)
        return 2


def add_serve_options(run: argparse.ArgumentParser) -> None:
    """The options of `jobmock serve`; the ASGI factory (`jobmock.asgi`) reads the same from
    environment variables named after them (`--max-jobs` is JOBMOCK_MAX_JOBS)."""

    run.add_argument("specs", nargs="*", metavar="SPEC", help="bundled API name or OpenAPI file with x-jobmock")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--seed", type=int, default=0, help="same seed, same fake data and ids (default 0)")
    run.add_argument("--speed", type=_positive, default=1.0, help="run lifecycles this many times faster")
    run.add_argument("--validate-responses", action="store_true", help="check every response against its spec")
    run.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="API=TOKEN",
        help="accept only these tokens for API (repeatable); by default any token of the documented form",
    )
    run.add_argument(
        "--fixtures", action="append", default=[], metavar="PATH", help="fixture file or folder (repeatable)"
    )
    run.add_argument("--no-bundled-fixtures", action="store_true", help="do not load the bundled scenarios")
    run.add_argument("--config", metavar="FILE", help="scenario rules by job id and defaults per API")
    run.add_argument("--clock", choices=list(CLOCK_MODES), default="real", help="default: real")
    run.add_argument(
        "--chaos", type=_share, default=0.0, metavar="RATE", help="share of polls (0 to 1) meeting a random fault"
    )
    run.add_argument("--report-polling", action="store_true", help="on exit, print how each client polled")
    run.add_argument(
        "--state",
        default="memory",
        metavar="URL",
        help="memory (default), a SQLite file (./jobmock.db, sqlite:///path) or redis://host:port/db",
    )
    run.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (N > 1 shares a SQLite file by default)"
    )
    connections = run.add_argument_group("connections")
    held = ConnectionLimits()
    connections.add_argument(
        "--max-connections", type=int, default=held.max_connections, metavar="N", help="more get 503; %(default)s"
    )
    connections.add_argument(
        "--keep-alive", type=int, default=held.keep_alive, metavar="SECONDS", help="idle; %(default)s"
    )
    connections.add_argument(
        "--header-timeout",
        type=_positive,
        default=held.header_timeout,
        metavar="SECONDS",
        help="for a request's headers to arrive; %(default)s",
    )
    control = run.add_argument_group("control plane (/_jobmock): who may drive it")
    control.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require this token in the X-Jobmock-Token header (or set JOBMOCK_CONTROL_TOKEN)",
    )
    control.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host header the control API answers besides loopback names (repeatable)",
    )
    control.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin allowed besides loopback ones, e.g. https://app.example (repeatable)",
    )
    control.add_argument(
        "--insecure-control",
        action="store_true",
        help="serve the control API on a non-loopback address without a token (not advised)",
    )
    bounds = run.add_argument_group("bounds (current counts: GET /_jobmock/status)")
    defaults = Limits()
    bounds.add_argument(
        "--max-namespaces", type=int, default=defaults.namespaces, metavar="N", help="default %(default)s"
    )
    bounds.add_argument(
        "--namespace-ttl", type=float, default=defaults.namespace_ttl, metavar="SECONDS", help="idle; %(default)s"
    )
    bounds.add_argument("--max-jobs", type=int, default=defaults.jobs, metavar="N", help="per namespace; %(default)s")
    bounds.add_argument(
        "--max-spot-jobs", type=int, default=defaults.spot_jobs, metavar="N", help="per namespace; %(default)s"
    )
    bounds.add_argument(
        "--journal-entries", type=int, default=defaults.journal_entries, metavar="N", help="per namespace; %(default)s"
    )
    bounds.add_argument(
        "--journal-bytes", type=int, default=defaults.journal_bytes, metavar="N", help="per namespace; %(default)s"
    )
    bounds.add_argument(
        "--max-streams", type=int, default=defaults.streams, metavar="N", help="open event streams; %(default)s"
    )
    bounds.add_argument(
        "--stream-heartbeat", type=float, default=defaults.heartbeat, metavar="SECONDS", help="%(default)s"
    )


def _add_check_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="contract-test a job API (real or mock) against its spec, lifecycle included",
        description="Exit status: 0 conforms, 1 a violation, 2 usage or connection error.",
    )
    check.add_argument("api", nargs="?", metavar="API", help="bundled API name or spec file")
    check.add_argument("--url", help="base URL of the implementation; replaces the spec's server URL")
    check.add_argument("--token", help="bearer token sent with every request")
    check.add_argument(
        "--control-token", metavar="TOKEN", help="a jobmock target's control token (default: JOBMOCK_CONTROL_TOKEN)"
    )
    check.add_argument("--job", action="append", default=[], metavar="ID", help="a job to watch (repeatable)")
    check.add_argument("--checks", help="comma-separated checks to run (default: all)")
    check.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    check.add_argument("--lifecycle-timeout", type=_positive, default=60.0, metavar="SECONDS", help="default 60")
    check.add_argument("--poll-interval", type=_positive, default=0.5, metavar="SECONDS", help="default 0.5")
    check.add_argument("--max-examples", type=int, default=50, help="Schemathesis examples per operation (50)")
    check.add_argument("--seed", type=int, help="Schemathesis seed, to repeat a run")
    check.add_argument("--report", type=Path, metavar="FILE.xml", help="also write a JUnit XML report")


def _schema(name: str) -> int:
    from .scenario_files.load import schema_of
    from .spec.model import extension_schema

    print(json.dumps(extension_schema() if name == "x-jobmock" else schema_of(name), indent=2))
    return 0


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .checker import CHECKS, check, render_text, write_junit
    from .checker.contract import check_names

    if args.list_checks:
        print("Lifecycle checks (jobmock, across polls):")
        for item in CHECKS.values():
            print(f"  {item.name:<24} {item.description}")
        print("Schemathesis checks (each response):")
        print("  " + "\n  ".join(check_names()))
        return 0
    if not args.api or not args.url:
        parser.error("check needs API and --url (or --list-checks)")
    try:
        report = check(
            args.api,
            args.url,
            token=args.token,
            jobs=args.job,
            checks=[c.strip() for c in args.checks.split(",") if c.strip()] if args.checks else None,
            lifecycle_timeout=args.lifecycle_timeout,
            poll_interval=args.poll_interval,
            max_examples=args.max_examples,
            seed=args.seed,
            control_token=args.control_token,
        )
    except CheckUsageError as exc:
        print(f"jobmock check: {exc}", file=sys.stderr)
        return 2
    print(render_text(report))
    if args.report is not None:
        write_junit(report, args.report)
        print(f"JUnit report: {args.report}")
    return report.exit_code


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _specs() -> int:
    for name in bundled_names():
        api = load_api(spec_path(name))
        states = " -> ".join(api.lifecycle.states)
        print(f"{name:<12} {api.title:<36} {api.server_path or '/'}  [{states}]")
    return 0


def _validate(specs: Sequence[str]) -> int:
    from .server import load_apis

    names = list(specs) or bundled_names()
    failed = False
    for name in names:
        try:
            load_apis([name], mount=False, strict=True)
            print(f"ok      {name}")
        except SpecErrors as exc:
            failed = True
            print(f"invalid {name}", file=sys.stderr)
            for err in exc.errors:
                print(f"  {err}", file=sys.stderr)
    return 1 if failed else 0


def create_from_options(args: argparse.Namespace) -> tuple[Mock, Any]:
    """The mock and its app from `jobmock serve` options (parsed from argv or the environment)."""
    from .assembly import create
    from .server.guard import ControlPolicy

    keys: dict[str, list[str]] = {}
    for item in args.key:
        name, sep, token = item.partition("=")
        if not sep or not token:
            raise SpecError(item, [], "--key takes API=TOKEN")
        keys.setdefault(name, []).append(token)
    return create(
        args.specs,
        seed=args.seed,
        speed=args.speed,
        validate_responses=args.validate_responses,
        keys=keys,
        fixtures=args.fixtures,
        config=args.config,
        bundled_fixtures=not args.no_bundled_fixtures,
        chaos=args.chaos,
        clock=args.clock,
        limits=Limits(
            namespaces=args.max_namespaces,
            namespace_ttl=args.namespace_ttl,
            jobs=args.max_jobs,
            spot_jobs=args.max_spot_jobs,
            journal_entries=args.journal_entries,
            journal_bytes=args.journal_bytes,
            streams=args.max_streams,
            heartbeat=args.stream_heartbeat,
        ),
        state=args.state,
        policy=ControlPolicy.of(args.host, args.allowed_host, args.cors_origin, args.control_token),
    )


ENV_PREFIX = "JOBMOCK_"
_PARENT_ONLY = {  # the `serve` process's own options
    "help",
    "port",
    "workers",
    "report_polling",
    "max_connections",
    "keep_alive",
    "header_timeout",
}


def options_from_env(environ: Mapping[str, str]) -> argparse.Namespace:
    """`jobmock serve` options from JOBMOCK_* variables: JOBMOCK_SPECS="stories nextdocs",
    JOBMOCK_STATE=redis://..., JOBMOCK_MAX_JOBS=50000, JOBMOCK_VALIDATE_RESPONSES=1;
    repeatable options take commas (JOBMOCK_FIXTURES=a.yaml,more/). Checked as argv is."""
    parser = argparse.ArgumentParser(prog="jobmock (JOBMOCK_* environment variables)")
    add_serve_options(parser)
    argv: list[str] = []
    for action in parser._actions:
        value = environ.get(ENV_PREFIX + action.dest.upper())
        if action.dest in _PARENT_ONLY or value is None:
            continue
        if not action.option_strings:  # the specs
            argv += value.replace(",", " ").split()
        elif action.nargs == 0:  # a flag
            if value.strip().lower() in {"1", "true", "yes", "on"}:
                argv.append(action.option_strings[0])
        elif isinstance(action, argparse._AppendAction):
            for item in filter(None, (part.strip() for part in value.split(","))):
                argv += [action.option_strings[0], item]
        else:
            argv += [action.option_strings[0], value]
    return parser.parse_args(argv)


def options_to_env(args: argparse.Namespace) -> dict[str, str]:
    """The JOBMOCK_* variables that give `options_from_env` these options back."""
    env = {}
    for name, value in vars(args).items():
        if name in _PARENT_ONLY or name == "command" or value is None or value is False or value == []:
            continue
        if isinstance(value, list):
            value = " ".join(value) if name == "specs" else ",".join(value)
        env[ENV_PREFIX + name.upper()] = "1" if value is True else str(value)
    return env


def _serve(args: argparse.Namespace) -> int:
    from .server import serve, serve_workers
    from .server.guard import is_loopback

    if args.workers < 1:
        raise SpecError("--workers", [], f"must be 1 or more, got {args.workers}")
    if not 0 <= args.port <= 65535:
        raise SpecError("--port", [], f"must be between 0 and 65535, got {args.port}")
    held = ConnectionLimits(args.keep_alive, args.header_timeout, args.max_connections)  # SpecError if bad
    if not is_loopback(args.host):
        if not args.control_token and not args.insecure_control:
            raise SpecError(
                "--host",
                [],
                f"{args.host} is reachable from other machines: give --control-token TOKEN (or JOBMOCK_CONTROL_TOKEN) "
                "so only you can drive /_jobmock, or --insecure-control to serve it open",
            )
        protection = "a control token" if args.control_token else "NO protection (--insecure-control)"
        print(f"jobmock: warning: serving on {args.host}, reachable from other machines; the control API has "
              f"{protection}", file=sys.stderr)  # fmt: skip
    temporary = None
    if args.workers > 1 and args.state == "memory":
        temporary = tempfile.mkdtemp(prefix="jobmock-")
        args.state = str(Path(temporary) / "state.db")
    mock, app = create_from_options(args)  # every problem is found here, before any worker starts
    extras = f", clock {args.clock}" + (f", chaos {args.chaos:g}" if args.chaos else "")
    print(f"jobmock: serving on http://{args.host}:{args.port} (seed {args.seed}, speed x{args.speed:g}{extras})")
    for api in mock.apis.values():
        example = f"http://{args.host}:{args.port}{api.base_path}{api.poll.path}"
        print(f"  {api.name:<12} {example}")
    asks = "  (it asks for the control token)" if args.control_token else ""
    print(f"  dashboard    http://{args.host}:{args.port}/{asks}")
    print(f"  control      http://{args.host}:{args.port}/_jobmock/jobs")
    print(f"  scenarios    {len(mock.scenarios())} loaded (GET /_jobmock/scenarios)")
    workers = f"{args.workers} workers" if args.workers > 1 else "1 worker"
    if temporary:
        print(f"  state        {workers} share a SQLite file in a temporary folder: {args.state} (or give --state)")
    else:
        print(f"  state        {app.state.describe()}, {workers}")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop)  # uvicorn re-raises SIGTERM after its shutdown: end as for Ctrl-C
    try:
        if args.workers > 1:
            os.environ.update(options_to_env(args), JOBMOCK_PARENT_PID=str(os.getpid()))
            serve_workers("jobmock.asgi:app_from_env", args.host, args.port, args.workers, held)
        else:
            serve(app, args.host, args.port, held)
    except (KeyboardInterrupt, SystemExit):
        pass  # uvicorn re-raises Ctrl-C and SIGTERM after a clean shutdown
    finally:
        if args.report_polling:
            _report_polling(mock, args.state)
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


def _report_polling(mock: Mock, state_url: str) -> None:
    """How each client polled, per namespace, read from the state all workers wrote to."""
    from .server.journaling import JournalReader
    from .state import State, open_log

    async def report() -> None:
        state = State(mock, open_log(state_url) if mock.shared else None)
        await state.start()
        reader = JournalReader(state)
        for name in mock.namespaces():
            print(f"\n[namespace {name or '(default)'}] " + polling.render(await reader.polling_report(name)))
        await state.stop()

    asyncio.run(report())
    sys.stdout.flush()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _add_record_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    record = commands.add_parser("record", help="poll a real job until it ends and write a replayable fixture")
    record.add_argument("api", metavar="API", help="bundled API name or spec file")
    record.add_argument("--url", required=True, help="base URL of the API (replaces the spec's server URL)")
    record.add_argument("--job", required=True, metavar="ID", help="the job to record")
    record.add_argument("--token", help="bearer token (never written to the fixture)")
    record.add_argument("--interval", type=_positive, default=1.0, metavar="SECONDS", help="poll interval (1)")
    record.add_argument("--timeout", type=_positive, default=600.0, metavar="SECONDS", help="give up after (600)")
    record.add_argument("--name", help="scenario name (default: recorded-<job id>)")
    record.add_argument("--out", type=Path, required=True, metavar="FILE.yaml")
    record.add_argument(
        "--url-credentials",
        action="store_true",
        help="send the user:password@ of --url as Basic auth (refused by default: use --token)",
    )


def _record(args: argparse.Namespace) -> int:
    from .checker.runner import load_target_api
    from .scenario_files import record, write_fixture

    if "@" in urlsplit(args.url).netloc and not args.url_credentials:
        print("jobmock record: --url carries user:password@; give --token instead "
              "(or --url-credentials to send them as Basic auth)", file=sys.stderr)  # fmt: skip
        return 2
    out = args.out.resolve()
    if out.is_dir() or not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        print(f"jobmock record: cannot write --out {args.out} (checked before polling)", file=sys.stderr)
        return 2
    try:
        api = load_target_api(args.api)
        document = record(api, args.url, args.job, args.token, args.interval, args.timeout, args.name)
    except (CheckUsageError, RuntimeError) as exc:
        print(f"jobmock record: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    write_fixture(document, args.out)
    (name, scenario), *_ = document["scenarios"].items()
    print(f"jobmock record: {scenario['description']}")
    print(f"  wrote scenario {name!r} ({len(scenario['timeline'])} distinct answers) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
