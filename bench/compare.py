"""Benchmark: jobmock against Prism on the neuraldraft spec, side by side in one run.

Needs wrk (Debian: apt-get install wrk) and Prism (bash scripts/setup.sh --with-node).
Usage: .venv/bin/python bench/compare.py [--duration 10] [--rounds 3] [--baseline DIR]
Prints requests/s, p50/p99 latency at 32 connections, start-up time and RSS for each server,
median over rounds, and the jobmock/Prism ratios. `--baseline DIR` also runs the jobmock of
another checkout (DIR/.venv/bin/jobmock, e.g. a `git worktree` of an earlier commit) in the
same rounds, and prints this/baseline ratios. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"
JOBMOCK = [str(ROOT / ".venv" / "bin" / "jobmock")]
TOKEN = "ndsk_test_benchmark"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str  # the poll URL to load
    startup: float


def wait_ok(url: str, started: float, timeout: float = 30) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


def start(name: str, command: list[str], probe: str) -> tuple[subprocess.Popen[bytes], float]:
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return proc, wait_ok(probe, started)


def start_jobmock(name: str = "jobmock", command: list[str] = JOBMOCK) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, startup = start(
        name, [*command, "serve", "neuraldraft", "--port", str(port)], f"{base}/v1/jobs/job_2Ngd9KqLmRpW"
    )
    # a live job: processing for the whole run, progress and steps moving
    body = json.dumps({"api": "neuraldraft", "type": "blog_post.generate", "duration": 3600}).encode()
    create = urllib.request.Request(f"{base}/_jobmock/jobs", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(create) as response:
        job = json.load(response)
    time.sleep(3.5)  # past the pending phase
    return Server(name, proc, job["poll_url"], startup)


def start_prism() -> Server:
    port = free_port()
    command = [
        str(PRISM),
        "mock",
        str(ROOT / "specs" / "neuraldraft.yaml"),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-v",
        "warn",
    ]
    url = f"http://127.0.0.1:{port}/jobs/job_2Ngd9KqLmRpW"
    proc, startup = start("prism", command, url)
    return Server("prism", proc, url, startup)


def startup_all_five() -> float:
    port = free_port()
    proc, startup = start(
        "jobmock-all",
        [*JOBMOCK, "serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW",
    )
    stop(proc)
    return startup


def rss_mb(proc: subprocess.Popen[bytes]) -> float:
    """Resident memory of the process group (Prism runs node under a wrapper)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != proc.pid:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except (OSError, ProcessLookupError):
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def wrk(
    url: str, seconds: int, connections: int = 32, authorization: str = f"Bearer {TOKEN}", script: str | None = None
) -> dict[str, float]:
    """wrk's figures; `script`: a wrk Lua script (a POST, say)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: {authorization}"]
    command += ["-s", script] if script else []
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": latency("50%"),
        "p99": latency("99%"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's jobmock, run side by side")
    args = parser.parse_args()
    if not PRISM.exists():
        print("Prism missing: run bash scripts/setup.sh --with-node", file=sys.stderr)
        return 2
    starters: list[Callable[[], Server]] = [start_jobmock, start_prism]
    results: dict[str, list[dict[str, float]]] = {"jobmock": [], "prism": []}
    if args.baseline is not None:
        baseline = [str(args.baseline.resolve() / ".venv" / "bin" / "jobmock")]
        starters.append(lambda: start_jobmock("baseline", baseline))
        results["baseline"] = []
    for round_no in range(args.rounds):
        for starter in starters if round_no % 2 == 0 else starters[::-1]:
            server = starter()
            try:
                wrk(server.url, 3)  # warm-up
                figures = wrk(server.url, args.duration)
                figures["startup"] = server.startup
                figures["rss"] = rss_mb(server.proc)
                results[server.name].append(figures)
                print(f"round {round_no + 1} {server.name:<9} {figures['rps']:>8.0f} req/s  p50 {figures['p50']:.2f} ms"
                      f"  p99 {figures['p99']:.2f} ms  start {figures['startup']:.2f} s  RSS {figures['rss']:.0f} MB"
                      f"  non-2xx {figures['errors']:.0f}", flush=True)  # fmt: skip
            finally:
                stop(server.proc)
    all_five = statistics.median(startup_all_five() for _ in range(3))

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"\nmedians over {args.rounds} rounds, wrk -t1 -c32 -d{args.duration}s, GET of a live neuraldraft job")
    print(f"{'':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'start s':>10}{'RSS MB':>10}")
    for name in results:
        print(f"{name:<10}{med(name, 'rps'):>10.0f}{med(name, 'p50'):>10.2f}{med(name, 'p99'):>10.2f}"
              f"{med(name, 'startup'):>10.2f}{med(name, 'rss'):>10.0f}")  # fmt: skip
    print(f"ratio jobmock/prism: req/s x{med('jobmock', 'rps') / med('prism', 'rps'):.2f}, "
          f"p99 x{med('jobmock', 'p99') / med('prism', 'p99'):.2f}")  # fmt: skip
    if "baseline" in results:
        print(f"ratio jobmock/baseline: req/s x{med('jobmock', 'rps') / med('baseline', 'rps'):.2f}, "
              f"p50 x{med('jobmock', 'p50') / med('baseline', 'p50'):.2f}, "
              f"p99 x{med('jobmock', 'p99') / med('baseline', 'p99'):.2f}")  # fmt: skip
    print(f"jobmock start-up with all five specs: {all_five:.2f} s (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
