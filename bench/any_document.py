"""Benchmark: jobmock and Prism serving a vendor's own document, side by side in one run.

Why: "bring your own API" (issue 20) must stay usable on the documents vendors publish (3 MB,
300 operations): how long each server takes to start on one, how much memory it holds, and
how fast it answers one of its stateless operations.

Needs wrk (Debian: apt-get install wrk) and Prism (bash scripts/setup.sh --with-node); without
either it says which and exits 2. The document defaults to the corpus' largest
(tests/corpus/documents/openai.yaml, see tests/corpus/README.md for how to put it in place).
Usage: .venv/bin/python bench/any_document.py [--document FILE] [--path /models]
       [--duration 10] [--rounds 3] [--smoke]
Prints, per round and as the median over rounds, for each server: start-up seconds (spawn
to the first 200 on the operation), RSS after the load, requests/s and p50/p99 at 32
connections on `GET <path>`; then the jobmock/Prism ratios. `--smoke`: one round of 0.3 s
loads on a small 3.1 document written for the run (tests/bench runs it: the figures mean
nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import JOBMOCK, PRISM, SMOKE_HELP, SMOKE_SECONDS, free_port, need, rss_mb, start, stop, wrk

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "tests" / "corpus" / "documents" / "openai.yaml"
AUTHORIZATION = "Bearer sk-benchmark"


def small_document(folder: Path) -> Path:
    """A 3.1 document of a few operations (for --smoke, where the corpus may be absent)."""
    properties = {"id": {"type": "string"}, "created": {"type": "integer"}, "owned_by": {"type": ["string", "null"]}}
    item = {"type": "object", "required": ["id", "created"], "properties": properties}
    listing = {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": item}}}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": listing}}}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Small", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/models": {"get": {"operationId": "listModels", "responses": ok}}},
    }
    path = folder / "small.json"
    path.write_text(json.dumps(document))
    return path


def server_path(document: Path) -> str:
    data: Any = yaml.load(document.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    servers = data.get("servers") or [{"url": "/"}]
    return urlparse(str(servers[0].get("url", "/"))).path.rstrip("/")


def run_one(name: str, document: Path, path: str, seconds: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if name == "jobmock":
        command = [*JOBMOCK, "serve", str(document), "--port", str(port), "--no-bundled-fixtures"]
        url = base + server_path(document) + path  # jobmock serves at the server URL's path
    else:
        command = [str(PRISM), "mock", str(document), "-p", str(port), "-h", "127.0.0.1", "-v", "warn"]
        url = base + path  # Prism serves the paths at the root
    proc, startup = start(name, command, url, headers={"Authorization": AUTHORIZATION})
    try:
        figures = wrk(url, seconds, authorization=AUTHORIZATION)
        figures["start"] = startup
        figures["rss"] = rss_mb(proc)
    finally:
        stop(proc)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--document", type=Path, default=DOCUMENT)
    parser.add_argument("--path", default="/models", help="a stateless GET operation of the document")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    need("wrk", "prism")
    folder = tempfile.TemporaryDirectory(prefix="jobmock-bench-")
    if args.smoke:
        args.duration, args.rounds, args.document = SMOKE_SECONDS, 1, small_document(Path(folder.name))
    if not args.document.is_file():
        print(f"any_document.py: no document at {args.document} (see tests/corpus/README.md)", file=sys.stderr)
        return 2
    size = args.document.stat().st_size
    print(f"document {args.document.name} ({size:,} bytes), GET {args.path}, {args.duration:g} s loads")
    results: dict[str, list[dict[str, float]]] = {"jobmock": [], "prism": []}
    for round_ in range(1, args.rounds + 1):
        for name in results:  # side by side in each round: the machine's noise falls on both
            found = run_one(name, args.document, args.path, args.duration)
            results[name].append(found)
            print(
                f"round {round_} {name:<8} {found['rps']:.0f} req/s  p50 {found['p50']:.2f} ms  "
                f"p99 {found['p99']:.2f} ms  start {found['start']:.2f} s  RSS {found['rss']:.0f} MB  "
                f"non-2xx {found['errors']:.0f}",
                flush=True,
            )
    print(f"{'median':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'start s':>8} {'RSS MB':>8}")
    medians = {
        name: {k: statistics.median(r[k] for r in rounds) for k in rounds[0]} for name, rounds in results.items()
    }
    for name, m in medians.items():
        print(f"{name:<8} {m['rps']:>8.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['start']:>8.2f} {m['rss']:>8.0f}")
    j, p = medians["jobmock"], medians["prism"]
    print(
        f"ratio jobmock/prism: req/s x{j['rps'] / p['rps']:.2f}, p99 x{j['p99'] / p['p99']:.2f}, "
        f"start x{j['start'] / p['start']:.2f}, RSS x{j['rss'] / p['rss']:.2f}"
    )
    folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
