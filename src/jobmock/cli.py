"""`jobmock` command line: a thin shell over the Python API (`jobmock/__init__.py`).

Each subcommand parses its arguments, calls one function of the API, and turns what it
raises into a message and an exit status: 0 done, 1 a finding (`check`, `validate`),
2 bad usage or input, 3 a server that could not start (a port that cannot be bound).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import __version__
from .exceptions import CheckUsageError, SpecError, SpecErrors, startup_message
from .plugins import ENV as PLUGINS_ENV
from .plugins import load_plugins

STARTUP_FAILURE = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jobmock", description="Stateful mock and contract tests for async job APIs.")
    parser.add_argument("--version", action="version", version=f"jobmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve(commands)
    commands.add_parser(
        "specs",
        help="list the bundled APIs",
        description="List the bundled APIs: name, title, the path their server URL gives (served alone; "
        "with the others each sits under /<name> first), and their states (a set: the transitions are in "
        "the spec's x-jobmock).",
        epilog="example: jobmock specs",
    )
    validate = commands.add_parser(
        "validate",
        help="validate specs and their x-jobmock extension",
        description="Check specs (bundled names or files) and their x-jobmock extension; each problem with "
        "its file, line and place. Exit status: 0 valid, 1 a problem, 2 bad usage.",
        epilog="example: jobmock validate acme.yaml neuraldraft",
    )
    validate.add_argument("specs", nargs="*", metavar="SPEC")
    _add_plugin(validate)
    schema = commands.add_parser(
        "schema",
        help="print a file format's JSON Schema (fixture, config, x-jobmock)",
        description="Print a file format's whole JSON Schema, with what plugins register: fixture (--fixtures "
        "files), config (--config) or x-jobmock (a spec's extension).",
        epilog="example: jobmock schema fixture > fixture.schema.json",
    )
    schema.add_argument("format", choices=["fixture", "config", "x-jobmock"])
    _add_plugin(schema)
    infer = commands.add_parser(
        "infer",
        help="print the job lifecycles read from a document that declares none",
        description="Find the job resources of an OpenAPI document (the poll, its status field and what each "
        "value means, the create, list, cancel and delete), each decision with its reason, and print the "
        "x-jobmock extension that says the same, one YAML document per resource, to review, edit and keep. "
        "Exit status: 0 found, 1 none found, 2 a document that cannot be read.",
        epilog="example: jobmock infer vendor-openapi.yaml > lifecycle.yaml",
    )
    infer.add_argument("spec", metavar="SPEC", help="bundled API name or OpenAPI document")
    _add_check(commands)
    _add_record(commands)
    _add_proxy(commands)

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "proxy":
            return _proxy(args)
        load_plugins(getattr(args, "plugin", None) or ())
        if args.command == "specs":
            return _specs()
        if args.command == "validate":
            return _validate(args.specs)
        if args.command == "check":
            return _check(args, parser)
        if args.command == "record":
            return _record(args)
        if args.command == "infer":
            return _infer(args.spec)
        return _schema(args.format)
    except (SpecError, SpecErrors) as exc:
        print(startup_message(exc), file=sys.stderr)
        return 2


def _add_plugin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help=f"a module or .py file registering extensions (repeatable; or {PLUGINS_ENV})",
    )


def _add_serve(commands: Any) -> None:  # argparse's subparsers (a private type)
    from .options import add_arguments

    serve = commands.add_parser(
        "serve",
        help="serve APIs as a stateful mock (all bundled APIs by default)",
        description="Serve job APIs as a stateful mock. Every option can also come from the JOBMOCK_* "
        "variable named after it; the command line wins. Exit status: 2 bad options or files, 3 the "
        "port cannot be bound.",
        epilog="example: jobmock serve neuraldraft --clock manual --fixtures my-scenarios/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(serve)


def _serve(args: argparse.Namespace) -> int:
    from .options import read_options
    from .running import serve

    options = read_options(vars(args))
    try:
        serve(options)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"jobmock: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=sys.stderr)
        return STARTUP_FAILURE
    except SystemExit as exc:  # uvicorn's own start-up failure (it said why)
        return exc.code if isinstance(exc.code, int) else STARTUP_FAILURE
    return 0


def _specs() -> int:
    from .contract import ApiModel, bundled_names, load_api, spec_path

    for name in bundled_names():
        api = load_api(spec_path(name))
        assert isinstance(api, ApiModel)  # every bundled API has jobs
        states = ", ".join(api.lifecycle.states)
        print(f"{name:<12} {api.title:<36} {api.server_path or '/':<5} states: {states}")
    return 0


def _validate(specs: Sequence[str]) -> int:
    from .assembly import check_routable
    from .contract import bundled_names, load_apis

    failed = False
    for name in list(specs) or bundled_names():
        try:
            (api,) = load_apis([name], mount=False, strict=True)
            check_routable(api)
            print(f"ok      {name}")
            for warning in api.warnings:
                print(f"warning {warning}", file=sys.stderr)
        except (SpecError, SpecErrors) as exc:
            failed = True
            print(f"invalid {name}", file=sys.stderr)
            for err in exc.errors if isinstance(exc, SpecErrors) else [exc]:
                print(f"  {err}", file=sys.stderr)
    return 1 if failed else 0


def _schema(name: str) -> int:
    from .contract.model import extension_schema
    from .scenario_files.load import schema_of

    print(json.dumps(extension_schema() if name == "x-jobmock" else schema_of(name), indent=2))
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _add_check(commands: Any) -> None:  # argparse's subparsers (a private type)
    check = commands.add_parser(
        "check",
        help="contract-test a job API (real or mock) against its spec, lifecycle included",
        description="Exit status: 0 conforms, 1 a violation, 2 usage or connection error.",
        epilog="example: jobmock check neuraldraft --url http://127.0.0.1:8000/neuraldraft/v1 --token ndsk_test_x",
    )
    check.add_argument("api", nargs="?", metavar="API", help="bundled API name or spec file")
    check.add_argument("--url", help="base URL of the implementation; replaces the spec's server URL")
    check.add_argument("--token", help="bearer token sent with every request")
    check.add_argument(
        "--control-token", metavar="TOKEN", help="a jobmock target's control token (default: JOBMOCK_CONTROL_TOKEN)"
    )
    check.add_argument("--job", action="append", default=[], metavar="ID", help="a job to watch (repeatable)")
    check.add_argument("--checks", help="comma-separated checks to run (default: all)")
    check.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="OPERATION",
        help="check only these operations (repeatable): an operationId, a path, 'METHOD /path' or 'tag:NAME'",
    )
    check.add_argument(
        "--exclude", action="append", default=[], metavar="OPERATION", help="leave these operations out (as --include)"
    )
    check.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="send this value for a parameter (a required api-version, say) in every request (repeatable)",
    )
    check.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    check.add_argument("--lifecycle-timeout", type=_positive, default=60.0, metavar="SECONDS", help="default 60")
    check.add_argument("--poll-interval", type=_positive, default=0.5, metavar="SECONDS", help="default 0.5")
    check.add_argument("--max-examples", type=int, default=50, help="Schemathesis examples per operation (50)")
    check.add_argument("--seed", type=int, help="Schemathesis seed, to repeat a run")
    check.add_argument("--report", type=Path, metavar="FILE.xml", help="also write a JUnit XML report")
    _add_plugin(check)


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .checker import CHECKS, check, render_text, write_junit
    from .checker.schema_checks import check_names
    from .contract.secrets import redact

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
            include=args.include,
            exclude=args.exclude,
            parameters=_pairs(args.param),
        )
    except CheckUsageError as exc:
        known = (args.token, args.control_token or os.environ.get("JOBMOCK_CONTROL_TOKEN"), *_userinfo(args.url))
        print(f"jobmock check: {redact(str(exc), known=known)}", file=sys.stderr)
        return 2
    print(render_text(report))
    if args.report is not None:
        write_junit(report, args.report)
        print(f"JUnit report: {args.report}")
    return report.exit_code


def _pairs(items: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` options as a mapping; CheckUsageError for one without `=`."""
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CheckUsageError(f"--param {item!r}: takes NAME=VALUE")
        pairs[name] = value
    return pairs


def _add_record(commands: Any) -> None:  # argparse's subparsers (a private type)
    record = commands.add_parser(
        "record",
        help="poll a real job until it ends and write a replayable fixture",
        description="Exit status: 0 written, 2 usage error or a job that never answered 2xx.",
        epilog="example: jobmock record neuraldraft --url https://api.neuraldraft.io/v1 --token $TOKEN "
        "--job job_2Ngd9KqLmRpW --out fixtures/bug-1234.yaml",
    )
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
    from .contract.secrets import redact
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
        print(f"jobmock record: {redact(str(exc), known=(args.token, *_userinfo(args.url)))}", file=sys.stderr)
        return 2
    write_fixture(document, args.out)
    (name, scenario), *_ = document["scenarios"].items()
    print(f"jobmock record: {scenario['description']}")
    print(f"  wrote scenario {name!r} ({len(scenario['timeline'])} distinct answers) to {args.out}")
    return 0


def _add_proxy(commands: Any) -> None:  # argparse's subparsers (a private type)
    from .options import EMBEDDED, add_arguments
    from .proxy.options import MOCK_PREFIX, PROXY

    proxy = commands.add_parser(
        "proxy",
        help="stand between an app and the real API: relay every exchange, check each against the document",
        description="Relay every request to the upstream unchanged and its answer back unchanged, adding a "
        "Jobmock-Violations header where the request or the answer breaks the document or a job's polls break its "
        "lifecycle (all of them at /_jobmock/violations); with --errors, refuse them instead. The API is served at "
        "its server URL's path, as `serve SPEC` serves it. The proxy holds a jobmock of the same document (its "
        "control API, journal, dashboard and event streams, set with serve's options below), which answers what "
        "--mock and --mock-when-down give it. When it stops (Ctrl-C, SIGTERM) it prints what it found as check does. "
        "Every option can also come from the JOBMOCK_* variable named after it; the command line wins. "
        "Exit status: 0 stopped (1 with --fail-on-violations when it found any), 2 bad options or spec, 3 the port "
        "cannot be bound.",
        epilog="example: jobmock proxy neuraldraft --upstream https://api.neuraldraft.io/v1 --port 8080",
    )
    proxy.add_argument("spec", metavar="SPEC", help="bundled API name or OpenAPI document")
    add_arguments(proxy, PROXY)
    # the jobmock inside (control API, dashboard, mock) takes serve's own options; --max-mock-jobs is serve's --max-jobs
    add_arguments(proxy, EMBEDDED, dest_prefix=MOCK_PREFIX)


def _proxy(args: argparse.Namespace) -> int:
    from .proxy import run_proxy
    from .proxy.options import read_proxy_options

    options = read_proxy_options(args.spec, vars(args))  # SpecError for a bad value: one line, exit status 2
    try:
        return run_proxy(options)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"jobmock: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=sys.stderr)
        return STARTUP_FAILURE
    except SystemExit as exc:  # uvicorn's own start-up failure (it said why)
        return exc.code if isinstance(exc.code, int) else STARTUP_FAILURE


def _infer(spec: str) -> int:
    from .contract.infer import described, find_jobs
    from .contract.model import load_apis

    [api] = load_apis([spec])
    jobs = find_jobs(api.resolved)
    if not jobs:
        print(f"jobmock infer: {spec}: no job resource found (a GET by id answering a status with a success "
              "state and one before it)", file=sys.stderr)  # fmt: skip
        return 1
    print(f"# jobmock infer {spec}: {len(jobs)} job resource(s)")
    print(described(jobs), end="")
    return 0


def _userinfo(url: str) -> tuple[str | None, str | None]:
    """The user and password a URL carries: credentials to hide in what is printed."""
    parts = urlsplit(url)
    return parts.username, parts.password


if __name__ == "__main__":
    sys.exit(main())
