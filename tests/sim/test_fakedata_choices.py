"""How the data maker chooses among a schema's alternatives, and where it stops (issue 20, item 4).

A `oneOf` value must fit exactly one branch, whatever overlaps vendors write (open objects that
fit one another, branches told apart by a required property, a property's type, a `const`, a
nested `oneOf`); a discriminator must name the branch; `not` must be kept. Bodies stay bounded:
past LEAN_AFTER values or MAX_DEPTH levels only what the schema requires is made, past
MAX_VALUES nothing, and a schema that requires itself forever still ends. Every value is held
to the real validator."""

from __future__ import annotations

import random
from typing import Any

import pytest

from jobmock.contract import openapi
from jobmock.contract.dialects import Dialect
from jobmock.contract.schema_fit import READ, WRITE, Direction, judge
from jobmock.sim import fakedata
from jobmock.sim.fakedata import Generator

SEEDS = range(30)
BOTH: list[Dialect] = ["3.0", "3.1"]


def generator(seed: int, dialect: Dialect = "3.1", direction: Direction = READ, document: Any = None) -> Generator:
    return Generator(
        random.Random(seed), fakedata.seeded_faker(seed), dialect=dialect, direction=direction, document=document
    )


def values(
    schema: Any,
    dialect: Dialect = "3.1",
    direction: Direction = READ,
    document: Any = None,
    seeds: range = SEEDS,
    required: bool = True,
) -> list[Any]:
    check = judge(dialect, direction, document)
    found = []
    for seed in seeds:
        value = generator(seed, dialect, direction, document).value(schema, "value", required)
        assert check.fits(schema, value), f"{dialect} seed {seed}: {value!r} does not fit"
        found.append(value)
    return found


def fitting(branches: list[Any], value: Any, dialect: Dialect) -> int:
    return sum(judge(dialect).fits(b, value) for b in branches)


# --- oneOf ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", BOTH)
def test_open_objects_that_fit_one_another_are_told_apart(dialect: Dialect) -> None:
    """Branches of open objects: a value of one fits the other unless a property it declares
    gets a value the other refuses, or a property the other requires is left out."""
    branches: list[Any] = [
        {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string"}, "lang": {"type": "string"}},
        },
        {"type": "object", "properties": {"lang": {"type": "integer"}, "size": {"type": "integer"}}},
    ]
    made = values({"oneOf": branches}, dialect)
    assert all(fitting(branches, v, dialect) == 1 for v in made)
    assert {"text" in v for v in made} == {True, False}


@pytest.mark.parametrize("dialect", BOTH)
def test_branches_fixed_by_an_enum_of_one_value_each_are_each_made(dialect: Dialect) -> None:
    branches: list[Any] = [
        {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": ["text"]}, "text": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": ["image"]}, "url": {"type": "string"}},
        },
        {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["audio"]}}},
    ]
    made = values({"oneOf": branches}, dialect, seeds=range(40))
    assert {v["type"] for v in made} == {"text", "image", "audio"}
    assert all(fitting(branches, v, dialect) == 1 for v in made)


def test_closed_branches_are_told_apart_by_their_names() -> None:
    branches: list[Any] = [
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}},
        {"type": "object", "additionalProperties": False, "properties": {"b": {"type": "string"}}},
    ]
    made = values({"oneOf": branches}, seeds=range(40))
    assert all(fitting(branches, v, "3.1") == 1 for v in made)
    assert {tuple(v) for v in made} == {("a",), ("b",)}


def test_a_oneof_whose_branches_have_oneofs_of_their_own_fits_one_branch() -> None:
    inner_a = {
        "oneOf": [{"type": "object", "properties": {"x": {"type": "integer"}}}, {"type": "object", "required": ["y"]}]
    }
    inner_b = {"type": "object", "properties": {"x": {"type": "string"}, "z": {"type": "boolean"}}}
    branches: list[Any] = [inner_a, inner_b]
    made = values({"oneOf": branches}, seeds=range(40))
    assert all(fitting(branches, v, "3.1") == 1 for v in made)


def test_arrays_of_different_items_in_a_oneof_fit_one_branch() -> None:
    branches: list[Any] = [
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
        {"type": "array", "items": {"type": "integer"}, "minItems": 1},
    ]
    made = values({"oneOf": branches}, seeds=range(40))
    assert all(fitting(branches, v, "3.1") == 1 for v in made)
    assert {type(v[0]) for v in made} == {str, int}


def test_a_scalar_oneof_of_overlapping_ranges_fits_one_range() -> None:
    branches: list[Any] = [{"type": "integer", "maximum": 10}, {"type": "integer", "minimum": 5}]
    assert all(fitting(branches, v, "3.1") == 1 for v in values({"oneOf": branches}))


def test_a_oneof_with_a_null_branch_is_null_only_when_optional() -> None:
    schema = {"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}]}
    assert None not in values(schema)
    optional = values(schema, required=False, seeds=range(100))
    assert None in optional and any(isinstance(v, dict) for v in optional)


def test_a_oneof_no_branch_of_which_can_hold_gives_nothing() -> None:
    schema = {"type": "string", "oneOf": [{"type": "integer"}, {"type": "boolean"}]}
    assert generator(1).value(schema) is None


@pytest.mark.parametrize("dialect", BOTH)
def test_a_discriminated_anyof_names_the_branch_made(dialect: Dialect) -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0" if dialect == "3.1" else "3.0.3",
            "components": {
                "schemas": {
                    "Text": {
                        "type": "object",
                        "required": ["kind", "text"],
                        "properties": {"kind": {"type": "string"}, "text": {"type": "string"}},
                    },
                    "Image": {
                        "type": "object",
                        "required": ["kind", "url"],
                        "properties": {"kind": {"type": "string"}, "url": {"type": "string"}},
                    },
                    "Part": {
                        "anyOf": [{"$ref": "#/components/schemas/Text"}, {"$ref": "#/components/schemas/Image"}],
                        "discriminator": {"propertyName": "kind"},
                    },
                }
            },
        }
    )
    made = values(document["components"]["schemas"]["Part"], dialect, document=document, seeds=range(40))
    assert {v["kind"] for v in made} == {"Text", "Image"}
    assert all(("text" in v) == (v["kind"] == "Text") for v in made)


@pytest.mark.parametrize("dialect", BOTH)
def test_a_discriminator_uses_the_branchs_own_single_value_over_a_component_name(dialect: Dialect) -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0" if dialect == "3.1" else "3.0.3",
            "components": {
                "schemas": {
                    "Done": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {"status": {"type": "string", "enum": ["done"]}, "result": {"type": "string"}},
                    },
                    "Failed": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {"status": {"type": "string", "enum": ["failed"]}, "error": {"type": "string"}},
                    },
                    "Outcome": {
                        "oneOf": [{"$ref": "#/components/schemas/Done"}, {"$ref": "#/components/schemas/Failed"}],
                        "discriminator": {
                            "propertyName": "status",
                            "mapping": {"done": "#/components/schemas/Done", "failed": "#/components/schemas/Failed"},
                        },
                    },
                }
            },
        }
    )
    made = values(document["components"]["schemas"]["Outcome"], dialect, document=document, seeds=range(40))
    assert {v["status"] for v in made} == {"done", "failed"}


# --- not ----------------------------------------------------------------------------------------


def test_not_keeps_a_value_out() -> None:
    made = values({"type": "integer", "minimum": 0, "maximum": 3, "not": {"enum": [0, 1]}}, seeds=range(60))
    assert set(made) == {2, 3}
    assert set(values({"enum": ["queued", "running", "done"], "not": {"enum": ["queued", "running"]}})) == {"done"}


def test_not_on_an_object_drops_what_it_forbids() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "not": {"required": ["a", "b"]},
    }
    assert all(not ({"a", "b"} <= set(v)) for v in values(schema))


# --- bounds on a body -----------------------------------------------------------------------------


def test_a_big_body_makes_only_what_is_required_once_it_is_big() -> None:
    item = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "note": {"type": "string"}, "tags": {"type": "array"}},
    }
    schema = {"type": "array", "items": item, "minItems": 400, "maxItems": 400}
    gen = generator(1)
    value = gen.value(schema)
    assert len(value) == 400 and judge("3.1").fits(schema, value)
    assert "note" in value[0] and set(value[-1]) == {"id"}
    assert gen.made <= fakedata.LEAN_AFTER + 3 * 400


def test_a_nullable_value_in_a_big_body_is_null() -> None:
    item = {"type": "object", "required": ["a"], "properties": {"a": {"type": ["string", "null"]}}}
    value = generator(1).value({"type": "array", "items": item, "minItems": 300, "maxItems": 300})
    assert value[0]["a"] is not None and value[-1]["a"] is None


def test_a_deep_schema_makes_only_what_is_required_past_max_depth() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for level in range(fakedata.MAX_DEPTH + 4):
        schema = {
            "type": "object",
            "required": ["down"],
            "properties": {"down": schema, "extra": {"type": "integer"}},
            "title": str(level),
        }
    value = generator(2).value(schema)
    assert judge("3.1").fits(schema, value)
    levels = []
    node = value
    while isinstance(node, dict):
        levels.append("extra" in node)
        node = node["down"]
    assert levels[0] and not levels[-1] and isinstance(node, str)


def test_a_body_asking_for_too_many_values_stops_at_max_values() -> None:
    schema = {"type": "array", "items": {"type": "integer"}, "minItems": 2 * fakedata.MAX_VALUES}
    gen = generator(3)
    value = gen.value(schema)
    assert len(value) == 2 * fakedata.MAX_VALUES and value.count(None) >= fakedata.MAX_VALUES
    assert gen.made <= 2 * fakedata.MAX_VALUES + 1


def test_an_optional_recursion_stops_after_a_few_turns() -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Comment": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {
                            "text": {"type": "string"},
                            "reply": {"$ref": "#/components/schemas/Comment"},
                            "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
                        },
                    }
                }
            },
        }
    )
    for value in values(document["components"]["schemas"]["Comment"], document=document, seeds=range(10)):
        turns = 0
        while "reply" in value:
            value, turns = value["reply"], turns + 1
        assert turns <= fakedata.MAX_REF_DEPTH + 1


def test_a_recursive_list_that_may_not_be_empty_holds_one_turn_more() -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Tree": {
                        "type": "object",
                        "required": ["children"],
                        "properties": {
                            "children": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"anyOf": [{"$ref": "#/components/schemas/Tree"}, {"type": "null"}]},
                            }
                        },
                    }
                }
            },
        }
    )
    for value in values(document["components"]["schemas"]["Tree"], document=document, seeds=range(5)):
        assert len(value["children"]) >= 1


# --- directions ----------------------------------------------------------------------------------


def test_a_31_required_read_only_property_stays_in_a_request() -> None:
    """In 3.1 readOnly is only a note: a required one must be sent."""
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": True}}}
    assert all("id" in v for v in values(schema, "3.1", WRITE))
    assert all("id" not in v for v in values({**schema, "required": []}, "3.1", WRITE))


def test_a_false_property_is_never_made() -> None:
    schema = {"type": "object", "properties": {"gone": False, "kept": {"type": "string"}}}
    assert all("gone" not in v and "kept" in v for v in values(schema))


def test_a_false_schema_gives_nothing_and_true_anything() -> None:
    assert generator(1).value(False) is None
    assert isinstance(generator(1).value(True), str)


def test_a_numbered_list_matches_the_count_of_its_items() -> None:
    value = {"scenes": [{"index": 7, "text": "a"}, {"index": 9, "text": "b"}], "meta": {"shots": [{"index": 1}]}}
    fakedata.match_counts(value, 3)
    assert [s["index"] for s in value["scenes"]] == [1, 2, 3]
    assert [s["text"] for s in value["scenes"]] == ["a", "b", "a"]
    assert [s["index"] for s in value["meta"]["shots"]] == [1, 2, 3]
    untouched = {"scenes": [{"index": 7}]}
    fakedata.match_counts(untouched, 0)
    assert untouched == {"scenes": [{"index": 7}]}


NULLABLE_TREE = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "required": ["child", "tag"],
                "properties": {
                    "tag": {"type": "string"},
                    "note": {"type": "string"},
                    "child": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                    "twin": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                },
            }
        }
    },
}


def chain(value: Any, key: str) -> list[dict[str, Any]]:
    nodes = []
    while isinstance(value, dict):
        nodes.append(value)
        value = value.get(key)
    return nodes


def test_a_required_nullable_recursion_ends_in_null_after_a_few_turns() -> None:
    """`child: anyOf [Node, null]`, required: each turn through the `$ref` counts, and past
    MAX_REF_DEPTH turns the child is null (a document resolved once shows two levels a turn)."""
    document = openapi.deref(NULLABLE_TREE)
    for value in values(document["components"]["schemas"]["Node"], document=document, seeds=range(6)):
        nodes = chain(value, "child")
        assert len(nodes) <= 2 * (fakedata.MAX_REF_DEPTH + 2) and len(nodes) < fakedata.MAX_DEPTH
        assert "note" in nodes[0] and "note" not in nodes[-1] and nodes[-1]["child"] is None
        # the optional twin is left out of recursion turns, never made
        assert all("twin" not in n or n["twin"] is None or isinstance(n["twin"], dict) for n in nodes)


def test_a_schema_that_requires_itself_forever_is_followed_to_the_hard_bound() -> None:
    document = openapi.deref(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Loop": {
                        "type": "object",
                        "required": ["next"],
                        "properties": {"next": {"$ref": "#/components/schemas/Loop"}},
                    }
                }
            },
        }
    )
    nodes = chain(generator(4, document=document).value(document["components"]["schemas"]["Loop"]), "next")
    assert fakedata.MAX_DEPTH < len(nodes) <= fakedata.HARD_DEPTH + 2


def test_without_the_document_a_kept_ref_is_null_where_nullable_or_optional_else_empty() -> None:
    gen = generator(1)
    assert gen.value({"$ref": "#/components/schemas/Node", "nullable": True}) is None
    assert gen.value({"$ref": "#/components/schemas/Node"}) == {}
    assert gen.value({"$ref": "#/components/schemas/Node"}, "x", required=False) is None


def test_a_required_nullable_value_kept_from_a_not_is_never_null() -> None:
    made = values({"type": ["string", "null"], "not": {"enum": ["x"]}}, seeds=range(100))
    assert all(isinstance(v, str) for v in made)


def pets_document(cat_type: dict[str, Any], nullable: bool = False) -> dict[str, Any]:
    cat = {
        "type": "object",
        "required": ["pet_type"],
        "properties": {"pet_type": cat_type, "meows": {"type": "boolean"}},
    }
    dog = {
        "type": "object",
        "required": ["pet_type"],
        "properties": {"pet_type": {"type": "string"}, "barks": {"type": "boolean"}},
    }
    branches: list[Any] = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
    if nullable:
        branches.append({"type": "null"})
    pet = {
        "oneOf": branches,
        "discriminator": {
            "propertyName": "pet_type",
            "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
        },
    }
    return openapi.deref({"openapi": "3.1.0", "components": {"schemas": {"Cat": cat, "Dog": dog, "Pet": pet}}})


def test_a_discriminator_label_the_property_refuses_is_not_written() -> None:
    """A vendor's slip: the mapping says `cat`, the Cat's own property allows two letters."""
    document = pets_document({"type": "string", "maxLength": 2})
    made = values(document["components"]["schemas"]["Pet"], document=document, seeds=range(40))
    kinds = {v["pet_type"] for v in made}
    assert "dog" in kinds and "cat" not in kinds and all(len(k) <= 2 for k in kinds - {"dog"})
    assert len(kinds) > 1  # cats are made too, with a drawn pet_type their schema allows


def test_a_discriminated_oneof_that_may_be_null_is_null_only_when_optional() -> None:
    document = pets_document({"type": "string"}, nullable=True)
    pet = document["components"]["schemas"]["Pet"]
    assert None not in values(pet, document=document, seeds=range(20))
    optional = values(pet, document=document, seeds=range(100), required=False)
    assert None in optional and {v["pet_type"] for v in optional if v} == {"cat", "dog"}


@pytest.mark.parametrize("mapping", [True, False])
def test_branches_alike_but_deep_inside_get_their_own_labels_in_30(mapping: bool) -> None:
    """`TextEvent` and `ImageEvent` have the same keys and property names, and differ in what
    `data` holds: each value is labelled with the component it was made from (a 3.0
    validator checks the labelled component only)."""

    def event(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["kind", "data"],
            "properties": {"kind": {"type": "string"}, "data": data},
        }

    text = event({"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}})
    image = event({"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri"}}})
    discriminator: dict[str, Any] = {"propertyName": "kind"}
    if mapping:
        discriminator["mapping"] = {
            "text": "#/components/schemas/TextEvent",
            "image": "#/components/schemas/ImageEvent",
        }
    event_schema = {
        "oneOf": [{"$ref": "#/components/schemas/TextEvent"}, {"$ref": "#/components/schemas/ImageEvent"}],
        "discriminator": discriminator,
    }
    document = openapi.deref(
        {"openapi": "3.0.3", "components": {"schemas": {"TextEvent": text, "ImageEvent": image, "Event": event_schema}}}
    )
    made = values(document["components"]["schemas"]["Event"], "3.0", document=document, seeds=range(30))
    text_label, image_label = ("text", "image") if mapping else ("TextEvent", "ImageEvent")
    assert {v["kind"] for v in made} == {text_label, image_label}
    assert all(("text" in v["data"]) == (v["kind"] == text_label) for v in made)


@pytest.mark.parametrize("dialect", BOTH)
def test_a_recursive_discriminated_union_labels_each_node(dialect: Dialect) -> None:
    """`Tree: oneOf [Leaf, Branch]` where a Branch holds Trees, the Branch declared first: the
    union's Branch is then a `$ref` kept on the cycle, and is labelled all the same."""
    node_kind = {"type": "string"}
    document = openapi.deref(
        {
            "openapi": "3.1.0" if dialect == "3.1" else "3.0.3",
            "components": {
                "schemas": {
                    "Branch": {
                        "type": "object",
                        "required": ["kind", "children"],
                        "properties": {
                            "kind": node_kind,
                            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
                        },
                    },
                    "Leaf": {
                        "type": "object",
                        "required": ["kind", "value"],
                        "properties": {"kind": node_kind, "value": {"type": "integer"}},
                    },
                    "Tree": {
                        "oneOf": [{"$ref": "#/components/schemas/Leaf"}, {"$ref": "#/components/schemas/Branch"}],
                        "discriminator": {
                            "propertyName": "kind",
                            "mapping": {"leaf": "#/components/schemas/Leaf", "branch": "#/components/schemas/Branch"},
                        },
                    },
                }
            },
        }
    )
    tree = document["components"]["schemas"]["Tree"]
    made = values(tree, dialect, document=document, seeds=range(30))
    assert {v["kind"] for v in made} == {"leaf", "branch"}
    assert all(("value" in v) == (v["kind"] == "leaf") for v in made)


def test_a_value_that_fits_a_nested_oneof_of_another_branch_is_told_apart_from_it() -> None:
    """`{z}` fits `oneOf [{x: integer}, {requires y}]` too (x is optional): a value of the
    second branch gets an `x` the nested branch refuses."""
    nested = {
        "oneOf": [{"type": "object", "properties": {"x": {"type": "integer"}}}, {"type": "object", "required": ["y"]}]
    }
    plain = {"type": "object", "properties": {"z": {"type": "boolean"}}}
    branches: list[Any] = [nested, plain]
    made = values({"oneOf": branches}, seeds=range(40))
    assert all(fitting(branches, v, "3.1") == 1 for v in made)
    assert any(judge("3.1").fits(plain, v) for v in made) and any(judge("3.1").fits(nested, v) for v in made)


def test_a_30_request_oneof_of_branches_requiring_a_read_only_id_fits_one() -> None:
    """In a 3.0 request a required readOnly `id` is left out (its validator lets it out):
    branches told apart by their other properties still get a value of one only."""
    branches: list[Any] = [
        {
            "type": "object",
            "required": ["id", "text"],
            "properties": {"id": {"type": "string", "readOnly": True}, "text": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string", "readOnly": True}, "text": {"type": "integer"}},
        },
    ]
    made = values({"oneOf": branches}, "3.0", WRITE, seeds=range(40))
    assert all("id" not in v for v in made)
    assert all(sum(judge("3.0", WRITE).fits(b, v) for b in branches) == 1 for v in made)


def test_a_branch_that_is_the_components_own_object_is_labelled_by_it() -> None:
    """A document built in Python may hold the component itself as a branch (no copy)."""
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
    pet = {
        "oneOf": [cat, dog],
        "discriminator": {
            "propertyName": "pet_type",
            "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
        },
    }
    document = {"openapi": "3.1.0", "components": {"schemas": {"Cat": cat, "Dog": dog, "Pet": pet}}}
    assert {v["pet_type"] for v in values(pet, document=document, seeds=range(30))} == {"cat", "dog"}


def test_nested_arrays_of_objects_make_only_what_is_required_past_max_depth() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(fakedata.MAX_DEPTH):
        schema = {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["down"],
                "properties": {"down": schema, "extra": {"type": "integer"}},
            },
        }
    value = generator(2).value(schema)
    assert judge("3.1").fits(schema, value)
    extras = []
    while isinstance(value, list):
        extras.append("extra" in value[0])
        value = value[0]["down"]
    assert extras[0] and not extras[-1]


def test_branches_that_differ_only_in_a_type_get_their_own_labels_in_30() -> None:
    """Same keys, same property names: only `data`'s type tells TextEvent from CountEvent."""

    def event(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["kind", "data"],
            "properties": {"kind": {"type": "string"}, "data": {"type": kind}},
        }

    mapping = {"text": "#/components/schemas/TextEvent", "count": "#/components/schemas/CountEvent"}
    event_schema = {
        "oneOf": [{"$ref": "#/components/schemas/TextEvent"}, {"$ref": "#/components/schemas/CountEvent"}],
        "discriminator": {"propertyName": "kind", "mapping": mapping},
    }
    document = openapi.deref(
        {
            "openapi": "3.0.3",
            "components": {
                "schemas": {"TextEvent": event("string"), "CountEvent": event("integer"), "Event": event_schema}
            },
        }
    )
    made = values(document["components"]["schemas"]["Event"], "3.0", document=document, seeds=range(30))
    assert {v["kind"] for v in made} == {"text", "count"}
    assert all(isinstance(v["data"], str) == (v["kind"] == "text") for v in made)


def test_an_any_of_beside_words_only_is_not_judged_again_and_beside_a_keyword_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A nullable `anyOf` with a description (how vendors write an optional field) is made
    from its branch alone: asking the validator again doubled the time of such bodies."""
    judged: list[Any] = []
    real = fakedata.Generator(random.Random(0), fakedata.seeded_faker(0), dialect="3.1").judge
    original = type(real).fits

    def fits(self: Any, schema: Any, value: Any) -> bool:
        if isinstance(schema, dict) and schema.get("title") == "Name" and value is not None:  # the branch made
            judged.append(value)
        return bool(original(self, schema, value))

    monkeypatch.setattr(type(real), "fits", fits)
    words = {"title": "Name", "description": "d", "x-order": 1, "anyOf": [{"type": "string"}, {"type": "null"}]}
    Generator(random.Random(0), fakedata.seeded_faker(0), dialect="3.1").value(words)
    assert judged == []
    bounded = {**words, "maxLength": 3}
    Generator(random.Random(0), fakedata.seeded_faker(0), dialect="3.1").value(bounded)
    assert len(judged) == 1
