"""Benchmark: memory a running `jobmock serve` holds per job and per namespace, and that
its bounds hold it, side by side with another checkout's jobmock in the same run.

Why: a mock left running for a CI day or shared by a team holds every job and namespace it
is given until its bounds evict them; this shows what each costs, and that a flood past the
bounds does not grow the process.

Usage: .venv/bin/python bench/memory.py [--jobs 8000] [--namespaces 800] [--flood 3] [--rounds 3]
                                        [--baseline DIR] [--smoke]
Each round starts each server afresh and reads its RSS: after creating `--jobs` jobs through
the control API, after polling the documents' example job in `--namespaces` new namespaces
(both under jobmock's default bounds, so every one is held), then after a flood of
`--flood` times as many more of each (past the bounds). Prints KB per job held, MB per 1,000
namespaces, the RSS after the flood, and (for this checkout) `GET /_jobmock/status`;
medians over rounds. `--smoke`: one round of 100 jobs, 20 namespaces and a flood of as
many again (a few seconds; tests/bench runs it to show the benchmark still works; its
figures mean nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ndsk_test_memory"
EXAMPLE = "/v1/jobs/job_2Ngd9KqLmRpW"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def flood(requests: list[tuple[str, str, dict[str, str], object]], concurrency: int = 16) -> None:
    queue = list(reversed(requests))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            while queue:
                method, url, headers, body = queue.pop()
                await client.request(method, url, headers=headers, json=body)

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def measure(command: list[str], jobs: int, namespaces: int, flood_times: int) -> tuple[dict[str, float], str]:
    """The RSS figures of one server, and its `GET /_jobmock/status` after the flood ("" if it has none)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([*command, "serve", "neuraldraft", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} serve exited {proc.returncode} before answering")
            try:
                if httpx.get(base + EXAMPLE, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base}{EXAMPLE} did not answer 200 within 30 s")
            time.sleep(0.05)
        start = rss_mb(proc.pid)
        create = {"api": "neuraldraft", "duration": 3600}

        def creates(count: int) -> list[tuple[str, str, dict[str, str], object]]:
            return [("POST", base + "/_jobmock/jobs", {}, create) for _ in range(count)]

        def polls(first: int, count: int) -> list[tuple[str, str, dict[str, str], object]]:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            return [
                ("GET", base + EXAMPLE, {**auth, "X-Jobmock-Namespace": f"ns-{first + n}"}, None) for n in range(count)
            ]

        asyncio.run(flood(creates(jobs)))
        after_jobs = rss_mb(proc.pid)
        asyncio.run(flood(polls(0, namespaces)))
        after_namespaces = rss_mb(proc.pid)
        asyncio.run(flood(creates(jobs * flood_times)))
        asyncio.run(flood(polls(namespaces, namespaces * flood_times)))
        after_flood = rss_mb(proc.pid)
        status = httpx.get(base + "/_jobmock/status")
        figures = {
            "start": start,
            "kb_per_job": (after_jobs - start) * 1024 / jobs,
            "mb_per_1000_namespaces": (after_namespaces - after_jobs) * 1000 / namespaces,
            "held": after_namespaces,
            "flooded": after_flood,
        }
        return figures, json.dumps(status.json()) if status.status_code == 200 else ""
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8000)
    parser.add_argument("--namespaces", type=int, default=800)
    parser.add_argument("--flood", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's jobmock, run side by side")
    parser.add_argument("--smoke", action="store_true", help="one round of a few jobs and namespaces: a few seconds")
    args = parser.parse_args()
    if args.smoke:
        args.jobs, args.namespaces, args.flood, args.rounds = 100, 20, 1, 1
    servers = {"jobmock": [str(ROOT / ".venv" / "bin" / "jobmock")]}
    if args.baseline is not None:
        servers["baseline"] = [str(args.baseline.resolve() / ".venv" / "bin" / "jobmock")]
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    last = ""
    for round_no in range(args.rounds):
        order = list(servers) if round_no % 2 == 0 else list(servers)[::-1]
        for name in order:
            figures, status = measure(servers[name], args.jobs, args.namespaces, args.flood)
            results[name].append(figures)
            last = status if name == "jobmock" else last
            print(f"round {round_no + 1} {name:<9} start {figures['start']:.0f} MB, "
                  f"{figures['kb_per_job']:.2f} KB per job, {figures['mb_per_1000_namespaces']:.2f} MB per 1,000 "
                  f"namespaces, {figures['held']:.0f} MB held, {figures['flooded']:.0f} MB after the flood",
                  flush=True)  # fmt: skip
    print(f"\nmedians over {args.rounds} rounds: {args.jobs} jobs and {args.namespaces} namespaces, "
          f"then {args.flood}x as many more of each")  # fmt: skip
    for name, rows in results.items():
        per_job = statistics.median(r["kb_per_job"] for r in rows)
        per_ns = statistics.median(r["mb_per_1000_namespaces"] for r in rows)
        held = statistics.median(r["held"] for r in rows)
        flooded = statistics.median(r["flooded"] for r in rows)
        print(f"{name:<10} {per_job:6.2f} KB per job  {per_ns:6.2f} MB per 1,000 namespaces  "
              f"RSS {held:4.0f} MB held, {flooded:4.0f} MB after the flood")  # fmt: skip
    if last:
        print(f"jobmock GET /_jobmock/status after the last round: {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
