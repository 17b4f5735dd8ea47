"""Micro-benchmark: microseconds per poll through each ASGI layer, in-process (no network).

Usage: .venv/bin/python bench/hot_path.py [--polls 20000]
Prints the cost of the fast path alone, with the journal, with delivery, and of the
whole app (CORS outermost), for a GET of a live neuraldraft job. Not part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

try:  # this layout
    from jobmock import NewJob, create
    from jobmock.server.delivery import Delivery
    from jobmock.server.fastpath import PollFastPath
    from jobmock.server.journaling import Journaling
except ImportError:  # the flat layout before it, to compare before and after in one run
    from jobmock.delivery import Delivery  # type: ignore[no-redef]
    from jobmock.fastpath import PollFastPath  # type: ignore[no-redef]
    from jobmock.jobs import NewJob  # type: ignore[no-redef]
    from jobmock.journal_layer import Journaling  # type: ignore[no-redef]

    from jobmock.server import create  # type: ignore[no-redef]

TOKEN = "ndsk_test_bench"


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(message: Any) -> None:
    pass


async def per_poll(app: Any, scope: dict[str, Any], polls: int) -> float:
    started = time.perf_counter()
    for _ in range(polls):
        await app(dict(scope), _receive, _send)
    return (time.perf_counter() - started) / polls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=20_000)
    polls = parser.parse_args().polls
    mock, app = create(["neuraldraft"], seed=1)
    job = mock.create(NewJob(api="neuraldraft", owner=TOKEN))
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/v1/jobs/{job.id}",
        "query_string": b"",
        "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {TOKEN}".encode())],
    }
    try:
        fast = PollFastPath(None, mock)  # type: ignore[arg-type]
    except TypeError:  # the flat layout
        fast = PollFastPath(None, mock, list(mock.apis.values()))  # type: ignore[arg-type,call-arg]
    layers = {
        "fast path": fast,
        "+ journal": Journaling(fast, mock),
        "+ delivery": Delivery(Journaling(fast, mock)),
        "whole app (CORS)": app,
    }
    for name, layer in layers.items():
        print(f"{name:<18} {asyncio.run(per_poll(layer, scope, polls)):6.1f} µs per poll")


if __name__ == "__main__":
    main()
