"""`allOf` parts as vendors write them, made into one value that satisfies every part (issue 20,
item 4): a value must hold each keyword of each part at once, so the data maker merges them as
the validator reads them (the tighter bound, the shared types and enum values, every required
property, `additionalProperties: false` from any part). Each row is held to the real validator
of its dialect in both directions, and says what a user would check on the value."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from jobmock.contract import openapi
from jobmock.contract.dialects import Dialect
from jobmock.contract.schema_fit import READ, WRITE, Direction, judge
from jobmock.sim import fakedata
from jobmock.sim.fakedata import Generator

SEEDS = range(30)
BOTH: list[Dialect] = ["3.0", "3.1"]


def values(
    schema: Any,
    dialect: Dialect,
    direction: Direction = READ,
    document: dict[str, Any] | None = None,
    seeds: range = SEEDS,
) -> list[Any]:
    check = judge(dialect, direction, document)
    found = []
    for seed in seeds:
        gen = Generator(
            random.Random(seed), fakedata.seeded_faker(seed), dialect=dialect, direction=direction, document=document
        )
        value = gen.value(schema, "value")
        assert check.fits(schema, value), f"{dialect} {direction} seed {seed}: {value!r} does not fit"
        found.append(value)
    return found


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


CASES: list[tuple[str, dict[str, Any], Callable[[Any], bool]]] = [
    (
        "objects: every property and every required one",
        {
            "allOf": [
                {**obj(a={"type": "string"}), "required": ["a"]},
                {**obj(b={"type": "integer"}), "required": ["b"]},
            ]
        },
        lambda v: isinstance(v["a"], str) and isinstance(v["b"], int),
    ),
    (
        "the same property in two parts holds both",
        {"allOf": [obj(n={"type": "integer", "minimum": 10}), {**obj(n={"maximum": 12}), "required": ["n"]}]},
        lambda v: 10 <= v["n"] <= 12,
    ),
    (
        "the same property written alike in both parts",
        {"allOf": [{**obj(n={"type": "integer"}), "required": ["n"]}, obj(n={"type": "integer"})]},
        lambda v: isinstance(v["n"], int),
    ),
    ("the higher minimum", {"allOf": [{"type": "integer", "minimum": 5}, {"minimum": 900}]}, lambda v: v >= 900),
    ("the lower maximum", {"allOf": [{"type": "integer", "maximum": 500}, {"maximum": 3}]}, lambda v: v <= 3),
    (
        "the longer minLength and the shorter maxLength",
        {"allOf": [{"type": "string", "minLength": 2, "maxLength": 30}, {"minLength": 6, "maxLength": 7}]},
        lambda v: 6 <= len(v) <= 7,
    ),
    (
        "the more items asked and the fewer allowed",
        {"allOf": [{"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 9}, {"minItems": 2}]},
        lambda v: len(v) >= 2,
    ),
    (
        "maxItems of a later part",
        {"allOf": [{"type": "array", "items": {"type": "integer"}, "maxItems": 9}, {"maxItems": 1}]},
        lambda v: len(v) <= 1,
    ),
    (
        "properties counts of two parts",
        {
            "allOf": [
                {"type": "object", "minProperties": 1, "maxProperties": 5},
                {"minProperties": 2, "maxProperties": 2},
            ]
        },
        lambda v: len(v) == 2,
    ),
    (
        "enum values both parts allow",
        {"allOf": [{"type": "string", "enum": ["a", "b", "c"]}, {"enum": ["b", "c", "d"]}]},
        lambda v: v in ("b", "c"),
    ),
    (
        "integer where a part says number",
        {"allOf": [{"type": "number"}, {"type": "integer"}]},
        lambda v: type(v) is int,
    ),
    (
        "integer where the first says integer",
        {"allOf": [{"type": "integer"}, {"type": "number"}]},
        lambda v: type(v) is int,
    ),
    (
        "items of two parts hold both",
        {"allOf": [{"type": "array", "items": {"type": "integer", "minimum": 3}}, {"items": {"maximum": 4}}]},
        lambda v: all(3 <= x <= 4 for x in v),
    ),
    (
        "uniqueItems from any part",
        {"allOf": [{"type": "array", "items": {"enum": [1, 2]}, "minItems": 2}, {"uniqueItems": True}]},
        lambda v: sorted(v) == [1, 2],
    ),
    (
        "additionalProperties false in a part allows that part's properties only",
        {"allOf": [{**obj(a={"type": "string"}), "additionalProperties": {}}, {"additionalProperties": False}]},
        lambda v: v == {},
    ),
    (
        "additionalProperties false from the first part",
        {"allOf": [{**obj(a={"type": "string"}), "additionalProperties": False}, {"additionalProperties": {}}]},
        lambda v: set(v) <= {"a"},
    ),
    (
        "a typed map closed by another part is empty",
        {"allOf": [{"type": "object", "additionalProperties": {"type": "integer"}}, {"additionalProperties": False}]},
        lambda v: v == {},
    ),
    (
        "two oneOfs in a part beside a part's own oneOf: all three hold",
        {
            "allOf": [
                {
                    "oneOf": [
                        {"type": "integer", "minimum": 0, "maximum": 10},
                        {"type": "integer", "minimum": 20, "maximum": 30},
                    ]
                },
                {
                    "allOf": [
                        {"oneOf": [{"type": "integer", "maximum": 5}, {"type": "integer", "minimum": 25}]},
                        {"oneOf": [{"type": "integer", "maximum": 100}, {"type": "integer", "minimum": 1000}]},
                    ]
                },
            ]
        },
        lambda v: 0 <= v <= 5 or 25 <= v <= 30,
    ),
    (
        "an allOf inside a part",
        {"allOf": [{"allOf": [{"type": "integer", "minimum": 7}, {"maximum": 8}]}, {"multipleOf": 2}]},
        lambda v: v == 8,
    ),
    (
        "a part's own oneOf beside the other parts",
        {
            "allOf": [
                {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
                {"oneOf": [{**obj(kind={"enum": ["a"]})}, {**obj(kind={"enum": ["b"]})}]},
            ]
        },
        lambda v: v["kind"] in ("a", "b"),
    ),
    (
        "two parts with a oneOf each: both hold",
        {
            "allOf": [
                {"oneOf": [{"type": "integer", "minimum": 10, "maximum": 20}, {"type": "integer", "minimum": 50}]},
                {"oneOf": [{"type": "integer", "maximum": 15}, {"type": "integer", "minimum": 16, "maximum": 18}]},
            ]
        },
        lambda v: 10 <= v <= 18,
    ),
    (
        "a not beside it",
        {"allOf": [{"type": "string", "enum": ["x", "y"]}], "not": {"enum": ["x"]}},
        lambda v: v == "y",
    ),
    (
        "an anyOf beside it",
        {"allOf": [{"type": "integer", "minimum": 0, "maximum": 9}], "anyOf": [{"minimum": 8}, {"maximum": -1}]},
        lambda v: v in (8, 9),
    ),
]


@pytest.mark.parametrize("direction", [READ, WRITE])
@pytest.mark.parametrize("dialect", BOTH)
@pytest.mark.parametrize(("what", "schema", "holds"), CASES, ids=[c[0] for c in CASES])
def test_allof_parts_hold_together(
    what: str, schema: dict[str, Any], holds: Callable[[Any], bool], dialect: Dialect, direction: Direction
) -> None:
    made = values(schema, dialect, direction)
    wrong = [v for v in made if not holds(v)]
    assert not wrong, f"{what}: {wrong[:3]}"


@pytest.mark.parametrize("dialect", BOTH)
def test_exclusive_bounds_of_two_parts_both_hold(dialect: Dialect) -> None:
    if dialect == "3.0":
        schema = {
            "allOf": [
                {"type": "integer", "minimum": 1, "maximum": 4, "exclusiveMinimum": True},
                {"maximum": 4, "exclusiveMaximum": True},
            ]
        }
    else:
        schema = {"allOf": [{"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 9}, {"exclusiveMinimum": 1}]}
        assert set(values({"allOf": [{"type": "integer", "exclusiveMaximum": 9}, {"exclusiveMaximum": 3}]}, "3.1")) <= {
            0,
            1,
            2,
        }
    assert set(values(schema, dialect, seeds=range(60))) == {2, 3} | (set(range(4, 9)) if dialect == "3.1" else set())


def test_a_nullable_part_in_30_needs_every_part_nullable() -> None:
    """As an optional property (where null may be drawn): null only when every part allows it."""
    both = {"allOf": [{"type": "string", "nullable": True}, {"nullable": True, "maxLength": 4}]}
    one = {"allOf": [{"type": "string", "nullable": True}, {"nullable": False, "maxLength": 4}]}
    optional = {"type": "object", "properties": {"note": both}}
    notes = [v["note"] for v in values(optional, "3.0", seeds=range(100))]
    assert None in notes and all(n is None or len(n) <= 4 for n in notes)
    assert all(
        isinstance(v["note"], str)
        for v in values({"type": "object", "properties": {"note": one}}, "3.0", seeds=range(100))
    )


@pytest.mark.parametrize("dialect", BOTH)
def test_read_only_from_any_part_leaves_the_property_out_of_a_request(dialect: Dialect) -> None:
    schema = obj(id={"allOf": [{"type": "string"}, {"readOnly": True}]}, name={"type": "string"})
    assert all("id" not in v for v in values(schema, dialect, WRITE))
    assert all("id" in v for v in values(schema, dialect, READ))
    write_only = obj(secret={"allOf": [{"type": "string", "writeOnly": True}, {"readOnly": False}]})
    assert all("secret" not in v for v in values(write_only, dialect, READ))


@pytest.mark.parametrize("dialect", BOTH)
def test_a_part_that_is_a_ref_is_merged_like_any_other(dialect: Dialect) -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0" if dialect == "3.1" else "3.0.3",
            "components": {
                "schemas": {
                    "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                    "Node": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Base"},
                            {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "parent": {"$ref": "#/components/schemas/Node"},
                                    "size": {"type": "integer"},
                                },
                            },
                        ]
                    },
                }
            },
        }
    )
    node = document["components"]["schemas"]["Node"]
    for value in values(node, dialect, document=document, seeds=range(10)):
        assert isinstance(value["id"], str) and isinstance(value["size"], int)


def test_parts_that_allow_no_common_type_leave_the_branch_out_of_a_oneof() -> None:
    """`{type: string}` and a branch of `{type: integer}` cannot both hold: the other branch is made."""
    schema = {"type": "string", "oneOf": [{"type": "integer"}, {"maxLength": 3}]}
    assert all(isinstance(v, str) and len(v) <= 3 for v in values(schema, "3.1"))


def test_type_arrays_of_two_parts_keep_the_types_both_allow() -> None:
    """3.1 parts with type arrays: `[string, null]` and `[string, integer]` leave a string;
    `[integer, null]` and `[number, null]` an integer or null."""
    assert all(
        isinstance(v, str)
        for v in values({"allOf": [{"type": ["string", "null"]}, {"type": ["string", "integer"]}]}, "3.1")
    )
    made = values({"allOf": [{"type": ["integer", "null"]}, {"type": ["number", "null"]}]}, "3.1", seeds=range(40))
    assert all(v is None or type(v) is int for v in made) and any(type(v) is int for v in made)
    assert all(isinstance(v, str) for v in values({"allOf": [{"type": "string"}, {"type": ["string", "null"]}]}, "3.1"))


def test_an_inline_branch_without_a_label_keeps_its_drawn_discriminator_value() -> None:
    """No mapping, no const, no component to name it: the drawn value stays, never null."""
    kind = {"type": ["string", "null"]}
    schema = {
        "oneOf": [
            {"type": "object", "required": ["kind", "a"], "properties": {"kind": kind, "a": {"type": "integer"}}},
            {"type": "object", "required": ["kind", "b"], "properties": {"kind": kind, "b": {"type": "boolean"}}},
        ],
        "discriminator": {"propertyName": "kind"},
    }
    assert all(isinstance(v["kind"], str) for v in values(schema, "3.1", seeds=range(20)))


def test_an_allof_that_reaches_itself_ends_and_fits() -> None:
    """`Node: allOf [{$ref: Node}, {properties}]`, a vendor's loop (no validator can decide
    it: it recurses forever): made once, with what its other part asks."""
    document = openapi.deref(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Node": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Node"},
                            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                        ]
                    }
                }
            },
        }
    )
    for seed in range(5):
        gen = Generator(random.Random(seed), fakedata.seeded_faker(seed), dialect="3.1", document=document)
        value = gen.value(document["components"]["schemas"]["Node"])
        assert isinstance(value["name"], str) and set(value) <= {"name"}
