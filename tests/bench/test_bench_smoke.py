"""Every benchmark in bench/ still runs: its `--smoke` run (one round of tiny loads) exits 0
and prints each of its figures. The values are never checked (a smoke run measures
nothing); this catches a benchmark the code has moved away from.

A benchmark that needs wrk, redis-server or Prism (tools/, from `scripts/setup.sh
--with-node`) is skipped when the tool is missing outside CI; in CI it must be there. The runs
take some 60 s in all, most of it bench/state.py starting its 15 servers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import need_redis

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
HELPERS = {"bare_app.py"}  # imported or served by a benchmark, not one itself
PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"
TIMEOUT = 120  # seconds per smoke run: several times what one takes on a busy 2-core machine

N = r"-?\d[\d.]*"  # a figure (negative for a difference of RSS readings)
ROUNDS = r"round 1 "

# script -> (the tools it runs, a pattern for each of the figures it prints)
SCRIPTS: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "compare.py": (
        ("wrk", "prism"),
        [
            rf"{ROUNDS}jobmock +{N} req/s +p50 {N} ms +p99 {N} ms +start {N} s +RSS {N} MB +non-2xx {N}",
            rf"{ROUNDS}prism +{N} req/s +p50 {N} ms +p99 {N} ms +start {N} s +RSS {N} MB",
            r"req/s +p50 ms +p99 ms +start s +RSS MB",
            rf"^jobmock +{N} +{N} +{N} +{N} +{N}$",
            rf"^prism +{N} +{N} +{N} +{N} +{N}$",
            rf"ratio jobmock/prism: req/s x{N}, p99 x{N}",
            rf"jobmock start-up with all five specs: {N} s",
        ],
    ),
    "error_paths.py": (
        ("wrk",),
        [
            rf"{ROUNDS}jobmock +200 job {N}/s +404 unknown id {N}/s +401 bad token {N}/s",
            rf"^jobmock +200 job +{N} \(x{N}\) +404 unknown id +{N} \(x{N}\) +401 bad token +{N} \(x{N}\)$",
        ],
    ),
    "any_document.py": (
        ("wrk", "prism"),
        [
            rf"{ROUNDS}jobmock +{N} req/s +p50 {N} ms +p99 {N} ms +start {N} s +RSS {N} MB +non-2xx 0",
            rf"{ROUNDS}prism +{N} req/s +p50 {N} ms +p99 {N} ms +start {N} s +RSS {N} MB",
            rf"^jobmock +{N} +{N} +{N} +{N} +{N}$",
            rf"^prism +{N} +{N} +{N} +{N} +{N}$",
            rf"ratio jobmock/prism: req/s x{N}, p99 x{N}, start x{N}, RSS x{N}",
        ],
    ),
    "proxy.py": (
        ("wrk", "prism"),
        [
            *[
                rf"{ROUNDS}{way} +{N} req/s +p50 {N} ms +p99 {N} ms +\(1 connection: p50 {N} ms +p99 {N} ms\) "
                rf"+non-2xx 0"
                for way in ("direct", "jobmock", "prism")
            ],
            *[rf"^{way} +{N} +{N} +{N} +{N} +{N}$" for way in ("direct", "jobmock", "prism")],
            *[
                rf"{way} proxy: adds p50 [+-]{N} ms, p99 [+-]{N} ms at one connection; req/s x{N} of direct at 32"
                for way in ("jobmock", "prism")
            ],
            rf"ratio jobmock/prism proxy: req/s x{N}, p99 \(32 conn.\) x{N}",
        ],
    ),
    "inferred.py": (
        ("wrk",),
        [
            rf"{ROUNDS}neuraldraft +{N} req/s +p50 {N} ms +p99 {N} ms +non-2xx 0",
            rf"{ROUNDS}inferred +{N} req/s +p50 {N} ms +p99 {N} ms +non-2xx 0",
            rf"^neuraldraft +{N} +{N} +{N}$",
            rf"^inferred +{N} +{N} +{N}$",
            rf"ratio inferred/neuraldraft: req/s x{N}, p99 x{N}",
        ],
    ),
    "fakedata.py": (
        (),
        [
            r"ms of thread CPU time per body",
            *[
                rf"^{name} +3\.0 +{N} bodies +median {N} ms +p99 {N} ms +max {N} ms +values/body median {N} max {N} "
                for name in ("longform", "neuraldraft", "nextdocs", "stories", "superdocs")
            ],
        ],
    ),
    "hostile.py": (
        (),
        [
            rf"{N} cases; the worst poll beside each: median {N} ms",
            rf"poll waited +{N} ms +\(the request took +{N} ms\) +\S",
        ],
    ),
    "hot_path.py": (
        (),
        [rf"^{re.escape(layer)} +{N} µs per poll$" for layer in ("fast paths", "+ journal", "+ delivery", "whole app")],
    ),
    "memory.py": (
        (),
        [
            rf"{ROUNDS}jobmock +start {N} MB, {N} KB per job, {N} MB per 1,000 namespaces, {N} MB held, "
            rf"{N} MB after the flood",
            rf"^jobmock +{N} KB per job +{N} MB per 1,000 namespaces +RSS +{N} MB held, +{N} MB after the flood$",
            r'jobmock GET /_jobmock/status after the last round: \{"namespaces"',
        ],
    ),
    "state.py": (
        ("wrk", "redis-server"),
        [
            rf"workers: polls/s 2 vs 1 worker: jobmock x{N} .*bare Starlette x{N}",
            *[rf"^  {name} +{N}/s +p99 {N} ms$" for name in ("jobmock 1 worker", "starlette 2 workers")],
            *[rf"^  {name} +{N}/s +x{N} +p99 {N} ms$" for name in ("sqlite", "redis", "memory --validate-responses")],
            *[rf"^  {name} +{N}/s +x{N} +p99 {N} ms +x{N}$" for name in ("redis, 1 process", "redis, 3 processes")],
            *[rf"^  {kind} +{N}/s +p99 {N} ms +\({N}\)$" for kind in ("memory", "sqlite", "redis")],
            *[
                rf"^  {kind} +start +{N} MB +with {N} jobs +{N} MB +\({N} KB per job; created at {N}/s\)$"
                for kind in ("memory", "sqlite", "redis")
            ],
            *[rf"^  {when} +poll p50 {N} ms +p99 {N} ms$" for when in ("alone", "while listing")],
            rf"pages listed meanwhile: {N} \({N}/s\)",
        ],
    ),
    "stream_load.py": (
        (),
        [
            *[
                rf"^{name} +first poll +{N} ms +median +{N} ms +p99 +{N} ms +worst +{N} ms$"
                for name in ("alone", r"\d+ reading streams")
            ],
            rf"^\d+ unread streams +RSS at most \+{N} MB, {N} dropped within {N} s$",
        ],
    ),
    "streams.py": (
        ("wrk",),
        [
            rf"^  {kind} +{N} polls/s \(x{N}\) +p99 {N} ms +idle server CPU {N}%$"
            for kind in ("no stream", "namespace streams", "job streams")
        ],
    ),
}


def need(tool: str) -> None:
    """Skip (outside CI) when a tool the benchmark runs is missing; in CI it must be there."""
    if tool == "redis-server":
        need_redis()
        return
    found = PRISM.exists() if tool == "prism" else shutil.which(tool) is not None
    if not found:
        how = "bash scripts/setup.sh --with-node" if tool == "prism" else f"apt-get install {tool}"
        if os.environ.get("CI"):
            raise AssertionError(f"{tool} is missing: {how} (scripts/test.sh and .ci/run do)")
        pytest.skip(f"needs {tool} ({how}); CI has it")


def smoke(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`bench/<script> --smoke` from the repository's root, with no JOBMOCK_* variable of the
    test run reaching the servers it starts."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    command = [sys.executable, str(Path("bench") / script), "--smoke"]
    return subprocess.run(
        command, cwd=ROOT, env={**environ, **(env or {})}, capture_output=True, text=True, timeout=TIMEOUT
    )


def test_every_benchmark_has_a_smoke_run() -> None:
    assert {path.name for path in BENCH.glob("*.py")} - HELPERS == set(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_smoke_run_prints_the_figures(script: str) -> None:
    tools, figures = SCRIPTS[script]
    for tool in tools:
        need(tool)
    run = smoke(script)
    shown = f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert run.returncode == 0, f"bench/{script} --smoke exited {run.returncode}\n{shown}"
    missing = [figure for figure in figures if not re.search(figure, run.stdout, re.M)]
    assert not missing, f"bench/{script} --smoke did not print {missing}\n{shown}"


def test_a_missing_tool_is_named_and_fails_the_run(tmp_path: Path) -> None:
    """No silent skip: without wrk on the PATH, a benchmark that needs it says so and exits 2."""
    run = smoke("error_paths.py", env={"PATH": str(tmp_path)})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "cannot run without wrk (Debian: apt-get install wrk)" in run.stderr
    assert run.stdout == ""
