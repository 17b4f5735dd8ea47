"""Where a spec's `$ref`s may point, and the files they name brought into the spec.

A `$ref` may point inside its own document (`#/components/schemas/Job`) or to a file
under the spec's folder (`schemas/job.yaml#/Job`). Anything else (`http://…`, `file://…`,
an absolute path, `../` or a symlink leading out of the folder) is refused with the file
and place of the `$ref`, and is never fetched, read or printed: Connexion,
openapi-spec-validator and Schemathesis would otherwise each resolve it on their own,
over the network or from anywhere on the disk.

`bundle` checks every `$ref` and puts each named file, read like the spec itself
(`StartupFiles`: regular files, capped), under the spec's `x-jobmock-included` key, and
rewrites the `$ref`s to point there. What the other tools see then holds local `$ref`s
only, and the served `<base>/openapi.json` stands on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..exceptions import PathItem, SpecError, SpecErrors
from .files import INCLUDED, SpecFile, StartupFiles
from .openapi import Place, listed

MAX_INCLUDED = 64  # files one spec's $refs may bring in
MAX_CHAIN = 64  # a $ref to a $ref to … : longer chains (and loops) are refused


def bundle(spec: SpecFile, files: StartupFiles) -> SpecFile:
    """The spec with every file its `$ref`s name brought in (see the module docstring);
    every refused `$ref` at once, as SpecErrors."""
    if not isinstance(spec.data, dict):
        return spec
    if INCLUDED in spec.data:
        raise SpecErrors([spec.error([INCLUDED], f"{INCLUDED} is jobmock's own key (the files $refs bring in)")])
    root = spec.path.resolve().parent
    keys: dict[Path, str] = {spec.path.resolve(): ""}  # "" is the spec itself
    parts: dict[str, SpecFile] = {}
    problems: list[SpecError] = []
    pending: list[tuple[SpecFile, str]] = [(spec, "")]
    while pending:
        current, key = pending.pop()
        for where, node in list(_refs(current.data)):
            ref = node["$ref"]
            if not isinstance(ref, str):
                continue  # openapi-spec-validator reports it
            try:
                target, pointer = _target(current, ref, root)
            except SpecError as exc:
                problems.append(current.error(where, exc.message))
                continue
            if target is None:
                target_key = key
            elif target in keys:
                target_key = keys[target]
            elif len(parts) >= MAX_INCLUDED:
                problems.append(current.error(where, f"more than {MAX_INCLUDED} files named by $refs"))
                continue
            else:
                try:
                    included = files.read_document(target)
                except SpecError as exc:
                    problems.append(current.error(where, f"$ref {_shown(ref)}: {exc}"))
                    continue
                target_key = keys[target] = _key(target.relative_to(root), parts)
                parts[target_key] = included
                pending.append((included, target_key))
            node["$ref"] = "#" + (f"/{INCLUDED}/{target_key}" if target_key else "") + pointer
    if problems:
        raise SpecErrors(problems)
    if parts:
        spec.data[INCLUDED] = {key: part.data for key, part in parts.items()}
        spec.included.update(parts)
    chain_problems = [spec.error(where, message) for where, message in _chains(spec.data)]
    if chain_problems:
        raise SpecErrors(chain_problems)
    return spec


def _refs(data: Any) -> Iterator[tuple[list[PathItem], dict[str, Any]]]:
    """Every mapping holding a `$ref`, with its place (no recursion: files nest 64 deep)."""
    stack: list[tuple[Any, Place]] = [(data, None)]
    while stack:
        node, place = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                yield [*listed(place), "$ref"], node
            stack += [(value, (place, key)) for key, value in node.items()]
        elif isinstance(node, list):
            stack += [(value, (place, index)) for index, value in enumerate(node)]


def _target(current: SpecFile, ref: str, root: Path) -> tuple[Path | None, str]:
    """The file a `$ref` names (None: its own document) and its JSON pointer, or SpecError."""
    parts = urlsplit(ref)
    pointer = parts.fragment
    if pointer and not pointer.startswith("/"):
        raise SpecError(current.path, [], f"$ref {_shown(ref)}: the part after # must be a JSON pointer (#/…)")
    if parts.scheme or parts.netloc:
        where_to = "the network" if parts.scheme not in ("file", "") or parts.netloc else "a file by URL"
        raise SpecError(current.path, [], f"$ref {_shown(ref)} points to {where_to}: {_ALLOWED}")
    if not parts.path:
        return None, pointer
    name = unquote(parts.path)
    if name.startswith("/"):
        raise SpecError(current.path, [], f"$ref {_shown(ref)} is an absolute path: {_ALLOWED}")
    target = (current.path.resolve().parent / name).resolve()  # symlinks followed: where it really is
    if not target.is_relative_to(root):
        raise SpecError(current.path, [], f"$ref {_shown(ref)} leads out of the spec's folder {root}: {_ALLOWED}")
    return (None if target == current.path.resolve() else target), pointer


_ALLOWED = "only $refs inside the document (#/…) or to files under the spec's folder are followed"


def _shown(ref: str) -> str:
    return repr(ref if len(ref) <= 200 else ref[:200] + "…")


def _key(relative: Path, taken: dict[str, SpecFile]) -> str:
    """A key for an included file: its path under the spec's folder, in characters a JSON
    pointer carries unescaped (Connexion does not unescape `~1`)."""
    base = re.sub(r"[^A-Za-z0-9._:-]", "_", relative.as_posix().replace("/", ":"))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def _chains(document: dict[str, Any]) -> Iterator[tuple[list[PathItem], str]]:
    """`$ref`s that lead only to `$ref`s, in a loop or too long a chain (Connexion recurses on them)."""
    for where, node in _refs(document):
        seen: set[str] = set()
        current: Any = node
        while isinstance(current, dict) and isinstance(current.get("$ref"), str):
            ref = current["$ref"]
            if ref in seen or len(seen) >= MAX_CHAIN:
                yield where, f"$ref {_shown(node['$ref'])} leads only to $refs, in a loop or past {MAX_CHAIN}"
                break
            seen.add(ref)
            current = _follow(document, ref)


def _follow(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref[2:].split("/") if ref.startswith("#/") else ([] if ref == "#" else [None]):
        if part is None:
            return None
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
