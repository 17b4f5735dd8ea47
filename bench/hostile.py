"""Benchmark: how long a poll waits while each hostile request of tests/server/test_hostile.py
is in flight (the event loop must never be held for long), on a `jobmock serve` of this checkout.

Why: the test only fails a case that holds the loop for seconds; this shows the margin,
case by case, so a parser or a check that starts to block the loop shows long before.

Usage: .venv/bin/python bench/hostile.py [--smoke]
Prints the median of the worst poll per case and the six worst cases (the server's log:
/tmp/jobmock-bench-hostile.log). `--smoke`: every 16th case only (a few seconds; tests/bench
runs it to show the benchmark still works; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "server")]

from support import ServeProcess  # noqa: E402

from test_hostile import CASES, EXAMPLE, ND  # noqa: E402  # isort: skip


def poll_in_a_loop(url: str, waits: list[float], stop: threading.Event) -> None:
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            client.get(url + EXAMPLE, headers=ND)
            waits.append(time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="every 16th case only: a run of a few seconds")
    cases = CASES[::16] if parser.parse_args().smoke else CASES
    worst = []
    with ServeProcess(log=Path("/tmp/jobmock-bench-hostile.log")) as server:
        for name, method, path, headers, body in cases:
            waits: list[float] = []
            stop = threading.Event()

            poller = threading.Thread(target=poll_in_a_loop, args=(server.url, waits, stop))
            poller.start()
            time.sleep(0.05)
            started = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):  # a request the parser refuses: the connection closes
                httpx.request(method, server.url + path, headers=headers, content=body, timeout=30)
            took = time.monotonic() - started
            time.sleep(0.05)
            stop.set()
            poller.join()
            worst.append((max(waits) * 1000, took * 1000, name))
    worst.sort(reverse=True)
    print(f"{len(worst)} cases; the worst poll beside each: median {statistics.median(w[0] for w in worst):.1f} ms")
    for poll_ms, request_ms, name in worst[:6]:
        print(f"  poll waited {poll_ms:6.1f} ms  (the request took {request_ms:6.1f} ms)  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
