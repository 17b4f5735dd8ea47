"""Does a value fit a schema? The real validator's answer, in the document's dialect.

Made-up data must fit the vendor's own schema (issue 20): a `oneOf` value matches exactly one
branch, a name-guided guess (an email for `email`, `en` for `language`) is kept only where the
schema allows it, and `null` only where the dialect's rules say so (3.0 `nullable` within one
Schema Object, 3.1 `type: [x, "null"]` or an `anyOf` branch). Rather than re-implement those
rules, the data maker (`sim/fakedata.py`) asks this judge, which wraps the validator the rest
of jobmock trusts: openapi-schema-validator's OAS 3.0 read or write validator (`readOnly` and
`writeOnly` in their request or response context) or its OAS 3.1 validator (JSON Schema
2020-12), with a format checker (date-time, email, uuid, ... and OpenAPI's int32, int64,
byte, ...).

It lives in `contract/`, not `sim/`: the simulation may not import jsonschema directly (see
pyproject's import contracts), and judging values against a document's schemas belongs with
the document. Validators are built once per schema object (keyed by identity, holding the
schema so that the key stays its own) in bounded caches, and a plain string schema (the
most common question: "does this guess fit?") is answered without the validator's
machinery, by the same checks.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    OAS32Validator,
    oas30_format_checker,
    oas31_format_checker,
)

from .dialects import Dialect

Direction = Literal["read", "write"]
READ: Direction = "read"  # a response body: writeOnly properties are left out
WRITE: Direction = "write"  # a request body: readOnly properties are left out

CACHED_SCHEMAS = 20_000  # validators kept per judge (one per schema object asked about)
CACHED_JUDGES = 32  # judges kept (one per dialect, direction and document)

# Keys of a string schema the fast path answers exactly as the validator would.
_PLAIN_STRING_KEYS = frozenset(
    {
        "type",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "enum",
        "const",
        "nullable",
        "title",
        "description",
        "example",
        "examples",
        "default",
        "deprecated",
        "externalDocs",
        "xml",
    }
)
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value) or "\\" in value:
        return False
    scheme = value.split(":", 1)[0] if ":" in value else ""
    return bool(_SCHEME.fullmatch(scheme)) and _uri_parts_ok(value)


def _is_uri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return not any(c.isspace() for c in value) and "\\" not in value and _uri_parts_ok(value)


def _uri_parts_ok(value: str) -> bool:
    try:
        urlsplit(value)
    except ValueError:
        return False
    return True


def _is_hostname(value: object) -> bool:
    return not isinstance(value, str) or bool(_HOSTNAME.fullmatch(value))


def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or bool(_DURATION.fullmatch(value))


_OAS_FORMATS = ("int32", "int64", "float", "double", "byte", "binary", "password")  # OpenAPI's own formats

# formats the jsonschema install may not check (it needs optional libraries for them)
_FALLBACK_FORMATS: dict[str, Callable[[object], bool]] = {
    "uri": _is_uri,
    "iri": _is_uri,
    "uri-reference": _is_uri_reference,
    "iri-reference": _is_uri_reference,
    "hostname": _is_hostname,
    "duration": _is_duration,
}


def format_checker(dialect: Dialect) -> FormatChecker:
    """JSON Schema 2020-12's formats (every one this install can check; a 3.0 document's
    date-time, email, ipv4, uri, ... mean the same) with OpenAPI's own for the
    dialect (int32, int64, float, double, and in 3.0 byte and binary); a format jsonschema
    checks only with an optional library (uri, hostname, duration) is checked by a plain
    rule here."""
    checker = FormatChecker(())
    # not FormatChecker() (nor openapi-schema-validator's checkers, made from it): it holds
    # every draft's formats, and its "time" is draft 3's (no offset), not RFC 3339's
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    oas = oas30_format_checker if dialect == "3.0" else oas31_format_checker
    checker.checkers.update({name: oas.checkers[name] for name in _OAS_FORMATS if name in oas.checkers})
    for name, check in _FALLBACK_FORMATS.items():
        if name not in checker.checkers:
            checker.checks(name)(check)
    return checker


def validator_class(dialect: Dialect, direction: Direction) -> Any:
    """The openapi-schema-validator class for a dialect and a direction (3.0 only has a read
    and a write form; in 3.1 and 3.2 `readOnly`/`writeOnly` are annotations)."""
    if dialect == "3.0":
        return OAS30ReadValidator if direction == READ else OAS30WriteValidator
    return OAS31Validator if dialect == "3.1" else OAS32Validator


class Judge:
    """Answers `fits(schema, value)` for the schemas of one document, in its dialect and one
    direction. `document` is where a kept `$ref` (a recursive schema cut by `openapi.deref`)
    and a discriminator's mapping point; schemas asked about are its parts."""

    def __init__(self, dialect: Dialect, direction: Direction = READ, document: Mapping[str, Any] | None = None):
        self.dialect = dialect
        self.direction = direction
        self.document = document
        self.checker = format_checker(dialect)
        self._root = validator_class(dialect, direction)(dict(document or {}), format_checker=self.checker)
        self._validators: dict[int, tuple[Any, Any]] = dict()
        self._nulls: dict[int, tuple[Any, bool]] = dict()
        self._patterns: dict[str, re.Pattern[str] | None] = {}

    def fits(self, schema: Any, value: Any) -> bool:
        """Whether `value` is valid against `schema` (a Schema Object of the document, or a
        3.1 boolean schema). A schema the validator cannot use (a bad pattern, a $ref to
        nothing) fits nothing."""
        if isinstance(value, str) and isinstance(schema, Mapping) and self._plain(schema):
            return self.string_fits(schema, value)
        try:
            return bool(self._validator(schema).is_valid(value))
        except Exception:  # a broken schema (bad regex, $ref to nothing, too deep): no value fits it
            return False

    def first_error(self, schema: Any, value: Any) -> str | None:
        """Why `value` does not fit `schema`, as the validator words it and where in the value
        (`at data/status: 'weird' is not one of [...]`); None when it fits. The error at the
        shallowest place comes first, so the same misfit is always worded the same way."""
        try:
            errors = list(self._validator(schema).iter_errors(value))
        except Exception as exc:  # a broken schema (bad regex, $ref to nothing): nothing fits it
            return f"the schema cannot be used: {exc}"
        if not errors:
            return None
        error = min(errors, key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return f"at {where}: {error.message}"

    def text_error(self, schema: Any, text: str) -> str | None:
        """Why a header's or a parameter's text fits `schema` neither as itself nor as the value
        it spells (`spelled`: `5` the integer, `true` the boolean; a list of them, split at
        commas, for an array: OpenAPI's `simple` style); None when it fits one of them."""
        value = spelled(text)
        candidates = [text, value]
        if isinstance(schema, Mapping) and (schema.get("type") == "array" or "items" in schema):
            candidates = [[spelled(part.strip()) for part in text.split(",")] if text else []]
        if any(self.fits(schema, candidate) for candidate in candidates):
            return None
        return self.first_error(schema, candidates[-1])

    def _plain(self, schema: Mapping[str, Any]) -> bool:
        """A schema `string_fits` answers for: plain string keywords, extensions, and the
        readOnly/writeOnly that do not matter in this direction."""
        for key in schema:
            if key in _PLAIN_STRING_KEYS or key.startswith("x-"):
                continue
            if key == "readOnly" and (self.direction == READ or self.dialect != "3.0"):
                continue
            if key == "writeOnly" and (self.direction == WRITE or self.dialect != "3.0"):
                continue
            return False
        return True

    def allows_null(self, schema: Any) -> bool:
        """Whether `null` fits `schema` (cached: asked for every optional value)."""
        key = id(schema)
        found = self._nulls.get(key)
        if found is not None and found[0] is schema:
            return found[1]
        answer = self.fits(schema, None)
        self._nulls[key] = (schema, answer)
        if len(self._nulls) > CACHED_SCHEMAS:
            evict(self._nulls)
        return answer

    def string_fits(self, schema: Mapping[str, Any], value: str) -> bool:
        """The validator's answer for a string and a schema of `_PLAIN_STRING_KEYS` only."""
        kind = schema.get("type")
        if kind is not None and kind != "string" and not (isinstance(kind, list) and "string" in kind):
            return False
        if "const" in schema and schema["const"] != value:
            return False
        if "enum" in schema and value not in (schema["enum"] or ()):
            return False
        if "minLength" in schema and len(value) < schema["minLength"]:
            return False
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return False
        if "pattern" in schema:
            pattern = self.pattern(schema["pattern"])
            if pattern is None or pattern.search(value) is None:
                return False
        fmt = schema.get("format")
        return not isinstance(fmt, str) or bool(self.checker.conforms(value, fmt))

    def pattern(self, text: Any) -> re.Pattern[str] | None:
        """A schema's `pattern`, compiled once; None when Python cannot read it."""
        if not isinstance(text, str):
            return None
        if text not in self._patterns:
            if len(self._patterns) > CACHED_SCHEMAS:
                self._patterns.clear()
            try:
                self._patterns[text] = re.compile(text)
            except (re.error, RecursionError, OverflowError):
                self._patterns[text] = None
        return self._patterns[text]

    def _validator(self, schema: Any) -> Any:
        key = id(schema)
        found = self._validators.get(key)
        if found is not None and found[0] is schema:
            return found[1]
        validator = self._root.evolve(schema=schema)
        self._validators[key] = (schema, validator)
        if len(self._validators) > CACHED_SCHEMAS:  # the oldest first (no reordering: safe across threads)
            evict(self._validators)
        return validator


def spelled(text: str) -> Any:
    """The value a parameter's or header's text spells: the number or boolean JSON reads in
    it (a finite one: NaN and Infinity are no JSON numbers), else the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    finite = isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value))
    return value if finite else text


def evict(cache: dict[Any, Any]) -> None:
    """Drop the oldest entry of a cache (no reordering on use: safe across threads, where
    another thread may change the cache meanwhile)."""
    with contextlib.suppress(StopIteration, RuntimeError):
        cache.pop(next(iter(cache)), None)


_judges: dict[tuple[str, str, int], tuple[Any, Judge]] = dict()


def judge(dialect: Dialect, direction: Direction = READ, document: Mapping[str, Any] | None = None) -> Judge:
    """The judge for a document in a dialect and direction, made once and kept (its caches
    are what makes asking cheap)."""
    key = (dialect, direction, id(document))
    found = _judges.get(key)
    if found is not None and found[0] is document:
        return found[1]
    made = Judge(dialect, direction, document)
    _judges[key] = (document, made)
    if len(_judges) > CACHED_JUDGES:
        evict(_judges)
    return made
