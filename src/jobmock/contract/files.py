"""Reading OpenAPI files: YAML with line numbers, and errors that say where.

A broken spec must be rejected at start-up with the file, the place in it and what is
wrong, so every check here reports a `SpecError` carrying a JSON path that is turned
into a line number of the original file.
"""

from __future__ import annotations

import json
import math
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


MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000  # values in one file
MAX_DEPTH = 64  # mappings and sequences within each other
MAX_NUMBER = 1e15  # larger numbers are refused: no duration, count or time needs them


def read(path: Path) -> SpecFile:
    """Parse a YAML/JSON file; a syntax error becomes a SpecError with its line.

    Refused before anything else looks at it, each with its line: a file over
    MAX_FILE_BYTES; aliases (`*name`, a billion-laughs file expands from them); nesting past
    MAX_DEPTH or more than MAX_NODES values; a duplicate key (at the duplicate's line); NaN,
    infinities and numbers past MAX_NUMBER."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(path, [], f"the file has {size} bytes; at most {MAX_FILE_BYTES} are read")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, [], f"cannot read file: {exc}") from exc
    try:
        for event in yaml.parse(text, Loader=_Loader):  # before composing: the alias's own line
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise SpecError(path, [], "YAML aliases (*name) are not accepted: write the value out", line)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is not None:
                _screen(path, root)
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


_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"


def _screen(path: Path, root: yaml.Node) -> None:
    """Walk the composed file (no recursion, no construction yet) for what `read` refuses."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, list[PathItem]]] = [(root, [])]
    while stack:
        node, where = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            raise SpecError(path, where, "YAML aliases (*name) are not accepted: write the value out", line)
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise SpecError(path, where, f"more than {MAX_NODES} values in one file", line)
        if len(where) > MAX_DEPTH:
            raise SpecError(path, where[:MAX_DEPTH], f"nested deeper than {MAX_DEPTH} levels", line)
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value)
                if name in first:
                    message = f"duplicate key {name!r} (first on line {first[name]})"
                    raise SpecError(path, [*where, name], message, key.start_mark.line + 1)
                first[name] = key.start_mark.line + 1
                stack.append((value, [*where, name]))
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, [*where, index]) for index, item in enumerate(node.value)]
        elif node.tag in (_FLOAT, _INT):
            _check_number(path, where, node, line)


def _check_number(path: Path, where: list[PathItem], node: yaml.Node, line: int) -> None:
    text = str(node.value).lower().replace("_", "")
    try:
        value = float(int(text, 0)) if node.tag == _INT else float(text.replace(".inf", "inf").replace(".nan", "nan"))
    except (ValueError, OverflowError):
        value = float("inf")
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise SpecError(path, where, f"{node.value} is not a usable number (finite, at most {MAX_NUMBER:g})", line)
