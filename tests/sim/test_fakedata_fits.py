"""Made-up data fits the vendor's own schema (issue 20, item 4), as the real validator of the
document's dialect says: OpenAPI 3.0 (openapi-schema-validator's read or write validator) and
3.1 (its OAS 3.1 validator, JSON Schema 2020-12), formats and patterns included.

One test per construct on small schemas, in both dialects where the construct is in both;
then the corpus: every request and response body schema of every operation of the vendors'
documents in tests/corpus/documents (JOBMOCK_CORPUS_DIR elsewhere), skipped when absent."""

from __future__ import annotations

import functools
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, OAS31Validator

from jobmock.contract import openapi
from jobmock.contract.dialects import Dialect
from jobmock.contract.document import Contract
from jobmock.contract.schema_fit import READ, WRITE, Direction, format_checker
from jobmock.sim import fakedata
from jobmock.sim.fakedata import Generator
from support import CORPUS, corpus_documents

SEEDS = range(40)
BOTH: list[Dialect] = ["3.0", "3.1"]


def validator(
    schema: Any, dialect: Dialect, direction: Direction = READ, document: Mapping[str, Any] | None = None
) -> Any:
    """The real validator for `schema`, its `$ref`s and discriminator mappings resolved in `document`."""
    read_or_write = OAS30ReadValidator if direction == READ else OAS30WriteValidator
    cls = read_or_write if dialect == "3.0" else OAS31Validator
    root = cls(dict(document or {}), format_checker=format_checker(dialect))
    return root.evolve(schema=schema)


def made(
    schema: Any,
    dialect: Dialect = "3.1",
    direction: Direction = READ,
    document: Mapping[str, Any] | None = None,
    name: str = "",
    required: bool = True,
    seeds: range = SEEDS,
) -> list[Any]:
    """Values made for `schema` under many seeds, each checked by the real validator."""
    check = validator(schema, dialect, direction, document)
    values = []
    for seed in seeds:
        gen = Generator(
            random.Random(seed), fakedata.seeded_faker(seed), dialect=dialect, direction=direction, document=document
        )
        value = gen.value(schema, name, required)
        errors = [e.message for e in check.iter_errors(value)]
        assert not errors, f"seed {seed}: {value!r} does not fit: {errors}"
        values.append(value)
    return values


def branches_fitting(branches: list[Any], value: Any, dialect: Dialect) -> int:
    return sum(validator(b, dialect).is_valid(value) for b in branches)


# --- oneOf, anyOf, allOf, not -----------------------------------------------------------------


@pytest.mark.parametrize("dialect", BOTH)
def test_a_oneof_value_fits_exactly_one_branch_even_where_the_branches_overlap(dialect: Dialect) -> None:
    branches: list[Any] = [
        {"type": "object", "properties": {"translation": {"type": "object", "properties": {"to": {"type": "string"}}}}},
        {"type": "object", "properties": {"speakers": {"type": "object", "properties": {"n": {"type": "integer"}}}}},
        {"type": "object", "properties": {"formatting": {"type": "object"}}},
    ]
    for value in made({"oneOf": branches}, dialect):
        assert branches_fitting(branches, value, dialect) == 1


@pytest.mark.parametrize("dialect", BOTH)
def test_a_oneof_of_a_format_and_a_plain_string_gets_a_string_of_one_only(dialect: Dialect) -> None:
    branches: list[Any] = [{"type": "string", "format": "uuid"}, {"type": "string", "maxLength": 40}]
    values = made({"oneOf": branches}, dialect)
    assert all(branches_fitting(branches, v, dialect) == 1 for v in values)


def test_a_oneof_of_integer_and_number_gets_a_number_that_is_no_integer() -> None:
    """Every integer is a number too: only a number with a fraction fits one branch."""
    branches: list[Any] = [{"type": "integer"}, {"type": "number"}]
    assert all(isinstance(v, float) and not v.is_integer() for v in made({"oneOf": branches}, "3.1"))


@pytest.mark.parametrize("dialect", BOTH)
def test_a_oneof_of_objects_that_differ_by_what_they_require_makes_each_kind(dialect: Dialect) -> None:
    branches: list[Any] = [
        {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri"}}},
        {"type": "object", "required": ["file_id"], "properties": {"file_id": {"type": "string"}}},
    ]
    schema = {"oneOf": branches, "properties": {"url": {"type": "string"}, "file_id": {"type": "string"}}}
    values = made(schema, dialect)
    assert {"url" in v for v in values} == {True, False}
    assert all(("url" in v) != ("file_id" in v) for v in values)


def test_an_anyof_with_a_null_branch_is_null_only_sometimes_and_only_when_optional() -> None:
    schema = {"anyOf": [{"type": "string", "maxLength": 12}, {"type": "null"}]}
    optional = made(schema, "3.1", required=False, seeds=range(100))
    assert None in optional and any(isinstance(v, str) for v in optional)
    assert None not in made(schema, "3.1", required=True)


@pytest.mark.parametrize("dialect", BOTH)
def test_allof_parts_are_merged_into_one_value(dialect: Dialect) -> None:
    schema = {
        "allOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "minLength": 10}}},
            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 5}}},
            {"properties": {"id": {"type": "string", "maxLength": 12}}},
        ]
    }
    for value in made(schema, dialect):
        assert {"id", "n"} <= set(value) and 10 <= len(value["id"]) <= 12 and value["n"] >= 5


@pytest.mark.parametrize("dialect", BOTH)
def test_not_is_respected(dialect: Dialect) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"image_url": {"type": "string", "format": "uri"}, "file_id": {"type": "string"}},
        "anyOf": [{"required": ["image_url"]}, {"required": ["file_id"]}],
        "not": {"required": ["image_url", "file_id"]},
    }
    values = made(schema, dialect)
    assert all(len(v) == 1 for v in values)
    assert all(v != "draft" for v in made({"type": "string", "enum": ["draft", "final"], "not": {"const": "draft"}}))


# --- null, const, enum ------------------------------------------------------------------------


def test_a_30_nullable_optional_value_is_sometimes_null() -> None:
    values = made({"type": "string", "nullable": True}, "3.0", required=False, seeds=range(100))
    assert None in values and any(isinstance(v, str) for v in values)


def test_a_30_nullable_enum_without_null_is_never_null() -> None:
    values = made({"type": "string", "nullable": True, "enum": ["a", "b"]}, "3.0", required=False, seeds=range(100))
    assert set(values) == {"a", "b"}


def test_nullable_means_nothing_in_31_and_a_type_array_with_null_is_its_null() -> None:
    assert None not in made({"type": "string", "nullable": True}, "3.1", required=False, seeds=range(100))
    values = made({"type": ["integer", "null"], "minimum": 3}, "3.1", required=False, seeds=range(100))
    assert None in values and all(v is None or v >= 3 for v in values)


def test_a_30_allof_with_nullable_beside_it_is_not_null_where_the_part_is_not_nullable() -> None:
    schema = {"nullable": True, "allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}]}
    assert None not in made(schema, "3.0", required=False, seeds=range(60))


def test_const_is_kept() -> None:
    assert set(map(json.dumps, made({"const": {"object": "list", "n": 1}}))) == {'{"object": "list", "n": 1}'}
    assert set(made({"type": "string", "const": "batch"})) == {"batch"}


@pytest.mark.parametrize("dialect", BOTH)
def test_an_enum_value_comes_from_the_enum_even_where_the_default_does_not(dialect: Dialect) -> None:
    schema = {"type": "string", "enum": ["low", "high"], "default": "auto"}
    assert set(made(schema, dialect)) == {"low", "high"}


# --- discriminators -----------------------------------------------------------------------------


def pets(version: str, mapping: bool) -> dict[str, Any]:
    cat = {
        "type": "object",
        "required": ["pet_type"],
        "properties": {"pet_type": {"type": "string"}, "meows": {"type": "boolean"}},
    }
    dog = {
        "type": "object",
        "required": ["pet_type"],
        "properties": {"pet_type": {"type": "string"}, "barks": {"type": "boolean"}},
    }
    discriminator: dict[str, Any] = {"propertyName": "pet_type"}
    if mapping:
        discriminator["mapping"] = {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}
    pet = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": discriminator,
    }
    return {"openapi": version, "components": {"schemas": {"Cat": cat, "Dog": dog, "Pet": pet}}}


@pytest.mark.parametrize(("version", "dialect"), [("3.0.3", "3.0"), ("3.1.0", "3.1")])
@pytest.mark.parametrize("mapping", [True, False])
def test_a_discriminator_names_the_branch_its_value_was_made_from(
    version: str, dialect: Dialect, mapping: bool
) -> None:
    document = openapi.deref(pets(version, mapping))
    values = made(document["components"]["schemas"]["Pet"], dialect, document=document)
    cat, dog = ("cat", "dog") if mapping else ("Cat", "Dog")
    assert {v["pet_type"] for v in values} == {cat, dog}
    # in 3.1 the discriminator is only a note: a Cat fits Dog too, unless `barks` is no boolean
    assert all(v["pet_type"] == (cat if v.get("meows") is not None else dog) for v in values)


# --- strings: formats, patterns, lengths --------------------------------------------------------

FORMATS = ("date-time", "date", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname", "duration", "byte")


@pytest.mark.parametrize("dialect", BOTH)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_string_of_a_format_has_that_format(dialect: Dialect, fmt: str) -> None:
    values = made({"type": "string", "format": fmt}, dialect, name="value")
    checker = format_checker(dialect)
    assert all(checker.conforms(v, fmt) for v in values)
    if fmt == "date-time":
        assert all(v.startswith("2025-") for v in values)  # fixed anchors, not the wall clock


@pytest.mark.parametrize(
    "pattern",
    [
        r"^JS[0-9a-fA-F]{32}$",
        r"^[a-zA-Z0-9_-]{1,64}$",
        r"^[a-z]([a-z0-9_-]*[a-z0-9])?$",
        r"^[^,\s]+$",
        r"^[0-9]+\.[0-9]+\.[0-9]+(-[a-zA-Z0-9.-]+)?$",
        r"^(?:(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?))$",
        r"^tunnel_[a-z0-9]{32}$",
        r"\W\w+",
    ],
)
def test_a_string_with_a_pattern_matches_it_and_stays_short(pattern: str) -> None:
    values = made({"type": "string", "pattern": pattern}, "3.1", name="value")
    assert all(re.search(pattern, v) and len(v) <= 80 for v in values)


def test_a_pattern_and_lengths_hold_together() -> None:
    values = made({"type": "string", "pattern": "^[a-z]+$", "minLength": 3, "maxLength": 5}, "3.0", name="code")
    assert all(3 <= len(v) <= 5 for v in values)


def test_a_datetime_pattern_gets_a_real_datetime() -> None:
    pattern = r"^(?:(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?))$"
    assert all(v.startswith("2025-") for v in made({"type": "string", "pattern": pattern}, "3.1"))


@pytest.mark.parametrize("dialect", BOTH)
def test_string_lengths_hold(dialect: Dialect) -> None:
    assert all(20 <= len(v) <= 24 for v in made({"type": "string", "minLength": 20, "maxLength": 24}, dialect))
    assert all(len(v) <= 3 for v in made({"type": "string", "maxLength": 3}, dialect, name="title"))


def test_an_id_like_example_gives_ids_of_its_form_and_other_examples_are_kept() -> None:
    ids = made({"type": "string", "example": "file-abc123"}, name="handle")
    assert all(re.fullmatch(r"file-[a-z]{3}\d{3}", v) for v in ids) and len(set(ids)) > 30
    assert set(made({"type": "string", "example": "mp3"}, name="codec")) == {"mp3"}
    assert set(made({"type": "string", "examples": ["2024-05-01"]}, "3.1", name="day")) == {"2024-05-01"}
    pinned = made({"type": "string", "pattern": "^JS[0-9a-f]{4}$", "example": "JS12ab"}, name="sid")
    assert all(re.fullmatch("JS[0-9a-f]{4}", v) for v in pinned)


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", BOTH)
def test_int64_bounds_give_a_plausible_number(dialect: Dialect) -> None:
    schema = {"type": "integer", "format": "int64", "minimum": -9223372036854775808, "maximum": 9223372036854775807}
    assert all(abs(v) <= 1_000_000 for v in made(schema, dialect))
    assert all(0 <= v <= 1000 for v in made({"type": "integer", "maximum": 9223372036854775807}, dialect))


def test_exclusive_bounds_in_30_are_flags_of_minimum_and_maximum() -> None:
    values = made(
        {"type": "integer", "minimum": 1, "maximum": 3, "exclusiveMinimum": True, "exclusiveMaximum": True}, "3.0"
    )
    assert set(values) == {2}
    assert all(
        0 < v <= 1 for v in made({"type": "number", "minimum": 0, "maximum": 1, "exclusiveMinimum": True}, "3.0")
    )


def test_exclusive_bounds_in_31_are_numbers_and_a_boolean_one_is_read_as_the_validator_reads_it() -> None:
    assert set(made({"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 3}, "3.1")) == {2}
    assert all(v > 0 for v in made({"type": "number", "exclusiveMinimum": 0, "maximum": 2}, "3.1"))
    assert all(
        1 < v <= 2 for v in made({"type": "number", "minimum": 0, "maximum": 2, "exclusiveMinimum": True}, "3.1")
    )


@pytest.mark.parametrize("dialect", BOTH)
@pytest.mark.parametrize(("kind", "step"), [("integer", 5), ("number", 0.01), ("number", 0.5), ("number", 2.5)])
def test_multiple_of_holds(dialect: Dialect, kind: str, step: float) -> None:
    made({"type": kind, "multipleOf": step, "minimum": 1, "maximum": 100}, dialect)


@pytest.mark.parametrize("name", ["created_at", "created", "expires_at"])
def test_an_integer_timestamp_field_gets_a_plausible_epoch_second(name: str) -> None:
    start, end = 1735689600, 1767225600  # 2025
    assert all(start <= v < end for v in made({"type": "integer"}, name=name))
    assert all(v <= 100 for v in made({"type": "integer", "maximum": 100}, name=name))


# --- objects and arrays ---------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", BOTH)
def test_array_bounds_and_unique_items_hold(dialect: Dialect) -> None:
    schema = {
        "type": "array",
        "minItems": 4,
        "maxItems": 6,
        "uniqueItems": True,
        "items": {"type": "integer", "maximum": 9},
    }
    assert all(4 <= len(v) <= 6 and len(set(v)) == len(v) for v in made(schema, dialect))
    assert all(v == [] for v in made({"type": "array", "maxItems": 0, "items": {"type": "string"}}, dialect))
    enum_items = {"type": "array", "minItems": 2, "uniqueItems": True, "items": {"enum": ["a", "b", "c"]}}
    assert all(len(set(v)) == len(v) >= 2 for v in made(enum_items, dialect))


def test_prefix_items_are_made_in_order() -> None:
    schema = {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string", "format": "date"}],
        "minItems": 2,
        "maxItems": 2,
    }
    assert all(isinstance(a, int) and isinstance(b, str) for a, b in made(schema, "3.1"))


@pytest.mark.parametrize("dialect", BOTH)
def test_object_keywords_hold(dialect: Dialect) -> None:
    closed = {
        "type": "object",
        "additionalProperties": False,
        "required": ["a"],
        "properties": {"a": {"type": "string"}},
    }
    assert all(set(v) == {"a"} for v in made(closed, dialect))
    typed_map = {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2, "maxProperties": 3}
    assert all(2 <= len(v) <= 3 for v in made(typed_map, dialect))
    many = {"type": "object", "minProperties": 2, "properties": {"a": {"type": "string"}}}
    assert all(len(v) >= 2 for v in made(many, dialect))
    slip = {
        "type": "object",
        "required": ["level"],
        "properties": {"other": {"type": "string"}},
    }  # a required name with no property
    assert all("level" in v for v in made(slip, dialect))


def test_dependent_required_properties_come_along() -> None:
    schema = {
        "type": "object",
        "properties": {"card": {"type": "string"}, "expiry": {"type": "string", "format": "date", "writeOnly": True}},
        "dependentRequired": {"card": ["expiry"]},
    }
    assert all("expiry" in v for v in made(schema, "3.1") if "card" in v)


def test_a_32_document_is_read_as_a_31_one() -> None:
    schema = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": ["string", "null"]}], "items": False}
    assert all(len(v) == 2 for v in made(schema, "3.2"))


def test_property_names_are_held_to_their_schema() -> None:
    schema = {
        "type": "object",
        "propertyNames": {"enum": ["en", "fr", "de"]},
        "additionalProperties": {"type": "string"},
    }
    assert all(set(v) <= {"en", "fr", "de"} and v for v in made(schema, "3.1"))


@pytest.mark.parametrize("dialect", BOTH)
def test_a_response_leaves_write_only_properties_out_and_a_request_read_only_ones(dialect: Dialect) -> None:
    schema = {
        "type": "object",
        "required": ["id", "password"] if dialect == "3.0" else [],
        "properties": {
            "id": {"type": "string", "readOnly": True},
            "password": {"type": "string", "writeOnly": True},
            "name": {"type": "string"},
        },
    }
    assert all(set(v) == {"id", "name"} for v in made(schema, dialect, READ))
    assert all(set(v) == {"password", "name"} for v in made(schema, dialect, WRITE))


# --- names guide values, within what the schema allows ---------------------------------------------


def test_field_names_guide_values() -> None:
    def one(name: str, schema: dict[str, Any] | None = None) -> set[Any]:
        return set(made(schema or {"type": "string"}, name=name, seeds=range(20)))

    assert one("language_code") <= set(fakedata.LANGUAGES)
    assert one("language") <= set(fakedata.LOCALES)
    assert one("country") <= set(fakedata.COUNTRIES) and one("currency") <= set(fakedata.CURRENCIES)
    assert all("@" in v for v in one("billing_email")) and all(v.startswith("https://") for v in one("webhook_url"))
    assert one("model") <= set(fakedata.MODELS)


def test_a_name_guess_that_does_not_fit_gives_way_to_the_schema() -> None:
    assert all(len(v) == 2 for v in made({"type": "string", "pattern": r"^\w{2}$"}, name="language"))
    assert set(made({"type": "string", "enum": ["english", "french"]}, name="language")) == {"english", "french"}
    assert all(len(v) <= 5 for v in made({"type": "string", "maxLength": 5}, name="email"))
    assert all(v.startswith("ft:") for v in made({"type": "string", "pattern": "^ft:"}, name="model"))


# --- recursion, size, time, stability ----------------------------------------------------------------


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


RECURSIVE = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "required": ["name", "children", "cause"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "cause": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                    "parent": {"$ref": "#/components/schemas/Node"},
                },
            }
        }
    },
}


def test_a_recursive_schema_is_made_to_a_bounded_depth_and_fits() -> None:
    """Every Node requires `children` and `cause`, each of which may hold another Node: an
    empty list and `null` end it, past the bound on depth."""
    document = openapi.deref(RECURSIVE)
    values = made(document["components"]["schemas"]["Node"], "3.1", document=document, seeds=range(10))
    assert all(depth(v) <= 2 * (fakedata.MAX_DEPTH + 2) for v in values)


def test_without_the_document_a_kept_ref_still_ends_the_recursion_as_before() -> None:
    gen = Generator(random.Random(1), fakedata.seeded_faker(1))
    assert gen.value({"$ref": "#/components/schemas/Node"}) == {}
    assert gen.value({"$ref": "#/components/schemas/Node"}, "cause", required=False) is None


def test_a_huge_schema_gives_a_bounded_body() -> None:
    leaf = {"type": "object", "properties": {f"f{i}": {"type": "string", "format": "uri"} for i in range(40)}}
    middle = {"type": "object", "properties": {f"m{i}": {"type": "array", "items": leaf} for i in range(40)}}
    top = {"type": "object", "properties": {f"t{i}": middle for i in range(40)}}
    gen = Generator(random.Random(3), fakedata.seeded_faker(3), dialect="3.1")
    value = gen.value(top)
    assert gen.made <= fakedata.LEAN_AFTER + 100
    assert validator(top, "3.1").is_valid(value)


STABLE_SCRIPT = """
import json, random
from jobmock.sim import fakedata
schemas = [
    {"type": "string", "pattern": r"^[^,\\s]+\\W[^a-z]{3}$"},
    {"type": "string", "format": "email"},
    {"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
               {"type": "object", "properties": {"b": {"type": "integer"}}}]},
]
out = []
for seed in range(5):
    gen = fakedata.Generator(random.Random(seed), fakedata.seeded_faker(seed), dialect="3.1")
    out.append([gen.value(s, "value") for s in schemas])
print(json.dumps(out))
"""


def test_the_same_seed_gives_the_same_values_in_any_process() -> None:
    runs = {
        subprocess.run(
            [sys.executable, "-c", STABLE_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(runs) == 1


# --- the corpus ------------------------------------------------------------------------------------

CORPUS_SEEDS = range(3)


def no_value_fits(schema: Mapping[str, Any], dialect: Dialect, direction: Direction) -> bool:
    """Whether no value at all can fit `schema` (a vendor's slip, so no fault of the data
    maker): a 3.0 schema that is readOnly as a whole, in a request body; or an object schema
    that requires a property one of its parts forbids (`additionalProperties: false` beside
    an allOf or oneOf that brings the properties: assemblyai's TranscriptParams and LeMUR
    schemas)."""
    if dialect == "3.0" and direction == WRITE and schema.get("readOnly") is True:
        return True
    return schema.get("type") == "object" and no_object_fits(schema, [])


def no_object_fits(schema: Any, closed: list[set[str]]) -> bool:
    """Whether no object fits `schema` beside parts that allow only the names in `closed`:
    it (or an allOf part) requires a name one of them does not allow, or every branch of a
    oneOf/anyOf of it does."""
    if not isinstance(schema, Mapping):
        return False
    parts = [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, Mapping))]
    closed = closed + [
        set(p.get("properties") or {})
        for p in parts
        if p.get("additionalProperties") is False and not p.get("patternProperties")
    ]
    required = {name for part in parts for name in part.get("required") or []}
    if any(required - names for names in closed):
        return True
    for part in parts:
        for key in ("oneOf", "anyOf"):
            branches = part.get(key)
            if isinstance(branches, list) and branches and all(no_object_fits(b, closed) for b in branches):
                return True
    return any(no_object_fits(part, closed) for part in parts[1:] if part.get("allOf"))


def bodies(resolved: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], Direction]]:
    """Every request body (WRITE) and response body (READ) schema of every operation."""
    for path, item in (resolved.get("paths") or {}).items():
        for method in openapi.HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            request = operation.get("requestBody") or {}
            for media_type, media in (request.get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield f"{method.upper()} {path} request {media_type}", media["schema"], WRITE
            for code, response in (operation.get("responses") or {}).items():
                for media_type, media in ((response or {}).get("content") or {}).items():
                    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                        yield f"{method.upper()} {path} {code} {media_type}", media["schema"], READ


@functools.cache
def loaded(path: Path) -> Contract:
    from jobmock.contract.model import load_api

    return load_api(path, check_openapi=False)


NO_CORPUS = f"no corpus documents in {CORPUS} (see tests/corpus/README.md)"


def check_values(
    path: Path, schemas: list[tuple[str, Mapping[str, Any], Direction]], seeds: range
) -> tuple[list[str], int]:
    """Values made for each schema under each seed, checked by the real validator: the
    failures, and how many schemas no value can fit."""
    contract = loaded(path)
    document = contract.resolved
    roots = {d: validator({}, contract.dialect, d, document) for d in (READ, WRITE)}
    failures: list[str] = []
    unfit = 0
    for where, schema, direction in schemas or list(bodies(document)):
        check = roots[direction].evolve(schema=schema)
        impossible = no_value_fits(schema, contract.dialect, direction)
        unfit += impossible
        for seed in seeds:
            gen = Generator(
                random.Random(seed),
                fakedata.seeded_faker(seed),
                dialect=contract.dialect,
                direction=direction,
                document=document,
            )
            value = gen.value(schema, where.split(" ")[0] if not schemas else "")
            assert gen.made <= fakedata.MAX_VALUES
            error = None if impossible else next(iter(check.iter_errors(value)), None)
            if error is not None:
                at = list(error.absolute_path)
                failures.append(f"{path.stem}: {where} (seed {seed}) at {at}: {error.message[:200]}")
    return failures, unfit


@pytest.mark.corpus
@pytest.mark.skipif(not corpus_documents(), reason=NO_CORPUS)
@pytest.mark.parametrize("path", corpus_documents(), ids=lambda p: p.stem)
def test_every_body_made_for_a_corpus_document_fits_its_schema(path: Path) -> None:
    """Every request and response body of every operation, three seeds each."""
    failures, unfit = check_values(path, [], CORPUS_SEEDS)
    assert not failures, "\n".join(failures[:30])
    assert unfit <= 1  # assemblyai's POST /v2/transcript


@pytest.mark.corpus
@pytest.mark.skipif(not corpus_documents(), reason=NO_CORPUS)
@pytest.mark.parametrize("path", corpus_documents(), ids=lambda p: p.stem)
def test_every_component_schema_of_a_corpus_document_gets_values_that_fit_it(path: Path) -> None:
    """Every schema of `components/schemas`, as a response and as a request, one seed."""
    schemas = (loaded(path).resolved.get("components") or {}).get("schemas") or {}
    named = [(name, s, d) for name, s in schemas.items() if isinstance(s, dict) for d in (READ, WRITE)]
    failures, _unfit = check_values(path, named, range(1))
    assert not failures, "\n".join(failures[:30])
