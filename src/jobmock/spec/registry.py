"""Adding to an extension point's registry: one name, one entry."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def register(registry: dict[str, T], name: str, entry: T, what: str) -> T:
    """Add `entry` under `name`; a second entry of the same name is refused (ValueError)."""
    if name in registry:
        raise ValueError(f"a {what} named {name!r} is already registered")
    registry[name] = entry
    return entry
