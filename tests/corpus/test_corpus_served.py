"""The corpus is served as written (issue 20, item 6): each vendor's document is accepted by
`jobmock validate` and by `jobmock serve` as it is, and every one of its operations answers a
valid request with a status the operation declares and a body that fits the declared schema,
as the document's own dialect reads it (OpenAPI 3.0, 3.1 or 3.2, formats checked); the 3.2
operations jobmock does not route (QUERY, `additionalOperations`) are each named by a warning.

Every failure of a document is collected and reported together (operation, status, first
validation error), so that one run shows every problem. Documents absent (they are not in git:
README.md here) are skipped."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from calls import Answers, calls, not_routed_32, operations, upgrade_only

from conftest import CorpusDocument, existing_jobs
from support import Served

# What jobmock cannot answer right for a reason outside it (the document's own slip), by
# document and operation, with the reason. A failure listed here is not reported; one listed
# that no longer fails is (the list stays true).
KNOWN: dict[tuple[str, str], str] = {
    ("assemblyai", "POST /v2/transcript"): (
        "the document's slip: `additionalProperties: false` beside an `allOf` that brings every property "
        "(3.1: the outer schema allows none, the first part requires audio_url): no request is valid"
    ),
    ("mistral", "POST /v1/conversations#stream"): (
        "the document has two POST /v1/conversations (`#stream` and not) told apart by the body's `stream`: "
        "jobmock serves the one without a fragment, and warns of the other"
    ),
    ("mistral", "POST /v1/conversations/{conversation_id}#stream"): "as POST /v1/conversations#stream",
    ("mistral", "POST /v1/conversations/{conversation_id}/restart#stream"): "as POST /v1/conversations#stream",
    ("mistral", "POST /v1/agents/completions#stream"): "as POST /v1/conversations#stream",
    ("mistral", "POST /v1/chat/completions#stream"): "as POST /v1/conversations#stream",
    ("mistral", "POST /v1/fim/completions#stream"): "as POST /v1/conversations#stream",
    ("mistral", "POST /v1/audio/transcriptions#stream"): "as POST /v1/conversations#stream",
}

# Known failures that depend on the data made for the request (the `#stream` twin is refused only
# when the body's `stream` is not the one the first operation takes).
MAY_PASS = {where for (_, where) in KNOWN if where.endswith("#stream")}


def test_validate_accepts_the_document_as_it_is(corpus_document: CorpusDocument) -> None:
    """`jobmock validate FILE`: exit 0 (warnings allowed), as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "validate", str(corpus_document.path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{corpus_document.path}" in done.stdout


def test_serve_builds_it_and_serves_it_back_as_written(corpus_document: CorpusDocument, corpus_served: Served) -> None:
    (contract,) = corpus_served.app.contracts
    assert contract.dialect == str(corpus_document.entry["openapi"])[:3]
    answer = corpus_served.unchecked.get(contract.base_path + "/openapi.json")
    assert answer.status_code == 200
    served = answer.json()
    assert served["openapi"] == corpus_document.entry["openapi"]
    assert sorted(served["paths"]) == sorted(contract.document["paths"])


def test_every_operation_answers_a_valid_request_as_documented(
    corpus_document: CorpusDocument, corpus_served: Served
) -> None:
    (contract,) = corpus_served.app.contracts
    judge = Answers(contract)
    failures: dict[str, str] = {}
    answered = 0
    started = time.monotonic()
    jobs = existing_jobs(corpus_served, contract)
    with httpx.Client(base_url=corpus_served.url, timeout=30) as http:
        for call in calls(contract, jobs=jobs):
            try:
                response = call.send(http, contract.base_path)
            except httpx.HTTPError as exc:
                failures[call.where] = f"no answer: {exc!r}"
                continue
            answered += 1
            problem = judge.problem(call, response)
            if problem is not None:
                failures[call.where] = f"{problem}\n      request: {describe(call)}"
    elapsed = time.monotonic() - started
    known = {where: why for (name, where), why in KNOWN.items() if name == corpus_document.name}
    unexpected = {where: problem for where, problem in failures.items() if where not in known}
    mended = sorted(set(known) - set(failures) - MAY_PASS)
    report = "\n".join(f"  {where}: {problem}" for where, problem in sorted(unexpected.items()))
    assert not unexpected and not mended, (
        f"{corpus_document.name}: {len(unexpected)} of {answered} operations answered wrong "
        f"({elapsed:.0f} s):\n{report}" + (f"\nlisted as known, now right: {mended}" if mended else "")
    )
    upgrades = sum(upgrade_only(op) for *_, op in operations(contract.resolved))
    unserved = not_routed_32(contract.document)  # QUERY and additionalOperations: skipped, each with a warning
    assert sum("(OpenAPI 3.2) is not served" in str(w) for w in contract.warnings) == unserved
    assert answered == corpus_document.entry["operations"] - upgrades - unserved


def describe(call: object) -> str:
    parts = [getattr(call, "method", ""), getattr(call, "path", "")]
    params = getattr(call, "params", None)
    if params:
        parts.append(f"params={params}")
    media = getattr(call, "media", None)
    if media:
        parts.append(media)
    body = getattr(call, "json", None)
    if body is not None:
        text = repr(body)
        parts.append(text[:200] + ("…" if len(text) > 200 else ""))
    return " ".join(str(p) for p in parts)


pytestmark = pytest.mark.corpus
