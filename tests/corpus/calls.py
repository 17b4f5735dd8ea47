"""A valid request for each operation of a served document, as a client reading the document
would make it, and what is wrong with its answer (the status is not declared, the body does not
fit the declared schema), with the document's own validator.

A request: path parameters and the required query, header and cookie parameters made from their
schemas; a body for the operation's first request media type (JSON, multipart/form-data with
files, application/x-www-form-urlencoded, or any other as bytes) made by jobmock's `Generator`
in the WRITE direction; and the credentials its security's first alternative asks for."""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from jobmock.contract import openapi
from jobmock.contract.document import Contract
from jobmock.contract.schema_fit import READ, WRITE, format_checker, validator_class
from jobmock.contract.security import Scheme
from jobmock.sim import fakedata
from jobmock.sim.fakedata import Generator

TOKEN = "corpus-test-token"
BASIC = ("ACcorpus", "secret")


@dataclass
class Call:
    """One request, ready for httpx (relative to the document's base)."""

    where: str  # "POST /v1/batches" as the document writes it
    method: str
    path: str  # its parameters filled in
    operation: Mapping[str, Any]
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    json: Any = None
    data: Any = None
    files: list[tuple[str, Any]] | None = None
    content: bytes | None = None
    media: str | None = None  # the request body's media type

    def send(self, http: httpx.Client, base: str, extra: Mapping[str, str] | None = None) -> httpx.Response:
        """Send it under `base`, with `extra` headers besides its own (a namespace, a scenario)."""
        headers = {**self.headers, **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        kwargs: dict[str, Any] = {}
        if self.json is not None or (self.media is not None and is_json(self.media)):
            kwargs["content"] = json.dumps(self.json).encode()
            headers["Content-Type"] = self.media or "application/json"
        elif self.files == []:  # no part at all: an empty multipart body
            kwargs["content"] = b"--corpus--\r\n"
            headers["Content-Type"] = "multipart/form-data; boundary=corpus"
        elif self.files is not None:
            kwargs["files"] = self.files
            if self.data:
                kwargs["data"] = self.data
        elif self.data is not None:
            kwargs["data"] = self.data
        elif self.content is not None:
            kwargs["content"] = self.content
            headers["Content-Type"] = self.media or "application/octet-stream"
        return http.request(self.method, base + self.path, params=self.params, headers=headers, **kwargs)


def operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """(method, path template, path item, operation) for every operation under `paths`."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in openapi.HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield method, path, item, operation


def upgrade_only(operation: Mapping[str, Any]) -> bool:
    """A WebSocket or other protocol upgrade (only 1xx responses): not served, and jobmock
    says so when it loads the document."""
    responses = operation.get("responses") or {}
    return bool(responses) and all(str(code).startswith("1") for code in responses)


def not_routed_32(document: Mapping[str, Any]) -> int:
    """How many OpenAPI 3.2 operations jobmock does not serve (README, "Bring your own API"):
    each path item's `query` and its `additionalOperations`, each named by a warning when the
    document is loaded."""
    items = [i for i in (document.get("paths") or {}).values() if isinstance(i, Mapping)]
    return sum(isinstance(i.get("query"), Mapping) + len(i.get("additionalOperations") or {}) for i in items)


def calls(
    contract: Contract, seed: int = 20, jobs: Callable[[str], tuple[str, str] | None] | None = None
) -> Iterator[Call]:
    """One valid request per operation of the document (protocol upgrades aside); the job
    operations of a document served with jobs (a poll, a cancel) name a job that exists:
    `jobs` gives, by its route, its id parameter and a job (a made-up id gets its 404)."""
    for index, (method, path, item, operation) in enumerate(operations(contract.resolved)):
        if upgrade_only(operation):
            continue
        named = jobs(f"{method.lower()} {re.split(r'[?#]', path)[0]}") if jobs else None  # see conftest.route
        fixed = dict([named]) if named else {}
        rng = random.Random(seed * 100_003 + index)
        gen = Generator(
            rng,
            fakedata.seeded_faker(seed + index),
            dialect=contract.dialect,
            direction=WRITE,
            document=contract.resolved,
        )
        yield call_for(contract, method, path, item, operation, gen, fixed)


def call_for(
    contract: Contract,
    method: str,
    path: str,
    item: Mapping[str, Any],
    operation: Mapping[str, Any],
    gen: Generator,
    fixed: Mapping[str, str] | None = None,
) -> Call:
    call = Call(f"{method.upper()} {path}", method.upper(), path.split("#")[0], operation)
    parameters: dict[tuple[str, str], Mapping[str, Any]] = {}
    for param in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        if isinstance(param, Mapping) and "name" in param and "in" in param:
            parameters[(str(param["in"]), str(param["name"]))] = param  # the operation's win
    filled = call.path  # a `#fragment` some vendors add to tell two operations apart is no part of the URL
    for (where, name), param in parameters.items():
        if where != "path" and not param.get("required"):
            continue
        value = (fixed or {}).get(name) if where in ("path", "query") else None
        if value is None:
            value = gen.value(param.get("schema") or {"type": "string"}, name)
        if where == "path":
            filled = filled.replace("{" + name + "}", quote(simple(value), safe=""))
        elif where == "query":
            call.params += query(name, value, param)
        elif where == "header":
            call.headers[name] = simple(value)
        elif where == "cookie":
            call.cookies[name] = simple(value)
    call.path = filled
    body(call, operation.get("requestBody"), gen)
    credentials(call, contract, method, path, operation)
    return call


def simple(value: Any) -> str:
    """A value in the `simple` style (path and header parameters)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(simple(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{simple(v)}" for k, v in value.items())
    return str(value)


def query(name: str, value: Any, param: Mapping[str, Any]) -> list[tuple[str, str]]:
    style = param.get("style", "form")
    explode = param.get("explode", style == "form")
    if isinstance(value, list):
        if explode:
            return [(name, simple(v)) for v in value]
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        return [(name, separator.join(simple(v) for v in value))]
    if isinstance(value, dict):
        if style == "deepObject":
            return [(f"{name}[{k}]", simple(v)) for k, v in value.items()]
        if explode:
            return [(str(k), simple(v)) for k, v in value.items()]
        return [(name, simple(value))]
    return [(name, simple(value))]


def body(call: Call, request: Any, gen: Generator) -> None:
    content = (request or {}).get("content") if isinstance(request, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return
    media, entry = next(iter(content.items()))
    schema = entry.get("schema") if isinstance(entry, Mapping) else None
    call.media = str(media)
    lowered = call.media.split(";")[0].strip().lower()
    value = gen.value(schema if isinstance(schema, Mapping) else {})
    if is_json(lowered):
        call.json = value
    elif lowered == "multipart/form-data":
        call.files, call.data = multipart(value, schema or {}, entry.get("encoding") or {})
        call.media = None  # httpx writes the boundary
    elif lowered == "application/x-www-form-urlencoded":
        fields = value.items() if isinstance(value, dict) else ()
        call.data = {k: form_value(v) for k, v in fields if v is not None}
        call.media = None
    elif isinstance(value, str) and not is_file(schema or {}):
        call.content = value.encode()
    elif is_file(schema or {}) or value is None:
        call.content = b"corpus test bytes\n"
    else:
        lines = (
            value if lowered in ("application/x-ndjson", "application/jsonl") and isinstance(value, list) else [value]
        )
        call.content = "".join(json.dumps(v) + "\n" for v in lines).encode()


def form_value(value: Any) -> Any:
    if isinstance(value, list):
        return [form_value(v) for v in value]
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def multipart(
    value: Any, schema: Mapping[str, Any], encoding: Mapping[str, Any]
) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """The parts of a multipart body: files where the schema says binary, fields else."""
    files: list[tuple[str, Any]] = []
    data: dict[str, Any] = {}
    properties = merged_properties(schema)
    for name, item in (value or {}).items() if isinstance(value, dict) else ():
        if item is None:  # a form cannot say null: the field is left out
            continue
        prop = properties.get(name, {})
        declared = (encoding.get(name) or {}).get("contentType")
        media = str(declared).split(",")[0].strip() if declared else "application/octet-stream"
        if is_file(prop):
            items = item if isinstance(item, list) else [item]
            for n, _ in enumerate(items):
                files.append((name, (f"{name}-{n}.bin", b"corpus test bytes\n", media)))
        elif isinstance(item, list) and is_file(prop.get("items") or {}):
            for n, _ in enumerate(item):
                files.append((name, (f"{name}-{n}.bin", b"corpus test bytes\n", media)))
        elif declared and is_json(media):
            files.append((name, (None, json.dumps(item).encode(), media)))
        else:
            data[name] = form_value(item)
    if not files:  # httpx sends multipart only with a file: send the fields as parts
        files = [(name, (None, v if isinstance(v, str) else json.dumps(v))) for name, v in data.items()]
        data = {}
    return files, data


def merged_properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for part in [schema, *(schema.get("allOf") or []), *(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]:
        if isinstance(part, Mapping):
            for name, prop in (part.get("properties") or {}).items():
                if isinstance(prop, Mapping):
                    found.setdefault(name, prop)
            if part is not schema:
                for name, prop in merged_properties(part).items():
                    found.setdefault(name, prop)
    return found


def is_file(schema: Mapping[str, Any]) -> bool:
    """A schema of file content: `format: binary` (3.0), `contentMediaType` or
    `contentEncoding` (3.1), or a oneOf/anyOf one of whose branches is one."""
    if not isinstance(schema, Mapping):
        return False
    if schema.get("format") == "binary" or "contentMediaType" in schema or "contentEncoding" in schema:
        return schema.get("type") in (None, "string") or "string" in (schema.get("type") or [])
    return any(is_file(b) for key in ("oneOf", "anyOf") for b in schema.get(key) or [] if is_file_branch(b))


def is_file_branch(branch: Any) -> bool:
    return isinstance(branch, Mapping) and branch.get("type") != "array" and is_file(branch)


def credentials(call: Call, contract: Contract, method: str, path: str, operation: Mapping[str, Any]) -> None:
    """The credentials of the operation's first alternative (an empty one: none needed)."""
    requirements = contract.security.requirements_of(operation.get("operationId"), method, path)
    for alternative in requirements.alternatives[:1]:
        for scheme in alternative:
            carry(call, scheme)


def carry(call: Call, scheme: Scheme) -> None:
    if scheme.kind == "apiKey":
        if scheme.location == "header":
            call.headers[scheme.param] = TOKEN
        elif scheme.location == "query":
            call.params.append((scheme.param, TOKEN))
        else:
            call.cookies[scheme.param] = TOKEN
    elif scheme.kind == "basic":
        pair = ":".join(BASIC).encode()
        call.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif scheme.kind == "bearer":
        call.headers["Authorization"] = f"Bearer {TOKEN}"
    else:
        call.headers["Authorization"] = f"{scheme.http_scheme} {TOKEN}"


def is_json(media: str) -> bool:
    base = media.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


# --- the answer ---------------------------------------------------------------------------------


class Answers:
    """Judges answers against a document: status declared, body fits, in its dialect."""

    def __init__(self, contract: Contract):
        cls = validator_class(contract.dialect, READ)
        self.root = cls(dict(contract.resolved), format_checker=format_checker(contract.dialect))

    def problem(self, call: Call, response: httpx.Response) -> str | None:
        """What is wrong with `response` to `call` (None: nothing)."""
        status = response.status_code
        responses = {str(k).upper(): v for k, v in (call.operation.get("responses") or {}).items()}
        if status >= 500:
            return f"{status} (server error) {response.text[:300]}"
        code = str(status)
        declared = responses.get(code) or responses.get(f"{code[0]}XX") or responses.get("DEFAULT")
        if declared is None:
            return f"{status} is not declared ({sorted(responses)}): {response.text[:300]}"
        if status >= 400:
            return f"{status} refuses a valid request: {response.text[:300]}"
        content = declared.get("content") or {}
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content:
            return None
        if not media:
            return f"{status} has no Content-Type (declared {sorted(content)})" if response.content else None
        entry = media_entry(content, media)
        if entry is None:
            return f"{status} answers {media}, not declared ({sorted(content)})"
        schema = entry.get("schema") if isinstance(entry, Mapping) else None
        if not isinstance(schema, Mapping | bool) or not is_json(media):
            return None
        try:
            value = response.json()
        except ValueError as exc:
            return f"{status} {media}: the body is no JSON ({exc}): {response.text[:200]}"
        error = next(iter(self.root.evolve(schema=schema).iter_errors(value)), None)
        if error is None:
            return None
        at = "/".join(str(p) for p in error.absolute_path)
        return f"{status} {media}: the body breaks its schema at /{at}: {error.message[:300]}"


def media_entry(content: Mapping[str, Any], media: str) -> Any:
    lowered = {str(k).split(";")[0].strip().lower(): v for k, v in content.items()}
    if media in lowered:
        return lowered[media]
    major = media.split("/")[0]
    for key in (f"{major}/*", "*/*"):
        if key in lowered:
            return lowered[key]
    return None
