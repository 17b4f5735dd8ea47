"""Benchmark: jobmock's state (memory, SQLite, Redis) and workers, side by side in one run.

Why: shared state (workers on one host share a SQLite file, hosts share Redis) puts a store
on the path of every change and of some polls; this shows what it costs against memory,
what a second worker buys next to what it buys a bare app, and that memory and latency stay
bounded with many jobs.

Usage: .venv/bin/python bench/state.py [--duration 5] [--rounds 3] [--jobs 100000] [--soak-minutes 10]
                                       [--only workers,stores,cluster,creates,memory,listing] [--smoke]
Needs wrk and redis-server (Debian packages; without one it says which and exits 2). Every
figure is a median over `--rounds` rounds whose order alternates; each server starts afresh
and serves the neuraldraft API.
  workers   polls/s with --workers 2 against 1 worker, next to a bare Starlette app's
            2-vs-1 ratio under the same uvicorn (wrk runs on the same 2 cores)
  stores    polls/s on SQLite and on Redis state against memory state (one worker), and
            with --validate-responses against without
  cluster   polls/s and p99 on 1 and 3 processes on one Redis against memory, 3 clients at once
  creates   control-API creates/s on one worker, for each state
  memory    RSS of the jobmock process holding `--jobs` jobs, for each state; KB per job
  listing   a poll's p50/p99 while GET /_jobmock/jobs?limit=100 pages through `--jobs` jobs in a loop
  soak      (only with --soak-minutes) RSS every 10 s under creates and polls past every bound
`--smoke`: every section (not the soak) in one round of 0.3 s loads with 100 jobs and no
warm-up. It still starts 15 servers one after the other, some 30 s; tests/bench runs it to
show the benchmark still works (its figures mean nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from compare import (
    JOBMOCK,
    REDIS_SERVER,
    SMOKE_SECONDS,
    free_port,
    need,
    rss_mb,
    run_wrk,
    start,
    stop,
    wrk,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "/v1/jobs/job_2Ngd9KqLmRpW"
TOKEN = "ndsk_test_benchmark"
UVICORN = str(ROOT / ".venv" / "bin" / "uvicorn")
CREATE_LUA = """wrk.method = "POST"
wrk.body = '{"api": "neuraldraft", "duration": 0.01}'
wrk.headers["Content-Type"] = "application/json"
"""


@contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_redis(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


def wait_for_redis(port: int, proc: subprocess.Popen[bytes], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited {proc.returncode} on start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not answer within {seconds:g} s")


@contextmanager
def state_url(kind: str) -> Iterator[str]:
    if kind == "memory":
        yield "memory"
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "state.db")
    else:
        with redis_server() as url:
            yield url


@contextmanager
def jobmock(*options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, _ = start("jobmock", [*JOBMOCK, "serve", "neuraldraft", "--port", str(port), *options], base + EXAMPLE)
    try:
        yield proc, base
    finally:
        stop(proc)


@contextmanager
def bare(workers: int) -> Iterator[str]:
    port = free_port()
    command = [UVICORN, "bare_app:app", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(
        [*command, "--no-access-log", "--app-dir", str(ROOT / "bench")],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}{EXAMPLE}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        stop(proc)


def polls(url: str, args: argparse.Namespace) -> dict[str, float]:
    if args.warm_up:
        wrk(url, args.warm_up)
    return wrk(url, args.duration)


def rounds(args: argparse.Namespace, runs: dict[str, Callable[[], dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Each run once per round, the order reversed every other round; medians per figure."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for number in range(args.rounds):
        for name in list(runs) if number % 2 == 0 else list(runs)[::-1]:
            figures = runs[name]()
            results[name].append(figures)
            shown = "  ".join(f"{k} {v:.2f}" if v < 100 else f"{k} {v:.0f}" for k, v in figures.items())
            print(f"  round {number + 1} {name:<24} {shown}", flush=True)
    return {name: {k: statistics.median(r[k] for r in rows) for k in rows[0]} for name, rows in results.items()}


def workers_section(args: argparse.Namespace) -> None:
    def served(count: int) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            with jobmock("--workers", str(count)) as (_proc, base):
                return polls(base + EXAMPLE, args)

        return run

    def starlette(count: int) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            with bare(count) as url:
                return polls(url, args)

        return run

    found = rounds(
        args,
        {
            "jobmock 1 worker": served(1),
            "jobmock 2 workers": served(2),
            "starlette 1 worker": starlette(1),
            "starlette 2 workers": starlette(2),
        },
    )
    ours = found["jobmock 2 workers"]["rps"] / found["jobmock 1 worker"]["rps"]
    theirs = found["starlette 2 workers"]["rps"] / found["starlette 1 worker"]["rps"]
    print(f"workers: polls/s 2 vs 1 worker: jobmock x{ours:.2f} (memory vs SQLite in a temporary folder), "
          f"bare Starlette x{theirs:.2f}")  # fmt: skip
    for name, figures in found.items():
        print(f"  {name:<24} {figures['rps']:8.0f}/s  p99 {figures['p99']:.2f} ms")


def stores_section(args: argparse.Namespace) -> None:
    def run(kind: str, *options: str) -> Callable[[], dict[str, float]]:
        def measure() -> dict[str, float]:
            with state_url(kind) as url, jobmock("--state", url, *options) as (_proc, base):
                return polls(base + EXAMPLE, args)

        return measure

    found = rounds(
        args,
        {
            "memory": run("memory"),
            "sqlite": run("sqlite"),
            "redis": run("redis"),
            "memory --validate-responses": run("memory", "--validate-responses"),
        },
    )
    plain = found["memory"]["rps"]
    print("stores: polls/s (ratio to memory state, one worker)")
    for name, figures in found.items():
        print(f"  {name:<28} {figures['rps']:8.0f}/s  x{figures['rps'] / plain:.2f}  p99 {figures['p99']:.2f} ms")


def cluster_section(args: argparse.Namespace) -> None:
    """Polls on 1 and 3 processes on one Redis, against memory: 3 wrk at once, one per process
    (the round-robin a load balancer makes), their req/s summed and their p99s' median."""

    def run(count: int, kind: str) -> Callable[[], dict[str, float]]:
        def measure() -> dict[str, float]:
            with contextlib.ExitStack() as stack:
                url = stack.enter_context(state_url(kind))
                bases = [stack.enter_context(jobmock("--state", url))[1] for _ in range(count)]
                targets = [bases[n % count] + EXAMPLE for n in range(3)]
                if args.warm_up:
                    together(targets, args.warm_up)
                found = together(targets, args.duration)
                return {
                    "rps": sum(f["rps"] for f in found),
                    "p99": statistics.median(f["p99"] for f in found),
                    "errors": sum(f["errors"] for f in found),
                }

        return measure

    found = rounds(
        args,
        {
            "memory, 1 process": run(1, "memory"),
            "redis, 1 process": run(1, "redis"),
            "redis, 3 processes": run(3, "redis"),
        },
    )
    plain = found["memory, 1 process"]
    print("cluster: polls/s through 3 clients at once (ratio to memory), p99 (ratio to memory)")
    for name, figures in found.items():
        print(
            f"  {name:<22} {figures['rps']:8.0f}/s  x{figures['rps'] / plain['rps']:.2f}  "
            f"p99 {figures['p99']:.2f} ms  x{figures['p99'] / plain['p99']:.2f}"
        )


def together(urls: list[str], seconds: float) -> list[dict[str, float]]:
    """wrk against each URL at once (~10 connections each): each one's figures."""
    found: list[dict[str, float]] = [{} for _ in urls]

    def one(index: int) -> None:
        found[index] = wrk(urls[index], seconds, connections=11)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def creates_section(args: argparse.Namespace) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(CREATE_LUA)

    def run(kind: str) -> Callable[[], dict[str, float]]:
        def measure() -> dict[str, float]:
            with state_url(kind) as url, jobmock("--state", url) as (_proc, base):
                if args.warm_up:
                    wrk(base + "/_jobmock/jobs", args.warm_up, script=script.name)
                return wrk(base + "/_jobmock/jobs", args.duration, script=script.name)

        return measure

    found = rounds(args, {kind: run(kind) for kind in ("memory", "sqlite", "redis")})
    print("creates: POST /_jobmock/jobs per second, one worker (non-2xx answers in brackets)")
    for name, figures in found.items():
        print(f"  {name:<8} {figures['rps']:8.0f}/s  p99 {figures['p99']:.2f} ms  ({figures['errors']:.0f})")


FILL_LUA = """wrk.method = "POST"
wrk.body = '{"api": "neuraldraft", "duration": 86400}'
wrk.headers["Content-Type"] = "application/json"
"""


def fill(base: str, count: int, seconds: float) -> float:
    """Create jobs with wrk, `seconds` at a time, until the default namespace holds `count`
    (--max-jobs refuses more); the creates per second."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(FILL_LUA)
    started = time.monotonic()
    held = 0
    while held < count:
        run_wrk(["-t1", "-c16", "-s", script.name, base + "/_jobmock/jobs"], seconds)
        held = int(httpx.get(base + "/_jobmock/status", timeout=60).json()["jobs"]["count"])
    return held / (time.monotonic() - started)


def memory_section(args: argparse.Namespace) -> None:
    print(f"memory: RSS of the jobmock process after creating {args.jobs} jobs (one namespace)")
    for kind in ("memory", "sqlite", "redis"):
        with state_url(kind) as url, jobmock("--state", url, "--max-jobs", str(args.jobs)) as (proc, base):
            time.sleep(args.settle)
            before = rss_mb(proc)
            rate = fill(base, args.jobs, args.fill_seconds)
            time.sleep(args.settle)
            after = rss_mb(proc)
            per_job = (after - before) * 1024 * 1024 / args.jobs / 1000
            print(f"  {kind:<8} start {before:6.1f} MB  with {args.jobs} jobs {after:6.1f} MB  "
                  f"({per_job:.2f} KB per job; created at {rate:.0f}/s)", flush=True)  # fmt: skip


def listing_section(args: argparse.Namespace) -> None:
    print(f"listing: a poll's latency while GET /_jobmock/jobs?limit=100 pages through {args.jobs} jobs in a loop")
    with jobmock("--max-jobs", str(args.jobs)) as (_proc, base):
        fill(base, args.jobs, args.fill_seconds)
        quiet = [wrk(base + EXAMPLE, args.duration, connections=4) for _ in range(args.rounds)]
        stop_listing = threading.Event()
        pages = [0]

        def page_through() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                while not stop_listing.is_set():
                    cursor = None
                    while not stop_listing.is_set():
                        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                        answer = client.get("/_jobmock/jobs", params=params).json()
                        pages[0] += 1
                        cursor = answer["next"]
                        if cursor is None:
                            break

        lister = threading.Thread(target=page_through)
        lister.start()
        started = time.monotonic()
        busy = [wrk(base + EXAMPLE, args.duration, connections=4) for _ in range(args.rounds)]
        took = time.monotonic() - started
        stop_listing.set()
        lister.join()
    for name, runs in (("alone", quiet), ("while listing", busy)):
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        print(f"  {name:<14} poll p50 {p50:.2f} ms  p99 {p99:.2f} ms")
    print(f"  pages listed meanwhile: {pages[0]} ({pages[0] / took:.0f}/s)")


def soak_section(args: argparse.Namespace) -> None:
    minutes = args.soak_minutes
    print(f"soak: {minutes} min of creates and polls past every bound (SQLite state), RSS every 10 s")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(CREATE_LUA)
    bounds = ["--max-jobs", "2000", "--journal-entries", "2000"]
    with state_url("sqlite") as url, jobmock("--state", url, *bounds) as (proc, base):
        seconds = int(minutes * 60)
        loads = [
            subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", script.name, base + "/_jobmock/jobs"],
                             stdout=subprocess.DEVNULL),
            subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s", "-H", f"Authorization: Bearer {TOKEN}",
                              base + EXAMPLE], stdout=subprocess.DEVNULL),
        ]  # fmt: skip
        samples = []
        started = time.monotonic()
        while any(load.poll() is None for load in loads):
            time.sleep(10)
            samples.append((time.monotonic() - started, rss_mb(proc)))
            print(f"  {samples[-1][0]:5.0f} s  RSS {samples[-1][1]:6.1f} MB", flush=True)
        status = httpx.get(base + "/_jobmock/status").json()
    settled = [rss for at, rss in samples if at >= 60]
    if settled:
        print(f"  after the first minute: RSS {min(settled):.1f} to {max(settled):.1f} MB "
              f"(max/min x{max(settled) / min(settled):.3f})")  # fmt: skip
    print(f"  jobs held {status['jobs']['count']}, evicted {status['jobs']['evicted']}; "
          f"journal {status['journal']['entries']} entries, evicted {status['journal']['evicted']}")  # fmt: skip


SECTIONS = {
    "cluster": cluster_section,
    "workers": workers_section,
    "stores": stores_section,
    "creates": creates_section,
    "memory": memory_section,
    "listing": listing_section,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5, help="seconds of each measured load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--soak-minutes", type=float, default=0.0)
    parser.add_argument("--smoke", action="store_true", help="every section, one round of tiny loads (some 30 s)")
    args = parser.parse_args()
    sections = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")
    if args.smoke:
        args.duration, args.rounds, args.jobs = SMOKE_SECONDS, 1, 100
    # seconds: of polls before the measured ones (0: none), of each wrk run filling the jobs,
    # and before each RSS reading
    args.warm_up, args.fill_seconds, args.settle = (0, 0.3, 0.1) if args.smoke else (2, 5, 1)
    need("wrk", *(["redis-server"] if {"stores", "creates", "memory"} & set(sections) else []))
    for name in sections:
        SECTIONS[name](args)
        print(flush=True)
    if args.soak_minutes:
        soak_section(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
