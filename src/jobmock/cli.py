"""`jobmock` command line: a thin shell over jobmock.server and jobmock.model."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

# Connexion imports Starlette's TestClient at start-up, which warns about httpx; not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from . import __version__  # noqa: E402
from .model import bundled_names, load_api, spec_path  # noqa: E402
from .server import create, load_apis, serve  # noqa: E402
from .specfile import SpecError, SpecErrors  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jobmock", description="Stateful mock and contract tests for async job APIs.")
    parser.add_argument("--version", action="version", version=f"jobmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="serve APIs as a stateful mock (all bundled APIs by default)")
    run.add_argument("specs", nargs="*", metavar="SPEC", help="bundled API name or OpenAPI file with x-jobmock")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--seed", type=int, default=0, help="same seed, same fake data and ids (default 0)")
    run.add_argument("--speed", type=_positive, default=1.0, help="run lifecycles this many times faster")
    run.add_argument("--validate-responses", action="store_true", help="check every response against its spec")

    commands.add_parser("specs", help="list the bundled APIs")

    check = commands.add_parser("validate", help="validate specs and their x-jobmock extension")
    check.add_argument("specs", nargs="*", metavar="SPEC")

    args = parser.parse_args(argv)
    try:
        if args.command == "specs":
            return _specs()
        if args.command == "validate":
            return _validate(args.specs)
        return _serve(args)
    except (SpecErrors, SpecError) as exc:
        print(f"jobmock: cannot start, fix the spec first:\n{exc}", file=sys.stderr)
        return 2


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


def _serve(args: argparse.Namespace) -> int:
    mock, app = create(args.specs, seed=args.seed, speed=args.speed, validate_responses=args.validate_responses)
    print(f"jobmock: serving on http://{args.host}:{args.port} (seed {args.seed}, speed x{args.speed:g})")
    for api in mock.apis.values():
        example = f"http://{args.host}:{args.port}{api.base_path}{api.poll.path}"
        print(f"  {api.name:<12} {example}")
    print(f"  control      http://{args.host}:{args.port}/_jobmock/jobs")
    sys.stdout.flush()
    serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
