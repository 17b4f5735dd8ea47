"""What a stateless operation answers: the mocker of any document's operations that are not
about a job (Prism's job), pure and reproducible.

Given an operation as its document declares it (its `$ref`s resolved), `mock` picks the
documented response (the lowest success status, or the one a `Prefer: code=` asks for), its
media type (by the Accept header), and a body: the document's own example for that response
when it fits its schema, else data generated from the schema (`fakedata.Generator`), the same
for the same request. No HTTP and no I/O: the server's `operations.stateless` turns a `Mocked`
into a reply.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .fakedata import Generator, seeded_faker

Fits = Callable[[Any, Mapping[str, Any]], bool]  # does a value fit a schema (in the document's dialect)
NO_BODY = None

_PREFER = re.compile(r"(?:^|[,;\s])(code|example|dynamic)=(?:\"([^\"]*)\"|([^,;\s]+))", re.IGNORECASE)
_TEXT = re.compile(r"^text/|[/+](json|xml|yaml|csv|javascript|x-ndjson|jsonl)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Prefer:
    """What a client asks of the mock in a `Prefer` header (Prism's convention):
    `code=404` (that documented response), `example=NAME` (that named example),
    `dynamic=true` (generated data even where the document has an example)."""

    code: str | None = None
    example: str | None = None
    dynamic: bool = False


def prefer_of(header: str | None) -> Prefer:
    found = {key.lower(): quoted or plain for key, quoted, plain in _PREFER.findall(header or "")}
    return Prefer(found.get("code"), found.get("example"), found.get("dynamic", "").lower() == "true")


@dataclass(frozen=True)
class Mocked:
    """A stateless answer: status, media type (None: no body), the body as a value (JSON)
    or text or bytes, the response headers the document declares, and whether the body is
    the document's example."""

    status: int
    media: str | None
    body: Any
    headers: tuple[tuple[str, str], ...] = ()
    from_example: bool = False  # the body is the document's own example (else made up)

    def body_bytes(self) -> bytes:
        if self.media is None or self.body is NO_BODY:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        media = self.media.lower()
        if media.startswith("text/event-stream"):
            return _event(self.body)
        if isinstance(self.body, str) and not _is_json(media):
            return self.body.encode()
        return json.dumps(self.body, ensure_ascii=False).encode()


SSE_FIELDS = ("event", "id", "retry")  # an event's own fields beside `data`


def _event(body: Any) -> bytes:
    """One server-sent event: an object of SSE's own fields (`event`, `data`, `id`, `retry`, as
    vendors describe an event's schema) written as those fields, its `data` as text or JSON;
    anything else as the event's JSON data. Data of several lines takes a `data:` line each."""
    lines = []
    if isinstance(body, dict) and "data" in body and set(body) <= {"data", *SSE_FIELDS}:
        lines += [f"{name}: {body[name]}" for name in SSE_FIELDS if body.get(name) is not None]
        data = body["data"]
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    else:
        text = json.dumps(body, ensure_ascii=False)
    lines += [f"data: {line}" for line in text.split("\n")]
    return ("\n".join(lines) + "\n\n").encode()


def request_seed(*parts: Any) -> int:
    """A seed from what makes a request itself (method, path, query, body): the same request
    gets the same answer, in any process."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def response_for(responses: Mapping[str, Any], wanted: str | None = None) -> tuple[int, Mapping[str, Any]] | None:
    """The documented response to answer with, and its status: `wanted` (a final status, 200 to 599,
    a client asked for) when documented exactly, by its range (`4XX`) or by `default`; else the
    lowest success status (2xx, then `2XX`), else `default` as 200, else the lowest documented one."""
    keys = {str(k).upper(): v for k, v in responses.items() if isinstance(v, Mapping)}
    if wanted is not None and re.fullmatch("[2-5][0-9][0-9]", wanted):
        for key in (wanted, wanted[0] + "XX", "DEFAULT"):
            if key in keys:
                return int(wanted), keys[key]
    codes = sorted(k for k in keys if k.isdigit())
    for code in codes:
        if code.startswith("2"):
            return int(code), keys[code]
    if "2XX" in keys:
        return 200, keys["2XX"]
    if "DEFAULT" in keys:
        return 200, keys["DEFAULT"]
    for code in codes:
        if not code.startswith("1"):  # an informational status is never a final answer
            return int(code), keys[code]
    for key, value in keys.items():  # only ranges other than 2XX
        if re.fullmatch(r"[2-5]XX", key):
            return int(key[0]) * 100, value
    return None


def media_for(content: Mapping[str, Any], accept: str | None) -> str | None:
    """The response's media type a client's Accept header takes (the first listed when it
    takes any); JSON before the others when the client says nothing."""
    types = [str(t) for t in content]
    if not types:
        return None
    if accept:
        for wanted in _accepted(accept):
            for media in types:
                if _matches(wanted, media.split(";")[0].strip().lower()):
                    return media
    for media in types:
        if _is_json(media.lower()):
            return media
    return types[0]


def mock(
    operation: Mapping[str, Any],
    seed: int,
    fits: Fits,
    *,
    accept: str | None = None,
    prefer: Prefer = Prefer(),
    generator: Callable[[random.Random], Generator] | None = None,
) -> Mocked:
    """The answer to one request of a stateless operation (see the module's docstring)."""
    chosen = response_for(operation.get("responses") or {}, prefer.code)
    if chosen is None:
        return Mocked(204 if not operation.get("responses") else 200, None, NO_BODY)
    status, response = chosen
    rng = random.Random(seed)
    make = generator(rng) if generator is not None else Generator(rng, seeded_faker(seed))
    headers = tuple(_headers(response.get("headers") or {}, make))
    content = response.get("content") or {}
    media = media_for(content, accept)
    if media is None:
        return Mocked(status, None, NO_BODY, headers)
    entry = content.get(media) or {}
    schema = entry.get("schema") if isinstance(entry.get("schema"), Mapping) else None
    body = example_of(entry, schema, fits, prefer)
    if body is _NONE:
        return Mocked(status, media, _generated(media, schema, make), headers)
    return Mocked(status, media, body, headers, from_example=True)


class _Missing:
    pass


_NONE: Any = _Missing()


def example_of(entry: Mapping[str, Any], schema: Mapping[str, Any] | None, fits: Fits, prefer: Prefer) -> Any:
    """The document's example for a media type that fits its schema: the one named by
    `Prefer: example=`, else `example`, else the first of `examples`, else the schema's own
    (`example`, or the first of 3.1's `examples`). `_NONE` when there is none that fits."""
    examples = entry.get("examples")
    named: Mapping[str, Any] = examples if isinstance(examples, Mapping) else {}
    chosen = named.get(prefer.example) if prefer.example is not None else None
    if isinstance(chosen, Mapping) and "value" in chosen:
        return chosen["value"]  # asked for by name: as written, fitting or not
    if prefer.dynamic:
        return _NONE
    candidates: list[Any] = []
    if "example" in entry:
        candidates.append(entry["example"])
    candidates += [e["value"] for e in named.values() if isinstance(e, Mapping) and "value" in e]
    if schema is not None:
        if "example" in schema:
            candidates.append(schema["example"])
        if isinstance(schema.get("examples"), list):
            candidates += schema["examples"]
    for candidate in candidates:
        if schema is None or fits(candidate, schema):
            return candidate
    return _NONE


def _generated(media: str, schema: Mapping[str, Any] | None, make: Generator) -> Any:
    lowered = media.lower()
    if schema is None:
        return {} if _is_json(lowered) else ""
    if not _TEXT.search(lowered) and schema.get("type") in (None, "string"):
        return make.rng.randbytes(64)  # audio, images, PDFs, octet streams: some bytes
    return make.value(schema)


def _headers(declared: Mapping[str, Any], make: Generator) -> list[tuple[str, str]]:
    found = []
    for name, header in declared.items():
        if not isinstance(header, Mapping) or name.lower() in _FRAMING:
            continue
        given = header.get("schema")
        schema: Mapping[str, Any] = given if isinstance(given, Mapping) else {"type": "string"}
        value = header["example"] if "example" in header else make.value(schema, name)
        found.append((str(name), value if isinstance(value, str) else json.dumps(value)))
    return found


# Headers the server sets itself (how the body is framed and the connection kept): a value
# made up for one (OpenAI documents `Transfer-Encoding` on its audio) breaks the answer.
_FRAMING = frozenset(
    {"content-type", "content-length", "transfer-encoding", "connection", "keep-alive", "trailer", "upgrade", "te"}
)


def _accepted(accept: str) -> Sequence[str]:
    ranked = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, index, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def _matches(wanted: str, media: str) -> bool:
    if wanted in ("*/*", media):
        return True
    return wanted.endswith("/*") and media.startswith(wanted[:-1])


def _is_json(media: str) -> bool:
    base = media.split(";")[0].strip()
    return base == "application/json" or base.endswith("+json") or base == "*/*"
