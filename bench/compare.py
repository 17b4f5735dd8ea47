"""Benchmark: jobmock against Prism on the neuraldraft spec, side by side in one run.

Why: Prism is the mock people reach for first; this holds jobmock's polls (a stateful job,
not a static example) to it in requests/s, latency, start-up time and memory, and holds a
change against an earlier commit (`--baseline`) on the same machine in the same run.

Needs wrk (Debian: apt-get install wrk) and Prism (bash scripts/setup.sh --with-node); without
either it says which and exits 2.
Usage: .venv/bin/python bench/compare.py [--duration 10] [--rounds 3] [--baseline DIR] [--smoke]
Prints requests/s, p50/p99 latency at 32 connections, start-up time and RSS for each server,
median over rounds, and the jobmock/Prism ratios. `--baseline DIR` also runs the jobmock of
another checkout (DIR/.venv/bin/jobmock, e.g. a `git worktree` of an earlier commit) in the
same rounds, and prints this/baseline ratios. `--smoke`: one round of 0.3 s loads, no
warm-up, start-up with all five specs timed once (a few seconds; tests/bench runs it to
show the benchmark still works; its figures mean nothing).

The other benchmarks import their helpers from here: `wrk` and `run_wrk` (its figures, its
report; a run shorter than wrk's 1 s is an interrupted one), `start`/`stop` (a server in a
process group of its own), `rss_mb`, `free_port`, `need` (exit 2 naming a missing tool),
`PENDING` (how far to move the clock for a new job to be working), `SMOKE_SECONDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
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
PENDING = 900.0  # seconds: a neuraldraft job of 3600 s is pending for 3600 * 3/13 = 831 s at most
SMOKE_SECONDS = 0.3  # each load of a --smoke run
SMOKE_HELP = "a run of a few seconds through the same code (tiny loads, one round): it works, the figures mean nothing"
TOOLS = {  # what a benchmark may need, and how to get it
    "wrk": "wrk (Debian: apt-get install wrk)",
    "redis-server": "redis-server (Debian: apt-get install redis-server)",
    "prism": "Prism (bash scripts/setup.sh --with-node)",
}
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def need(*tools: str) -> None:
    """Exit 2, naming each missing tool and how to install it, unless all of `tools` are there."""
    where = {"prism": PRISM, "redis-server": Path(REDIS_SERVER)}  # the others: on the PATH
    missing = [TOOLS[t] for t in tools if not (where[t].exists() if t in where else shutil.which(t))]
    if missing:
        print(f"{Path(sys.argv[0]).name}: cannot run without {', '.join(missing)}", file=sys.stderr)
        raise SystemExit(2)


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


def wait_ok(
    url: str, started: float, proc: subprocess.Popen[bytes], timeout: float = 30, headers: dict[str, str] | None = None
) -> float:
    """Seconds from `started` until `url` answers 200 (to `headers`, by default neuraldraft's
    token); RuntimeError if the server exits first or takes too long."""
    request = urllib.request.Request(url, headers=headers or {"Authorization": f"Bearer {TOKEN}"})
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


def start(
    name: str, command: list[str], probe: str, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[subprocess.Popen[bytes], float]:
    """`command` in a process group of its own, once `probe` answers 200 (sent `headers`);
    its start-up time. `name` is what the server is called in a failure's message."""
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc, wait_ok(probe, started, proc, timeout, headers)
    except RuntimeError as exc:
        stop(proc)
        raise RuntimeError(f"{name} ({' '.join(command)}): {exc}") from None


def control(base: str, path: str, body: dict[str, object]) -> dict[str, object]:
    """POST to the control API of the jobmock at `base` (plain HTTP, so any checkout's server answers)."""
    request = urllib.request.Request(
        f"{base}/_jobmock{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        answer: dict[str, object] = json.load(response)
        return answer


def start_jobmock(name: str = "jobmock", command: list[str] = JOBMOCK) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, startup = start(
        name, [*command, "serve", "neuraldraft", "--port", str(port)], f"{base}/v1/jobs/job_2Ngd9KqLmRpW"
    )
    try:
        job = live_job(base)
    except BaseException:
        stop(proc)
        raise
    return Server(name, proc, job, startup)


def live_job(base: str) -> str:
    """A job processing for the whole run, progress and steps moving: made, then the clock
    moved past its pending phase (with a duration of 3600 s it is pending for minutes).
    Its poll URL."""
    job = control(base, "/jobs", {"api": "neuraldraft", "type": "blog_post.generate", "duration": 3600})
    control(base, "/clock/advance", {"seconds": PENDING})
    poll = str(job["poll_url"])
    with urllib.request.urlopen(urllib.request.Request(poll, headers={"Authorization": f"Bearer {TOKEN}"})) as answer:
        status = json.load(answer)["status"]
    if status != "processing":
        raise RuntimeError(f"{poll} is {status}, not processing, after the clock moved {PENDING:g} s")
    return poll


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


def run_wrk(arguments: list[str], seconds: float) -> str:
    """wrk's report of a run of `seconds`. wrk's -d takes whole seconds, 1 at least; a shorter
    run (--smoke) is a longer one interrupted with SIGINT, which wrk ends and reports as usual."""
    if seconds >= 1 and seconds == int(seconds):
        command = ["wrk", f"-d{int(seconds)}s", *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    proc = subprocess.Popen(
        ["wrk", f"-d{math.ceil(seconds)}s", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
    return out


def wrk(
    url: str, seconds: float, connections: int = 32, authorization: str = f"Bearer {TOKEN}", script: str | None = None
) -> dict[str, float]:
    """wrk's figures; `script`: a wrk Lua script (a POST, say)."""
    command = ["-t1", f"-c{connections}", "--latency", "-H", f"Authorization: {authorization}"]
    command += ["-s", script] if script else []
    out = run_wrk([*command, url], seconds)

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return {
        "rps": float(rps.group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `start` (its whole process group: workers, node under Prism's wrapper)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's jobmock, run side by side")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.rounds = SMOKE_SECONDS, 1
    warm_up, startups = (0, 1) if args.smoke else (3, 3)
    need("wrk", "prism")
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
                if warm_up:
                    wrk(server.url, warm_up)
                figures = wrk(server.url, args.duration)
                figures["startup"] = server.startup
                figures["rss"] = rss_mb(server.proc)
                results[server.name].append(figures)
                print(f"round {round_no + 1} {server.name:<9} {figures['rps']:>8.0f} req/s  p50 {figures['p50']:.2f} ms"
                      f"  p99 {figures['p99']:.2f} ms  start {figures['startup']:.2f} s  RSS {figures['rss']:.0f} MB"
                      f"  non-2xx {figures['errors']:.0f}", flush=True)  # fmt: skip
            finally:
                stop(server.proc)
    all_five = statistics.median(startup_all_five() for _ in range(startups))

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"\nmedians over {args.rounds} rounds, wrk -t1 -c32 -d{args.duration:g}s, GET of a live neuraldraft job")
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
    print(f"jobmock start-up with all five specs: {all_five:.2f} s (median of {startups})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
