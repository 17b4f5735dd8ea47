"""Fields of a JSON body named by a dotted path (`metadata.pending_changes`)."""

from __future__ import annotations

from typing import Any


def get(body: Any, dotted: str) -> tuple[bool, Any]:
    """(found, value) of `a.b.c` in nested objects."""
    node = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def has(body: Any, dotted: str) -> bool:
    return get(body, dotted)[0]


def put(body: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a field, making the objects on the way."""
    *parents, leaf = dotted.split(".")
    node = body
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def delete(body: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node: Any = body
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Deep-merge `extra` into `target` (objects merge, everything else replaces)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
