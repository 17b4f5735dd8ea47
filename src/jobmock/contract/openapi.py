"""Small read-only helpers over an OpenAPI 3.0 document (a plain dict)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

_PLAIN_KEYS = {"type", "description", "title", "example", "nullable"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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


def deref(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document with every local `$ref` replaced by its target.

    Recursive schemas are cut at depth 32 (the cut keeps its `$ref`), which is enough
    for any job body and keeps this total.
    """

    def resolve(pointer: str) -> Any:
        node: Any = document
        for part in pointer.lstrip("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and depth < 32:
                target = walk(resolve(ref), depth + 1)
                rest = {k: walk(v, depth) for k, v in node.items() if k != "$ref"}
                return {**target, **rest} if isinstance(target, dict) else target
            return {k: walk(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, depth) for v in node]
        return node

    result = walk(document, 0)
    assert isinstance(result, dict)
    return result


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
                found.append(Operation(path, method, str(op.get("operationId", "")), merged))
    return found


def find_operation(document: dict[str, Any], operation_id: str) -> Operation | None:
    for op in operations(document):
        if op.operation_id == operation_id:
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
