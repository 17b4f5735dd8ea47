"""Field-aware fake values for a JSON schema, reproducible from a seed, that fit the schema.

Titles look like titles, URLs like URLs, model fields like model names, language codes like
`en`. The same seed always gives the same value, in any process: randomness comes only from
the `random.Random` and the Faker instance seeded by the caller (never the wall clock).

Every value fits the vendor's own schema, in the document's dialect (issue 20): a field
name's guess is kept only where the schema allows it (checked by the judge,
`contract/schema_fit.py`, the real validator), else the value is made from the schema
(`fakestrings.py` for formats and patterns). `allOf` parts are merged; a `oneOf` value
matches exactly one branch (checked, and drawn again when it matches more); a discriminator
gets the value that names its branch; `null` is drawn only where the dialect allows it
(3.0 `nullable`, 3.1 `type: [x, "null"]` or a `{type: null}` branch); `readOnly` properties
are left out of a request body, `writeOnly` ones out of a response body.

Bounds: a body holds at most MAX_VALUES values; past LEAN_AFTER values, or deeper than
MAX_DEPTH, or past MAX_REF_DEPTH turns of a recursive schema, only what the schema requires
is made (no optional property, the fewest items, `null` where allowed), so a recursive or
huge schema still gives a small, valid body quickly.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from faker import Faker

from ..contract.dialects import Dialect
from ..contract.openapi import pointed
from ..contract.schema_fit import READ, WRITE, Direction, Judge, evict, judge
from . import fakestrings
from .fakestrings import ALPHABETS, random_token, random_uuid

__all__ = [
    "ALPHABETS",
    "READ",
    "WRITE",
    "Direction",
    "Generator",
    "match_counts",
    "random_token",
    "random_uuid",
    "seeded_faker",
]

MODELS = (
    "google/gemini-2.5-flash-001",
    "google/gemini-2.5-pro",
    "anthropic/claude-sonnet-4",
    "openai/gpt-4.1-mini",
    "openai/gpt-4o",
    "meta-llama/llama-3.3-70b-instruct",
)
MAX_VALUES = 5_000  # values in one made-up body: past it, None (a body stays bounded whatever the schema)
LEAN_AFTER = 250  # values in one body past which only what the schema requires is made
MAX_DEPTH = 10  # nesting past which only what the schema requires is made
MAX_REF_DEPTH = 2  # turns of a recursive schema (a `$ref` kept by deref) followed before that too
HARD_DEPTH = 48  # nesting past which nothing more is made (a schema that requires itself forever)
TRIES = 6  # draws of a `oneOf` value before the last one is kept as it is
NOT_TRIES = 24  # draws of a `not` value: `not` beside a narrow range may refuse half of them
LOCALES = ("fr", "de", "es", "it", "pt", "nl", "ja", "pl")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ja", "pl", "ko", "zh", "sv")  # ISO 639-1
COUNTRIES = ("US", "FR", "DE", "GB", "JP", "BR", "IN", "CA", "ES", "NL")  # ISO 3166-1 alpha-2
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD")  # ISO 4217
TIMEZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/Berlin")
TIERS = ("free", "starter", "pro", "team", "enterprise")
MIME_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/html",
    "text/markdown",
)
OPERATIONS = ("replace", "insert", "delete")
_TEXT_NAMES = ("response", "text", "changes_summary", "ai_explanation", "summary", "description")
_PROSE_NAMES = ("prompt", "instructions", "transcript", "caption", "comment", "notes", "bio")
_MESSAGE_NAMES = ("message", "detail", "error", "error_message")
_EPOCH_NAMES = ("created", "updated", "expires", "timestamp", "start_time", "end_time")
_TYPES_OF: dict[type, str] = {
    bool: "boolean",
    str: "string",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
}
_OBJECT_KEYS = ("properties", "additionalProperties", "required", "minProperties", "maxProperties", "propertyNames")
_ARRAY_KEYS = ("items", "prefixItems", "minItems", "maxItems", "uniqueItems")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRING_KEYS = ("pattern", "minLength", "maxLength", "format")
_LOWER = ("minimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties")
_COMBINATORS = ("oneOf", "anyOf", "not")
_SPOILERS: tuple[Any, ...] = (None, "", 0, False, [], {})  # values that tell two oneOf branches apart
CACHED = 50_000  # merged schemas kept (shared by every generator: a per-job one starts cold)

_faker = Faker("en_US")  # constructing Faker costs ~1 ms: one instance, re-seeded per job
_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}


def seeded_faker(seed: int) -> Faker:
    _faker.seed_instance(seed)
    return _faker


def _cached(kind: str, parts: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """`make()` once per `kind` and the identity of `parts` (kept, so that no other object
    takes their ids while the entry lives); oldest entries go first past CACHED."""
    key = (kind, *map(id, parts))
    found = _cache.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], parts, strict=True)):
        return found[1]
    made = make()
    _cache[key] = (parts, made)
    if len(_cache) > CACHED:
        evict(_cache)
    return made


class Generator:
    """Makes one value per schema node; `name` is the property name it will sit under.

    `dialect` is the document's ("3.0", "3.1", "3.2"); `direction` READ for a response body
    (writeOnly properties left out), WRITE for a request body (readOnly ones left out);
    `document` the document with its `$ref`s resolved (`Contract.resolved`), where a `$ref`
    kept in a recursive schema and a discriminator's mapping point (without it, a kept `$ref`
    gives `{}` or null, as before)."""

    def __init__(
        self,
        rng: random.Random,
        faker: Faker,
        *,
        dialect: Dialect = "3.0",
        direction: Direction = READ,
        document: Mapping[str, Any] | None = None,
    ):
        self.rng = rng
        self.fake = faker
        self.dialect = dialect
        self.direction = direction
        self.document = document
        self.judge: Judge = judge(dialect, direction, document)
        self.made = 0  # values made: past MAX_VALUES, None (a body stays bounded whatever the schema)
        self._depth = 0
        self._refs = 0  # kept `$ref`s being followed (turns of a recursive schema)
        self._optional = 1.0  # share of optional properties made (lowered when a draw is made again)
        self._flattening: set[int] = set()  # schemas whose allOf is being merged

    # --- any schema -------------------------------------------------------------------------

    def value_of_its_own(self, schema: Any, name: str = "") -> Any:
        """`value` on a budget of its own (MAX_VALUES, LEAN_AFTER), for a field made apart from
        a body that may have spent the shared one (a job's state-bound result or error)."""
        spent, self.made = self.made, 0
        try:
            return self.value(schema, name, required=True)
        finally:
            self.made += spent

    def value(self, schema: Any, name: str = "", required: bool = True) -> Any:
        """A value for `schema`; `required=False` (an optional property) may draw null where
        the schema allows it."""
        self.made += 1
        if self.made > MAX_VALUES or self._depth > HARD_DEPTH:
            return None
        if schema is True or schema is None:
            schema = {}
        if not isinstance(schema, Mapping):  # `false`: no value fits; the caller leaves it out
            return None
        if "$ref" in schema:
            return self._follow(schema, name, required)
        flat = self._flat(schema)
        if self._null_ok(schema, flat):
            if self.lean:
                return None
            if not required and self.rng.random() < 0.15:
                return None
        if "const" in flat:
            return copy.deepcopy(flat["const"])
        if "enum" in flat:
            return self._enum(schema, flat)
        if "oneOf" in flat:
            return self._one_of(flat, name)
        if "anyOf" in flat:
            return self._any_of(flat, name)
        if "not" in flat:
            return self._not(flat, name)
        return self._typed(flat, name)

    def _typed(self, flat: Mapping[str, Any], name: str) -> Any:
        kind = self._kind(flat)
        if kind == "object":
            return self.object(flat)
        if kind == "array":
            return self.array(flat, name)
        if kind == "boolean":
            default = flat.get("default")
            if isinstance(default, bool):
                return default if self.rng.random() < 0.8 else not default
            return self.rng.random() < 0.5
        if kind == "integer":
            return self.integer(flat, name)
        if kind == "number":
            return self.number(flat, name)
        if kind == "null":
            return None
        return self.string(flat, name)

    @property
    def lean(self) -> bool:
        """Make only what the schema requires (the body is big, deep or recursing)."""
        return self.made > LEAN_AFTER or self._depth > MAX_DEPTH or self._refs > MAX_REF_DEPTH or self._optional <= 0

    def _null_ok(self, schema: Mapping[str, Any], flat: Mapping[str, Any]) -> bool:
        if not (flat.get("nullable") or _may_be_null(flat) or "anyOf" in flat or "oneOf" in flat):
            return False  # nothing in it allows null: no need to ask the validator
        return self.judge.allows_null(schema)

    def _kind(self, flat: Mapping[str, Any]) -> str:
        kind = flat.get("type")
        if isinstance(kind, list):
            options = [k for k in kind if k != "null"]
            if not options:
                return "null"
            return str(options[0] if len(options) == 1 else self.rng.choice(options))
        if isinstance(kind, str):
            return kind
        if "properties" in flat:
            return "object"
        if any(k in flat for k in _OBJECT_KEYS):
            return "object"
        if any(k in flat for k in _ARRAY_KEYS):
            return "array"
        if any(k in flat for k in _NUMBER_KEYS) and not any(k in flat for k in _STRING_KEYS):
            return "number"
        return "string"

    def _follow(self, schema: Mapping[str, Any], name: str, required: bool) -> Any:
        """A `$ref` kept where deref cut a recursive schema: its target, one turn deeper."""
        target = self._target(schema)
        if target is None or self._refs > HARD_DEPTH:  # no document to look in: as before, the recursion ends here
            return None if schema.get("nullable") or not required else {}
        self._refs += 1
        try:
            return self.value(target, name, required)
        finally:
            self._refs -= 1

    def _target(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        document = self.document
        if document is None:
            return None

        def make() -> Mapping[str, Any] | None:
            found = pointed(document, str(schema["$ref"]))
            if not isinstance(found, Mapping):
                return None
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            return {**found, **siblings} if siblings else found

        target: Mapping[str, Any] | None = _cached("ref", (schema, document), make)
        return target

    def _flat(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """`schema` with its `allOf` parts merged in (the schema itself when it has none)."""
        if "allOf" not in schema:
            return schema
        if id(schema) in self._flattening:  # an allOf that reaches itself through a kept $ref
            return {k: v for k, v in schema.items() if k != "allOf"}
        self._flattening.add(id(schema))
        try:
            flat: Mapping[str, Any] = _cached("flat", (schema, self.document), lambda: self._merge_all(schema))
        finally:
            self._flattening.discard(id(schema))
        return flat

    def _merge_all(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        later: list[Any] = []
        closed = [_own_names(merged)]  # each part's additionalProperties: false allows its own names only
        for part in schema.get("allOf") or []:
            if isinstance(part, Mapping) and "$ref" in part:
                part = self._target(part) or {}
            if not isinstance(part, Mapping):
                continue
            part = self._flat(part)
            closed.append(_own_names(part))
            for key, value in part.items():
                if key in _COMBINATORS and key in merged:
                    later.append({key: value})  # a second oneOf: merged once the first is drawn
                elif key == "allOf":
                    later += value
                else:
                    _merge_key(merged, key, value)
        props = merged.get("properties")
        for names in closed:
            if names is not None and isinstance(props, Mapping):
                props = merged["properties"] = {k: v for k, v in props.items() if k in names}
        if later:
            merged["allOf"] = later
        return merged

    def _merge(self, base: Mapping[str, Any], branch: Any) -> Mapping[str, Any] | None:
        """`base` and one branch of its oneOf/anyOf as one schema; None when they cannot
        both hold (their types differ)."""
        if branch is True:
            branch = {}
        if not isinstance(branch, Mapping):
            return None

        def make() -> Mapping[str, Any] | None:
            part = (self._target(branch) or {}) if "$ref" in branch else branch
            if not base:
                return self._flat(part)
            merged = self._merge_all({**base, "allOf": [*base.get("allOf", []), part]})
            return None if merged.get("type") == [] else merged

        merged: Mapping[str, Any] | None = _cached("merge", (base, branch, self.document), make)
        return merged

    @contextmanager
    def _variant(self, attempt: int) -> Iterator[None]:
        """Draw again differently: with fewer optional properties (a value that matched two
        branches of a oneOf often matches one with fewer, or more, of them)."""
        kept = self._optional
        if attempt:
            self._optional = (0.5, 0.0, 0.8, 0.3, 0.6)[(attempt - 1) % 5] * kept
        try:
            yield
        finally:
            self._optional = kept

    @contextmanager
    def _turn(self, branch: Any) -> Iterator[None]:
        """A branch that is a kept `$ref` (`anyOf: [{$ref: Node}, null]`) is one more turn of
        a recursive schema, as a `$ref` followed by `_follow` is."""
        turn = isinstance(branch, Mapping) and "$ref" in branch
        self._refs += turn
        try:
            yield
        finally:
            self._refs -= turn

    # --- enum, oneOf, anyOf, not -----------------------------------------------------------

    def _enum(self, schema: Mapping[str, Any], flat: Mapping[str, Any]) -> Any:
        values = list(flat["enum"] or [])
        kind = flat.get("type")
        kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else None
        if kinds is not None or None in values:
            null = self.judge.allows_null(schema) if None in values else False
            values = [v for v in values if (v is None and null) or (v is not None and _has_kind(v, kinds))]
        if not values:
            return None
        if len(values) > 1 and any(k in flat for k in (*_COMBINATORS, *_STRING_KEYS, *_NUMBER_KEYS)):
            fitting = [v for v in values if self.judge.fits(schema, v)]
            values = fitting or values
        return copy.deepcopy(self.rng.choice(values))

    def _branches(self, flat: Mapping[str, Any], key: str) -> tuple[Mapping[str, Any], list[Any]]:
        base: Mapping[str, Any] = _cached(
            f"base {key}", (flat,), lambda: {k: v for k, v in flat.items() if k not in (key, "discriminator")}
        )
        branches = flat[key]
        return base, branches if isinstance(branches, list) else []

    def _order(self, base: Mapping[str, Any], branches: list[Any]) -> list[int]:
        """Branches to draw from, in the order to try them: random, the cheapest first when
        only what is required is made; a branch that is only `null` last."""
        order = list(range(len(branches)))
        self.rng.shuffle(order)
        costs: list[int] = _cached(
            "costs", (base, branches, self.document), lambda: [_cost(self._merge(base, b)) for b in branches]
        )
        order = [i for i in order if costs[i] < 99]
        if self.lean:
            order.sort(key=lambda i: costs[i])
        else:
            order.sort(key=lambda i: costs[i] == 0)  # a null branch last: the null was drawn already
        return order

    def _one_of(self, flat: Mapping[str, Any], name: str) -> Any:
        base, branches = self._branches(flat, "oneOf")
        order = self._order(base, branches)
        if not order:
            return None
        discriminated = "discriminator" in flat
        value: Any = None
        for attempt in range(TRIES):
            i = order[attempt % len(order)]
            merged = self._merge(base, branches[i])
            with self._variant(attempt // len(order) if len(order) > 1 else attempt), self._turn(branches[i]):
                value = self.value(merged, name, True)
            if discriminated:
                value = self._discriminate(flat, branches, i, value)
                if self.dialect == "3.0":
                    return value  # a 3.0 validator checks the mapped branch only
            if "allOf" in base and not self.judge.fits(merged, value):
                continue  # another part's oneOf refuses it (two oneOfs in an allOf): the next branch
            if self._only(branches, i, value):
                return value
            if isinstance(value, dict) and merged is not None and self._separate(merged, branches, i, value):
                return value
        return value

    def _only(self, branches: list[Any], chosen: int, value: Any) -> bool:
        """Whether `value` fits no branch but the chosen one."""
        for j, branch in enumerate(branches):
            if j != chosen and not self._rejects(branch, value) and self.judge.fits(branch, value):
                return False
        return True

    def _separate(self, chosen: Mapping[str, Any], branches: list[Any], i: int, value: dict[str, Any]) -> bool:
        """Make an object that fits other branches of a oneOf too fit only the chosen one
        (branches of objects whose properties are allowed in one another): give a property
        another branch declares a value that branch refuses and the chosen one allows. Whether
        it now fits the chosen branch only."""
        for j, branch in enumerate(branches):
            if j != i and not self._rejects(branch, value) and self.judge.fits(branch, value):
                self._spoil(chosen, value, branch, 0)
        return self.judge.fits(branches[i], value) and self._only(branches, i, value)

    def _spoil(self, chosen: Mapping[str, Any], value: dict[str, Any], other: Any, depth: int) -> bool:
        """Leave out a property `other` requires and `chosen` does not, or set one to a value
        `chosen` allows and `other` refuses (in the branches of `other` that `value` fits, when
        `other` is a oneOf or anyOf itself): first a value made again for the property, else a
        plain one (null, "", 0, ...)."""
        flat = self._merge({}, other) or {}
        props = chosen.get("properties") or {}
        extra = chosen.get("additionalProperties")
        keep = set(chosen.get("required") or ())
        for prop in flat.get("required") or ():  # a property the other branch requires and the chosen one does not
            if (
                prop in value
                and prop not in keep
                and self.judge.fits(chosen, {k: v for k, v in value.items() if k != prop})
            ):
                del value[prop]
                return True
        for prop, sub in (flat.get("properties") or {}).items():
            allowed = props.get(prop, extra if isinstance(extra, Mapping) or extra is False else {})
            if allowed is False:
                continue
            remade = [self.value(allowed, prop) for _ in range(2)] if prop in props else []
            for candidate in (*remade, *_SPOILERS):
                if self.judge.fits(allowed, candidate) and not self.judge.fits(sub, candidate):
                    value[prop] = copy.deepcopy(candidate)
                    return True
        spoiled = False
        for key in ("oneOf", "anyOf"):
            for branch in flat.get(key) or () if depth < 2 else ():
                if not self._rejects(branch, value) and self.judge.fits(branch, value):
                    spoiled = self._spoil(chosen, value, branch, depth + 1) or spoiled
        return spoiled

    def _rejects(self, branch: Any, value: Any) -> bool:
        """A cheap sure 'no' (`Sketch`); False: ask the validator."""
        if value is None or not isinstance(branch, Mapping):
            return False
        return self._sketch_of(branch).rejects(value)

    def _sketch_of(self, branch: Mapping[str, Any], depth: int = 0) -> Sketch:
        sketch: Sketch = _cached(
            f"sketch {self.dialect} {self.direction}", (branch, self.document), lambda: self._sketch(branch, depth)
        )
        return sketch

    def _sketch(self, branch: Mapping[str, Any], depth: int) -> Sketch:
        flat = self._merge({}, branch) or {}
        alternatives = None
        for key in ("oneOf", "anyOf"):
            options = flat.get(key)
            if isinstance(options, list) and depth < 3 and all(isinstance(o, Mapping) for o in options):
                alternatives = tuple(self._sketch_of(o, depth + 1) for o in options)
                break
        kind = flat.get("type")
        types = frozenset([kind] if isinstance(kind, str) else kind) if isinstance(kind, (str, list)) else None
        props = flat.get("properties") or {}
        hidden = "readOnly" if self.direction == WRITE else "writeOnly"
        required = tuple(
            p
            for p in flat.get("required") or ()
            if not (self.dialect == "3.0" and isinstance(props.get(p), Mapping) and self._flat(props[p]).get(hidden))
        )
        fixed = []
        for prop, sub in props.items():
            if isinstance(sub, Mapping) and "const" in sub:
                fixed.append((prop, (sub["const"],)))
            elif isinstance(sub, Mapping) and isinstance(sub.get("enum"), list):
                fixed.append((prop, tuple(sub["enum"])))
        closed = None
        if flat.get("additionalProperties") is False and not flat.get("patternProperties"):
            closed = frozenset(props)
        inner: tuple[tuple[str, Sketch], ...] = ()
        items = None
        if depth < 4:
            inner = tuple((p, self._sketch_of(sub, depth + 1)) for p, sub in props.items() if isinstance(sub, Mapping))
            if isinstance(flat.get("items"), Mapping) and not flat.get("prefixItems"):
                items = self._sketch_of(flat["items"], depth + 1)
        return Sketch(types, required, tuple(fixed), closed, alternatives, inner, items)

    def _discriminate(self, flat: Mapping[str, Any], branches: list[Any], chosen: int, value: Any) -> Any:
        """The discriminator's property set to the value that names the chosen branch."""
        discriminator = flat.get("discriminator")
        if not isinstance(value, dict) or not isinstance(discriminator, Mapping):
            return value
        prop = discriminator.get("propertyName")
        label = self._label(discriminator, branches[chosen])
        if not isinstance(prop, str) or label is None:
            return value
        merged = self._merge({}, branches[chosen]) or {}
        prop_schema = (merged.get("properties") or {}).get(prop, {})
        if value.get(prop) != label and self.judge.fits(prop_schema, label):
            value[prop] = label
        return value

    def _label(self, discriminator: Mapping[str, Any], branch: Any) -> str | None:
        """The discriminator value that names `branch`: the one its own property allows alone
        (`const`, or an `enum` of one), else the mapping's label for it, else (a 3.0 document
        with no mapping, whose validator looks the value up as a component's name) the name
        of the component it is: the same object, else an equal one, else the only one alike (a
        component of a recursive union, expanded at two places, keeps its `$ref`s at others)."""

        def make() -> str | None:
            target = self._target(branch) if isinstance(branch, Mapping) and "$ref" in branch else branch
            if not isinstance(target, Mapping):
                return None
            sub = (self._flat(target).get("properties") or {}).get(discriminator.get("propertyName"))
            if isinstance(sub, Mapping):
                if isinstance(sub.get("const"), str):
                    return str(sub["const"])
                enum = sub.get("enum")
                if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
                    return enum[0]
            document = self.document
            if document is None:
                return None
            named = [
                (label, pointed(document, str(ref))) for label, ref in (discriminator.get("mapping") or {}).items()
            ]
            if not named:  # no mapping: a component's name, of those that look like it
                index: dict[Any, list[tuple[str, Any]]] = _cached("components", (document,), lambda: _index(document))
                named = index.get(_fingerprint(target), [])
            for label, schema in named:
                if schema is target:
                    return str(label)
            alike = [(label, schema) for label, schema in named if _fingerprint(schema) == _fingerprint(target)]
            for label, schema in alike:  # a copy of it, once resolved: equal, not the same object
                if _same(schema, target):
                    return str(label)
            # expanded elsewhere on a cycle (its `$ref`s kept at other places): unequal, alone alike
            if len(alike) == 1:
                return str(alike[0][0])
            return None

        label: str | None = _cached("label", (discriminator, branch, self.document), make)
        return label

    def _any_of(self, flat: Mapping[str, Any], name: str) -> Any:
        base, branches = self._branches(flat, "anyOf")
        order = self._order(base, branches)
        value: Any = None
        for i in order[:TRIES]:
            merged = self._merge(base, branches[i])
            with self._turn(branches[i]):
                value = self.value(merged, name, True)
            if "discriminator" in flat:
                value = self._discriminate(flat, branches, i, value)
            # a branch alone is made to fit; beside other keywords it may ask what they forbid
            if not _constrains(base) or (merged is not None and self.judge.fits(merged, value)):
                return value
        return value

    def _not(self, flat: Mapping[str, Any], name: str) -> Any:
        base: Mapping[str, Any] = _cached("not", (flat,), lambda: {k: v for k, v in flat.items() if k != "not"})
        value: Any = None
        for attempt in range(NOT_TRIES):
            with self._variant(attempt):
                value = self.value(base, name, True)
            if not self.judge.fits(flat["not"], value):
                return value
        return value

    # --- objects and arrays -----------------------------------------------------------------

    def object(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        flat = self._flat(schema)
        required = set(flat.get("required") or [])
        result: dict[str, Any] = {}
        self._depth += 1
        try:
            props = flat.get("properties") or {}
            for prop, sub in props.items():
                if self._wanted(sub, prop in required):
                    result[prop] = self.value(sub, prop, prop in required)
            extra = flat.get("additionalProperties")
            for prop in required:  # a required name with no property (a vendor's slip): made all the same
                if prop not in props and isinstance(prop, str) and extra is not False:
                    result[prop] = self.value(extra if isinstance(extra, Mapping) else {}, prop)
            for prop, needed in (flat.get("dependentRequired") or {}).items():  # 3.1: `a` present needs `b`
                for other in needed if prop in result and isinstance(needed, list) else ():
                    if other not in result:
                        result[other] = self.value(props.get(other, extra if isinstance(extra, Mapping) else {}), other)
            self._fill(flat, result, required)
        finally:
            self._depth -= 1
        _make_usage_consistent(result)
        return result

    def _wanted(self, sub: Any, required: bool) -> bool:
        """Whether to make a property: not a readOnly one in a request body nor a writeOnly
        one in a response body (in 3.0 even when required: its validator lets them out);
        an optional one unless only what is required is made, and not an optional turn of
        a recursive schema."""
        if sub is False:
            return False
        if isinstance(sub, Mapping):
            flat = self._flat(sub) if "$ref" not in sub else sub
            hidden = "readOnly" if self.direction == WRITE else "writeOnly"
            if flat.get(hidden) is True and (self.dialect == "3.0" or not required):
                return False
        if required:
            return True
        if self.lean or (isinstance(sub, Mapping) and "$ref" in sub):
            return False
        return self._optional >= 1 or self.rng.random() < self._optional

    def _fill(self, flat: Mapping[str, Any], result: dict[str, Any], required: set[str]) -> None:
        """Entries of a map (`additionalProperties: {schema}` with no properties), and as many
        as minProperties asks; optional ones dropped past maxProperties."""
        extra = flat.get("additionalProperties")
        low = int(flat.get("minProperties") or 0)
        high = flat.get("maxProperties")
        typed_map = isinstance(extra, Mapping) and bool(extra) and not flat.get("properties")
        wanted = low
        if typed_map and not self.lean:
            wanted = max(low, self.rng.randint(1, 2))
        if isinstance(high, int):
            wanted = min(wanted, high)
        if len(result) < wanted:
            for prop, sub in (flat.get("properties") or {}).items():  # optional properties left out first
                if len(result) >= wanted:
                    break
                if prop not in result and self._wanted(sub, True):
                    result[prop] = self.value(sub, prop, True)
        if len(result) < wanted and extra is not False and not flat.get("patternProperties"):
            names = flat.get("propertyNames")
            for _ in range(3 * wanted):
                if len(result) >= wanted:
                    break
                key = self.value(names if isinstance(names, Mapping) else {"minLength": 1}, "key_name")
                if isinstance(key, str) and key not in result:
                    result[key] = self.value(extra if isinstance(extra, Mapping) else {}, key)
        if isinstance(high, int) and len(result) > high:
            for prop in [p for p in reversed(result) if p not in required][: len(result) - high]:
                del result[prop]

    def array(self, schema: Mapping[str, Any], name: str) -> list[Any]:
        flat = self._flat(schema)
        items = flat.get("items", {})
        if items is True or items is None:
            items = {}
        prefix = flat.get("prefixItems") if self.dialect != "3.0" else None
        prefix = list(prefix) if isinstance(prefix, list) else []
        # items of a recursive schema: the list ends here, unless it may not be empty
        recursive = isinstance(items, Mapping) and "$ref" in items and not prefix
        if recursive and (self.document is None or not flat.get("minItems")):
            return []
        if isinstance(items, Mapping):
            items = self._flat(items)
        most = flat.get("maxItems")
        if self.lean:
            count = int(flat.get("minItems") or 0)
        else:
            low = int(flat.get("minItems", 1))
            high = max(low, min(int(flat.get("maxItems", 3)), 3))
            if isinstance(most, int):
                high = min(high, most)
                low = min(low, high)
            count = self.rng.randint(low, high)
        if items is False:  # 3.1: nothing past the prefix
            count = min(count, len(prefix))
        count = max(count, min(len(prefix), most if isinstance(most, int) else len(prefix)))
        self._depth += 1
        try:
            return self._items(flat, items, prefix, count, name)
        finally:
            self._depth -= 1

    def _items(self, flat: Mapping[str, Any], items: Any, prefix: list[Any], count: int, name: str) -> list[Any]:
        unique = bool(flat.get("uniqueItems"))
        if not prefix and isinstance(items, Mapping) and "enum" in items:
            options = list(items["enum"] or [])
            if count > len(options) and not unique:
                return [copy.deepcopy(self.rng.choice(options)) for _ in range(count)] if options else []
            return copy.deepcopy(self.rng.sample(options, min(count, len(options))))
        if not prefix and name == "locales" and all(self.judge.fits(items, code) for code in LOCALES):
            return self.rng.sample(LOCALES, min(count, len(LOCALES)))
        singular = name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")  # countries: country
        result: list[Any] = [self.value(sub, singular) for sub in prefix[:count]]
        seen = {_key(v) for v in result} if unique else set()
        tries = 3 * count + 3
        while len(result) < count and tries > 0:
            tries -= 1
            made = self.value(items, singular)
            if unique:
                if _key(made) in seen:
                    continue
                seen.add(_key(made))
            result.append(made)
        return result

    # --- numbers and strings -----------------------------------------------------------------

    def integer(self, schema: Mapping[str, Any], name: str) -> int:
        bounds = Bounds.of(schema, self.dialect)
        low, high = bounds.integers()
        step = schema.get("multipleOf")
        guess = self._integer_guess(schema, name)
        if guess is not None and bounds.holds(guess) and _multiple(guess, step):
            return guess
        lo = low if low is not None else (0 if high is None or high >= 0 else high - 1000)
        span = 50 if name.endswith("translated") else 1000
        hi = high if high is not None else max(lo, 0) + span
        if hi - lo > 1_000_000_000:  # int64 bounds: a plausible number, not a 19-digit one
            lo = min(max(lo, 0), hi - 1000)
            hi = lo + 1000
        if schema.get("format") in ("int32", "int64"):
            limit = 2**31 if schema["format"] == "int32" else 2**63
            lo, hi = max(lo, -limit), min(hi, limit - 1)
        if lo > hi:
            return lo
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            unit = Fraction(str(step))  # 0.75 as 3/4: the integers among its multiples are multiples of 3
            unit = Fraction(unit.numerator) if unit.denominator > 1 else unit
            first, last = math.ceil(Fraction(lo) / unit), math.floor(Fraction(hi) / unit)
            value = lo
            for _ in range(8 if first <= last else 0):  # the validator divides floats: 7 / 0.1 is no integer to it
                value = int(self.rng.randint(first, last) * unit)
                if self.judge.fits({"multipleOf": step}, value):
                    break
            return value
        return self.rng.randint(lo, hi)

    def _integer_guess(self, schema: Mapping[str, Any], name: str) -> int | None:
        if name in ("width", "height"):
            return self.rng.choice((512, 768, 1024, 1536))
        if name == "file_size":
            return self.rng.randint(8_000, 4_000_000)
        if schema.get("format") == "unixtime" or name in _EPOCH_NAMES or name.endswith("_at"):
            return fakestrings.epoch_seconds(self.rng)
        return None

    def number(self, schema: Mapping[str, Any], name: str) -> float | int:
        bounds = Bounds.of(schema, self.dialect)
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            return self._multiple_of(bounds, step)
        if schema.get("format") == "unixtime" or name in _EPOCH_NAMES or name.endswith("_at"):
            stamp = fakestrings.epoch_seconds(self.rng)
            if bounds.holds(stamp):
                return stamp
        low, high = bounds.low, bounds.high
        lo = float(low if low is not None else (0 if high is None or high >= 0 else high - 1000))
        hi = float(high if high is not None else lo + 1000)
        if hi - lo > 1e9:
            lo = min(max(lo, 0), hi - 1000)
            hi = lo + 1000
        for _ in range(4):
            value = round(self.rng.uniform(lo, hi), 2)
            if bounds.holds(value):
                return value
        return (lo + hi) / 2

    def _multiple_of(self, bounds: Bounds, step: float) -> float | int:
        lo = bounds.low if bounds.low is not None else 0
        hi = bounds.high if bounds.high is not None else lo + 1000 * step
        first, last = math.ceil(Fraction(lo) / Fraction(step)), math.floor(Fraction(hi) / Fraction(step))
        value: float | int = 0
        for _ in range(8):
            k = self.rng.randint(first, max(first, last))
            value = int(k * step) if float(k * step).is_integer() else k * step
            if bounds.holds(value) and self.judge.fits({"multipleOf": step}, value):
                return value
        return value

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        """A string for `schema`: the field name's guess where it fits, else its `example`
        (an id-like one: another of its form), a string of its `pattern` or `format`, or a
        word, within its lengths."""
        guess = self._string_guess(schema, name)
        if guess is not None and self._fits(schema, guess):
            return guess
        for example in _examples(schema):
            if self._fits(schema, example):
                if fakestrings.is_token(example):  # an id, a code: one of the same form, not the same one each time
                    alike = fakestrings.shaped(self.rng, example)
                    return alike if self._fits(schema, alike) else example
                return example
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        high = int(high) if isinstance(high, (int, float)) else None
        pattern = self.judge.pattern(schema.get("pattern")) if "pattern" in schema else None
        fmt = schema.get("format")
        drawn: str | None = None
        if pattern is not None:
            for text in fakestrings.lookalikes(self.fake, self.rng):
                if self._fits(schema, text):
                    return text
            for _ in range(3):  # the pattern's own strings, until one has the format too
                drawn = fakestrings.from_pattern(self.rng, pattern, low, high)
                if drawn is None or self._fits(schema, drawn):
                    break
            if drawn is not None and self._fits(schema, drawn):
                return drawn
        if isinstance(fmt, str):
            made = fakestrings.for_format(self.fake, self.rng, fmt)
            if made is not None and self._fits(schema, made):
                return made
        word = fakestrings.fit_length(self.rng, str(self.fake.word()), low, high)
        return drawn if drawn is not None and not self._fits(schema, word) else word

    def _fits(self, schema: Mapping[str, Any], text: str) -> bool:
        return self.judge.fits(schema, text)

    def _string_guess(self, schema: Mapping[str, Any], name: str) -> str | None:  # noqa: C901 - a lookup table, by field name
        fmt = schema.get("format", "")
        low = name.lower()
        fake, rng = self.fake, self.rng
        if fmt == "uuid":
            return random_uuid(rng)
        if fmt == "date-time":
            return fakestrings.date_time(fake)
        if fmt == "date":
            return fakestrings.date(fake)
        if fmt == "email" or low.endswith("email"):
            return f"{fake.word()}.{fake.word()}@{fakestrings.domain(fake, rng)}"
        if low.endswith("model"):
            return rng.choice(MODELS)
        if fmt in ("uri", "url") or low.endswith(("url", "uri", "href")):
            if "image" in low or low == "url":
                return f"https://cdn.{fakestrings.domain(fake, rng)}/images/{random_token(rng, 16, 'hex')}.png"
            return f"https://{fakestrings.domain(fake, rng)}/{fake.uri_path()}"
        if low == "key":
            return f"images/{random_token(rng, 16, 'hex')}.png"
        if low.endswith("_id") or low == "id":
            stem = low[:-3] if low.endswith("_id") else "id"
            return f"{stem.split('_')[-1]}_{random_token(rng, 14)}"
        if low in ("title", "name") or low.endswith("title"):
            return str(fake.sentence(nb_words=rng.randint(3, 7), variable_nb_words=False)).rstrip(".").title()
        if low == "slug":
            return "-".join(re.findall(r"[a-z0-9]+", str(fake.sentence(nb_words=4)).lower()))
        if low.endswith("filename") or low == "file_name":
            return str(fake.file_name(extension=rng.choice(("docx", "pdf", "md", "html"))))
        if low == "content_type" or low.endswith("mime_type"):
            return rng.choice(MIME_TYPES)
        if low.endswith("html"):
            return f"<p>{fake.paragraph(nb_sentences=2)}</p>"
        if low == "operation":
            return rng.choice(OPERATIONS)
        if low.endswith("tier"):
            return rng.choice(TIERS)
        if low in ("locale", "language"):
            return rng.choice(LOCALES)
        if low in _TEXT_NAMES:
            return str(fake.paragraph(nb_sentences=rng.randint(1, 3)))
        if low in _MESSAGE_NAMES:
            return str(fake.sentence())
        return self._more_guesses(schema, low)

    def _more_guesses(self, schema: Mapping[str, Any], low: str) -> str | None:
        fake, rng = self.fake, self.rng
        if isinstance(schema.get("format"), str) and schema["format"] in fakestrings.FORMATS:
            return fakestrings.for_format(fake, rng, schema["format"])
        if low.endswith(("language", "language_code", "lang", "_locale")) or low in ("language_code", "lang_code"):
            return rng.choice(LANGUAGES)
        if low in ("country", "country_code") or low.endswith("_country"):
            return rng.choice(COUNTRIES)
        if low == "currency" or low.endswith("_currency"):
            return rng.choice(CURRENCIES)
        if low in ("timezone", "time_zone", "tz"):
            return rng.choice(TIMEZONES)
        if low.endswith("_at") or low in ("created", "updated", "timestamp"):
            return fakestrings.date_time(fake)
        if low.endswith("_date") or low == "date":
            return fakestrings.date(fake)
        if low in ("phone", "phone_number"):
            return f"+1555{rng.randint(1_000_000, 9_999_999)}"
        if low in ("first_name", "last_name", "full_name", "username", "display_name"):
            first, last = str(fake.first_name()), str(fake.last_name())
            return {"first_name": first, "last_name": last, "username": f"{first.lower()}{rng.randint(1, 99)}"}.get(
                low, f"{first} {last}"
            )
        if low in ("company", "organization", "organization_name"):
            return str(fake.company())
        if low in ("city",):
            return str(fake.city())
        if low in ("version",):
            return f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
        if low in ("domain", "hostname", "host"):
            return fakestrings.domain(fake, rng)
        if low in _PROSE_NAMES:
            return str(fake.sentence(nb_words=rng.randint(6, 14)))
        return None


# --- helpers ----------------------------------------------------------------------------------


_ANNOTATIONS = frozenset(
    ("title", "description", "example", "examples", "default", "deprecated", "$comment", "externalDocs")
)


def _constrains(schema: Mapping[str, Any]) -> bool:
    """Whether `schema` holds a keyword that can refuse a value (not only words about it)."""
    return any(key not in _ANNOTATIONS and not str(key).startswith("x-") for key in schema)


def _fingerprint(schema: Any) -> Any:
    """A cheap first look before `_same`: the keys, title and property names."""
    if not isinstance(schema, Mapping):
        return None
    props = schema.get("properties")
    return (tuple(schema), str(schema.get("title")), tuple(props) if isinstance(props, Mapping) else ())


def _index(document: Mapping[str, Any]) -> dict[Any, list[tuple[str, Any]]]:
    """The document's component schemas by fingerprint."""
    index: dict[Any, list[tuple[str, Any]]] = {}
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        index.setdefault(_fingerprint(schema), []).append((str(name), schema))
    return index


def _same(one: Any, two: Any, budget: int = 5_000) -> bool:
    """Whether two resolved schemas are equal, looking at no more than `budget` nodes (False
    past it): a component and the copy of it a `$ref` was resolved to are equal, not the same
    object, and may share large parts."""
    if not isinstance(one, Mapping) or not isinstance(two, Mapping) or one.keys() != two.keys():
        return False
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Any, Any]] = [(one, two)]
    while stack:
        a, b = stack.pop()
        if a is b or (id(a), id(b)) in seen:
            continue
        seen.add((id(a), id(b)))
        budget -= 1
        if budget < 0 or type(a) is not type(b):
            return False
        if isinstance(a, Mapping):
            if a.keys() != b.keys():
                return False
            stack += [(a[k], b[k]) for k in a]
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            stack += list(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def _merge_key(merged: dict[str, Any], key: str, value: Any) -> None:
    """One keyword of an allOf part folded into `merged`: both must hold."""
    if key not in merged:
        merged[key] = value
        return
    mine = merged[key]
    if key == "properties" and isinstance(mine, Mapping) and isinstance(value, Mapping):
        both = dict(mine)
        for prop, sub in value.items():
            both[prop] = {"allOf": [mine[prop], sub]} if prop in mine and mine[prop] != sub else sub
        merged[key] = both
    elif key == "required" and isinstance(mine, list) and isinstance(value, list):
        merged[key] = list(dict.fromkeys([*mine, *value]))
    elif key == "type":
        merged[key] = _common_type(mine, value)
    elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
        merged[key] = [v for v in mine if v in value]
    elif key in _LOWER and isinstance(mine, (int, float)) and isinstance(value, (int, float)):
        merged[key] = max(mine, value)
    elif key in _UPPER and isinstance(mine, (int, float)) and isinstance(value, (int, float)):
        merged[key] = min(mine, value)
    elif key in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(mine, bool) or isinstance(value, bool):
            merged[key] = bool(mine) or bool(value)
        else:
            merged[key] = max(mine, value) if key == "exclusiveMinimum" else min(mine, value)
    elif key == "nullable":
        merged[key] = bool(mine) and bool(value)
    elif key in ("readOnly", "writeOnly", "uniqueItems"):
        merged[key] = bool(mine) or bool(value)
    elif key == "additionalProperties":
        merged[key] = False if mine is False or value is False else mine
    elif key == "items" and mine != value:
        merged[key] = {"allOf": [mine, value]}


def _own_names(part: Mapping[str, Any]) -> set[str] | None:
    """The only property names a part with `additionalProperties: false` allows (its own
    properties; the validator applies it part by part), None for an open part."""
    if part.get("additionalProperties") is not False or part.get("patternProperties"):
        return None
    props = part.get("properties")
    return set(props) if isinstance(props, Mapping) else set()


def _common_type(mine: Any, value: Any) -> Any:
    """The types both allow ("integer" where one says number and the other integer)."""
    ours = {mine} if isinstance(mine, str) else set(mine or ())
    theirs = {value} if isinstance(value, str) else set(value or ())
    both = ours & theirs
    if ("integer" in ours and "number" in theirs) or ("number" in ours and "integer" in theirs):
        both.add("integer")
    kept = [t for t in (mine if isinstance(mine, list) else [mine]) if t in both]
    kept += [t for t in sorted(both) if t not in kept]
    return kept[0] if len(kept) == 1 else kept


def _may_be_null(flat: Mapping[str, Any]) -> bool:
    kind = flat.get("type")
    if kind is None:
        return ("enum" in flat and None in (flat["enum"] or ())) or ("const" in flat and flat["const"] is None)
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def _has_kind(value: Any, kinds: Collection[str] | None) -> bool:
    if kinds is None:
        return True
    if value is None:
        return "null" in kinds
    kind = _TYPES_OF.get(type(value))
    if kind == "integer" and "number" in kinds:
        return True
    if kind == "number" and "integer" in kinds and float(value).is_integer():
        return True
    return kind in kinds


@dataclass(frozen=True)
class Sketch:
    """What a schema surely asks of a value, checked without the validator: its types, its
    required properties, properties fixed by `const` or `enum`, and (additionalProperties:
    false) the only property names it allows; the sketches of its oneOf/anyOf branches (it
    fits one of them), of its properties and of its items. Used to tell at once that a value does not
    fit the other branches of a oneOf; anything it cannot tell is left to the validator."""

    types: frozenset[str] | None
    required: tuple[str, ...]
    fixed: tuple[tuple[str, tuple[Any, ...]], ...]
    closed: frozenset[str] | None
    alternatives: tuple[Sketch, ...] | None = None  # its oneOf or anyOf branches: it fits one of them
    properties: tuple[tuple[str, Sketch], ...] = ()
    items: Sketch | None = None

    def rejects(self, value: Any) -> bool:
        if value is None:
            return False
        if self.types is not None and not _has_kind(value, self.types):
            return True
        if isinstance(value, dict):
            if any(p not in value for p in self.required):
                return True
            if any(p in value and value[p] not in allowed for p, allowed in self.fixed):
                return True
            if self.closed is not None and any(k not in self.closed for k in value):
                return True
            if any(p in value and sketch.rejects(value[p]) for p, sketch in self.properties):
                return True
        elif isinstance(value, list) and self.items is not None and any(self.items.rejects(v) for v in value):
            return True
        return self.alternatives is not None and all(a.rejects(value) for a in self.alternatives)


def _cost(schema: Mapping[str, Any] | None) -> int:
    """How much a branch takes to make, roughly: 0 null, 1 a scalar, 2 an object or array
    that may be empty, 3 more, 99 impossible."""
    if schema is None:
        return 99
    kind = schema.get("type")
    if kind == "null" or kind == ["null"]:
        return 0
    if "$ref" in schema:
        return 5
    if kind in ("string", "integer", "number", "boolean") or "enum" in schema or "const" in schema:
        return 1
    if kind == "object" or "properties" in schema:
        return 2 if not schema.get("required") else 3
    if kind == "array":
        return 2 if not schema.get("minItems") else 3
    return 1 if kind is None else 3


@dataclass(frozen=True)
class Bounds:
    """A number schema's bounds as its dialect's validator reads them: in 3.0 (JSON Schema
    draft 4) a boolean `exclusiveMinimum` makes `minimum` strict; in 3.1 `exclusiveMinimum`
    is a number of its own (a boolean one, a vendor's slip, is compared as 1 or 0)."""

    low: float | None = None
    high: float | None = None
    strict_low: bool = False
    strict_high: bool = False

    @classmethod
    def of(cls, schema: Mapping[str, Any], dialect: str) -> Bounds:
        low, high = _number(schema.get("minimum")), _number(schema.get("maximum"))
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if dialect == "3.0":
            return cls(low, high, low is not None and bool(ex_low), high is not None and bool(ex_high))
        strict_low = strict_high = False
        if isinstance(ex_low, (int, float)) and (low is None or ex_low >= low):
            low, strict_low = int(ex_low) if isinstance(ex_low, bool) else ex_low, True
        if isinstance(ex_high, (int, float)) and (high is None or ex_high <= high):
            high, strict_high = int(ex_high) if isinstance(ex_high, bool) else ex_high, True
        return cls(low, high, strict_low, strict_high)

    def holds(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.strict_low and value == self.low)):
            return False
        return self.high is None or not (value > self.high or (self.strict_high and value == self.high))

    def integers(self) -> tuple[int | None, int | None]:
        """The least and greatest integers inside (None: unbounded)."""
        low = high = None
        if self.low is not None:
            low = math.floor(self.low) + 1 if self.strict_low and float(self.low).is_integer() else math.ceil(self.low)
        if self.high is not None:
            high = (
                math.ceil(self.high) - 1
                if self.strict_high and float(self.high).is_integer()
                else math.floor(self.high)
            )
        return low, high


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _multiple(value: int, step: Any) -> bool:
    if not isinstance(step, (int, float)) or step <= 0:
        return True
    return (Fraction(value) / Fraction(step)).denominator == 1


def _examples(schema: Mapping[str, Any]) -> list[str]:
    found = [schema["example"]] if "example" in schema else []
    examples = schema.get("examples")
    if isinstance(examples, list):
        found += examples
    return [e for e in found if isinstance(e, str)]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def match_counts(value: Any, total: int) -> None:
    """A list of numbered items (each with an `index`) in a job's result holds as many items as
    the job's count of them (`scenes_total` scenes), numbered 1..n: coherent with the count."""
    if total <= 0 or not isinstance(value, dict):
        return
    for key, items in value.items():
        if isinstance(items, list) and items and all(isinstance(i, dict) and "index" in i for i in items):
            value[key] = [{**items[n % len(items)], "index": n + 1} for n in range(total)]
        elif isinstance(items, dict):
            match_counts(items, total)


def _make_usage_consistent(obj: dict[str, Any]) -> None:
    """monthly_used + monthly_remaining == monthly_limit, as a real usage block would say."""
    keys = ("monthly_used", "monthly_limit", "monthly_remaining")
    if all(isinstance(obj.get(k), int) for k in keys):
        limit = max(obj["monthly_limit"], 1)
        used = obj["monthly_used"] % (limit + 1)
        obj.update(monthly_limit=limit, monthly_used=used, monthly_remaining=limit - used)
