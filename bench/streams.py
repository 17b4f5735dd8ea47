"""Benchmark: what open event streams cost the polls, on `jobmock serve` (real clock).

Side by side in one run, interleaved: poll throughput and latency with no stream open,
with N namespace streams (the dashboard's view: each follows the namespace's newest jobs,
JOBS of them working), and with N job streams. Also the CPU the server burns with those
streams open and no poll at all (the cost of looking for changes every tick).

Why: the dashboard and `JobmockClient` users hold streams open for hours beside the polls
of the clients under test; a stream must cost those polls nothing that shows, and an idle
server little CPU.

Usage: .venv/bin/python bench/streams.py [--duration 5] [--rounds 3] [--streams 20] [--jobs 100] [--smoke]
Needs wrk (Debian: apt-get install wrk; without it, it says so and exits 2). The jobs are
made with a duration of an hour and the clock moved past their pending phase, so all of
them work (progress moving) for the whole run. Prints medians and ratios to "no stream".
`--smoke`: one round of 0.3 s, 3 streams over 5 jobs, no warm-up (a few seconds;
tests/bench runs it to show the benchmark still works; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from compare import JOBMOCK, PENDING, SMOKE_HELP, SMOKE_SECONDS, free_port, need, start, stop, wrk

TOKEN = "ndsk_test_benchmark"
POLL = "/v1/jobs/job_2Ngd9KqLmRpW"


def hold_streams(url: str, count: int, stop_event: threading.Event) -> list[threading.Thread]:
    """`count` readers, each on its own connection, reading until told to stop."""

    def read() -> None:
        try:
            with httpx.Client(timeout=None) as client, client.stream("GET", url) as answer:
                for _chunk in answer.iter_bytes():
                    if stop_event.is_set():
                        return
        except httpx.HTTPError:
            return  # the server stopped at the end of the measure

    threads = [threading.Thread(target=read, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


@dataclass(frozen=True)
class Run:
    streams: int
    jobs: int
    seconds: float  # of the idle measure, and of the polls' load
    burst: float  # seconds for the streams' first burst, before measuring
    warm_up: float  # seconds of polls before the measured ones (0: none)


def measure(kind: str, run: Run) -> dict[str, float]:
    streams, jobs, seconds = run.streams, run.jobs, run.seconds
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, _startup = start("jobmock", [*JOBMOCK, "serve", "neuraldraft", "--port", str(port)], base + POLL)
    stop_event = threading.Event()
    try:
        made = [
            httpx.post(base + "/_jobmock/jobs", json={"api": "neuraldraft", "duration": 3600}).json()["id"]
            for _ in range(jobs)
        ]
        httpx.post(base + "/_jobmock/clock/advance", json={"seconds": PENDING}).raise_for_status()  # all working
        if kind == "namespace streams":
            hold_streams(base + f"/_jobmock/events?limit={jobs}", streams, stop_event)
        elif kind == "job streams":
            for i in range(streams):
                hold_streams(base + f"/_jobmock/jobs/{made[i % len(made)]}/events", 1, stop_event)
        time.sleep(run.burst)  # the streams' first burst
        before, started = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        idle_cpu = (cpu_seconds(proc.pid) - before) / (time.monotonic() - started)
        if run.warm_up:
            wrk(base + POLL, run.warm_up, authorization=f"Bearer {TOKEN}")
        figures = wrk(base + POLL, seconds, authorization=f"Bearer {TOKEN}")
        return {"rps": figures["rps"], "p50": figures["p50"], "p99": figures["p99"], "idle_cpu": idle_cpu}
    finally:
        stop_event.set()
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5, help="seconds of the idle measure and of the polls")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.rounds, args.streams, args.jobs = SMOKE_SECONDS, 1, 3, 5
    run = Run(args.streams, args.jobs, args.duration, *((0.2, 0) if args.smoke else (1, 2)))
    need("wrk")
    kinds = ["no stream", "namespace streams", "job streams"]
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for round_no in range(args.rounds):
        for kind in kinds if round_no % 2 == 0 else kinds[::-1]:
            figures = measure(kind, run)
            results[kind].append(figures)
            shown = "  ".join(f"{k} {v:.3g}" for k, v in figures.items())
            print(f"round {round_no + 1} {kind:<18} {shown}", flush=True)
    print(
        f"\nmedians over {args.rounds} rounds; {args.streams} streams, {args.jobs} working jobs, "
        f"wrk -t1 -c32 -d{args.duration:g}s on a poll"
    )
    base = statistics.median(r["rps"] for r in results["no stream"])
    for kind, rows in results.items():
        rps = statistics.median(r["rps"] for r in rows)
        p99 = statistics.median(r["p99"] for r in rows)
        cpu = statistics.median(r["idle_cpu"] for r in rows)
        print(f"  {kind:<18} {rps:8.0f} polls/s (x{rps / base:.2f})  p99 {p99:.2f} ms  idle server CPU {cpu:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
