"""Reading OpenAPI files: YAML with line numbers, and errors that say where.

A broken spec must be rejected at start-up with the file, the place in it and what is
wrong, so every check here reports a `SpecError` carrying a JSON path that is turned
into a line number of the original file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..exceptions import PathItem, SpecError, SpecErrors

T = TypeVar("T")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def collect(problems: list[SpecError], action: Callable[[], T]) -> T | None:
    """Run `action`; its SpecError(s) go to `problems` (so that all are reported at once)."""
    try:
        return action()
    except SpecErrors as exc:
        problems += exc.errors
    except SpecError as exc:
        problems.append(exc)
    return None


@dataclass
class SpecFile:
    """A parsed YAML or JSON file that remembers the line of every node."""

    path: Path
    data: Any
    _root: yaml.Node | None

    def line_of(self, where: Sequence[PathItem]) -> int | None:
        """1-based line of the deepest node of `where` that exists in the file."""
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for key in where:
            if isinstance(node, yaml.MappingNode):
                found = None
                for k, v in node.value:
                    if str(k.value) == str(key):
                        found = v
                        break
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                node = None
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def error(self, where: Sequence[PathItem], message: str) -> SpecError:
        return SpecError(self.path, where, message, self.line_of(where))


def read(path: Path) -> SpecFile:
    """Parse a YAML/JSON file; a syntax error becomes a SpecError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, [], f"cannot read file: {exc}") from exc
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SpecError(path, [], f"invalid YAML: {exc.problem}", line) from exc
    except yaml.YAMLError as exc:
        raise SpecError(path, [], f"invalid YAML: {exc}") from exc
    # JSON's data model: YAML allows non-string keys (`400:`) and dates; specs must not depend on them.
    data = json.loads(json.dumps(data, default=str))
    return SpecFile(path, data, root)
