"""Upstream Schemathesis over each served corpus document (issue 20, item 6): its CLI, run on
`<base>/openapi.json` as jobmock serves it, the examples and fuzzing phases, with the checks a
client relies on (no server error, documented statuses, content types, bodies and headers),
a few examples per operation and a time budget per document (`--max-time`), so the whole file
takes a few minutes.

A server error (5xx) is always jobmock's: it fails the test. The other findings are reported
(the test's output lists each operation and check), and fail it too unless they are the
document's, not jobmock's: listed in `ACCEPTED` with the reason, or met by one of the rules of
`documents_own` (each states its reason), which read the document as written. Rules rather than
a list where many operations share one reason: the time budget decides which operations a run
reaches, so a list would hold only those one machine's run reached."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

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
# "error": Schemathesis could not make or send the request (no check ran).
ACCEPTED: dict[tuple[str, str, str], str] = {
    ("assemblyai", "POST /v2/transcript", "error"): (
        "TranscriptParams has `additionalProperties: false` beside an `allOf` and no `properties` of its own: in"
        " JSON Schema 2020-12 it refuses every property the allOf requires (`audio_url`), so no body fits it"
    ),
    **{
        ("together", f"GET {path}", "ST108"): (
            "`results` is a oneOf of open objects whose properties are all optional, with `nullable` (no keyword in"
            " 3.1): jobmock makes one branch alone fit (a null the other branches' types refuse, as 3.1 reads"
            " them); Schemathesis reads `nullable` as 3.0 does, so the null fits them all, or the oneOf"
            " matches several (a body the vendor's service sends fits several branches too)"
        )
        for path in ("/evaluation", "/evaluation/{id}", "/evaluation/{id}/status")
    },
}
VALIDATION = ("400", "422")  # jobmock answers a bad request with the first of these the operation documents


def operation_of(contract_document: Mapping[str, Any], label: str) -> Mapping[str, Any]:
    """The operation Schemathesis names `METHOD /path` (the path key as the document writes it)."""
    method, _, key = label.partition(" ")
    item = (contract_document.get("paths") or {}).get(key)
    operation = item.get(method.lower()) if isinstance(item, Mapping) else None
    return operation if isinstance(operation, Mapping) else {}


def constants(node: Any) -> Iterator[tuple[str, Any]]:
    """(property, value) for each property the document fixes to a `const` or a one-value `enum`."""
    if isinstance(node, Mapping):
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            for name, schema in properties.items():
                if isinstance(schema, Mapping) and "const" in schema:
                    yield str(name), schema["const"]
                elif isinstance(schema, Mapping) and isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
                    yield str(name), schema["enum"][0]
        for value in node.values():
            yield from constants(value)
    elif isinstance(node, list):
        for value in node:
            yield from constants(value)


def documents_own(
    written: Mapping[str, Any], resolved: Mapping[str, Any], label: str, code: str, text: str
) -> str | None:
    """The reason a finding is the document's own, by a rule that holds for every operation it
    names (None: no rule says so); `written` is the document as written, `resolved` with its
    $refs resolved."""
    if code == "error" and "No supported serializers for media types" in text:
        return "Schemathesis has no serializer for the request body's only media type (Pinecone's x-ndjson): no request"
    if code == "error" and "Unsupported type: 'Binary'" in text:
        return (
            "Schemathesis fails making the multipart body: a field that may be a binary upload beside other"
            " alternatives (a oneOf of a file and a URL) is more than its serializer takes; no request is sent"
        )
    operation = operation_of(resolved, label)
    responses = {str(k).upper() for k in (operation.get("responses") or {})}
    key = label.partition(" ")[2]
    if "#" in key and code in ("ST103", "ST105", "ST108"):
        return (
            "a path key with a `#fragment` (Mistral's `#stream` twins) is no URL: the fragment is never sent, so the"
            " request is its twin's, answered by the operation written without the fragment"
        )
    if code == "ST103" and responses and all(c.startswith("1") for c in responses):
        return "a WebSocket upgrade (only 1xx documented): jobmock serves no upgrade, a plain HTTP request gets 404"
    received = re.search(r"Received: (\d{3})", text)
    if code == "ST103" and received is not None:
        status = received.group(1)
        answers = {status, status[0] + "XX", "DEFAULT"} | (set(VALIDATION) if status in VALIDATION else set())
        if status[0] == "4" and status not in ("401", "403", "429") and not answers & responses:
            refused = (
                "a request its schemas refuse (Schemathesis's negative data; or null where a 3.1 document's"
                " `nullable` is no keyword)"
            )
            return {
                "400": refused,
                "422": refused,
                "404": "a path naming nothing: an id no resource has, or a path parameter with a line break (%0A),"
                " which matches no route (Starlette's mount pattern stops at it), as the vendor finds no such resource",
            }.get(status, "a refused request") + (
                f", answered {status}; the operation documents no response for it (neither {status}, {status[0]}XX"
                f" nor default{', nor 400 or 422' if status in VALIDATION else ''}): jobmock answers its own envelope"
            )
    found = re.search(r"discriminator property '([^']+)' with value '([^']*)'", text)
    if code == "ST111" and found is not None and (found.group(1), found.group(2)) in set(constants(written)):
        return (
            "a discriminator with no mapping: OpenAPI's implicit values are the branch schemas' names, but each"
            f" branch fixes `{found.group(1)}` to a const (here {found.group(2)!r}) no name matches, so every body"
            " the schemas allow is reported"
        )
    if code == "ST108" and "SSE event violates schema" in text and sse_data_not_text(operation):
        return (
            "the text/event-stream schema gives an event's `data` as an object, but an SSE event's data is text on"
            " the wire (no contentMediaType or contentSchema says it holds JSON): no stream fits it"
        )
    if code == "ST108" and "('event' was unexpected)" in text and sse_closed_without_event(operation):
        return (
            "the text/event-stream item schema is closed (`additionalProperties: false`) with no `event` property,"
            " but every event has a type: `message` where the stream names none, as the SSE standard dispatches"
            " it and Schemathesis reads it; so no stream fits it (jobmock sends the document's own example, a"
            " `data:` line alone)"
        )
    return None


def sse_event_schemas(operation: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The schema of one event of each 2xx text/event-stream response (3.2's `itemSchema`, or `schema`)."""
    for status, response in (operation.get("responses") or {}).items():
        content = response.get("content") if isinstance(response, Mapping) and str(status)[0] == "2" else None
        for media, entry in (content or {}).items():
            if media.startswith("text/event-stream") and isinstance(entry, Mapping):
                for key in ("itemSchema", "schema"):
                    if isinstance(entry.get(key), Mapping):
                        yield entry[key]


def sse_closed_without_event(operation: Mapping[str, Any]) -> bool:
    """Is an event's schema closed to every property but its own, with no `event` among them?"""
    return any(
        schema.get("additionalProperties") is False and "event" not in (schema.get("properties") or {})
        for schema in sse_event_schemas(operation)
    )


def sse_data_not_text(operation: Mapping[str, Any]) -> bool:
    """Does a 2xx text/event-stream schema of the operation give an event's `data` as other than a string?"""
    for status, response in (operation.get("responses") or {}).items():
        content = response.get("content") if isinstance(response, Mapping) and str(status)[0] == "2" else None
        for media, entry in (content or {}).items():
            schema = (
                entry.get("schema") if media.startswith("text/event-stream") and isinstance(entry, Mapping) else None
            )
            data = ((schema or {}).get("properties") or {}).get("data")
            if isinstance(data, Mapping) and data.get("type") != "string":
                return True
    return False


def credentials_header(corpus_served: Served) -> list[str]:
    """`-H NAME: VALUE` for the credentials the document's own (global) security asks (an
    apiKey in a cookie as a `Cookie` header: Vulcan's session cookie)."""
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
    if call.cookies:
        arguments += ["-H", "Cookie: " + "; ".join(f"{name}={value}" for name, value in call.cookies.items())]
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
    unexpected = [
        (op, code, text)
        for op, code, text in found
        if code == SERVER_ERROR
        or not (
            ACCEPTED.get((corpus_document.name, op, code))
            or documents_own(contract.document, contract.resolved, op, code, text)
        )
    ]
    shown = set()
    for op, code, text in found:
        if (op, code, text) not in unexpected and (op, code) not in shown:
            shown.add((op, code))
            reason = ACCEPTED.get((corpus_document.name, op, code)) or documents_own(
                contract.document, contract.resolved, op, code, text
            )
            print(f"accepted {code} {op}: {reason}")
    summary = done.stdout[done.stdout.rfind("SUMMARY") :][:2000] if "SUMMARY" in done.stdout else done.stdout[-2000:]
    lines = [f"  {code} {op}:\n      " + "\n      ".join(text.splitlines()[2:14]) for op, code, text in unexpected]
    servers = [op for op, code, _ in unexpected if code == SERVER_ERROR]
    assert not unexpected, (
        f"{corpus_document.name}: {len(unexpected)} findings ({len(servers)} server errors)\n"
        + "\n".join(lines)
        + f"\n{summary}"
    )


pytestmark = pytest.mark.corpus
