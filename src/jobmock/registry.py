"""`Registry`: the named entries of one extension point (fault kinds, clock modes, progress
reporters, lifecycle checks). One name, one entry: a second entry of a name is refused.

Each extension point has one registry and one decorator, of one shape: called with the
entry's name (and what else the kind needs), it registers what it decorates and returns
it unchanged, so a decorated class or function stays usable as itself:

    @fault_kind("truncate")
    class Truncate(Fault): ...

Plugins (`jobmock.plugins`) are modules that register entries when imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar, cast

T = TypeVar("T")
K = TypeVar("K", bound=type)


class Registry(Mapping[str, T]):
    def __init__(self, kind: str):
        self.what = kind  # what an entry is, for messages: "fault kind"
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Add `entry` under `name`; ValueError if the name is taken."""
        if name in self._entries:
            raise ValueError(f"a {self.what} named {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def kind(self, name: str) -> Callable[[K], K]:
        """The decorator of a registry of classes that carry their name as `kind` (fault
        kinds, reporter kinds): it sets `cls.kind` and registers the class."""

        def add(cls: K) -> K:
            setattr(cls, "kind", name)  # noqa: B010 - a class attribute each subclass declares
            self.register(name, cast(T, cls))
            return cls

        return add

    def unregister(self, name: str) -> T:
        """Remove and return the entry named `name`; KeyError if there is none."""
        return self._entries.pop(name)

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries) or "none"
            raise KeyError(f"no {self.what} named {name!r}; registered: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self._entries)})"
