"""Benchmark: how long a poll waits beside many namespace event streams over many jobs, and
what streams whose client never reads make the server hold.

Why (issue 19, items 6 and 7): 100 `GET /_jobmock/events?limit=1000` streams over 1,000 jobs
once held the event loop for seconds (the first poll beside them waited 9-10 s), and an
unread stream held its whole first burst as one message. A stream must send bounded
messages, yield the loop between bounded pieces of work, and be dropped when its client
stops reading.

Usage: .venv/bin/python bench/stream_load.py [--streams 100] [--jobs 1000] [--polls 200] [--field-bytes 4000] [--smoke]
Prints, for polls alone, then beside STREAMS reading streams (over JOBS working jobs, each
with FIELD_BYTES of `fields`): the first poll's wait, the median, p99 and worst; then the
server's RSS growth with STREAMS streams that are never read, and how many it dropped
(`--stream-stall` is set to 2 s here). `--smoke`: 3 streams over 20 jobs, 10 polls (a few
seconds; tests/bench runs it to show the benchmark still works; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import statistics
import threading
import time
import urllib.request

import httpx
from compare import JOBMOCK, PENDING, SMOKE_HELP, free_port, rss_mb, start, stop

TOKEN = "ndsk_test_benchmark"
POLL = "/v1/jobs/job_2Ngd9KqLmRpW"
STALL = 2  # --stream-stall of the server measured


def open_streams(port: int, count: int, jobs: int) -> list[socket.socket]:
    """`count` namespace streams over the newest `jobs` jobs, each on its own connection
    (a small receive buffer: what the client does not read stays on the server's side)."""
    socks = []
    for _ in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET /_jobmock/events?limit={jobs} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        socks.append(sock)
    return socks


def read_all(socks: list[socket.socket], stop_event: threading.Event) -> threading.Thread:
    """A thread reading every stream until told to stop."""

    def run() -> None:
        selector = selectors.DefaultSelector()
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while not stop_event.is_set():
            for key, _ in selector.select(0.1):
                try:
                    if not key.fileobj.recv(1 << 16):  # type: ignore[union-attr]
                        selector.unregister(key.fileobj)
                except OSError:
                    selector.unregister(key.fileobj)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def polls(client: httpx.Client, base: str, count: int) -> list[float]:
    waits = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(base + POLL, headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
        waits.append((time.perf_counter() - started) * 1000)
    return waits


def shown(name: str, waits: list[float]) -> str:
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<24} first poll {waits[0]:8.1f} ms  median {statistics.median(waits):7.1f} ms  "
        f"p99 {p99:7.1f} ms  worst {ordered[-1]:7.1f} ms"
    )


def status(base: str) -> dict[str, object]:
    with urllib.request.urlopen(base + "/_jobmock/status") as answer:
        streams: dict[str, object] = json.load(answer)["streams"]
        return streams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--field-bytes", type=int, default=4000, help="bytes of `fields` each job carries")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.streams, args.jobs, args.polls, args.field_bytes = 3, 20, 10, 100
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*JOBMOCK, "serve", "neuraldraft", "--port", str(port)]
    command += ["--max-streams", str(args.streams * 2 + 2), "--stream-stall", str(STALL)]
    proc, _startup = start("jobmock", command, base + POLL)
    stop_event = threading.Event()
    socks: list[socket.socket] = []
    try:
        with httpx.Client(timeout=120) as client:
            fields = {"note": "x" * args.field_bytes}
            for _ in range(args.jobs):
                made = {"api": "neuraldraft", "duration": 3600, "fields": fields}
                client.post(base + "/_jobmock/jobs", json=made).raise_for_status()
            client.post(base + "/_jobmock/clock/advance", json={"seconds": PENDING}).raise_for_status()
            print(shown("alone", polls(client, base, args.polls)), flush=True)
            socks = open_streams(port, args.streams, args.jobs)
            reader = read_all(socks, stop_event)
            print(shown(f"{args.streams} reading streams", polls(client, base, args.polls)), flush=True)
            stop_event.set()
            reader.join()
            for sock in socks:
                sock.close()
            time.sleep(0.5)  # the closed streams end
            before, dropped_before = rss_mb(proc), int(str(status(base)["dropped"]))
            socks = open_streams(port, args.streams, args.jobs)
            opened, grown, dropped = time.monotonic(), 0.0, 0
            patience = 1 if args.smoke else STALL + 30  # a smoke run's bursts fit in the sockets' buffers
            while time.monotonic() - opened < patience and dropped < args.streams:
                time.sleep(0.25)  # the first bursts, until the server gives up on the streams
                grown = max(grown, rss_mb(proc) - before)
                dropped = int(str(status(base)["dropped"])) - dropped_before
            took = time.monotonic() - opened
            print(
                f"{args.streams} unread streams      RSS at most +{grown:.1f} MB, "
                f"{dropped} dropped within {took:.1f} s",
                flush=True,
            )
    finally:
        stop_event.set()
        for sock in socks:
            sock.close()
        stop(proc)
    print(f"\n{args.jobs} working jobs with {args.field_bytes} bytes of fields each; streams ?limit={args.jobs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
