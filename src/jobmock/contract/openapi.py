"""Small read-only helpers over an OpenAPI 3.0 document (a plain dict)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

_PLAIN_KEYS = {"type", "description", "title", "example", "nullable"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# JSON Lines: a JSON value a line (request bodies read so: `server/adapters/dialect_validators.py`)
MEDIA_OF_LINES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    operation_id: str
    spec: dict[str, Any]  # the operation object, references resolved

    def parameter(self, name: str) -> dict[str, Any] | None:
        for param in self.spec.get("parameters", []):
            if param.get("name") == name:
                return dict(param)
        return None

    def success_schema(self) -> dict[str, Any] | None:
        """Schema of the first 2xx application/json response."""
        for code, response in sorted(self.spec.get("responses", {}).items()):
            if str(code).startswith("2"):
                content = response.get("content", {}).get("application/json", {})
                schema = content.get("schema")
                return dict(schema) if isinstance(schema, dict) else None
        return None

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        return dict(schema) if isinstance(schema, dict) else None


MAX_EXPANDED = 2_000_000  # steps `deref` may take for one document (~1 s)
_CUT_DEPTH = 200  # nesting past which a $ref is kept (Python's recursion limit is ~1000 frames)


Place = tuple["Place", str | int] | None  # a place in a document, linked to its parent's: made per value, listed once


def listed(place: Place) -> list[str | int]:
    """The place as a list of keys from the document's top."""
    keys: list[str | int] = []
    while place is not None:
        place, key = place
        keys.append(key)
    return keys[::-1]


class ExpansionError(ValueError):
    """`deref` cannot go on; `where` is the place in the document it had reached."""

    def __init__(self, where: list[str | int], message: str):
        super().__init__(message)
        self.where = where


def deref(document: dict[str, Any], node: Any = None) -> Any:
    """A copy of `node` (default: the whole document) with its local `$ref`s replaced by
    their targets (keys beside a `$ref` win over the target's).

    Linear in the document, whatever it holds: each target is expanded once and shared
    wherever it is met. A `$ref` met inside its own expansion (a recursive schema:
    `details: {items: {$ref: Error}}` inside Error, or schemas that refer to each other) is
    kept as it is, still a `$ref` into the document (`resolvable` makes a validator follow
    it); so only `$ref`s on a cycle are ever kept. Past MAX_EXPANDED steps (values built and
    `$ref`s met), or for a `$ref` to nothing, ExpansionError.
    """
    steps = 0
    memo: dict[str, Any] = {}
    stack: set[str] = set()  # the $refs being expanded

    def resolve(ref: str, origin: Place) -> tuple[Any, Place]:
        found: Any = document
        at: Place = None
        try:
            for part in ref[2:].split("/") if ref != "#" else []:
                part = part.replace("~1", "/").replace("~0", "~")
                found = found[int(part)] if isinstance(found, list) else found[part]
                at = (at, part)
        except (KeyError, IndexError, ValueError, TypeError):
            where = [*listed(origin), "$ref"]
            raise ExpansionError(where, f"$ref {ref!r} points to nothing in the document") from None
        return found, at

    def expand(ref: str, origin: Place, depth: int) -> Any:
        if ref in memo:
            return memo[ref]
        if ref in stack or depth > _CUT_DEPTH:  # depth: a very long chain of $refs, kept too
            return {"$ref": ref}
        found, at = resolve(ref, origin)
        stack.add(ref)
        try:
            memo[ref] = walk(found, at, depth + 1)
        finally:
            stack.discard(ref)
        return memo[ref]

    def walk(value: Any, origin: Place, depth: int) -> Any:
        nonlocal steps
        steps += 1
        if steps > MAX_EXPANDED:
            raise ExpansionError(listed(origin), f"the $refs expand past {MAX_EXPANDED} steps")
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and (ref == "#" or ref.startswith("#/")):
                target = expand(ref, origin, depth)
                rest = {k: walk(v, (origin, k), depth + 1) for k, v in value.items() if k != "$ref"}
                if not rest:
                    return target
                return {**target, **rest} if isinstance(target, dict) and "$ref" not in target else {**rest, **target}
            return {k: walk(v, (origin, k), depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (origin, i), depth + 1) for i, v in enumerate(value)]
        return value

    return walk(document if node is None else node, None, 0)


def tree_size(node: Any, limit: int) -> int:
    """How many values `node` holds written out (a `deref` result shares what repeats),
    counted up to `limit` + 1."""
    sizes: dict[int, int] = {}

    def size(value: Any) -> int:
        if id(value) in sizes:
            return sizes[id(value)]
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                break
        sizes[id(value)] = total = min(total, limit + 1)
        return total

    return size(node)


def resolvable(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """`schema` as a validator needs it: when it holds a `$ref` that `deref` kept (a
    recursive schema), wrapped so that the `$ref` resolves in `document`."""
    seen: set[int] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if "$ref" in node:
                return {**document, "allOf": [schema]}
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return schema


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                merged = dict(op)
                names = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
                merged["parameters"] = [p for p in shared if (p.get("name"), p.get("in")) not in names] + list(
                    op.get("parameters", [])
                )
                # one without an operationId is named as Connexion's copy names it (`dialects`)
                operation_id = str(op.get("operationId") or f"{method} {path}")
                found.append(Operation(path, method, operation_id, merged))
    return found


def documented_value(param: Mapping[str, Any]) -> str | None:
    """The value a document gives a parameter, as text: its schema's default, else its
    example (the parameter's or its schema's, or the first of their `examples`), else the
    only value its schema allows; None where it gives none."""
    found = param.get("schema")
    schema: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    named = param.get("examples")
    enum = schema.get("enum")
    candidates = [schema.get("default"), param.get("example"), schema.get("example")]
    if isinstance(named, Mapping):
        candidates += [e.get("value") for e in named.values() if isinstance(e, Mapping)][:1]
    if isinstance(schema.get("examples"), list):
        candidates += schema["examples"][:1]
    if isinstance(enum, list) and len(enum) == 1:
        candidates += enum
    if "const" in schema:
        candidates.append(schema["const"])
    for value in candidates:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
    return None


def find_operation(document: dict[str, Any], operation_id: str) -> Operation | None:
    """The operation with this operationId, or named `METHOD /path` (`GET /v1/jobs/{id}`: an
    operation without an operationId)."""
    method, _, path = operation_id.partition(" ")
    for op in operations(document):
        if op.operation_id == operation_id or (path and op.method == method.lower() and op.path == path):
            return op
    return None


def server_path(document: Mapping[str, Any]) -> str:
    """The path part of the first server URL, without a trailing slash ('' for none)."""
    servers = document.get("servers") or [{"url": "/"}]
    return urlparse(str(servers[0].get("url", "/"))).path.rstrip("/")


def property_schema(schema: Mapping[str, Any], dotted: str) -> Mapping[str, Any] | None:
    """The schema of a (possibly nested, dotted) property of an object schema."""
    node: Mapping[str, Any] | None = schema
    for part in dotted.split("."):
        if node is None:
            return None
        node = merged_object(node).get("properties", {}).get(part)
    return node


def merged_object(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """An object schema with its allOf parts folded in (properties and required); the
    schema itself when it has none (no copy: this runs for every job made)."""
    if "allOf" not in schema:
        return schema
    props: dict[str, Any] = dict(schema.get("properties", {}))
    required: list[str] = list(schema.get("required", []))
    for part in schema["allOf"]:
        part = merged_object(part)
        props.update(part.get("properties", {}))
        required += part.get("required", [])
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    merged.update({"type": "object", "properties": props, "required": required})
    return merged


def is_required(schema: Mapping[str, Any], dotted: str) -> bool:
    *parents, leaf = dotted.split(".")
    node = property_schema(schema, ".".join(parents)) if parents else schema
    return node is not None and leaf in merged_object(node).get("required", [])


def value_types(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a schema names, its own `type` and its `anyOf`/`oneOf` branches'."""
    kinds: set[str] = set()
    for branch in (schema, *(b for key in ("anyOf", "oneOf") for b in schema.get(key) or [])):
        kind = branch.get("type") if isinstance(branch, Mapping) else None
        kinds |= set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    return kinds


def is_uuid(text: str) -> bool:
    """A UUID in its canonical form (not `{…}`, `urn:uuid:` or without dashes)."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def id_checker(schema: dict[str, Any]) -> Callable[[str], bool] | None:
    """A cheap check equal to the id parameter's schema, or None if it is not that simple."""
    if schema.get("type") != "string":
        return None
    if set(schema) <= _PLAIN_KEYS:
        return lambda value: True
    if set(schema) <= _PLAIN_KEYS | {"format"} and schema.get("format") == "uuid":

        def is_uuid(value: str) -> bool:
            try:
                uuid.UUID(value)
            except ValueError:
                return False
            return True

        return is_uuid
    return None


def template_of(document: Mapping[str, Any], path: str) -> str | None:
    """The document's path template a request path is on (a literal one before a templated one)."""
    templates = sorted(document.get("paths", {}), key=lambda t: ("{" in t, "#" in t, -len(t)))
    for template in templates:
        written = str(template).partition("#")[0]  # a `#fragment` in a path key is no part of the URL
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(written)) + "$"
        if re.match(pattern, path):
            return str(template)
    return None


def pointed(document: Any, ref: str) -> Any:
    """What a local `$ref` or JSON pointer (`#/paths/~1jobs/post/...`) names in `document`;
    None for a ref elsewhere or a place the document does not have."""
    if not ref.startswith("#"):
        return None
    found: Any = document
    for part in ref[2:].split("/") if ref not in ("#", "#/") else ():
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            found = found[int(part)] if isinstance(found, list) else found[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return found
