"""Micro-benchmark: microseconds per poll through each ASGI layer, in-process (no network).

Why: a poll is the request a server under load answers most. This splits its cost by layer
(jobmock/server/app.py stacks them), so a change that slows one shows where, free of the
noise of sockets and a load generator.

Usage: .venv/bin/python bench/hot_path.py [--polls 20000] [--smoke]
Prints µs per poll through the fast paths alone (`FastPaths`, the poll operation without
Connexion), with the journal (`Journal`), with delivery (`Delivery`), and through the whole
app as `jobmock.create` builds it (`Lifespan(Guard(Screening(Dashboard(EventStreams(...)))))`),
for a GET of a neuraldraft job that is processing. `--smoke`: 300 polls per layer (about a
second; tests/bench runs it to show the benchmark still works; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from jobmock import create
from jobmock.server.adapters.fast_paths import FastPaths
from jobmock.server.middleware.delivery import Delivery
from jobmock.server.middleware.journal import Journal
from jobmock.server.operations import Context
from jobmock.server.types import ASGIApp, Receive, Scope, Send
from jobmock.sim.jobs import NewJob

TOKEN = "ndsk_test_bench"
PENDING = 900.0  # seconds: a neuraldraft job of 3600 s is pending for 831 s at most
SMOKE_POLLS = 300


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _unreached(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError(f"{scope['method']} {scope['path']} went past the fast paths")


class Answers:
    """An ASGI `send` that keeps the status and body of the last answer."""

    def __init__(self) -> None:
        self.status = 0
        self.body = b""

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.body = b""
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def per_poll(app: ASGIApp, scope: dict[str, Any], polls: int) -> float:
    """µs per poll through `app`, after checking it answers the job (and once, to warm it)."""
    answers = Answers()
    await app(dict(scope), _receive, answers)
    if answers.status != 200 or b'"processing"' not in answers.body:
        raise RuntimeError(f"the poll was answered {answers.status}: {answers.body[:200]!r}")
    started = time.perf_counter()
    for _ in range(polls):
        await app(dict(scope), _receive, answers)
    return (time.perf_counter() - started) / polls * 1e6


async def measure(polls: int) -> dict[str, float]:
    app = create(specs=["neuraldraft"], seed=1)
    state = app.state
    job = await state.create(NewJob(api="neuraldraft", owner=TOKEN, duration=3600))
    await state.move_clock("advance", PENDING)  # past its pending phase: processing
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/v1/jobs/{job.id}",
        "raw_path": f"/v1/jobs/{job.id}".encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {TOKEN}".encode())],
    }
    fast = FastPaths(_unreached, Context(state))
    layers: dict[str, ASGIApp] = {
        "fast paths": fast,
        "+ journal": Journal(fast, state),
        "+ delivery": Delivery(Journal(fast, state)),
        "whole app": app,
    }
    return {name: await per_poll(layer, scope, polls) for name, layer in layers.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=20_000, help="polls through each layer")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_POLLS} polls per layer: a run of about a second")
    args = parser.parse_args()
    polls = SMOKE_POLLS if args.smoke else args.polls
    for name, micros in asyncio.run(measure(polls)).items():
        print(f"{name:<18} {micros:6.1f} µs per poll")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
