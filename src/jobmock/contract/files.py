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
from array import array
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
    """A parsed YAML or JSON file that remembers the line of every value."""

    path: Path
    data: Any
    _lines: _Lines | None
    # files its $refs brought in, by their key under INCLUDED (`jobmock.contract.refs`)
    included: dict[str, SpecFile] = field(default_factory=dict)

    def line_of(self, where: Sequence[PathItem]) -> int | None:
        """1-based line of the deepest value of `where` that exists in the file."""
        return self._lines.line_of(self.data, where) if self._lines is not None else None

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
    loader = _Loader(_joined_surrogates(text))
    try:
        data, lines = _Reader(path, loader, files.max_nodes, bounded).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SpecError(path, [], f"invalid YAML: {exc.problem}", line) from exc
    except yaml.YAMLError as exc:
        raise SpecError(path, [], f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return SpecFile(path, data, lines)


_SURROGATES = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _joined_surrogates(text: str) -> str:
    """JSON writes a character past U+FFFF as two escapes (`\\ud83d\\ude00`, as Python's
    `json.dumps` does by default); YAML parsers refuse each half. In a JSON document (every
    string of it quoted, where the escapes mean this), each pair becomes the character it
    stands for, on the same line; a backslash escaped itself is left alone."""
    if "\\u" not in text or text.lstrip()[:1] not in ("{", "["):
        return text

    def joined(match: re.Match[str]) -> str:
        high, low = int(match.group(2), 16), int(match.group(3), 16)
        return match.group(1) + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))

    return _SURROGATES.sub(joined, text)


_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_STARTS = frozenset({yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent})  # events that begin a value
_NO_KEY = object()  # an open mapping waiting for its next key
_Held = tuple[Any, tuple[str, ...] | None, "array[int]"]  # a container, its keys (None: a list), its values' lines


class _Lines:
    """The line of every value, kept beside the data rather than in it: per mapping its
    keys and their values' lines, per list its items' lines. Each container is held with
    its entry, so that its id stays its own."""

    def __init__(self, root: int, by_id: dict[int, _Held]) -> None:
        self.root = root
        self.by_id = by_id

    def line_of(self, data: Any, where: Sequence[PathItem]) -> int:
        line, node = self.root, data
        for key in where:
            held = self.by_id.get(id(node))
            if held is None or held[0] is not node:
                break
            _, keys, lines = held
            if keys is not None and str(key) in keys:
                index = keys.index(str(key))
                line, node = lines[index], node.get(keys[index])
            elif keys is None and isinstance(key, int) and 0 <= key < len(lines):
                line, node = lines[key], node[key] if key < len(node) else None
            else:
                break
        return line


class _Open:
    """A mapping or list being read."""

    __slots__ = ("key", "keys", "lines", "value")

    def __init__(self, value: dict[str, Any] | list[Any]) -> None:
        self.value = value
        self.keys: list[str] | None = [] if isinstance(value, dict) else None
        self.lines = array("i")
        self.key: Any = _NO_KEY


class _Reader:
    """One pass over the parser's events builds the data in JSON's model (string keys, text,
    numbers, booleans, null) and refuses, each at its line and place, what `read` refuses.
    Nothing is built past a refusal: no alias is ever expanded, no more than `max_nodes`
    values are made, and nothing nests deeper than MAX_DEPTH. (Composing PyYAML's node tree
    first took three times as long, and the tree stayed in memory for the lines.)"""

    def __init__(self, path: Path, loader: Any, max_nodes: int, bounded: Callable[[list[PathItem]], bool] | None):
        self.path, self.loader, self.max_nodes, self.bounded = path, loader, max_nodes, bounded
        self.where: list[PathItem] = []  # the place of the value being read
        self.values = 0
        self.plain: dict[str, str] = {}  # the tag of each plain text read so far (keys repeat)
        self.data: Any = None
        self.root: int | None = None  # the first value's line

    def document(self) -> tuple[Any, _Lines | None]:
        stack: list[_Open] = []
        held: dict[int, _Held] = {}
        documents = 0
        while True:
            event = self.loader.get_event()
            kind = type(event)
            if kind in _STARTS:
                self.value(event, kind, stack)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                held[id(done.value)] = (done.value, tuple(done.keys) if done.keys is not None else None, done.lines)
                if stack:
                    self.where.pop()
            elif kind is yaml.AliasEvent:
                place = [*self.where, len(stack[-1].lines)] if stack and stack[-1].keys is None else self.where
                message = "YAML aliases (*name) are not accepted: write the value out"
                raise SpecError(self.path, place, message, event.start_mark.line + 1)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    message = "invalid YAML: more than one document in the file"
                    raise SpecError(self.path, [], message, event.start_mark.line + 1)
            elif kind is yaml.StreamEndEvent:
                break
        return (self.data, _Lines(self.root, held)) if self.root is not None else (None, None)

    def value(self, event: Any, kind: type, stack: list[_Open]) -> None:
        """A scalar, or the start of a mapping or list: a key, an item or the document's root."""
        where, line = self.where, event.start_mark.line + 1
        top = stack[-1] if stack else None
        if top is not None and top.keys is not None and top.key is _NO_KEY:
            top.key = self.key(event, line, top)
            where.append(top.key)
            return
        if top is not None and top.keys is None:
            where.append(len(top.lines))
        self.values += 1
        if self.values > self.max_nodes:
            raise SpecError(self.path, where, f"more than {self.max_nodes} values in one file", line)
        if len(where) > MAX_DEPTH:
            raise SpecError(self.path, where[:MAX_DEPTH], f"nested deeper than {MAX_DEPTH} levels", line)
        value = self.scalar(event, line) if kind is yaml.ScalarEvent else self.container(event)
        if top is None:
            self.data, self.root = value, line
        else:
            if top.keys is not None:
                top.value[top.key] = value
                top.keys.append(top.key)
                top.key = _NO_KEY
            else:
                top.value.append(value)  # type: ignore[union-attr]
            top.lines.append(line)
        if kind is not yaml.ScalarEvent:
            stack.append(_Open(value))
        elif top is not None:
            where.pop()

    def key(self, event: Any, line: int, top: _Open) -> str:
        """A mapping's key, as JSON writes it (`400:` is "400", `true:` is "true")."""
        if type(event) is not yaml.ScalarEvent:
            raise SpecError(self.path, self.where, "a key must be a plain value, not a mapping or a list", line)
        value = self.scalar(event, line, checked=False)
        key = value if isinstance(value, str) else json.dumps(value)
        if key in top.value:
            assert top.keys is not None
            message = f"duplicate key {key!r} (first on line {top.lines[top.keys.index(key)]})"
            raise SpecError(self.path, [*self.where, key], message, line)
        return key

    def tag(self, event: Any, kind: type[yaml.Node], text: str | None = None) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            if kind is yaml.ScalarNode and event.style:  # quoted, literal or folded: text
                return _STR
            tag = self.loader.resolve(kind, text, event.implicit if kind is yaml.ScalarNode else True)
        return str(tag)

    def scalar(self, event: Any, line: int, checked: bool = True) -> Any:
        text: str = event.value
        if event.tag is None and not event.style:  # plain, the common case: its type as YAML 1.2 reads it
            tag = self.plain.get(text)
            if tag is None:
                tag = self.plain[text] = self.tag(event, yaml.ScalarNode, text)
        else:
            tag = self.tag(event, yaml.ScalarNode, text)
        if tag in (_STR, _TIMESTAMP):  # a date stays as written: JSON has no dates
            return text
        if tag == _NULL:
            return None
        if tag == _BOOL and event.tag is None:
            return text.lower() == "true"
        if tag == _MERGE:
            raise SpecError(self.path, self.where, "YAML merge keys (<<) are not accepted: write the keys out", line)
        if tag in (_INT, _FLOAT):
            try:
                value: Any = int(text) if tag == _INT else float(text)
            except ValueError:  # 0x1F, 010, 1:30, .inf: YAML's own spellings
                value = self.construct(tag, event, line)
            if checked:
                self.number(text, value, line)
            return value
        return self.construct(tag, event, line)

    def construct(self, tag: str, event: Any, line: int) -> Any:
        """A scalar of a tag read the rare way, by PyYAML's safe constructor (`!!bool yes`,
        `!!binary`, `0x1F`), then as JSON's model has it."""
        constructor = self.loader.yaml_constructors.get(tag)
        if constructor is None or tag in (_MAP, _SEQ):
            raise SpecError(self.path, self.where, f"invalid YAML: the tag {tag!r} is not one jobmock reads", line)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return json.loads(json.dumps(constructor(self.loader, node), default=str))

    def container(self, event: Any) -> dict[str, Any] | list[Any]:
        mapping = type(event) is yaml.MappingStartEvent
        tag = self.tag(event, yaml.MappingNode if mapping else yaml.SequenceNode)
        if tag != (_MAP if mapping else _SEQ):
            reason = f"the tag {tag!r} is not accepted: a document holds JSON's mappings and lists only"
            raise SpecError(self.path, self.where, f"invalid YAML: {reason}", event.start_mark.line + 1)
        return {} if mapping else []

    def number(self, text: str, value: Any, line: int) -> None:
        try:
            number = abs(float(value))
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf
        if not math.isfinite(number):
            raise SpecError(self.path, list(self.where), f"{text} is not a usable number (not finite)", line)
        if number > MAX_NUMBER and (self.bounded is None or self.bounded(list(self.where))):
            message = f"{text} is not a usable number (finite, at most {MAX_NUMBER:g})"
            raise SpecError(self.path, list(self.where), message, line)
