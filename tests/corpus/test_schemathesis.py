"""Upstream Schemathesis over each served corpus document (issue 20, item 6): its CLI, run on
`<base>/openapi.json` as jobmock serves it, the examples and fuzzing phases, with the checks a
client relies on (no server error, documented statuses, content types, bodies and headers),
a few examples per operation and a time budget per document (`--max-time`), so the whole file
takes a few minutes.

A server error (5xx) is always jobmock's: it fails the test. The other findings are reported
(the test's output lists each operation and check), and fail it too unless listed in
`ACCEPTED` with the reason it is the document's, not jobmock's."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from calls import Call, carry

from conftest import CorpusDocument
from support import Served

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_TIME = int(os.environ.get("JOBMOCK_CORPUS_SCHEMATHESIS_SECONDS", "20"))  # per document
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)
SERVER_ERROR = "ST101"

# Findings (document, operation, Schemathesis code) that are the document's own: what its
# schemas allow, the vendor's service would refuse the same way, or a request no schema says.
ACCEPTED: dict[tuple[str, str, str], str] = {}


def credentials_header(corpus_served: Served) -> list[str]:
    """`-H NAME: VALUE` for the credentials the document's own (global) security asks."""
    (contract,) = corpus_served.app.contracts
    requirements = contract.security.requirements_of(None, None, None)
    call = Call("", "GET", "", {})
    for alternative in requirements.alternatives[:1]:
        for scheme in alternative:
            carry(call, scheme)
    if not requirements.alternatives:  # per-operation security only: the first scheme declared
        for scheme in list(contract.security.schemes.values())[:1]:
            carry(call, scheme)
    arguments = []
    for name, value in call.headers.items():
        arguments += ["-H", f"{name}: {value}"]
    return arguments


def findings(report: Path) -> list[tuple[str, str, str]]:
    """(operation, code, first lines of the message) of each failure in a JUnit report."""
    found = []
    for case in ET.parse(report).getroot().iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            text = (failure.text or "").strip()
            codes = sorted(
                {w.strip() for w in text.replace("\n", " ").split() if w.startswith("ST") and w[2:].isdigit()}
            )
            for code in codes or [failure.get("message") or "error"]:
                found.append((case.get("name") or "", code, text))
    return found


def test_schemathesis_finds_nothing_in_the_served_document(
    corpus_document: CorpusDocument, corpus_served: Served, tmp_path: Path
) -> None:
    (contract,) = corpus_served.app.contracts
    base = corpus_served.url + contract.base_path
    report = tmp_path / "junit.xml"
    command = [
        str(SCHEMATHESIS), "run", base + "/openapi.json", "--url", base,
        "--phases", "examples,fuzzing", "--checks", CHECKS,
        "--max-examples", "5", "--max-time", str(MAX_TIME), "--seed", "20", "--request-timeout", "10",
        *credentials_header(corpus_served),
        "--report", "junit", "--report-junit-path", str(report), "--no-color",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=MAX_TIME + 240)
    assert report.exists(), (
        f"schemathesis ran no test (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    )
    found = findings(report)
    unexpected = [(op, code, text) for op, code, text in found if (corpus_document.name, op, code) not in ACCEPTED]
    summary = done.stdout[done.stdout.rfind("SUMMARY") :][:2000] if "SUMMARY" in done.stdout else done.stdout[-2000:]
    lines = [f"  {code} {op}:\n      " + "\n      ".join(text.splitlines()[2:14]) for op, code, text in unexpected]
    servers = [op for op, code, _ in unexpected if code == SERVER_ERROR]
    assert not unexpected, (
        f"{corpus_document.name}: {len(unexpected)} findings ({len(servers)} server errors)\n"
        + "\n".join(lines)
        + f"\n{summary}"
    )


pytestmark = pytest.mark.corpus
