"""Benchmark: milliseconds and values per made-up body, per document.

Why: every answer jobmock makes up (a job's body, a stateless answer of any operation) is
drawn by `sim/fakedata.py`'s Generator, which keeps to the vendor's schema (issue 20, item 4)
by asking the validator about oneOf branches and name-guided guesses, and stops making
optional content past a bound. This shows what that costs on real documents: for every
request body (WRITE) and response body (READ) schema of every operation, one body per seed.

Usage: .venv/bin/python bench/fakedata.py [--seeds 5] [--corpus DIR] [--smoke]
Documents: the five bundled specs, and every document in tests/corpus/documents (or --corpus,
or JOBMOCK_CORPUS_DIR) when there are any. Prints per document the bodies made, the median,
p99 and largest time per body in ms of this thread's CPU time (a busy machine's waits left
out) and where the largest was, and the median and largest count of values per body. The
first seed of each schema is the cold one (validators and merged schemas not built yet).
Each document is frozen out of the garbage collector once loaded (`gc.freeze`): a full
collection over a resolved 3 MB document takes ~100 ms, and would land in whichever body
triggered it.
`--smoke`: one seed, the bundled specs only (tests/bench runs it; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jobmock.contract import openapi
from jobmock.contract.bundled import bundled_specs
from jobmock.contract.model import load_api
from jobmock.contract.schema_fit import READ, WRITE, Direction
from jobmock.sim import fakedata

ROOT = Path(__file__).resolve().parents[1]


def bodies(resolved: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], Direction]]:
    for path, item in (resolved.get("paths") or {}).items():
        for method in openapi.HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            for media_type, media in ((operation.get("requestBody") or {}).get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield f"{method.upper()} {path} request {media_type}", media["schema"], WRITE
            for code, response in (operation.get("responses") or {}).items():
                for media_type, media in ((response or {}).get("content") or {}).items():
                    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                        yield f"{method.upper()} {path} {code} {media_type}", media["schema"], READ


def documents(corpus: Path, smoke: bool) -> list[Path]:
    found = sorted(bundled_specs().glob("*.yaml"))
    if not smoke and corpus.is_dir():
        found += sorted(p for p in corpus.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return found


def measure(path: Path, seeds: int) -> str:
    contract = load_api(path, check_openapi=False)
    # the resolved document is millions of objects: out of the collector's way, as a server
    # that has loaded its documents would keep it (else a full collection lands in one body)
    gc.collect()
    gc.freeze()
    times: list[float] = []
    values: list[int] = []
    worst = (0.0, "")
    for where, schema, direction in bodies(contract.resolved):
        for seed in range(seeds):
            gen = fakedata.Generator(
                random.Random(seed),
                fakedata.seeded_faker(seed),
                dialect=contract.dialect,
                direction=direction,
                document=contract.resolved,
            )
            started = time.thread_time()
            gen.value(schema)
            spent = (time.thread_time() - started) * 1000
            times.append(spent)
            values.append(gen.made)
            worst = max(worst, (spent, where))
    if not times:
        return f"{path.stem:<20} {contract.dialect}  no bodies"
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (
        f"{path.stem:<20} {contract.dialect}  {len(times):>5} bodies  median {statistics.median(times):.2f} ms"
        f"  p99 {p99:.1f} ms  max {worst[0]:.1f} ms  values/body median {statistics.median(values):.0f}"
        f" max {max(values)}  (slowest: {worst[1]})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    default_corpus = os.environ.get("JOBMOCK_CORPUS_DIR") or str(ROOT / "tests" / "corpus" / "documents")
    parser.add_argument("--corpus", type=Path, default=Path(default_corpus))
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    seeds = 1 if args.smoke else args.seeds
    print(f"ms of thread CPU time per body, {seeds} seed(s) per schema; values/body: values made")
    for path in documents(args.corpus, args.smoke):
        print(measure(path, seeds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
