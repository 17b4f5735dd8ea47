"""Survey of the corpus of real job-API OpenAPI documents (`tests/corpus/`).

    python scripts/corpus_survey.py [--corpus tests/corpus/corpus.toml] [NAME ...]

Reads `corpus.toml`, checks the sha256 of every document present in `tests/corpus/documents/`
(the documents are not in git: see `tests/corpus/README.md`), and prints per document what jobmock
has to serve: version, size, operations, security scheme kinds, and how often each construct occurs
that jobmock must translate for Connexion (which reads OpenAPI 3.0 only) or generate data for.

Exits 1 if a present document's sha256 differs from corpus.toml (or its size, version or operation
count differs from what corpus.toml says), 2 if a named document is unknown.
A document that is absent is reported as such and skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "corpus" / "corpus.toml"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
# Keywords whose value is one schema, a list of schemas, or a map of name -> schema.
ONE_SCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
)
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keys of OpenAPI objects (outside schemas) that hold example data, not description.
DATA_KEYS = ("example", "examples", "default", "enum", "const")
SAFE_INTEGER = 2**53
# The counters, in the order they are printed.
CONSTRUCTS = (
    "type arrays",
    "null types",
    "const",
    "examples (in schemas)",
    "$ref with siblings",
    "prefixItems",
    "$defs",
    "exclusiveMinimum/Maximum as numbers",
    "contentMediaType/contentEncoding",
    "if/then/else",
    "dependentRequired",
    "unevaluatedProperties",
    "patternProperties",
    "discriminators",
    "oneOf",
    "anyOf",
    "allOf",
    "nullable",
    "patterns",
    "readOnly",
    "writeOnly",
    "int64 bounds (beyond 2^53)",
    "enums whose default is outside",
    "external $refs",
    "recursive schemas",
    "server variables",
    "webhooks",
    "callbacks",
    "links",
    "multipart/form bodies",
)


@dataclass
class Entry:
    """One `[[document]]` table of corpus.toml."""

    name: str
    file: str
    sha256: str
    table: dict[str, Any]


@dataclass
class Survey:
    """What one document holds."""

    version: str = "?"
    operations: int = 0
    security: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    formats: set[str] = field(default_factory=set)
    non_json_responses: set[str] = field(default_factory=set)
    recursive: list[str] = field(default_factory=list)


def load_corpus(path: Path) -> list[Entry]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return [Entry(t["name"], t["file"], t["sha256"], t) for t in data.get("document", [])]


def load_document(path: Path) -> Any:
    text = path.read_bytes()
    if path.suffix == ".json":
        return json.loads(text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def child_schemas(node: dict[str, Any]) -> Iterator[Any]:
    """The direct subschemas of a schema object."""
    for key in ONE_SCHEMA:
        if isinstance(node.get(key), dict):
            yield node[key]
    if isinstance(node.get("items"), list):  # draft-4 style tuple items
        yield from node["items"]
    for key in SCHEMA_LIST:
        if isinstance(node.get(key), list):
            yield from node[key]
    for key in SCHEMA_MAP:
        if isinstance(node.get(key), dict):
            yield from node[key].values()


def count_schema_node(node: dict[str, Any], survey: Survey) -> None:
    """Counts the constructs of one schema object (not of its subschemas)."""
    counts = survey.counts
    kind = node.get("type")
    if isinstance(kind, list):
        counts["type arrays"] += 1
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        counts["null types"] += 1
    for key, label in (
        ("const", "const"),
        ("examples", "examples (in schemas)"),
        ("prefixItems", "prefixItems"),
        ("$defs", "$defs"),
        ("dependentRequired", "dependentRequired"),
        ("unevaluatedProperties", "unevaluatedProperties"),
        ("patternProperties", "patternProperties"),
        ("discriminator", "discriminators"),
        ("oneOf", "oneOf"),
        ("anyOf", "anyOf"),
        ("allOf", "allOf"),
        ("pattern", "patterns"),
        ("if", "if/then/else"),
    ):
        if key in node:
            counts[label] += 1
    if node.get("nullable") is True:
        counts["nullable"] += 1
    if node.get("readOnly") is True:
        counts["readOnly"] += 1
    if node.get("writeOnly") is True:
        counts["writeOnly"] += 1
    if "$ref" in node and len(node) > 1:
        counts["$ref with siblings"] += 1
    if "contentMediaType" in node or "contentEncoding" in node:
        counts["contentMediaType/contentEncoding"] += 1
    count_bounds(node, survey)
    if isinstance(node.get("format"), str):
        survey.formats.add(node["format"])
    enum = node.get("enum")
    if isinstance(enum, list) and "default" in node and node["default"] not in enum:
        counts["enums whose default is outside"] += 1


def count_bounds(node: dict[str, Any], survey: Survey) -> None:
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        value = node.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            survey.counts["exclusiveMinimum/Maximum as numbers"] += 1
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        value = node.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INTEGER:
            survey.counts["int64 bounds (beyond 2^53)"] += 1


def walk_schema(node: Any, survey: Survey) -> None:
    """Counts the constructs of a schema and of every subschema, iteratively."""
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        count_schema_node(current, survey)
        stack.extend(child_schemas(current))


def walk_openapi(node: Any, survey: Survey) -> None:
    """Walks the OpenAPI objects outside schemas; every `schema`/`itemSchema` found is surveyed."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
            continue
        if not isinstance(current, dict):
            continue
        for key, value in current.items():
            if key in ("schema", "itemSchema") and isinstance(value, dict):
                walk_schema(value, survey)
            elif key in DATA_KEYS or str(key).startswith("x-"):
                continue
            elif key == "schemas" and isinstance(value, dict):
                for schema in value.values():
                    walk_schema(schema, survey)
            else:
                stack.append(value)


def all_refs(node: Any) -> Iterator[str]:
    """Every `$ref` string in a subtree (examples included: a ref there is still a ref)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def recursive_schemas(schemas: dict[str, Any]) -> list[str]:
    """Component schemas that can reach themselves through `#/components/schemas/` refs."""
    prefix = "#/components/schemas/"
    graph = {
        name: {ref[len(prefix) :] for ref in all_refs(schema) if ref.startswith(prefix)}
        for name, schema in schemas.items()
    }
    found = []
    for name in graph:
        seen: set[str] = set()
        stack = list(graph[name])
        while stack:
            current = stack.pop()
            if current == name:
                found.append(name)
                break
            if current in seen or current not in graph:
                continue
            seen.add(current)
            stack.extend(graph[current])
    return sorted(found)


def security_kinds(document: dict[str, Any]) -> set[str]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    kinds = set()
    for scheme in schemes.values():
        kind = scheme.get("type", "?")
        if kind == "apiKey":
            kinds.add(f"apiKey {scheme.get('in', '?')}")
        elif kind == "http":
            kinds.add(f"http {str(scheme.get('scheme', '?')).lower()}")
        else:
            kinds.add(kind)
    return kinds


def operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every operation of `paths` and `webhooks` (3.2's `additionalOperations` included)."""
    for section in ("paths", "webhooks"):
        for item in (document.get(section) or {}).values():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    yield item[method]
            yield from (item.get("additionalOperations") or {}).values()


def path_operation_count(document: dict[str, Any]) -> int:
    total = 0
    for item in (document.get("paths") or {}).values():
        if isinstance(item, dict):
            total += sum(1 for method in HTTP_METHODS if isinstance(item.get(method), dict))
            total += len(item.get("additionalOperations") or {})
    return total


def server_variables(document: dict[str, Any]) -> int:
    """Variables of every Server Object: the top-level ones, per path and per operation."""
    servers = list(document.get("servers") or [])
    for item in (document.get("paths") or {}).values():
        if isinstance(item, dict):
            servers.extend(item.get("servers") or [])
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    servers.extend(item[method].get("servers") or [])
    return sum(len(server.get("variables") or {}) for server in servers if isinstance(server, dict))


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follows local `$ref`s (a few levels) to the object they point at."""
    for _ in range(10):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            return node
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return {}
            target = target[part]
        node = target
    return node


def count_operations(document: dict[str, Any], survey: Survey) -> None:
    counts = survey.counts
    for operation in operations(document):
        body = resolve(document, operation.get("requestBody")) or {}
        media = (body.get("content") or {}) if isinstance(body, dict) else {}
        if any(kind.startswith(("multipart/", "application/x-www-form-urlencoded")) for kind in media):
            counts["multipart/form bodies"] += 1
        counts["callbacks"] += len(operation.get("callbacks") or {})
        for response in (operation.get("responses") or {}).values():
            response = resolve(document, response)
            if not isinstance(response, dict):
                continue
            counts["links"] += len(response.get("links") or {})
            for kind in response.get("content") or {}:
                base = kind.split(";")[0].strip().lower()
                if not (base == "application/json" or base.endswith("+json")):
                    survey.non_json_responses.add(base)


def survey_document(document: dict[str, Any]) -> Survey:
    survey = Survey()
    survey.version = str(document.get("openapi") or document.get("swagger") or "?")
    survey.operations = path_operation_count(document)
    survey.security = security_kinds(document)
    walk_openapi(document, survey)
    count_operations(document, survey)
    schemas = (document.get("components") or {}).get("schemas") or {}
    survey.recursive = recursive_schemas(schemas)
    survey.counts["recursive schemas"] = len(survey.recursive)
    survey.counts["external $refs"] = sum(1 for ref in all_refs(document) if not ref.startswith("#"))
    survey.counts["server variables"] = server_variables(document)
    survey.counts["webhooks"] = len(document.get("webhooks") or {})
    return survey


def report(entry: Entry, size: int, survey: Survey) -> list[str]:
    lines = [
        f"== {entry.name} ({entry.file})",
        f"  version: {survey.version}",
        f"  bytes: {size}",
        f"  operations: {survey.operations}",
        f"  security: {', '.join(sorted(survey.security)) or 'none declared'}",
    ]
    for label in CONSTRUCTS:
        lines.append(f"  {label}: {survey.counts[label]}")
    if survey.recursive:
        shown = ", ".join(survey.recursive[:6]) + (" ..." if len(survey.recursive) > 6 else "")
        lines.append(f"  recursive (first): {shown}")
    lines.append(f"  formats: {', '.join(sorted(survey.formats)) or '-'}")
    lines.append(f"  non-JSON responses: {', '.join(sorted(survey.non_json_responses)) or '-'}")
    return lines


def disagreements(entry: Entry, size: int, survey: Survey) -> list[str]:
    """What corpus.toml says of the document (bytes, version, operations) that the survey does not find."""
    found = {"bytes": size, "openapi": survey.version, "operations": survey.operations}
    return [
        f"  corpus.toml says {key} = {entry.table[key]!r}, the document has {value!r}"
        for key, value in found.items()
        if key in entry.table and entry.table[key] != value
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("names", nargs="*", help="documents to survey (default: all)")
    args = parser.parse_args(argv)
    entries = load_corpus(args.corpus)
    unknown = set(args.names) - {entry.name for entry in entries}
    if unknown:
        print(f"unknown documents: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    folder = args.corpus.parent / "documents"
    status = 0
    for entry in entries:
        if args.names and entry.name not in args.names:
            continue
        path = folder / entry.file
        if not path.exists():
            print(f"== {entry.name}: absent ({path}); see tests/corpus/README.md")
            continue
        digest = sha256_of(path)
        if digest != entry.sha256:
            print(f"== {entry.name}: sha256 MISMATCH {digest} (corpus.toml: {entry.sha256})")
            status = 1
            continue
        survey = survey_document(load_document(path))
        size = path.stat().st_size
        print("\n".join(report(entry, size, survey)))
        print("  sha256: ok")
        wrong = disagreements(entry, size, survey)
        if wrong:
            print("\n".join(wrong))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
