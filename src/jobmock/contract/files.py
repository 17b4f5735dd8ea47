"""Reading start-up files (specs, fixtures, config): YAML with line numbers, errors that say where.

A broken spec must be rejected at start-up with the file, the place in it and what is
wrong, so every check here reports a `SpecError` carrying a JSON path that is turned
into a line number of the original file.

Every file read at start-up goes through `StartupFiles`: regular files only (a FIFO, a
device or a folder is refused before it is opened, so `/dev/zero` or a pipe cannot fill
memory or hold start-up), at most `max_bytes` each, counted on the bytes actually read
(never on what `stat` claims), and a count of what was read, shown at `/_jobmock/status`.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

from ..exceptions import PathItem, SpecError, SpecErrors

T = TypeVar("T")
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML reads YAML 1.1; the tools that write vendors' documents write YAML 1.2. The two
    read plain scalars differently where it matters: `1e-08` is a number in 1.2 (a string
    in 1.1), `yes`/`no`/`on`/`off` are strings in 1.2 (booleans in 1.1)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")
        ]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


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
    # files its $refs brought in, by their key under INCLUDED (`jobmock.contract.refs`)
    included: dict[str, SpecFile] = field(default_factory=dict)

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
        """A problem at `where`; inside an included file's part, reported in that file."""
        if len(where) >= 2 and where[0] == INCLUDED and str(where[1]) in self.included:
            return self.included[str(where[1])].error(where[2:], message)
        return SpecError(self.path, where, message, self.line_of(where))


INCLUDED = "x-jobmock-included"  # where the files a spec's $refs name are put (`jobmock.contract.refs`)
MAX_FILE_BYTES = 2 * 1024 * 1024  # default of --max-file-bytes: fixtures and config (hand-written scenarios)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # default of --max-document-bytes: vendors publish documents of many MB
MAX_NODES = 200_000  # values in one file (more for a larger --max-file-bytes: one per 16 bytes)
MAX_DEPTH = 64  # mappings and sequences within each other
MAX_NUMBER = 1e15  # larger numbers are refused: no duration, count or time needs them
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass
class StartupFiles:
    """Reads every file of a start-up and counts what it read: OpenAPI documents and the files
    their `$ref`s name within `max_document_bytes` (`--max-document-bytes`), scenario files
    (fixtures, config) within `max_bytes` (`--max-file-bytes`)."""

    max_bytes: int = MAX_FILE_BYTES
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    option: str = "--max-file-bytes"  # the cap `max_bytes` is, as an error names it
    count: int = 0
    total_bytes: int = 0

    def read(self, path: Path, bounded: Callable[[list[PathItem]], bool] | None = None) -> SpecFile:
        """`read`, within this start-up's cap for scenario files, counted."""
        return read(path, self, bounded)

    def read_document(self, path: Path, bounded: Callable[[list[PathItem]], bool] | None = None) -> SpecFile:
        """`read` of an OpenAPI document (or a file its `$ref`s name), within the documents' cap."""
        capped = replace(self, max_bytes=self.max_document_bytes, option="--max-document-bytes")
        return read(path, capped, bounded, counted=self)

    def read_bytes(self, path: Path) -> bytes:
        """A regular file's bytes (symlinks followed), at most `max_bytes`; SpecError otherwise."""
        try:
            info = os.stat(path)  # before opening: opening a pipe waits for a writer, a device may act
        except OSError as exc:
            raise SpecError(path, [], f"cannot read file: {exc.strerror or exc}") from exc
        _regular(path, info.st_mode)
        data = bytearray()
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
            try:
                _regular(path, os.fstat(fd).st_mode)  # the file opened, should it have changed since
                while len(data) <= self.max_bytes:  # one byte past the cap tells a larger file
                    chunk = os.read(fd, min(1 << 20, self.max_bytes + 1 - len(data)))
                    if not chunk:
                        break
                    data += chunk
            finally:
                os.close(fd)
        except OSError as exc:
            raise SpecError(path, [], f"cannot read file: {exc.strerror or exc}") from exc
        self.count += 1
        self.total_bytes += len(data)
        if len(data) > self.max_bytes:
            raise SpecError(
                path,
                [],
                f"the file has more than {self.max_bytes} bytes; at most that many are read ({self.option})",
            )
        return bytes(data)

    @property
    def max_nodes(self) -> int:
        return max(MAX_NODES, self.max_bytes // 16)

    def usage(self) -> dict[str, int]:
        """What `/_jobmock/status` shows as `startup_files`."""
        return {
            "count": self.count,
            "bytes": self.total_bytes,
            "max_bytes": self.max_bytes,
            "max_document_bytes": self.max_document_bytes,
        }


def _regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise SpecError(path, [], f"{kind}, not a regular file: start-up files are read from regular files only")


def read(
    path: Path,
    files: StartupFiles | None = None,
    bounded: Callable[[list[PathItem]], bool] | None = None,
    counted: StartupFiles | None = None,
) -> SpecFile:
    """Parse a YAML/JSON file; a syntax error becomes a SpecError with its line.

    Refused before anything else looks at it, each with its line: anything but a regular
    file, or one over `files.max_bytes` (see StartupFiles); aliases (`*name`, a
    billion-laughs file expands from them); nesting past MAX_DEPTH or more than
    `files.max_nodes` values (counted while parsing, before anything is built); a
    duplicate key (at the duplicate's line); NaN, infinities and, where `bounded` says
    (default: everywhere), numbers past MAX_NUMBER (an OpenAPI document's int64 bounds are
    larger; its x-jobmock's numbers are not). `counted`: where the read is counted, when
    not in `files`."""
    files = files if files is not None else StartupFiles()
    raw = files.read_bytes(path)
    if counted is not None:
        counted.count += 1
        counted.total_bytes += len(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(path, [], f"cannot read file: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        _parse_screen(path, text, files.max_nodes)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is not None:
                _screen(path, root, files.max_nodes, bounded)
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
_VALUES = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _parse_screen(path: Path, text: str, max_nodes: int) -> None:
    """The parser's events, before anything is composed (memory stays flat): aliases
    (at their own line); far too many values (keys count here: `_screen` then counts the
    values, with their place) or far too deep a nesting (the composer recurses)."""
    values = depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise SpecError(path, [], "YAML aliases (*name) are not accepted: write the value out", line)
        if isinstance(event, _VALUES):
            values += 1
            if values > 2 * max_nodes:
                raise SpecError(path, [], f"more than {max_nodes} values in one file", line)
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > 4 * MAX_DEPTH:
                raise SpecError(path, [], f"nested deeper than {MAX_DEPTH} levels", line)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _screen(
    path: Path, root: yaml.Node, max_nodes: int = MAX_NODES, bounded: Callable[[list[PathItem]], bool] | None = None
) -> None:
    """Walk the composed file (no recursion, no construction yet) for what `read` refuses.
    `bounded`: where numbers past MAX_NUMBER are refused (default: everywhere)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, list[PathItem]]] = [(root, [])]
    while stack:
        node, where = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            raise SpecError(path, where, "YAML aliases (*name) are not accepted: write the value out", line)
        seen.add(id(node))
        if len(seen) > max_nodes:
            raise SpecError(path, where, f"more than {max_nodes} values in one file", line)
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
            _check_number(path, where, node, line, bounded is None or bounded(where))


def _check_number(path: Path, where: list[PathItem], node: yaml.Node, line: int, bounded: bool = True) -> None:
    text = str(node.value).lower().replace("_", "")
    try:
        value = float(int(text, 0)) if node.tag == _INT else float(text.replace(".inf", "inf").replace(".nan", "nan"))
    except (ValueError, OverflowError):
        value = float("inf")
    if not math.isfinite(value):
        raise SpecError(path, where, f"{node.value} is not a usable number (not finite)", line)
    if bounded and abs(value) > MAX_NUMBER:
        raise SpecError(path, where, f"{node.value} is not a usable number (finite, at most {MAX_NUMBER:g})", line)
