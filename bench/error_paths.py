"""Benchmark: poll answers that are not the job (404 for an unknown id, 401 for a bad
token) against the 200 poll, on `jobmock serve`, side by side with another checkout.

Why: a client with a stale id or a wrong key polls as hard as any other; those answers must
not cost more than the job itself (they are refused before the job is built, and worded as
the vendor words them).

Usage: .venv/bin/python bench/error_paths.py [--duration 5] [--rounds 3] [--baseline DIR] [--smoke]
Needs wrk (Debian: apt-get install wrk; without it, it says so and exits 2). Prints
requests/s per answer, medians over interleaved rounds, and each one's ratio to the 200
poll. `--smoke`: one round of 0.3 s loads, no warm-up (a few seconds; tests/bench runs it
to show the benchmark still works; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from compare import JOBMOCK, SMOKE_HELP, SMOKE_SECONDS, free_port, need, start, stop, wrk

TOKEN = "ndsk_test_benchmark"
ANSWERS = {  # what is asked, and the Authorization it is asked with
    "200 job": ("/v1/jobs/job_2Ngd9KqLmRpW", f"Bearer {TOKEN}"),
    "404 unknown id": ("/v1/jobs/job_NotThereAtAl", f"Bearer {TOKEN}"),
    "401 bad token": ("/v1/jobs/job_2Ngd9KqLmRpW", "Bearer sk_wrong_form"),
}


def measure(command: list[str], seconds: float, warm_up: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, _startup = start(
        "jobmock", [*command, "serve", "neuraldraft", "--port", str(port)], base + ANSWERS["200 job"][0]
    )
    try:
        figures = {}
        for name, (path, auth) in ANSWERS.items():
            if warm_up:
                wrk(base + path, warm_up, authorization=auth)
            figures[name] = wrk(base + path, seconds, authorization=auth)["rps"]
        return figures
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5, help="seconds of each measured load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's jobmock, run side by side")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.rounds = SMOKE_SECONDS, 1
    warm_up = 0 if args.smoke else 2
    need("wrk")
    servers = {"jobmock": JOBMOCK}
    if args.baseline is not None:
        servers["baseline"] = [str(args.baseline.resolve() / ".venv" / "bin" / "jobmock")]
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for round_no in range(args.rounds):
        for name in list(servers) if round_no % 2 == 0 else list(servers)[::-1]:
            figures = measure(servers[name], args.duration, warm_up)
            results[name].append(figures)
            print(
                f"round {round_no + 1} {name:<9} " + "  ".join(f"{k} {v:.0f}/s" for k, v in figures.items()), flush=True
            )
    print(f"\nmedians over {args.rounds} rounds, wrk -t1 -c32 -d{args.duration:g}s, requests/s (ratio to the 200 poll)")
    for name, rows in results.items():
        medians = {k: statistics.median(r[k] for r in rows) for k in ANSWERS}
        ok = medians["200 job"]
        print(f"{name:<10}" + "  ".join(f"{k} {v:7.0f} (x{v / ok:.2f})" for k, v in medians.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
