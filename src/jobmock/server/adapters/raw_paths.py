"""Path parameters holding an encoded `/` (`%2F`) or a line break (`%0A`), routed by the
path as the client wrote it (`scope["raw_path"]`).

Starlette, and so Connexion, route on the decoded path: to them OpenAI's
`GET /models/ft%3Agpt-4o%2Fmy-org%3Acustom` is `/models/ft:gpt-4o/my-org:custom`, which no
`/models/{model}` route takes, and a mount's pattern stops at a line break. Such a request
(and only such a one: an ordinary path is left alone, one byte search decides) is routed
here, inside Connexion (its error handler answers what is refused):

- its raw path is split at its own `/`s, never at an encoded one, and each segment decoded
  once (`%252F` is the text `%2F`, not a slash); the served documents' templates are
  matched against those segments, their base path and literal segments exactly, in the
  order Connexion routes them. A path that fills no template is a 404, whatever its decoded
  form would reach (`/v1%2Fjobs/x` is not `/v1/jobs/x`; `..%2F` is text inside one value);
- Connexion routes a stand-in of it: the template it fills, with a stand-in for each
  parameter that no literal segment of the document is. Once routed, before security and
  validation, `RealPathParams` checks Connexion took that very operation (else a 404) and
  puts the parameters' real values, decoded once (`a/b`), in their place: they are judged
  by the document and handed to the operation like any other value.

A `format: path` parameter (which Connexion lets span segments) takes segments and encoded
slashes alike; every other parameter is one segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, unquote

from starlette.exceptions import HTTPException

from ...contract.openapi import HTTP_METHODS, pointed
from ..paths import root_path, routed_path
from ..types import ASGIApp, Receive, Scope, Send

ROUTED = "jobmock.raw_route"  # in the scope: the route found here (a `Routed`)
_ROUTING_CONTEXT = "connexion_routing"  # Connexion's scope extension naming the operation it routed to
_PARAMETER = re.compile(r"\{([^{}]*)\}")
_SEGMENT_VALUE = r"((?:[^/%]|%[0-9A-F]{2})+)"  # one segment's value, its escapes whole
_PATH_VALUE = r"((?:[^%]|%[0-9A-F]{2})*)"  # a `format: path` value: segments and all


def needs_raw_routing(scope: Scope) -> bool:
    """The request's path holds an encoded `/` or line break, which routing on the decoded
    path gets wrong (the fast paths leave such a request to Connexion, and so here)."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes) or b"%" not in raw:
        return False
    lowered = raw.partition(b"?")[0].lower()
    return b"%2f" in lowered or b"%0a" in lowered


def canonical(scope: Scope) -> str | None:
    """The raw path under the root path, each segment decoded once and encoded again whole
    (`quote(..., safe="")`): a `/` in it is a segment boundary the client wrote, `%2F` a slash
    inside a value. None where the raw path is not the decoded one's (a server that gave
    another)."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):
        return None
    text = raw.partition(b"?")[0].decode("latin-1")
    root = root_path(scope)
    if root and scope["path"].startswith(root):
        for prefix in (root, quote(root)):
            if text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] in ("/", ""):
                text = text[len(prefix) :]
                break
        else:
            return None
    if unquote(text) != routed_path(scope):  # the raw path is not the path routed (never for uvicorn)
        return None
    return "/".join(quote(unquote(segment), safe="") for segment in text.split("/"))


@dataclass(frozen=True)
class RawRoute:
    """One template of one served document, matched against canonical paths."""

    pattern: re.Pattern[str]
    names: tuple[str, ...]  # the parameters, in the order of the pattern's groups
    operations: Mapping[str, str]  # method -> operationId
    stand_in: str  # the path Connexion routes (base path included)


@dataclass(frozen=True)
class Routed:
    """Where a request was routed here: the operation, its parameters' real values."""

    operation_id: str | None  # None: the template has no operation for the method (a 405)
    params: Mapping[str, str]
    stand_in: str | None  # the path Connexion routes; None: the path fills no template (a 404)


NOWHERE = Routed(None, {}, None)


def raw_routes(base_path: str, document: Mapping[str, Any]) -> list[RawRoute]:
    """The routes of one document Connexion is given (its paths in the order Connexion
    routes them), under its base path."""
    paths = document.get("paths") or {}
    literals = {
        quote(segment, safe="") for template in paths for segment in str(template).split("/") if "{" not in segment
    }
    routes = []
    for template, item in paths.items():
        if isinstance(item, Mapping) and isinstance(item.get("$ref"), str):
            item = pointed(document, item["$ref"])
        if not isinstance(item, Mapping):
            continue
        operations = {
            m: str(op.get("operationId")) for m, op in item.items() if m in HTTP_METHODS and isinstance(op, Mapping)
        }
        if not operations:
            continue
        types = _path_types(document, item, operations)
        pattern, names = _pattern(base_path + str(template), types)
        routes.append(RawRoute(pattern, names, operations, _stand_in(base_path, str(template), types, literals)))
    return routes


def _path_types(document: Mapping[str, Any], item: Mapping[str, Any], operations: Mapping[str, str]) -> dict[str, str]:
    """Each path parameter's type as Connexion routes it: `integer`, `number`, `path` or text."""
    types: dict[str, str] = {}
    declared = list(item.get("parameters") or [])
    for method in operations:
        declared += item[method].get("parameters") or []
    for param in declared:
        if isinstance(param, Mapping) and isinstance(param.get("$ref"), str):
            param = pointed(document, param["$ref"])
        if not isinstance(param, Mapping) or param.get("in") != "path":
            continue
        schema = param.get("schema")
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            schema = pointed(document, schema["$ref"])
        schema = schema if isinstance(schema, Mapping) else {}
        kind = "path" if schema.get("type") == "string" and schema.get("format") == "path" else schema.get("type")
        types.setdefault(str(param.get("name")), str(kind))
    return types


def _pattern(template: str, types: Mapping[str, str]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    parts, names, at = ["^"], [], 0
    for found in _PARAMETER.finditer(template):
        parts.append(re.escape(_quoted_literal(template[at : found.start()])))
        names.append(found.group(1))
        parts.append(_PATH_VALUE if types.get(found.group(1)) == "path" else _SEGMENT_VALUE)
        at = found.end()
    parts += [re.escape(_quoted_literal(template[at:])), "$"]
    return re.compile("".join(parts)), tuple(names)


def _quoted_literal(text: str) -> str:
    """A template's literal text as it is in a canonical path (its `/`s stay boundaries)."""
    return "/".join(quote(segment, safe="") for segment in text.split("/"))


def _stand_in(base_path: str, template: str, types: Mapping[str, str], literals: set[str]) -> str:
    """The template filled with a stand-in per parameter (digits for a number, which
    Connexion's converters ask for) such that no filled segment is a literal one of the
    document: the stand-in path is routed to this template alone, not to a literal twin."""
    segments = template.split("/")
    for size in range(1, 50):
        filled = [_PARAMETER.sub(partial(_stand_in_value, types, size=size), s) for s in segments]
        if not any(quote(s, safe="") in literals for s, t in zip(filled, segments, strict=True) if "{" in t):
            break
    return base_path + "/".join(filled)


def _stand_in_value(types: Mapping[str, str], found: re.Match[str], *, size: int) -> str:
    return ("0" if types.get(found.group(1)) in ("integer", "number") else "_") * size


def route(routes: Iterable[RawRoute], path: str, method: str) -> Routed:
    """The first template the canonical path fills with an operation for the method (as
    Starlette routes: a full match first), else the first it fills at all (Connexion then
    answers its 405), else NOWHERE."""
    method = method.lower()
    partial: Routed | None = None
    for candidate in routes:
        match = candidate.pattern.match(path)
        if match is None:
            continue
        params = {
            name.replace("-", "_"): unquote(value) for name, value in zip(candidate.names, match.groups(), strict=True)
        }
        wanted = method if method in candidate.operations or method != "head" else "get"
        if wanted in candidate.operations:
            return Routed(candidate.operations[wanted], params, candidate.stand_in)
        if partial is None:
            partial = Routed(None, params, candidate.stand_in)
    return partial if partial is not None else NOWHERE


def _root(scope: Scope) -> str:
    root = root_path(scope)
    return root if scope["path"].startswith(root) else ""


def path_routed(scope: Scope) -> str:
    """The path a request was routed on (`..paths.routed_path`), its stand-in where it was
    routed by its raw path here: the path of the template it fills."""
    found = scope.get(ROUTED)
    if isinstance(found, Routed) and found.stand_in is not None:
        return found.stand_in
    return routed_path(scope)


class RawPathRouting:
    """Connexion's middleware before its router: a path with an encoded `/` or line break is
    routed by its raw form (the module's docstring), Connexion given its stand-in."""

    def __init__(self, app: ASGIApp, routes: list[RawRoute]):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and needs_raw_routing(scope):
            path = canonical(scope)
            found = route(self.routes, path, scope["method"]) if path is not None else NOWHERE
            if found.stand_in is None:
                raise HTTPException(404)
            scope[ROUTED] = found  # for Connexion's error handler, which is given the scope as it came
            # a copy: the layers outside Connexion keep the path the client asked for
            scope = {**scope, "path": _root(scope) + found.stand_in}
        await self.app(scope, receive, send)


class RealPathParams:
    """Connexion's middleware after its router: a request routed here by its raw path gets
    its parameters' real values, if Connexion took the operation found (else a 404)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = scope.get(ROUTED)
        if isinstance(routed, Routed):
            taken = (scope.get("extensions") or {}).get(_ROUTING_CONTEXT, {}).get("operation_id")
            if routed.operation_id is None or taken != routed.operation_id:
                raise HTTPException(404)
            scope["path_params"] = dict(routed.params)
        await self.app(scope, receive, send)
