"""Benchmark: what `jobmock proxy` costs in front of an API, beside Prism's proxy, in one run.

Why: a proxy every request of an app goes through must not be what the team notices (issue
22). The upstream is a `jobmock serve neuraldraft` with one live job (processing for the whole
run, its progress moving); each round loads its poll three ways, side by side: straight at
the upstream, through `jobmock proxy neuraldraft` (each answer judged against the document, the
job followed across polls with the lifecycle checks) and through `prism proxy` with the same
document (each answer validated).

Needs wrk (Debian: apt-get install wrk) and Prism (bash scripts/setup.sh --with-node); without
either it says which and exits 2.
Usage: .venv/bin/python bench/proxy.py [--duration 10] [--rounds 3] [--smoke]
Prints per round and as medians: requests/s and p50/p99 at 32 connections, and p50/p99 at one
connection (the latency a proxy adds, without queueing); then each proxy's added p50/p99 at one
connection over the direct figures, and its req/s as a ratio of the direct rate. `--smoke`: one
round of 0.3 s loads (tests/bench runs it: the figures mean nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import (
    JOBMOCK,
    PRISM,
    ROOT,
    SMOKE_HELP,
    SMOKE_SECONDS,
    free_port,
    need,
    start,
    start_jobmock,
    stop,
    wrk,
)

WAYS = ("direct", "jobmock", "prism")


def proxied(way: str, upstream_poll: str) -> tuple[list[str], str]:
    """The command of a proxy in front of the upstream, and the poll's URL through it."""
    parts = urlsplit(upstream_poll)
    origin = f"{parts.scheme}://{parts.netloc}"
    port = free_port()
    if way == "jobmock":  # served at the document's server path (/v1), as the upstream is
        command = [*JOBMOCK, "proxy", "neuraldraft", "--upstream", f"{origin}/v1", "--port", str(port)]
        return command, f"http://127.0.0.1:{port}{parts.path}"
    command = [str(PRISM), "proxy", str(ROOT / "specs" / "neuraldraft.yaml"), f"{origin}/v1"]
    command += ["-p", str(port), "-h", "127.0.0.1", "-v", "warn"]
    return command, f"http://127.0.0.1:{port}{parts.path.removeprefix('/v1')}"  # Prism serves the paths at its root


def measure(url: str, seconds: float) -> dict[str, float]:
    loaded = wrk(url, seconds, connections=32)
    alone = wrk(url, seconds, connections=1)
    return {**loaded, "p50_1": alone["p50"], "p99_1": alone["p99"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    need("wrk", "prism")
    if args.smoke:
        args.duration, args.rounds = SMOKE_SECONDS, 1
    upstream = start_jobmock("upstream")
    results: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    try:
        print(f"upstream: jobmock serve neuraldraft, a live job: {upstream.url}; {args.duration:g} s loads")
        for round_ in range(1, args.rounds + 1):
            for way in WAYS:  # side by side in each round: the machine's noise falls on all three
                if way == "direct":
                    found = measure(upstream.url, args.duration)
                else:
                    command, url = proxied(way, upstream.url)
                    proc, _startup = start(way, command, url)
                    try:
                        found = measure(url, args.duration)
                    finally:
                        stop(proc)
                results[way].append(found)
                print(
                    f"round {round_} {way:<8} {found['rps']:.0f} req/s  p50 {found['p50']:.2f} ms  "
                    f"p99 {found['p99']:.2f} ms  (1 connection: p50 {found['p50_1']:.2f} ms  "
                    f"p99 {found['p99_1']:.2f} ms)  non-2xx {found['errors']:.0f}",
                    flush=True,
                )
    finally:
        stop(upstream.proc)
    medians = {way: {k: statistics.median(r[k] for r in rounds) for k in rounds[0]} for way, rounds in results.items()}
    print(f"{'median':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 1c':>8} {'p99 1c':>8}")
    for way, m in medians.items():
        print(f"{way:<8} {m['rps']:>8.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['p50_1']:>8.2f} {m['p99_1']:>8.2f}")
    direct = medians["direct"]
    for way in ("jobmock", "prism"):
        m = medians[way]
        print(
            f"{way} proxy: adds p50 {m['p50_1'] - direct['p50_1']:+.2f} ms, p99 {m['p99_1'] - direct['p99_1']:+.2f} ms "
            f"at one connection; req/s x{m['rps'] / direct['rps']:.2f} of direct at 32"
        )
    j, p = medians["jobmock"], medians["prism"]
    print(f"ratio jobmock/prism proxy: req/s x{j['rps'] / p['rps']:.2f}, p99 (32 conn.) x{j['p99'] / p['p99']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
