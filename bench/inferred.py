"""Benchmark: polls of a job whose lifecycle jobmock read from a vendor's document, side by
side with polls of the bundled neuraldraft's job, in one run.

Why: issue 21 asks that a job resource inferred from a document with no x-jobmock (OpenAI's
batches: nine timestamps, counts, a 3 MB document behind it) be polled at least 0.9x as fast
as the bundled neuraldraft's hand-described one.

Needs wrk (Debian: apt-get install wrk); without it, it says so and exits 2.
Usage: .venv/bin/python bench/inferred.py [--document FILE] [--duration 8] [--rounds 3] [--smoke]
The document defaults to the corpus' openai.yaml (tests/corpus/README.md says how to put it in
place), else a small document of batches written for the run. Each round starts both servers,
makes a job of each that works for an hour (the control API, then the clock moved past its
first state), and loads each poll with wrk (32 connections); it prints requests/s, p50 and p99
per round, the medians, and the inferred/neuraldraft ratio. `--smoke`: one round of 0.3 s
loads on the small document (tests/bench runs it: the figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import JOBMOCK, PENDING, SMOKE_HELP, SMOKE_SECONDS, control, free_port, need, start, stop, wrk

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "tests" / "corpus" / "documents" / "openai.yaml"
AUTHORIZATION = "Bearer sk-benchmark"


def small_document(folder: Path) -> Path:
    """Batches, as a vendor might describe them: no x-jobmock."""
    stamp = {"type": "integer", "nullable": True}
    batch = {
        "type": "object",
        "required": ["id", "status", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "in_progress", "completed", "failed", "cancelled"]},
            "created_at": {"type": "integer"},
            "in_progress_at": stamp,
            "completed_at": stamp,
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        },
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": batch}}}}
    param = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Batches", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/batches": {"post": {"operationId": "createBatch", "responses": ok}},
            "/batches/{batch_id}": {"get": {"operationId": "getBatch", "parameters": [param], "responses": ok}},
        },
    }
    path = folder / "batches.json"
    path.write_text(json.dumps(document))
    return path


def working_job(base: str, api: str, authorization: str) -> str:
    """The poll URL of a job of `api` working for the whole run (see compare.live_job)."""
    job = control(base, "/jobs", {"api": api, "duration": 3600})
    control(base, "/clock/advance", {"seconds": PENDING})
    poll = str(job["poll_url"])
    request = urllib.request.Request(poll, headers={"Authorization": authorization})
    with urllib.request.urlopen(request) as answer:
        json.load(answer)  # it answers 200 with a job body
    return poll


def round_of(document: Path, seconds: float) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    neuraldraft = ("neuraldraft", ["neuraldraft"], "neuraldraft", "Bearer ndsk_test_benchmark")
    inferred = ("inferred", [str(document)], document.stem, AUTHORIZATION)
    for label, specs, api, authorization in (neuraldraft, inferred):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        apis_url = f"{base}/_jobmock/apis"
        proc, _ = start(label, [*JOBMOCK, "serve", *specs, "--port", str(port), "--clock", "manual"], apis_url)
        try:
            poll = working_job(base, api, authorization)
            figures[label] = wrk(poll, seconds, authorization=authorization)
        finally:
            stop(proc)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", type=Path)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    need("wrk")
    with tempfile.TemporaryDirectory() as folder:
        document = args.document or (DOCUMENT if DOCUMENT.exists() and not args.smoke else small_document(Path(folder)))
        seconds = SMOKE_SECONDS if args.smoke else args.duration
        rounds = 1 if args.smoke else args.rounds
        print(f"document {document.name}, {seconds:g} s loads, {rounds} round(s)")
        results: dict[str, list[dict[str, float]]] = {"neuraldraft": [], "inferred": []}
        for number in range(1, rounds + 1):
            for label, figures in round_of(document, seconds).items():
                results[label].append(figures)
                print(f"round {number} {label:<12} {figures['rps']:.0f} req/s  p50 {figures['p50']:.2f} ms  "
                      f"p99 {figures['p99']:.2f} ms  non-2xx {figures['errors']:.0f}", flush=True)  # fmt: skip

    def med(label: str, key: str) -> float:
        return statistics.median(r[key] for r in results[label])

    print("median        req/s   p50 ms   p99 ms")
    for label in results:
        print(f"{label:<12} {med(label, 'rps'):>6.0f} {med(label, 'p50'):>8.2f} {med(label, 'p99'):>8.2f}")
    print(f"ratio inferred/neuraldraft: req/s x{med('inferred', 'rps') / med('neuraldraft', 'rps'):.2f}, "
          f"p99 x{med('inferred', 'p99') / med('neuraldraft', 'p99'):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
